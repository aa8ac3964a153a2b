"""dynamodb:LeadingKeys enforced on moto: the partition key values a request names, read with the table's key
schema from the backend (DynamoDB Developer Guide, "Using IAM policy conditions for fine-grained access
control": a policy can allow access "only to items with a partition key value that matches"; its example
conditions GetItem, Query, PutItem, ... with ForAllValues:StringEquals on dynamodb:LeadingKeys)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from checker.emulate.backends import Backend
from tests.emulate.conftest import doc, enforced_role_client

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/fraud-cases"


def _session_with(backend: Backend, operator: str) -> Any:
    admin_ddb = backend.admin_client("dynamodb")
    admin_ddb.create_table(TableName="fraud-cases", BillingMode="PAY_PER_REQUEST",
                           AttributeDefinitions=[{"AttributeName": "caseId", "AttributeType": "S"}],
                           KeySchema=[{"AttributeName": "caseId", "KeyType": "HASH"}])
    for case in ("case-1", "case-2"):
        admin_ddb.put_item(TableName="fraud-cases", Item={"caseId": {"S": case}, "status": {"S": "open"}})
    iam = backend.admin_client("iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="case-reader", AssumeRolePolicyDocument=doc(trust))
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"], "Resource": TABLE,
        "Condition": {f"{operator}:StringEquals": {"dynamodb:LeadingKeys": ["case-1"]}}}]}
    iam.put_role_policy(RoleName="case-reader", PolicyName="one-case", PolicyDocument=doc(policy))
    return enforced_role_client(backend, f"arn:aws:iam::{ACCOUNT}:role/case-reader", "dynamodb", "agent")


def _denied(call: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    return str(raised.value.response["Error"]["Message"])


@pytest.mark.parametrize("operator", ["ForAllValues", "ForAnyValue"])
def test_only_the_allowed_partition_key_is_reached(moto_backend: Backend, operator: str) -> None:
    ddb = _session_with(moto_backend, operator)
    assert ddb.get_item(TableName="fraud-cases", Key={"caseId": {"S": "case-1"}})["Item"]["status"] == {"S": "open"}
    query = ddb.query(TableName="fraud-cases", KeyConditionExpression="#c = :c",
                      ExpressionAttributeNames={"#c": "caseId"}, ExpressionAttributeValues={":c": {"S": "case-1"}})
    assert query["Count"] == 1
    assert "dynamodb:GetItem" in _denied(lambda: ddb.get_item(TableName="fraud-cases", Key={"caseId": {"S": "case-2"}}))
    _denied(lambda: ddb.query(TableName="fraud-cases", KeyConditionExpression="caseId = :c",
                              ExpressionAttributeValues={":c": {"S": "case-2"}}))
    _denied(lambda: ddb.put_item(TableName="fraud-cases", Item={"caseId": {"S": "case-3"}}))


def test_the_backend_names_the_partition_key_and_forgets_a_deleted_table(moto_backend: Backend) -> None:
    admin = moto_backend.admin_client("dynamodb")
    admin.create_table(TableName="fraud-cases", BillingMode="PAY_PER_REQUEST",
                       AttributeDefinitions=[{"AttributeName": "caseId", "AttributeType": "S"}],
                       KeySchema=[{"AttributeName": "caseId", "KeyType": "HASH"}])
    state = moto_backend.state
    assert state.dynamodb_partition_key(TABLE) == "caseId"
    assert state.dynamodb_partition_key(TABLE.replace("us-east-1", "eu-west-1")) is None  # another Region
    assert state.dynamodb_partition_key(TABLE.replace("fraud-cases", "payments")) is None
    admin.delete_table(TableName="fraud-cases")
    state.note_call("dynamodb", "DeleteTable")
    admin.create_table(TableName="fraud-cases", BillingMode="PAY_PER_REQUEST",
                       AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"}],
                       KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"}])
    state.note_call("dynamodb", "CreateTable")
    assert state.dynamodb_partition_key(TABLE) == "customer"


@pytest.mark.parametrize(
    ("label", "call"),
    [
        # moto read partition case-2 for each of these while the gateway saw no partition value (a
        # ForAllValues condition then holds vacuously): each is now refused by the gateway.
        ("a second equality after AND(", lambda ddb: ddb.query(
            TableName="fraud-cases", KeyConditionExpression="caseId = :c AND(caseId = :c)",
            ExpressionAttributeValues={":c": {"S": "case-2"}})),
        ("a value with two types", lambda ddb: ddb.query(
            TableName="fraud-cases", KeyConditionExpression="caseId = :c",
            ExpressionAttributeValues={":c": {"S": "case-2", "N": "1"}})),
        ("a key with two types", lambda ddb: ddb.get_item(
            TableName="fraud-cases", Key={"caseId": {"S": "case-2", "N": "1"}})),
        ("a NULL key", lambda ddb: ddb.get_item(TableName="fraud-cases", Key={"caseId": {"NULL": True}})),
        ("a batch with one readable and one two-typed key", lambda ddb: ddb.batch_get_item(RequestItems={
            "fraud-cases": {"Keys": [{"caseId": {"S": "case-1"}}, {"caseId": {"S": "case-2", "N": "1"}}]}})),
    ],
)
def test_a_partition_value_the_gateway_cannot_read_is_refused(moto_backend: Backend, label: str, call: Any) -> None:
    ddb = _session_with(moto_backend, "ForAllValues")
    message = _denied(lambda: call(ddb))
    assert "cannot tell which partition" in message, label


@pytest.mark.parametrize(
    "expression",
    [
        "caseId\u00a0=\u00a0:d",  # unusual whitespace: read as the backend reads it, case-2, and denied
        "caseId\t=\t:d",
        ":d = caseId",
        "caseId = :c AND begins_with(caseId, :d)",  # a second condition on the partition key
        "caseId = :c and caseId = :d",
        "caseId = :c AND caseId BETWEEN :c AND :d",
        "#a = :c AND #b = :d",  # two names for the partition key
        "caseId = :c AND",
        "caseId = :c AND case\uff29d = :d",  # a look-alike attribute name
    ],
)
def test_no_key_condition_reaches_another_partition(moto_backend: Backend, expression: str) -> None:
    ddb = _session_with(moto_backend, "ForAllValues")
    _denied(lambda: ddb.query(
        TableName="fraud-cases", KeyConditionExpression=expression,
        ExpressionAttributeValues={":c": {"S": "case-1"}, ":d": {"S": "case-2"}},
        **({"ExpressionAttributeNames": {"#a": "caseId", "#b": "caseId"}} if "#" in expression else {})))
