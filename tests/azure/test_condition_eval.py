"""Condition evaluation. Docs: "Azure role assignment condition format and syntax" (operator sections
and their examples) https://learn.microsoft.com/azure/role-based-access-control/conditions-format and
"Actions and attributes for Azure role assignment conditions for Azure Blob Storage"
https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-attributes"""

from __future__ import annotations

from typing import Any

import pytest

from checker.azure.conditions import ConditionRequest, Truth, evaluate_condition, parse_condition
from checker.azure.conditions.attributes import attribute_key

READ = "microsoft.storage/storageaccounts/blobservices/containers/blobs/read"
PATH = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]"
NAME = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]"


def run(text: str, attributes: dict[str, Any] | None = None, action: str = READ, sub: str | None = None) -> Truth:
    normalized = {}
    for name, value in (attributes or {}).items():
        source, _, rest = name[1:].partition("[")
        normalized[attribute_key(source, rest[:-1])] = value
    request = ConditionRequest(action, sub.lower() if sub else None, normalized)
    return evaluate_condition(parse_condition(text), request).truth


T, F, U = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN

OPERATORS = [
    # (condition, attributes, expected, doc example or rule)
    (f"{NAME} StringEquals 'blobs-example-container'", {NAME: "blobs-example-container"}, T, "StringEquals"),
    (f"{NAME} StringEquals 'Blobs-Example-Container'", {NAME: "blobs-example-container"}, F, "StringEquals is case-sensitive"),
    (f"{NAME} StringEqualsIgnoreCase 'Blobs-Example-Container'", {NAME: "blobs-example-container"}, T, "IgnoreCase"),
    (f"{NAME} StringNotEquals 'x'", {NAME: "y"}, T, "StringNotEquals negates"),
    (f"{NAME} StringNotEqualsIgnoreCase 'Y'", {NAME: "y"}, F, "StringNotEqualsIgnoreCase"),
    (f"{PATH} StringStartsWith 'readonly/'", {PATH: "readonly/a.txt"}, T, "StringStartsWith"),
    (f"{PATH} StringStartsWith 'READONLY/'", {PATH: "readonly/a.txt"}, F, "StringStartsWith is case-sensitive"),
    (f"{PATH} StringStartsWithIgnoreCase 'READONLY/'", {PATH: "readonly/a.txt"}, T, "StringStartsWithIgnoreCase"),
    (f"{PATH} StringNotStartsWith 'readonly/'", {PATH: "other/a.txt"}, T, "StringNotStartsWith"),
    (f"{PATH} StringLike 'readonly/*'", {PATH: "readonly/deep/a.txt"}, T, "StringLike example"),
    ("@Resource[name1] StringLike 'a*c?'", {"@Resource[name1]": "abcd"}, T, "StringLike 'a*c?' on abcd"),
    ("@Resource[name1] StringLike 'A*C?'", {"@Resource[name1]": "abcd"}, F, "StringLike 'A*C?' on abcd"),
    ("@Resource[name1] StringLike 'a*c'", {"@Resource[name1]": "abcd"}, F, "StringLike 'a*c' on abcd"),
    ("@Resource[name1] StringLikeIgnoreCase 'A*C?'", {"@Resource[name1]": "abcd"}, T, "StringLikeIgnoreCase"),
    ("@Resource[name1] StringLike 'a\\*'", {"@Resource[name1]": "a*"}, T, "escaped star is literal"),
    ("@Resource[name1] StringLike 'a\\*'", {"@Resource[name1]": "ab"}, F, "escaped star does not match b"),
    ("@Resource[name1] StringNotLike 'a*'", {"@Resource[name1]": "ba"}, T, "StringNotLike"),
    ("@Resource[n] NumericLessThan 5", {"@Resource[n]": 3}, T, "NumericLessThan"),
    ("@Resource[n] NumericGreaterThanEquals 5", {"@Resource[n]": 5}, T, "NumericGreaterThanEquals"),
    ("@Resource[n] NumericNotEquals 5", {"@Resource[n]": 5}, F, "NumericNotEquals"),
    ("@Request[v] DateTimeEquals '2022-06-01T00:00:00.0Z'", {"@Request[v]": "2022-06-01T00:00:00.0000000Z"}, T, "DateTimeEquals full precision"),
    ("@Request[v] DateTimeEquals '2022-06-01T00:00:00.0000001Z'", {"@Request[v]": "2022-06-01T00:00:00Z"}, F, "seven fractional digits count"),
    ("@Environment[UtcNow] DateTimeGreaterThan '2023-05-01T13:00:00.0Z'", {"@Environment[UtcNow]": "2023-05-02T00:00:00Z"}, T, "UtcNow"),
    ("@Request[g] GuidEquals 'B24988AC-6180-42A0-AB88-20F7382DD24C'", {"@Request[g]": "b24988ac-6180-42a0-ab88-20f7382dd24c"}, T, "GuidEquals is case-insensitive"),
    ("@Request[g] GuidNotEquals b24988ac-6180-42a0-ab88-20f7382dd24c", {"@Request[g]": "acdd72a7-3385-48ef-bd42-f606fba81ae7"}, T, "GuidNotEquals"),
    ("@Resource[Microsoft.Storage/storageAccounts:isHnsEnabled] BoolEquals true", {"@Resource[Microsoft.Storage/storageAccounts:isHnsEnabled]": True}, T, "BoolEquals example"),
    ("@Environment[isPrivateLink] BoolNotEquals true", {"@Environment[isPrivateLink]": False}, T, "BoolNotEquals"),
    # Cross product examples, verbatim from the page
    ("{'red', 'blue'} ForAnyOfAnyValues:StringEquals {'blue', 'green'}", {}, T, "ForAnyOfAnyValues example 1"),
    ("{'red', 'blue'} ForAnyOfAnyValues:StringEquals {'orange', 'green'}", {}, F, "ForAnyOfAnyValues example 2"),
    ("{'red', 'blue'} ForAllOfAnyValues:StringEquals {'orange', 'red', 'blue'}", {}, T, "ForAllOfAnyValues example 1"),
    ("{'red', 'blue'} ForAllOfAnyValues:StringEquals {'red', 'green'}", {}, F, "ForAllOfAnyValues example 2"),
    ("{10, 20} ForAnyOfAllValues:NumericLessThan {15, 18}", {}, T, "ForAnyOfAllValues example"),
    ("{10, 20} ForAllOfAllValues:NumericLessThan {5, 15, 18}", {}, F, "ForAllOfAllValues example 1"),
    ("{10, 20} ForAllOfAllValues:NumericLessThan {25, 30}", {}, T, "ForAllOfAllValues example 2"),
    ("{10, 20} ForAllOfAllValues:NumericLessThan {15, 25, 30}", {}, F, "ForAllOfAllValues example 3"),
    ("@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912}",
     {"@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]": "5E467623-BB1F-42F4-A55D-6E525E11384B"}, T, "delegation example, single value"),
    ("@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags&$keys$&] ForAllOfAnyValues:StringEquals {'Project', 'Program'}",
     {"@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags&$keys$&]": ["Project", "Cost"]}, F, "tag keys, one key not allowed"),
    # Exists and missing attributes
    ("Exists @Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:snapshot]", {}, F, "Exists without the attribute"),
    ("NOT Exists @Request[x:versionId]", {"@Request[x:versionId]": "2022-06-01T00:00:00Z"}, F, "NOT Exists with the attribute"),
    (f"{PATH} StringStartsWith 'v3/'", {}, U, "missing attribute cannot be evaluated"),
    (f"{PATH} StringStartsWith 'v3/' OR ActionMatches{{'{READ}'}}", {}, T, "an OR decided by another part"),
    (f"{PATH} StringStartsWith 'v3/' AND NOT ActionMatches{{'{READ}'}}", {}, F, "an AND decided by another part"),
    (f"NOT {PATH} StringStartsWith 'v3/'", {}, U, "NOT of an unevaluable part stays unevaluable"),
    ("@Resource[n] NumericEquals 5", {"@Resource[n]": "5"}, U, "wrong type cannot be evaluated"),
    (f"{NAME} StringEquals 'a'", {NAME: ["a", "b"]}, U, "multi-valued attribute needs a cross-product operator"),
    # Tag key case sensitivity
    ("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'",
     {"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:project<$key_case_sensitive$>]": "Cascade"}, U, "tag keys are case-sensitive"),
    # Attribute names are case-insensitive
    ("@resource[microsoft.storage/storageaccounts/blobservices/containers:NAME] StringEquals 'd'", {NAME: "d"}, T, "attribute names ignore case"),
]


