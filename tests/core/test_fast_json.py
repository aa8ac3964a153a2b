"""`parse_json_data` (the batch's fast decoder) accepts and refuses exactly what `parse_json` does.

The batch reads each line with the standard library's C decoder and re-parses with positions only to
word an error; a difference would let a batch accept a line the located parser refuses (duplicate keys,
NaN, nesting) or word an error differently. Every case is decided both ways and compared.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.core.errors import InputError
from checker.core.source import MAX_INTEGER_DIGITS, MAX_NESTING, parse_json, parse_json_data


def outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        data = parse(text, "batch line 3")
    except InputError as exc:
        return "error", str(exc)
    return "data", data


def same_both_ways(text: str) -> None:
    slow = outcome(lambda t, p: parse_json(t, p).data, text)
    fast = outcome(parse_json_data, text)
    assert fast == slow
    if slow[0] == "data":  # the same types too (1 and 1.0 compare equal)
        assert json.dumps(fast[1]) == json.dumps(slow[1])


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',  # duplicate key: the located parser refuses it, json.loads keeps the last
        '{"a": {"b": [1, {"c": 1, "c": 1}]}}',
        '{"a": NaN}',
        '{"a": Infinity}',
        '[-Infinity]',
        "[" + "1" * (MAX_INTEGER_DIGITS + 1) + "]",  # longer than Python converts
        "[" + "1" * MAX_INTEGER_DIGITS + "]",
        "[" * MAX_NESTING + "]" * MAX_NESTING,  # the deepest nesting read
        "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1),  # one level too deep
        "[" * 5000 + "]" * 5000,  # deeper than the C decoder's recursion limit
        '{"a": [' + ",".join(["{}"] * 150) + "]}",  # many containers, shallow
        "\ufeff{\"a\": 1}",
        '{"a": 1,}',
        "{'a': 1}",
        '{"a": "\t"}',  # control character inside a string
        "",
        "   ",
        '{"a": 1} x',
        '"\\ud800"',
        '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
        '[1.5e400, -0, 0.1, true, false, null]',
    ],
)
def test_listed_inputs(text: str) -> None:
    same_both_ways(text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_valid_documents(value: Any) -> None:
    same_both_ways(json.dumps(value))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='{}[]",:0123456789.eE-+ aNtrufsln\\\t', max_size=30))
def test_arbitrary_text(text: str) -> None:
    same_both_ways(text)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES, st.integers(min_value=0, max_value=200), st.sampled_from(["", ",", "}", "]", '"', "NaN", ":"]))
def test_damaged_documents(value: Any, at: int, inserted: str) -> None:
    text = json.dumps(value)
    at = min(at, len(text))
    same_both_ways(text[:at] + inserted + text[at:])
