"""A batch measures a policy only where it could reach the batch's size limit (issue 24).

`simulate aws --batch` reads a policy whatever AWS's quota, up to `batch.SIZE_LIMIT` characters of compact JSON.
Adding up the size of every statement of every case cost a batch several percent, so a policy read for one
case only is measured only when its line is long enough to hold one that reaches the limit:
`policy.MAX_EXPANSION` bounds how much longer than its JSON text the compact JSON of the same value can be.
These tests hold that bound (a number written short is the only thing that grows) and show a line long enough
still measured, refused as the exact path refuses it.
"""

from __future__ import annotations

import io
import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.aws import batch
from checker.aws.batch import SIZE_LIMIT, decide_case, decide_weighed_case
from checker.aws.policy import MAX_EXPANSION, compact_json
from checker.cli.simulate import _decide_lines, run_batch

NUMBERS = st.from_regex(r"-?(0|[1-9][0-9]{0,3})(\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)
TEXT = st.text(alphabet='ab:"\\\u0001\t\u2028é😀/', max_size=8)
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                      lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
                      max_leaves=10)


def _short_numbers() -> list[str]:
    """Every JSON number of up to five characters whose digits are 0, 1, 5 or 9 (the shapes, each digit count)."""
    digits = "0159"
    found = set()
    for length in range(1, 6):
        for chars in itertools.product(digits + "-.eE+", repeat=length):
            text = "".join(chars)
            try:
                json.loads(text)
            except ValueError:
                continue
            found.add(text)
    return sorted(found)


def test_a_number_written_short_grows_at_most_by_the_expansion_bound() -> None:
    ratios = {text: len(compact_json(json.loads(text))) / len(text) for text in _short_numbers()}
    worst = max(ratios, key=ratios.__getitem__)
    assert ratios["1e15"] == 4.5 and ratios[worst] <= 4.5 < MAX_EXPANSION, (worst, ratios[worst])


@settings(max_examples=1500, deadline=None)
@given(NUMBERS)
def test_any_number_grows_at_most_by_the_expansion_bound(text: str) -> None:
    assert len(compact_json(json.loads(text))) <= 4.5 * len(text)


@settings(max_examples=600, deadline=None)
@given(VALUES, st.sampled_from([{}, {"ensure_ascii": False}, {"separators": (",", ":")}, {"indent": 1}]))
def test_strings_and_structure_never_grow(value: Any, spelling: dict[str, Any]) -> None:
    """Escapes are written as short as JSON allows, so compact JSON is never longer than any text of the same
    value without floats."""
    assert len(compact_json(value)) <= len(json.dumps(value, **spelling))


def test_a_line_long_enough_to_reach_the_limit_is_measured_and_refused_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """1,320 statements of 400 numbers written `1e15` (each 1000000000000000.0 in compact JSON): a 3.2 MB line
    whose identity policy is over ten million characters of compact JSON. The exact path refuses it; so must
    the batch, which measures a line this long, also when its identity policies are read for one case only
    (as once a batch found that they never repeat)."""
    resting = batch._ReuseRate()
    resting.resting = 10**6
    monkeypatch.setattr(batch, "_identity_reuse", resting)
    values = [1e15] * 400
    statements = [{"Sid": f"S{i}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                   "Condition": {"NumericEquals": {f"aws:k{i}": values}}} for i in range(1320)]
    case = {"id": "big", "principal": "arn:aws:iam::111122223333:role/r", "action": "s3:GetObject",
            "identity_policies": [{"Version": "2012-10-17", "Statement": statements}]}
    line = json.dumps(case).replace("1000000000000000.0", "1e15")
    assert len(line) * MAX_EXPANSION >= SIZE_LIMIT
    out, before = io.StringIO(), io.StringIO()
    assert run_batch([line], "aws", False, out, "big.jsonl") == 2
    _decide_lines([line], decide_case, False, before, "big.jsonl", decide_weighed_case)  # as before batch_lines
    assert out.getvalue() == before.getvalue()
    answer = json.loads(out.getvalue())
    assert answer["id"] == "big" and "the policy is 10,185,578 characters without whitespace" in answer["error"]
