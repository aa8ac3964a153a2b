"""Lab 04 live check: the Bedrock agent's action-group Lambda, run under the learner's Lambda role.

The function looks a fraud case up by id and lists a customer's cases through the table's index; a
prompt-injected agent hands it whatever the attacker wrote, so its rogue steps read another table, scan
every customer's cases, and write or delete cases. Every call goes through the project's enforcer
(checker/emulate: mapping/services/dynamodb.py, then the engine) and, when allowed, is carried out by
moto's DynamoDB. Its log writes are allowed by the lab but not required, so they are not steps.
"""

from __future__ import annotations

from checker.emulate.workload import Step, Table, Workload

CASES = "fraud-cases"
PAYMENTS = "payments"

WORKLOAD = Workload(
    role="fraud-case-lookup-lambda",
    account="111122223333",
    region="us-east-2",
    tables={
        CASES: Table(
            key="case_id",
            indexes={"by-customer": "customer_id"},
            items=(
                {"case_id": "C-1001", "customer_id": "CUST-7", "status": "card blocked"},
                {"case_id": "C-1002", "customer_id": "CUST-9", "status": "disputed payment"},
            ),
        ),
        PAYMENTS: Table(key="payment_id", items=({"payment_id": "P-1", "customer_id": "CUST-9", "amount": "900"},)),
    },
    steps=(
        Step("look a case up by id", "dynamodb", "GetItem", {"TableName": CASES, "Key": {"case_id": {"S": "C-1001"}}}),
        Step(
            "list the customer's cases through the by-customer index",
            "dynamodb",
            "Query",
            {
                "TableName": CASES,
                "IndexName": "by-customer",
                "KeyConditionExpression": "customer_id = :c",
                "ExpressionAttributeValues": {":c": {"S": "CUST-7"}},
            },
        ),
        Step(
            "query a case by its key",
            "dynamodb",
            "Query",
            {
                "TableName": CASES,
                "KeyConditionExpression": "case_id = :c",
                "ExpressionAttributeValues": {":c": {"S": "C-1001"}},
            },
        ),
        Step("scan every customer's cases", "dynamodb", "Scan", {"TableName": CASES}, rogue=True),
        Step(
            "read another table (payments)",
            "dynamodb",
            "GetItem",
            {"TableName": PAYMENTS, "Key": {"payment_id": {"S": "P-1"}}},
            rogue=True,
        ),
        Step(
            "close another customer's case (write the case table)",
            "dynamodb",
            "PutItem",
            {"TableName": CASES, "Item": {"case_id": {"S": "C-1002"}, "customer_id": {"S": "CUST-9"}, "status": {"S": "closed"}}},
            rogue=True,
        ),
        Step("delete a case (the evidence)", "dynamodb", "DeleteItem", {"TableName": CASES, "Key": {"case_id": {"S": "C-1002"}}}, rogue=True),
        Step("delete the case table", "dynamodb", "DeleteTable", {"TableName": CASES}, rogue=True),
    ),
)
