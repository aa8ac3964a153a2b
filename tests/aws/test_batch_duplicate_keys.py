"""`simulate aws --batch` refuses a duplicate key anywhere in a line, word for word as before (issue 24).

The batch decodes each line without the duplicate-key hook and proves the line had none by comparing its
colons with the case's `colon_weight`, which it adds up from the weights kept with each cached policy,
statement and SCP hierarchy (checker/core/source.py, `json_data_unproved`). These tests put a duplicate
key into every object of realistic cases, after the same case without it was decided and cached, and expect
the located error the located parser gives (file, line, column), never a decision.
"""

from __future__ import annotations

import copy
import io
import json
from random import Random
from typing import Any

import pytest

from checker.aws.batch import decide_case, decide_weighed_case
from checker.cli.simulate import run_batch
from checker.core.errors import InputError
from checker.core.source import colon_weight, parse_json_data
from tests.json_values import objects

from ..differential.generate import generate

CASES = [generated.case for generated in generate(120, seed=20261205)]
ROLE = "arn:aws:iam::111122223333:role/ml-train"


def _answers(lines: list[str], explain: bool = False) -> list[dict[str, Any]]:
    out = io.StringIO()
    run_batch(lines, "aws", explain, out, "cases.jsonl")
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _with_duplicate(case: dict[str, Any], which: int) -> str:
    """The case as one line whose `which`-th object repeats its first key (with the same value) at its end."""
    changed = copy.deepcopy(case)
    target = [o for o in objects(changed) if o][which]
    key = next(iter(target))
    target["\u0000marker"] = True
    text = json.dumps(changed)
    return text.replace('"\\u0000marker": true', json.dumps(key) + ": " + json.dumps(target[key]), 1)


def _located_error(line: str) -> str:
    with pytest.raises(InputError) as raised:
        parse_json_data(line, "cases.jsonl line 2")
    return str(raised.value)


@pytest.mark.parametrize("case", CASES[:40], ids=lambda c: str(c["id"]))
def test_a_duplicate_key_in_any_object_is_refused_with_its_position(case: dict[str, Any]) -> None:
    clean = json.dumps(case)
    for which in range(len([o for o in objects(case) if o])):
        line = _with_duplicate(case, which)
        expected = _located_error(line)
        assert "duplicate key" in expected and expected.startswith("cases.jsonl line 2:1:"), expected
        # The clean case first: every policy, statement and hierarchy of the line is cached by then.
        clean_answer, duplicate_answer = _answers([clean, line])
        assert "decision" in clean_answer
        assert duplicate_answer == {"id": None, "error": expected}


def test_a_cached_statement_with_a_duplicate_effect_is_not_taken_for_the_cached_one() -> None:
    """{"Effect": "Deny", "Effect": "Allow", ...} decodes to the cached Allow statement's content: only its
    colons tell them apart."""
    allow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    case = {"id": "c", "principal": ROLE, "action": "s3:GetObject",
            "identity_policies": [{"Version": "2012-10-17", "Statement": [dict(allow, Sid="First")]}]}
    clean = json.dumps(case)
    twice = clean.replace('"Effect": "Allow"', '"Effect": "Deny", "Effect": "Allow"')
    renamed = twice.replace('"First"', '"Second"')  # a new Sid: rebuilt from the cached statement
    answers = _answers([clean, twice, renamed])
    assert answers[0] == {"id": "c", "decision": "allow"}
    for answer in answers[1:]:
        assert answer["id"] is None and "duplicate key 'Effect' in the same object" in answer["error"]
        assert answer["error"].startswith(f"cases.jsonl line {answers.index(answer) + 1}:1:")


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c["id"]))
def test_the_weight_added_up_from_caches_is_the_cases_own(case: dict[str, Any]) -> None:
    """Whatever came from a cache (the same case twice, then with new Sids and labels), the weight the batch
    adds up is the one the case's data has."""
    renamed = copy.deepcopy(case)
    for policy in renamed.get("identity_policies") or []:
        statements = policy.get("Statement")
        for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
            if isinstance(statement, dict):
                statement["Sid"] = f"Renamed:{index}"
    renamed["note"] = {"why": ["a: label", {"x:y": None}]}
    for variant in (case, case, renamed, renamed):
        for explain in (False, True):
            try:
                _answer, weight = decide_weighed_case(copy.deepcopy(variant), explain)
            except InputError:
                continue
            assert weight == colon_weight(variant)


