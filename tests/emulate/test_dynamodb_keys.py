"""The strict reading of a DynamoDB request's partition key value (checker/emulate/mapping/services/dynamodb_keys.py).

DynamoDB Developer Guide, "Querying tables in DynamoDB": "You must provide the name of the partition key
attribute and a single value for that attribute." "Key condition expressions for the Query operation": the
partition key's condition is an equality (`partitionKeyName = :partitionkeyval`); the sort key's may be =, <,
<=, >, >=, BETWEEN ... AND ..., or begins_with. A value the gateway cannot read is refused: with no value, a
ForAllValues condition on dynamodb:LeadingKeys is true whatever partition the request reaches.
"""

from __future__ import annotations

from typing import Any

import pytest

from checker.emulate.mapping.services.dynamodb_keys import UnreadableKey, item_partition, queried_partition

ONE = {":c": {"S": "case-1"}, ":a": {"N": "1"}, ":b": {"N": "2"}, ":p": {"S": "2024"}}
NAMES = {"#c": "caseId", "#o": "openedAt"}


@pytest.mark.parametrize(
    "expression",
    [
        "caseId = :c",
        "caseId=:c",
        ":c = caseId",
        "#c = :c",
        "(caseId = :c)",
        "((#c = :c)) AND (openedAt BETWEEN :a AND :b)",
        "caseId = :c and openedAt BETWEEN :a AND :b",
        "caseId = :c AND begins_with(openedAt, :p)",
        "begins_with(#o, :p) AND #c = :c",
        "caseId = :c AND openedAt >= :a",
        "caseId = :c AND #o < :b",
        "  caseId   =\n:c  ",
    ],
)
def test_a_key_condition_written_as_documented_names_its_partition(expression: str) -> None:
    params = {
        "KeyConditionExpression": expression,
        "ExpressionAttributeNames": NAMES,
        "ExpressionAttributeValues": ONE,
    }
    assert queried_partition(params, "caseId") == "case-1"


@pytest.mark.parametrize(
    ("expression", "values", "why"),
    [
        ("caseId = :c AND(caseId = :d)", {":c": {"S": "case-1"}, ":d": {"S": "case-2"}}, "exactly once"),
        ("caseId = :c AND caseId = :c", ONE, "exactly once"),
        ("caseId = case-2", ONE, "cannot read: '-2'"),
        ("caseId = other", ONE, "other than"),
        ("(caseId) = :c", ONE, "can read"),
        ("begins_with(caseId, :c)", ONE, "other than"),
        ("caseId BETWEEN :a AND :b", ONE, "other than"),
        ("caseId > :a", ONE, "other than"),
        ("openedAt = :a", ONE, "exactly once"),
        ("caseId = :c OR openedAt = :a", ONE, "other than with AND"),
        ("caseId = :missing", ONE, "not in ExpressionAttributeValues"),
        ("caseId = :c", {":c": {"S": "case-1", "N": "1"}}, "not one S, N or B value"),
        ("caseId = :c", {":c": {"NULL": True}}, "not one S, N or B value"),
        ("caseId = :c)", ONE, "unbalanced"),
        ("((caseId = :c)", ONE, "unbalanced"),
        ("#x = :c", ONE, "not in ExpressionAttributeNames"),
        ("caseId = :c; DROP", ONE, "cannot read: '; DROP'"),
    ],
)
def test_a_key_condition_the_gateway_cannot_read_strictly_is_refused(
    expression: str, values: dict[str, Any], why: str
) -> None:
    params = {
        "KeyConditionExpression": expression,
        "ExpressionAttributeNames": NAMES,
        "ExpressionAttributeValues": values,
    }
    with pytest.raises(UnreadableKey, match=why):
        queried_partition(params, "caseId")


def test_legacy_key_conditions_need_one_equality_on_the_partition() -> None:
    eq = {"caseId": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "case-7"}]}}
    assert queried_partition({"KeyConditions": eq}, "caseId") == "case-7"
    for bad in (
        {"caseId": {"ComparisonOperator": "eq", "AttributeValueList": [{"S": "case-7"}]}},
        {"caseId": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "case"}]}},
        {"caseId": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}, {"S": "b"}]}},
        {"openedAt": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}},
    ):
        with pytest.raises(UnreadableKey, match="KeyConditions"):
            queried_partition({"KeyConditions": bad}, "caseId")


def test_a_query_with_no_key_condition_or_both_kinds_is_refused() -> None:
    with pytest.raises(UnreadableKey, match="no key condition"):
        queried_partition({"QueryFilter": {"caseId": {"ComparisonOperator": "EQ"}}}, "caseId")
    with pytest.raises(UnreadableKey, match="both"):
        queried_partition({"KeyConditions": {}, "KeyConditionExpression": "caseId = :c"}, "caseId")


def test_an_item_key_is_read_when_present_and_refused_when_unreadable() -> None:
    assert item_partition({"caseId": {"S": "case-1"}, "note": {"S": "x"}}, "caseId") == "case-1"
    assert item_partition({"caseId": {"N": "42"}}, "caseId") == "42"
    assert item_partition({"caseId": {"B": b"\x01\x02"}}, "caseId") == "AQI="
    assert item_partition({"note": {"S": "x"}}, "caseId") is None  # the backend rejects a key without it
    for bad in ({"S": "case-2", "N": "1"}, {"NULL": True}, {"SS": ["case-2"]}, "case-2"):
        with pytest.raises(UnreadableKey, match="not one S, N or B value"):
            item_partition({"caseId": bad}, "caseId")
