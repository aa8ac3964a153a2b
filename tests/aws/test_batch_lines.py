"""A batch line decided from its text (checker/aws/batch_lines.py) is decided exactly as its decoded case (issue 24).

The fast path reads lines with msgspec and finds repeated parts (SCP levels, resource policies, boundaries,
session policies, contexts) by their raw text. Two things must hold for it to be the same simulator:
- msgspec never accepts a text the standard library's decoder refuses, and whatever it accepts it reads to
  the very same value (types, key order, every digit of an integer, every bit of a float);
- every line it answers is answered as `decide_case` answers the decoded case, word for word, and every line
  it cannot read exactly (a duplicate key, nesting too deep, an unknown field, a value of the wrong type)
  goes to the exact path, which words the error as it always did.
"""

from __future__ import annotations

import copy
import io
import json
from random import Random
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.aws import batch_lines
from checker.aws.batch import decide_case, decide_weighed_case
from checker.cli.simulate import _decide_lines, run_batch
from checker.core.errors import InputError
from checker.core.source import MAX_NESTING, parse_json_data
from tests.json_values import strictly_equal

from ..differential.generate import generate

ROLE = "arn:aws:iam::111122223333:role/ml-train"
SCP_ROOT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
SCP_REGIONS = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Regions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}],
}


def _refuse(name: str) -> Any:
    raise ValueError(name)


STANDARD = json.JSONDecoder(parse_constant=_refuse)  # as the batch's exact path reads a line (NaN refused)
ANY_VALUE = msgspec.json.Decoder()

# Texts built from JSON's own pieces, valid and broken: escapes, surrogates, numbers at every edge, control
# characters, whitespace JSON does not allow.
PIECES = st.sampled_from([
    "{", "}", "[", "]", ",", ":", '"', '"a"', '"b"', '"\\u003a"', '"\\ud800"', '"\\udc00"', '"\\ud83d\\ude00"',
    '"\\x"', '"\\/"', '"\t"', '"\x1f"', '"\x7f"', '"é"', '"\u2028"', "\\", "true", "false", "null", "NaN",
    "Infinity", "-Infinity", "0", "-0", "01", "1.", ".5", "1e400", "-1e400", "1e-400", "2.4703282292062328e-324",
    "9007199254740993", "18446744073709551616", "-9223372036854775809", "1" * 4300, "-" + "1" * 4300,
    "1" * 4301, "0.1", "1E+2", " ", "\t", "\n", "\r", "\x0b", "\xa0", "\ufeff",
])
TEXTS = st.lists(PIECES, max_size=12).map("".join)
NUMBERS = st.from_regex(r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)


def _standard(text: str | bytes) -> tuple[bool, Any]:
    try:
        return True, STANDARD.decode(text.decode("utf-8") if isinstance(text, bytes) else text)
    except (ValueError, RecursionError):
        return False, None


@settings(max_examples=1500, deadline=None)
@given(TEXTS)
def test_msgspec_accepts_only_what_the_standard_decoder_accepts_and_reads_it_alike(text: str) -> None:
    try:
        value = ANY_VALUE.decode(text)
    except (msgspec.MsgspecError, ValueError, RecursionError):
        return  # refused: the exact path reads it
    accepted, expected = _standard(text)
    assert accepted, f"msgspec read {text[:200]!r}, which the standard decoder refuses"
    assert strictly_equal(value, expected), text[:200]


@settings(max_examples=1500, deadline=None)
@given(NUMBERS)
def test_numbers_are_read_to_the_same_value_digit_for_digit(text: str) -> None:
    try:
        value = ANY_VALUE.decode(text)
    except (msgspec.MsgspecError, ValueError):
        return
    accepted, expected = _standard(text)
    assert accepted and strictly_equal(value, expected), (text, value, expected)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(["principal", "action", "scps", "context", "id", "resource_policy"]), max_size=3),
       TEXTS)
