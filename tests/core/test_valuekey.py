"""`packed_key` (checker/core/valuekey.py) keys an AWS batch's decoded JSON: two values share a key exactly when
they are the same value, type for type (1, 1.0, True and "1" apart; -0.0 and 0.0 apart), key order included;
a value it cannot write has no key (issue 24: a batch finds statements it parsed before by this key, so two
different statements sharing one would decide a request by the wrong one)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.core.valuekey import canonical_key, packed_key
from tests.json_values import strictly_equal

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1)
           | st.floats(allow_nan=False) | st.text(max_size=5))
VALUES = st.recursive(SCALARS, lambda children: st.lists(children, max_size=3)
                      | st.dictionaries(st.text(max_size=3), children, max_size=3), max_leaves=12)


@settings(max_examples=2000, deadline=None)
@given(VALUES, VALUES)
def test_two_values_share_a_key_exactly_when_they_are_thestrictly_equal(a: Any, b: Any) -> None:
    assert (packed_key(a) == packed_key(b)) == strictly_equal(a, b)
    # the marshal key the other readers use draws the same lines
    assert (canonical_key(a) == canonical_key(b)) == strictly_equal(a, b)


def test_look_alike_values_have_keys_of_their_own() -> None:
    values = [1, 1.0, True, "1", 0, 0.0, -0.0, False, "", None, [], {}, [1], {"a": 1}, {"a": 1.0}, {"a": True},
              {"a": 1, "b": 2}, {"b": 2, "a": 1}, ["1"], [[1]]]
    keys = [packed_key(value) for value in values]
    assert None not in keys and len(set(keys)) == len(values)


def test_a_value_it_cannot_write_has_no_key() -> None:
    assert packed_key(2**64) is None and packed_key(-(2**63) - 1) is None
    assert packed_key({"Sid": "\ud800"}) is None
    assert packed_key({"a": [1, {"b": 10**30}]}) is None
