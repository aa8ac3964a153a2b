"""`packed_key` (checker/core/valuekey.py) keys an AWS batch's decoded JSON: two values share a key exactly when
they are the same value, type for type (1, 1.0, True and "1" apart; -0.0 and 0.0 apart), key order included;
a value it cannot write has no key (issue 24: a batch finds statements it parsed before by this key, so two
different statements sharing one would decide a request by the wrong one)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.core.valuekey import canonical_key, packed_key

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1)
           | st.floats(allow_nan=False) | st.text(max_size=5))
VALUES = st.recursive(SCALARS, lambda children: st.lists(children, max_size=3)
                      | st.dictionaries(st.text(max_size=3), children, max_size=3), max_leaves=12)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is float:
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return bool(a == b)


@settings(max_examples=2000, deadline=None)
@given(VALUES, VALUES)
def test_two_values_share_a_key_exactly_when_they_are_the_same(a: Any, b: Any) -> None:
    assert (packed_key(a) == packed_key(b)) == _same(a, b)
    # the marshal key the other readers use draws the same lines
    assert (canonical_key(a) == canonical_key(b)) == _same(a, b)


def test_look_alike_values_have_keys_of_their_own() -> None:
    values = [1, 1.0, True, "1", 0, 0.0, -0.0, False, "", None, [], {}, [1], {"a": 1}, {"a": 1.0}, {"a": True},
              {"a": 1, "b": 2}, {"b": 2, "a": 1}, ["1"], [[1]]]
    keys = [packed_key(value) for value in values]
    assert None not in keys and len(set(keys)) == len(values)


def test_a_value_it_cannot_write_has_no_key() -> None:
    assert packed_key(2**64) is None and packed_key(-(2**63) - 1) is None
    assert packed_key({"Sid": "\ud800"}) is None
    assert packed_key({"a": [1, {"b": 10**30}]}) is None