def test_a_case_is_read_only_when_the_standard_decoder_reads_it_alike(keys: list[str], value: str) -> None:
    """The case reader leaves parts as raw text (checked for syntax only: an over-long integer or 1e400 passes),
    and the fast path decodes a part before using it. Whenever the reader and the decoding of its parts accept
    a text, the standard decoder must accept it too, with the same scalars and the same value of each part."""
    text = "{" + ", ".join(f'"{key}": {value}' for key in keys) + "}"
    try:
        case = batch_lines._CASE.decode(text)
        parts = {key: ANY_VALUE.decode(bytes(getattr(case, key))) for key in keys
                 if isinstance(getattr(case, key), msgspec.Raw)}
    except (msgspec.MsgspecError, ValueError, RecursionError):
        return
    accepted, expected = _standard(text)
    assert accepted, f"the case reader read {text[:200]!r}, which the standard decoder refuses"
    for key, member in expected.items():
        read = parts[key] if key in parts else getattr(case, key)
        assert strictly_equal(read, member), (key, text[:200])


def _cases() -> list[dict[str, Any]]:
    """Differential cases reshaped as real batches: extra identity policies with Sids of their own, SCP
    levels, and every optional field spelled each way (absent, null, empty)."""
    rng = Random(20261205)
    generated = [g.case for g in generate(160, seed=20261206)]
    pool = [p for c in generated for p in c.get("identity_policies") or [] if isinstance(p.get("Statement"), list)]
    cases = []
    for number, case in enumerate(generated):
        case = copy.deepcopy(case)
        identity = list(case.get("identity_policies") or [])
        if rng.random() < 0.7:
            extra = copy.deepcopy(rng.choice(pool))
            for index, statement in enumerate(extra["Statement"]):
                statement["Sid"] = f"Case{number}S{index}"
            identity.append(extra)
        case["identity_policies"] = identity
        case.setdefault("scps", [[SCP_ROOT], [SCP_ROOT, SCP_REGIONS]])
        variant = number % 6
        if variant == 1:
            case.update(context=None, session_policy=None, rcps=[], note="a: label", expected={"decision": "allow"})
        elif variant == 2:
            case.update(resource="", resource_account=None, restrict_public_buckets=True, id=number)
        elif variant == 3:
            case.pop("id", None)
            case.update(identity_policies=None, scps=None, permissions_boundary=None, context={})
        elif variant == 4:
            case.update(restrict_public_buckets=0, comment="x", name="n:1", description="", id=None)
        cases.append(case)
    return cases


CASES = _cases()


@pytest.mark.parametrize("explain", [False, True])
def test_every_line_is_answered_as_its_decoded_case_is(explain: bool) -> None:
    fast = 0
    for spelling in ({}, {"separators": (",", ":"), "ensure_ascii": False}):
        for case in CASES + CASES:  # the second time, every part is found by its text
            line = json.dumps(case, **spelling)
            answer = batch_lines.decide_line(line, explain)
            try:
                expected = decide_case(json.loads(line), explain)
            except InputError:
                assert answer is None, line
                continue
            if answer is not None:
                fast += 1
                assert answer == expected, line
    assert fast > 500  # of 640: the fast path answered (and was compared), not only the exact one
    lines = [json.dumps(case) for case in CASES]
    new, before = _pipelines(lines + lines, explain)
    assert new == before


