"""Amazon DynamoDB items and tables, per "Actions, resources, and condition keys for Amazon DynamoDB".

Each data-plane operation is authorized as the action of the same name on the table's ARN
(`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`); a Query or Scan that names `IndexName` reads the index,
its own resource type (`table/NAME/index/INDEX`). A batch call is authorized once per table it names.
The request keys `dynamodb:Select`, `dynamodb:ReturnValues` and `dynamodb:ReturnConsumedCapacity` come from
the parameters of the same name. `dynamodb:LeadingKeys` and `dynamodb:Attributes` are not supplied (they
need the table's key schema and the expressions parsed): a policy conditioned on them is decided as if the
request carried neither key, so a live run of such a policy is only as exact as that (no lab uses them).
"""

from __future__ import annotations

from typing import Any

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.rules import Rule, check, custom, present, required, rule

_REQUEST_KEYS = present(
    {
        "dynamodb:Select": "Select",
        "dynamodb:ReturnValues": "ReturnValues",
        "dynamodb:ReturnConsumedCapacity": "ReturnConsumedCapacity",
    }
)


def _table_arn(call: ApiCall, table: str) -> str:
    if table.startswith("arn:"):  # every item operation also takes the table's ARN as TableName
        return table
    return f"arn:{call.partition}:dynamodb:{call.region}:{call.account}:table/{table}"


def _on_table(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        return [AuthorizationCheck(action, _table_arn(call, required(call, "TableName")), _REQUEST_KEYS(call))]

    return custom(expand)


def _on_table_or_index(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        arn = _table_arn(call, required(call, "TableName"))
        index = call.params.get("IndexName")
        if index:
            arn = f"{arn}/index/{index}"
        return [AuthorizationCheck(action, arn, _REQUEST_KEYS(call))]

    return custom(expand, note="a Query or Scan of an index is authorized on the index's ARN")


def _per_table(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        items: Any = call.params.get("RequestItems")
        if not isinstance(items, dict) or not items:
            raise UnmappedOperation(call.service, call.operation, "the parameter RequestItems names no table")
        context = _REQUEST_KEYS(call)
        return [AuthorizationCheck(action, _table_arn(call, str(table)), context) for table in sorted(items)]

    return custom(expand, note="a batch call is authorized on each table it names")


RULES: dict[str, Rule] = {
    "GetItem": _on_table("dynamodb:GetItem"),
    "PutItem": _on_table("dynamodb:PutItem"),
    "UpdateItem": _on_table("dynamodb:UpdateItem"),
    "DeleteItem": _on_table("dynamodb:DeleteItem"),
    "Query": _on_table_or_index("dynamodb:Query"),
    "Scan": _on_table_or_index("dynamodb:Scan"),
    "BatchGetItem": _per_table("dynamodb:BatchGetItem"),
    "BatchWriteItem": _per_table("dynamodb:BatchWriteItem"),
    "DescribeTable": _on_table("dynamodb:DescribeTable"),
    "DeleteTable": _on_table("dynamodb:DeleteTable"),
    "ListTables": rule(check("dynamodb:ListTables")),
}
