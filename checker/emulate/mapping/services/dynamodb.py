"""Amazon DynamoDB items and tables, per "Actions, resources, and condition keys for Amazon DynamoDB".

Each data-plane operation is authorized as the action of the same name on the table's ARN
(`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`); a Query or Scan that names `IndexName` reads the index,
its own resource type (`table/NAME/index/INDEX`). A batch call is authorized once per table it names.
The request keys `dynamodb:Select`, `dynamodb:ReturnValues` and `dynamodb:ReturnConsumedCapacity` come from
the parameters of the same name.

`dynamodb:LeadingKeys` ("Using IAM policy conditions for fine-grained access control": it lets a policy
"access only items with a partition key value that matches", the guide's example conditioning GetItem,
BatchGetItem, Query, PutItem, UpdateItem, DeleteItem and BatchWriteItem on it with ForAllValues) holds the
partition key values of the items a request names: `Key` (GetItem, UpdateItem, DeleteItem), `Item`
(PutItem), each key or put/delete request of a batch call for its table, and the partition key's equality
in a table Query's `KeyConditionExpression` (or legacy `KeyConditions`). The partition key's name comes
from the backend (DescribeTable); when the table is unknown, and for a Scan or an index Query, the key is
not supplied. `dynamodb:Attributes` is not supplied (it needs every expression parsed): a policy
conditioned on it is decided as if the request carried no such key.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
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


_EQUALITY = re.compile(r"^\(*\s*([#\w.]+|:\w+)\s*=\s*([#\w.]+|:\w+)\s*\)*$")


def _key_text(value: Any) -> str | None:
    """A key attribute's value as IAM compares it: S and N as written, B base64-encoded."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    (kind, raw), = value.items()
    if kind in ("S", "N") and isinstance(raw, str):
        return raw
    if kind == "B" and isinstance(raw, bytes | bytearray):
        return base64.b64encode(bytes(raw)).decode("ascii")
    return None


def _leading_keys(call: ApiCall, table_arn: str, items: list[Any]) -> dict[str, Any]:
    """{"dynamodb:LeadingKeys": [...]} for the partition key values of `items` (key or item maps)."""
    partition = call.lookups.dynamodb_partition_key(table_arn)
    if partition is None:
        return {}
    values = [_key_text(item.get(partition)) for item in items if isinstance(item, Mapping)]
    found = [v for v in values if v is not None]
    return {"dynamodb:LeadingKeys": sorted(set(found))} if found else {}


def _queried_partition(call: ApiCall, partition: str) -> Any:
    """The partition key's value in a Query's key condition, or None."""
    legacy = call.params.get("KeyConditions")
    if isinstance(legacy, Mapping):
        condition = legacy.get(partition)
        if isinstance(condition, Mapping) and condition.get("ComparisonOperator") == "EQ":
            listed = condition.get("AttributeValueList")
            return listed[0] if isinstance(listed, list) and len(listed) == 1 else None
        return None
    expression = call.params.get("KeyConditionExpression")
    if not isinstance(expression, str):
        return None
    names = call.params.get("ExpressionAttributeNames") or {}
    values = call.params.get("ExpressionAttributeValues") or {}
    for part in re.split(r"\s+and\s+", expression, flags=re.IGNORECASE):
        match = _EQUALITY.match(part.strip())
        if match is None:
            continue
        left, right = match.groups()
        name, placeholder = (left, right) if right.startswith(":") else (right, left)
        if not placeholder.startswith(":") or name.startswith(":"):
            continue
        if (names.get(name) if name.startswith("#") else name) == partition:
            return values.get(placeholder)
    return None


def _on_item(action: str, field: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        arn = _table_arn(call, required(call, "TableName"))
        context = {**_REQUEST_KEYS(call), **_leading_keys(call, arn, [call.params.get(field)])}
        return [AuthorizationCheck(action, arn, context)]

    return custom(expand, note=f"dynamodb:LeadingKeys is the partition key value of {field}")


def _on_table(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        return [AuthorizationCheck(action, _table_arn(call, required(call, "TableName")), _REQUEST_KEYS(call))]

    return custom(expand)


def _on_table_or_index(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        arn = _table_arn(call, required(call, "TableName"))
        index = call.params.get("IndexName")
        context = _REQUEST_KEYS(call)
        if index:
            arn = f"{arn}/index/{index}"
        elif action == "dynamodb:Query":
            partition = call.lookups.dynamodb_partition_key(arn)
            value = _queried_partition(call, partition) if partition is not None else None
            context = {**context, **_leading_keys(call, arn, [{partition: value}] if partition else [])}
        return [AuthorizationCheck(action, arn, context)]

    return custom(expand, note="a Query or Scan of an index is authorized on the index's ARN")


def _per_table(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        items: Any = call.params.get("RequestItems")
        if not isinstance(items, dict) or not items:
            raise UnmappedOperation(call.service, call.operation, "the parameter RequestItems names no table")
        checks = []
        for table in sorted(items):
            arn = _table_arn(call, str(table))
            keys = _batch_keys(items[table])
            checks.append(AuthorizationCheck(action, arn, {**_REQUEST_KEYS(call), **_leading_keys(call, arn, keys)}))
        return checks

    return custom(expand, note="a batch call is authorized on each table it names")


def _batch_keys(request: Any) -> list[Any]:
    """The key or item maps of one table's part of a BatchGetItem ({Keys: [...]}) or BatchWriteItem
    ([{PutRequest: {Item}} | {DeleteRequest: {Key}}])."""
    if isinstance(request, Mapping):
        keys = request.get("Keys")
        return list(keys) if isinstance(keys, list) else []
    found: list[Any] = []
    for entry in request if isinstance(request, list) else []:
        if isinstance(entry, Mapping):
            put, delete = entry.get("PutRequest"), entry.get("DeleteRequest")
            if isinstance(put, Mapping):
                found.append(put.get("Item"))
            if isinstance(delete, Mapping):
                found.append(delete.get("Key"))
    return found


RULES: dict[str, Rule] = {
    "GetItem": _on_item("dynamodb:GetItem", "Key"),
    "PutItem": _on_item("dynamodb:PutItem", "Item"),
    "UpdateItem": _on_item("dynamodb:UpdateItem", "Key"),
    "DeleteItem": _on_item("dynamodb:DeleteItem", "Key"),
    "Query": _on_table_or_index("dynamodb:Query"),
    "Scan": _on_table_or_index("dynamodb:Scan"),
    "BatchGetItem": _per_table("dynamodb:BatchGetItem"),
    "BatchWriteItem": _per_table("dynamodb:BatchWriteItem"),
    "DescribeTable": _on_table("dynamodb:DescribeTable"),
    "DeleteTable": _on_table("dynamodb:DeleteTable"),
    "ListTables": rule(check("dynamodb:ListTables")),
}