def test_a_resource_policy_is_read_for_each_action_kind() -> None:
    """The same resource_policy text is a trust policy for sts:AssumeRole and a resource-based policy
    otherwise: found by its text and what it is read as. Without a Resource it is a valid trust policy and an
    invalid bucket policy, whichever came first."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": ["sts:AssumeRole", "s3:GetObject"]}]}
    lines = [
        json.dumps({"id": i, "principal": ROLE, "action": action, "resource": resource, "resource_policy": trust})
        for i, (action, resource) in enumerate([("sts:AssumeRole", "arn:aws:iam::111122223333:role/target"),
                                                ("s3:GetObject", "arn:aws:s3:::bucket/key")] * 2)
    ]
    for order in (lines, lines[1:]):
        fast, before = _pipelines(order, explain=True)
        assert fast == before
        assert '"decision":"allow"' in fast and "the statement has no Resource or NotResource" in fast


def _pipelines(lines: list[str], explain: bool = False) -> tuple[str, str]:
    """The batch's output for `lines` with the fast path, and as it was before it (decoded with the standard
    library, then decided from the case): both complete outputs, error lines included."""
    fast, before = io.StringIO(), io.StringIO()
    _decide_lines(lines, decide_case, explain, fast, "cases.jsonl", decide_weighed_case, 1, batch_lines.decide_line)
    _decide_lines(lines, decide_case, explain, before, "cases.jsonl", decide_weighed_case, 1)
    return fast.getvalue(), before.getvalue()


def _answers(lines: list[str]) -> list[dict[str, Any]]:
    out = io.StringIO()
    run_batch(lines, "aws", False, out, "cases.jsonl")
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _located_error(line: str, number: int) -> str:
    with pytest.raises(InputError) as raised:
        parse_json_data(line, f"cases.jsonl line {number}")
    return str(raised.value)


def test_a_duplicate_top_level_key_after_its_parts_were_kept_is_refused_where_it_is() -> None:
    case = {"id": "c", "principal": ROLE, "action": "s3:GetObject", "scps": [[SCP_ROOT]],
            "identity_policies": [SCP_ROOT]}
    clean = json.dumps(case)
    # msgspec keeps the last of two equal keys: the line decodes to the clean case, only its colons differ.
    twice = clean.replace('"action": "s3:GetObject"', '"action": "s3:PutObject", "action": "s3:GetObject"')
    again = clean.replace('"scps": ', '"scps": [], "scps": ')
    assert batch_lines.decide_line(clean, False) == {"id": "c", "decision": "allow"}
    assert batch_lines.decide_line(twice, False) is None and batch_lines.decide_line(again, False) is None
    answers = _answers([clean, twice, again])
    assert answers[0] == {"id": "c", "decision": "allow"}
    assert answers[1] == {"id": None, "error": _located_error(twice, 2)}
    assert answers[2] == {"id": None, "error": _located_error(again, 3)}
    assert "duplicate key 'action'" in answers[1]["error"] and "duplicate key 'scps'" in answers[2]["error"]


def _nested(depth: int) -> Any:
    value: Any = "v"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("field", ["context", "identity_policies", "scps", "note"])
def test_nesting_deeper_than_a_line_may_be_goes_to_the_exact_path(field: str) -> None:
    """A line may nest MAX_NESTING levels, itself the first: a part nested one level deeper than that allows
    goes to the exact path, which refuses it; one exactly as deep as allowed is answered as before."""
    base = {"id": "n", "principal": ROLE, "action": "s3:GetObject"}
    for levels, allowed in ((MAX_NESTING, True), (MAX_NESTING + 1, False)):
        # levels counts the line's object: a context's key holds the rest
        value = {"k": _nested(levels - 2)} if field == "context" else _nested(levels - 1)
        line = json.dumps(dict(base, **{field: value}))
        fast, before = _pipelines([line])
        assert fast == before
        if not allowed:
            assert batch_lines.decide_line(line, False) is None
            assert "nesting is deeper than" in fast and "cases.jsonl line 1:" in fast


@pytest.mark.parametrize("change", [
    {"principal": 7}, {"action": ["s3:GetObject"]}, {"resource": 1}, {"resource_account": True},
    {"context": []}, {"context": "k:v"}, {"context": {"k": {"a": 1}}}, {"identity_policies": {}},
    {"scps": [["not a policy"]]}, {"resource_polciy": {}}, {"id": 1e400}, {"id": [1, {"a": "b:c"}]},
    {"restrict_public_buckets": {"x": 1}}, {"session_policy": []}, {"context": {"k": [1, "a:b", True]}},
])
def test_a_field_of_an_unusual_kind_is_answered_as_before(change: dict[str, Any]) -> None:
    case = dict({"id": "w", "principal": ROLE, "action": "s3:GetObject", "context": {"aws:SourceIp": "10.0.0.1"}},
                **change)
    line = json.dumps(case)
    for explain in (False, True):
        fast, before = _pipelines([line, line], explain)
        assert fast == before
