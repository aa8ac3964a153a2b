"""The batch's proof that a line decoded without the duplicate-key hook had no duplicate key (issue 24).

`json_data_unproved` decodes with the standard library's C decoder only; the batch then compares the text's
colons with the decoded value's `colon_weight` (members of every object plus colons in every string). Equal
counts must mean "no duplicate key anywhere", and any duplicate key must make them differ: otherwise a batch
would silently accept a line the located parser refuses (JSON leaves duplicate keys ambiguous; AWS rejects
them).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.core.errors import InputError
from checker.core.source import MAX_NESTING, colon_weight, json_data_unproved, parse_json_data
from tests.json_values import objects

# Keys and strings full of the characters that matter here: colons, quotes, backslashes, non-ASCII.
TEXT = st.text(alphabet=':"\\ab é\u2028\t', max_size=6)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=25,
)
SPELLINGS = [
    {},
    {"separators": (",", ":")},
    {"indent": 2},
    {"ensure_ascii": False},
    {"separators": (" , ", " : "), "ensure_ascii": False},
]


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES, st.sampled_from(SPELLINGS))
def test_the_colons_of_a_text_without_duplicates_are_its_weight(value: Any, spelling: dict[str, Any]) -> None:
    text = json.dumps(value, **spelling)
    unproved = json_data_unproved(text)
    assert unproved is not None
    data, colons = unproved
    assert data == value
    assert colons == colon_weight(data) == colon_weight(value)


def _with_duplicate(value: Any, which: int, kept: Any) -> str:
    """`value` as JSON text with one more member in its `which`-th object: a key it already has, first."""
    target = objects(value)[which]
    key = next(iter(target))
    marker = {"\u0000marker": True}
    target["\u0000marker"] = True
    text = json.dumps(value)
    del target["\u0000marker"]
    inserted = json.dumps(key) + ": " + json.dumps(kept)
    return text.replace(json.dumps(marker)[1:-1], inserted, 1)


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES, st.integers(min_value=0, max_value=50), JSON_VALUES)
def test_any_duplicate_key_makes_the_counts_differ(value: Any, which: int, kept: Any) -> None:
    """A duplicate key anywhere, whatever the value it held (the same value, a colon-free one, nothing but
    a colon in its key), leaves the decoded value lighter than the text's colons; the line is then read
    by the located parser, which names the duplicate."""
    found = objects(value)
    if not any(found):
        return
    nonempty = [i for i, o in enumerate(found) if o]
    text = _with_duplicate(value, nonempty[which % len(nonempty)], kept)
    unproved = json_data_unproved(text)
    assert unproved is not None
    data, colons = unproved
    assert colon_weight(data) < colons
    with pytest.raises(InputError, match="duplicate key"):
        parse_json_data(text, "batch line 1")


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "x\\u003ay"}',  # an escaped colon: counted in the data, not in the text
        '{"a": "x\\u003Ay"}',
        '{"a\\u003a": 1, "a:": 2}',  # ...which could hide a duplicate: never decided here
        '{"a": NaN}',
        '{"a": 1,}',
        "",
        "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1),
        "[" * 5000 + "]" * 5000,
    ],
)
def test_what_only_the_located_parser_may_read(text: str) -> None:
    assert json_data_unproved(text) is None


def test_a_byte_order_mark_is_read_past_as_the_located_parser_does() -> None:
    unproved = json_data_unproved('\ufeff{"a": "b:c"}')
    assert unproved == ({"a": "b:c"}, 2)
    assert parse_json_data('\ufeff{"a": "b:c"}') == {"a": "b:c"}


@settings(max_examples=800, deadline=None)
@given(JSON_VALUES | st.text(alphabet="\ud800:a", max_size=4))
def test_the_colons_msgspec_writes_are_the_weight(value: Any) -> None:
    """A statement kept unmeasured weighs the colons of msgspec's compact JSON (the standard encoder's where
    msgspec cannot write the value, as a lone surrogate): the same count, or the batch's duplicate-key proof
    would fail lines it should pass, or pass lines it should fail."""
    from checker.core.compact_json import compact_colons

    assert compact_colons(value) == colon_weight(value)
