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
not supplied. A value the gateway cannot read strictly (dynamodb_keys.py: a table Query whose key condition
does not name exactly one partition value, a key attribute with two types) refuses the call: with no value,
a `ForAllValues` condition would let the request reach any partition. `dynamodb:Attributes` is not supplied (it needs every expression parsed): a policy
conditioned on it is decided as if the request carried no such key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.rules import Rule, check, custom, present, required, rule
from checker.emulate.mapping.services.dynamodb_keys import UnreadableKey, item_partition, queried_partition

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


def _leading_keys(call: ApiCall, table_arn: str, items: list[Any]) -> dict[str, Any]:
    """{"dynamodb:LeadingKeys": [...]} for the partition key values of `items` (key or item maps)."""
    partition = call.lookups.dynamodb_partition_key(table_arn)
    if partition is None:
        return {}
    with _refused_when_unreadable(call):
        values = {item_partition(item, partition) for item in items}
    found = sorted(v for v in values if v is not None)
    return {"dynamodb:LeadingKeys": found} if found else {}


@contextmanager
def _refused_when_unreadable(call: ApiCall) -> Iterator[None]:
    """A partition value that cannot be read refuses the call (fail closed): see dynamodb_keys.py."""
    try:
        yield
    except UnreadableKey as exc:
        raise UnmappedOperation(
            call.service,
            call.operation,
            f"{exc}, so the gateway cannot tell which partition the request reaches (dynamodb:LeadingKeys)",
        ) from None


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
            if partition is not None:
                with _refused_when_unreadable(call):
                    value = queried_partition(call.params, partition)
                context = {**context, "dynamodb:LeadingKeys": [value]}
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
