"""The condition parser. Doc: "Azure role assignment condition format and syntax"
https://learn.microsoft.com/azure/role-based-access-control/conditions-format"""

from __future__ import annotations

import pytest

from checker.azure.conditions import ConditionError, parse_condition
from checker.azure.conditions.ast import Comparison, Family, Logical, Not, Quantifier
from checker.azure.conditions.tokens import MAX_CONDITION_LENGTH

DOC_EXAMPLES = [
    # Simple condition (section "Simple condition")
    """(
    (
        !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})
    )
    OR
    (
        @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]
        StringEquals 'blobs-example-container'
    )
)""",
    # Suboperations
    "!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND NOT SubOperationMatches{'Blob.List'})",
    # Exists and Or sections
    "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:versionId] DateTimeEquals '2022-06-01T00:00:00.0Z' OR NOT Exists @Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:versionId]",
    # Boolean comparison
    "@Resource[Microsoft.Storage/storageAccounts:isHnsEnabled] BoolEquals true",
    # Tag key marker
    "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'",
    # Cross product examples
    "{'red', 'blue'} ForAnyOfAnyValues:StringEquals {'blue', 'green'}",
    "{10, 20} ForAllOfAllValues:NumericLessThan {25, 30}",
    "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags&$keys$&] ForAllOfAnyValues:StringEquals {'Project', 'Program'}",
    # Delegation example ("Examples to delegate Azure role assignment management with conditions")
    "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912}",
    # Principal attribute compared with a resource attribute
    "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Project] StringEquals @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>]",
    # Environment attributes
    "@Environment[isPrivateLink] BoolEquals true",
    "@Environment[UtcNow] DateTimeGreaterThan '2023-05-01T13:00:00.0Z'",
    # && || ! spellings
    "!(ActionMatches{'a/b'}) || (@Resource[x:y] StringLike 'readonly/*' && @Resource[x:z] NumericGreaterThan -3)",
]


@pytest.mark.parametrize("text", DOC_EXAMPLES)
def test_documented_forms_parse(text: str) -> None:
    parse_condition(text)


def test_keywords_and_operators_are_case_insensitive() -> None:
    expr = parse_condition("not actionmatches{'a/b'} or @resource[x:y] stringequalsignorecase 'v'")
    assert isinstance(expr, Logical) and expr.op == "or"
    assert isinstance(expr.operands[0], Not)
    comparison = expr.operands[1]
    assert isinstance(comparison, Comparison)
    assert comparison.operator.name == "StringEqualsIgnoreCase" and comparison.operator.ignore_case


def test_cross_product_operator_is_decoded() -> None:
    expr = parse_condition("@Request[a:b] forallofallvalues:numericlessthan {1, 2}")
    assert isinstance(expr, Comparison)
    assert expr.operator.quantifier is Quantifier.ALL_OF_ALL and expr.operator.family is Family.NUMERIC


MALFORMED = [
    # (text, line, column, message fragment)
    ("", 1, 1, "empty"),
    ("@Resource[x:y] StringEquals 'open", 1, 29, "not closed"),
    ('@Resource[x:y] StringEquals "v"', 1, 29, "single quotes"),
    ("@Resource[x:y StringEquals 'v'", 1, 1, "no closing ']'"),
    ("@Resource[x:y] StringEqual 'v'", 1, 16, "not a condition operator"),
    ("@Resource[x:y] StringEquals", 1, 28, "end of the condition"),
    ("(\n  @Resource[x:y] StringEquals 'v'\n", 3, 1, "expected ')'"),
    ("@Resource[x:y] StringEquals 'v')", 1, 32, "no matching '('"),
    ("a AND b", 1, 1, "not a value"),
    ("@R[x] StringEquals 'v'", 1, 1, "not an attribute"),
    ("@Resource[x:y] StringEquals 'a' AND @Resource[x:z] StringEquals 'b' OR @Resource[x:w] StringEquals 'c'", 1, 69, "mixed without parentheses"),
    ("@Resource[x:y] NumericEquals 'a'", 1, 30, "whole number"),
    ("@Resource[x:y] NumericEquals 1.5", 1, 30, "neither a whole number"),
    ("@Resource[x:y] DateTimeEquals '2022-13-01T00:00:00Z'", 1, 31, "not a real date-time"),
    ("@Resource[x:y] GuidEquals 'abc'", 1, 27, "GUID"),
    ("@Resource[x:y] StringEquals {'a', 'b'}", 1, 29, "ForAnyOfAnyValues"),
    ("@Resource[x:y] ForAnyOfAnyValues:StringStartsWith {'a'}", 1, 16, "no ForAnyOfAnyValues form"),
    ("@Resource[x:y] ForSomeValues:StringEquals {'a'}", 1, 16, "not a cross-product quantifier"),
    ("ActionMatches{Microsoft.Storage/x}", 1, 32, "single quotes"),
    ("ActionMatches{123}", 1, 15, "quoted pattern"),
    ("Exists 'v'", 1, 8, "attribute after Exists"),
    ("()", 1, 2, "empty parentheses"),
    ("@Resource[x:y] StringEquals 'v' @Resource[x:z] StringEquals 'w'", 1, 33, "AND, OR"),
    ("@Resource[x:y] StringEquals 'v' #", 1, 33, "unexpected character"),
    ("@Resource[x:y] StringEquals À", 1, 29, "unexpected character"),
]


@pytest.mark.parametrize(("text", "line", "column", "fragment"), MALFORMED, ids=[m[3] for m in MALFORMED])
def test_malformed_conditions_report_line_and_column(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition(text)
    error = caught.value
    assert fragment in str(error)
    assert (error.line, error.column) == (line, column)


def test_depth_limit_is_an_error_not_a_crash() -> None:
    deep = "(" * 500 + "@Resource[x:y] StringEquals 'v'" + ")" * 500
    with pytest.raises(ConditionError, match="nested more than"):
        parse_condition(deep)
    with pytest.raises(ConditionError, match="nested more than"):
        parse_condition("NOT " * 500 + "Exists @Resource[x:y]")


def test_length_limit() -> None:
    with pytest.raises(ConditionError, match="characters long"):
        parse_condition("x" * (MAX_CONDITION_LENGTH + 1))
