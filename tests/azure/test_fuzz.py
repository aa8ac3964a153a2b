"""Malformed input never escapes as a traceback: every case is decided or refused with an InputError."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.azure.batch import decide_case
from checker.azure.conditions import ConditionError, parse_condition
from checker.core.errors import InputError

from .helpers import CONTAINER, assign, case

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=12)
    | st.sampled_from(["/", CONTAINER, "Owner", "*", "2026-01-01T00:00:00Z", "@Resource[a:b]"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ["principal", "groups", "action", "data_action", "scope", "attributes", "sub_operation", "request_time",
          "role_definitions", "role_assignments", "deny_assignments", "management_groups"]
ASSIGNMENT_FIELDS = ["principalId", "roleDefinitionId", "scope", "condition", "conditionVersion", "start", "end"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(FIELDS), json_values)
def test_any_field_value(field: str, value: Any) -> None:
    data = case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER)])
    data[field] = value
    try:
        result = decide_case(data, explain=True)
    except InputError:
        return
    assert result["decision"] in ("allow", "explicit_deny", "implicit_deny")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ASSIGNMENT_FIELDS), json_values)
def test_any_assignment_value(field: str, value: Any) -> None:
    entry: dict[str, Any] = assign("Storage Blob Data Reader", CONTAINER)
    entry[field] = value
    try:
        decide_case(case(role_assignments=[entry], request_time="2026-01-01T00:00:00Z"), explain=True)
    except InputError:
        return


TOKENS = ["À", "٣", "(", ")", "!", "NOT", "AND", "OR", "&&", "||", "{", "}", ",", "'a'", "'v3/*'", "1", "-2", "true",
          "@Resource[x:y]", "@Request[t:k<$key_case_sensitive$>]", "StringEquals", "StringLike",
          "ForAnyOfAnyValues:StringEquals", "NumericLessThan", "GuidEquals", "Exists", "ActionMatches",
          "SubOperationMatches", "b24988ac-6180-42a0-ab88-20f7382dd24c", "\n", "'", "@", "]"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=12))
def test_condition_parser_never_crashes(tokens: list[str]) -> None:
    text = " ".join(tokens)
    try:
        parse_condition(text)
    except ConditionError as error:
        assert error.line >= 1 and error.column >= 1