def test_a_null_sid_and_an_id_are_weighed_too() -> None:
    statement = {"Sid": None, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a:b/*"}
    policy = {"Version": "2012-10-17", "Id": "id:with:colons", "Statement": [statement]}
    case = {"principal": ROLE, "action": "s3:GetObject", "resource": "arn:aws:s3:::a:b/c",
            "identity_policies": [policy, copy.deepcopy(policy)], "context": {"k:1": ["a:b", 1, True]}}
    for _ in range(2):
        answer, weight = decide_weighed_case(copy.deepcopy(case), False)
        assert answer["decision"] == "allow"
        assert weight == colon_weight(case) == json.dumps(case).count(":")


def test_an_escaped_colon_is_decided_as_the_colon_it_stands_for() -> None:
    case = {"id": "c", "principal": ROLE, "action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/key",
            "identity_policies": [{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}]}]}
    plain = json.dumps(case)
    escaped = plain.replace("arn:aws:s3:::bucket/key", "arn\\u003aaws:s3:::bucket/key")
    assert _answers([plain, escaped]) == [{"id": "c", "decision": "allow"}] * 2


WRONG_VALUES = [None, 1, "x:y", [], {}, [1], {"a:b": 1}, True, [{}], [[{}]], {"Version": "2012-10-17"}, "", 0]
FIELDS = ["id", "principal", "action", "resource", "resource_account", "context", "identity_policies",
          "resource_policy", "permissions_boundary", "session_policy", "scps", "rcps", "restrict_public_buckets",
          "name", "note", "bogus"]


def test_every_line_is_answered_as_the_located_decoder_would_have_it() -> None:
    """Cases with one to three fields of the wrong shape, decided by the batch's fast path and by reading the
    line with the located decoder and `decide_case`: the same answer, error or decision, word for word."""
    rng = Random(20261205)
    lines = []
    for case in CASES:
        for _ in range(4):
            changed = dict(case)
            for field in rng.sample(FIELDS, rng.randint(1, 3)):
                changed[field] = rng.choice(WRONG_VALUES)
            lines.append(json.dumps(changed))
    expected = []
    for line in lines:
        case: Any = None
        try:
            case = parse_json_data(line, "cases.jsonl line 1")
            assert isinstance(case, dict)
            expected.append(decide_case(case, False))
        except InputError as exc:
            expected.append({"id": case.get("id") if isinstance(case, dict) else None, "error": str(exc)})
    assert any("error" in answer for answer in expected) and any("decision" in answer for answer in expected)
    for line, answer in zip(lines, expected, strict=True):
        assert _answers([line]) == [answer]


# The order a case's fields are checked in (the first wrong one is reported), as the batch always read them.
CHECK_ORDER = [("principal", 1), ("action", 1), ("resource", 1), ("context", "x"), ("identity_policies", "x"),
               ("resource_policy", "x"), ("permissions_boundary", "x"), ("session_policy", "x"), ("scps", "x"),
               ("rcps", "x"), ("resource_account", 1)]


@pytest.mark.parametrize("first", range(len(CHECK_ORDER) - 1))
def test_of_two_wrong_fields_the_first_checked_is_reported(first: int) -> None:
    for later in range(first + 1, len(CHECK_ORDER)):
        alone, both = dict(CASES[0]), dict(CASES[0])
        field, wrong = CHECK_ORDER[first]
        alone[field] = both[field] = wrong
        both[CHECK_ORDER[later][0]] = CHECK_ORDER[later][1]
        expected = _answers([json.dumps(alone)])
        assert "error" in expected[0]
        assert _answers([json.dumps(both)]) == expected, (field, CHECK_ORDER[later][0])