@pytest.mark.parametrize(("text", "attributes", "expected", "rule"), OPERATORS, ids=[o[3] for o in OPERATORS])
def test_operators(text: str, attributes: dict[str, Any], expected: Truth, rule: str) -> None:
    assert run(text, attributes) is expected


@pytest.mark.parametrize(("pattern", "expected"), [
    ("Microsoft.Authorization/roleAssignments/*", T),  # ActionMatches example 2
    ("Microsoft.Authorization/roleDefinitions/*", F),  # ActionMatches example 3
    ("microsoft.authorization/ROLEASSIGNMENTS/write", T),  # same matching as role definitions: case-insensitive
])
def test_action_matches_examples(pattern: str, expected: Truth) -> None:
    assert run(f"ActionMatches{{'{pattern}'}}", action="microsoft.authorization/roleassignments/write") is expected


GUARD = (
    "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} "
    "AND NOT SubOperationMatches{'Blob.List'})) OR "
    f"({PATH} StringLike 'readonly/*'))"
)

GUARDED = [
    # "How a condition is evaluated": an operation the guard does not target passes.
    ("microsoft.storage/storageaccounts/blobservices/containers/blobs/write", None, {}, T, "other action passes"),
    (READ, "Blob.List", {}, T, "Blob.List is excluded from the guard, so it passes"),
    (READ, None, {PATH: "readonly/a"}, T, "targeted action with a true expression"),
    (READ, None, {PATH: "secret/a"}, F, "targeted action with a false expression"),
    (READ, None, {}, U, "targeted action without the attribute fails"),
]


@pytest.mark.parametrize(("action", "sub", "attributes", "expected", "rule"), GUARDED, ids=[g[4] for g in GUARDED])
def test_action_guard(action: str, sub: str | None, attributes: dict[str, Any], expected: Truth, rule: str) -> None:
    assert run(GUARD, attributes, action, sub) is expected


def test_hostile_like_pattern_is_fast() -> None:
    import time

    text = "@Resource[n] StringLike '" + "*a?" * 300 + "b'"
    started = time.perf_counter()
    assert run(text, {"@Resource[n]": "a" * 5000}) is F
    assert time.perf_counter() - started < 2.0
