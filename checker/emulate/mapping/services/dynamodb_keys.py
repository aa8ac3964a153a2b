"""Which partition key value a DynamoDB request names, read strictly, for `dynamodb:LeadingKeys`.

The gateway must never let a request through a `LeadingKeys` condition without knowing the partition it
reaches: with no value, `ForAllValues` is vacuously true and the request would be allowed whatever partition
it reads. So a value that cannot be read is an error (the caller refuses the request), never an absent key:

- an item's key: the partition attribute, when present, must be one `S`, `N` or `B` value (a map with two
  types, or a `NULL`, is refused: a backend may still read it as a partition);
- a table Query: "You must provide the name of the partition key attribute and a single value for that
  attribute" (DynamoDB Developer Guide, "Querying tables in DynamoDB"). The key condition must read as
  terms joined by AND, each `name = :value`, `name < :value` (and <=, >, >=), `name BETWEEN :a AND :b` or
  `begins_with(name, :value)`, names either plain or `#placeholders`, grouping parentheses allowed; exactly
  one term is the partition key's equality, and no other term names the partition key.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any


class UnreadableKey(Exception):
    """The request's partition key value cannot be read; the message says why, for the refusal."""


def key_text(value: Any) -> str | None:
    """A key attribute's value as IAM compares it: S and N as written, B base64-encoded; None otherwise."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    ((kind, raw),) = value.items()
    if kind in ("S", "N") and isinstance(raw, str):
        return raw
    if kind == "B" and isinstance(raw, bytes | bytearray):
        return base64.b64encode(bytes(raw)).decode("ascii")
    return None


def item_partition(item: Any, partition: str) -> str | None:
    """The partition value of a key or item map; None when the map does not name the partition key (the
    backend then rejects the request: a key must hold every key attribute)."""
    if not isinstance(item, Mapping) or partition not in item:
        return None
    text = key_text(item[partition])
    if text is None:
        raise UnreadableKey(
            f"the partition key {partition!r} holds {_shown(item[partition])}, not one S, N or B value"
        )
    return text


def queried_partition(params: Mapping[str, Any], partition: str) -> str:
    """The partition key value a table Query reads, from `KeyConditions` or `KeyConditionExpression`."""
    legacy = params.get("KeyConditions")
    expression = params.get("KeyConditionExpression")
    if legacy is not None and expression is not None:
        raise UnreadableKey("the Query gives both KeyConditions and KeyConditionExpression")
    if legacy is not None:
        return _legacy_partition(legacy, partition)
    if not isinstance(expression, str):
        raise UnreadableKey(
            f"the Query gives no key condition: it must name one value of the partition key {partition!r}"
        )
    names = params.get("ExpressionAttributeNames") or {}
    values = params.get("ExpressionAttributeValues") or {}
    if not isinstance(names, Mapping) or not isinstance(values, Mapping):
        raise UnreadableKey("ExpressionAttributeNames and ExpressionAttributeValues must be maps")
    found: list[str] = []
    for left, operator, right in _terms(expression):
        named = [_resolve(side, names) for side in (left, *right)]
        if partition not in named:
            continue
        if operator != "=" or left.startswith(":") == right[0].startswith(":"):
            raise UnreadableKey(
                f"the key condition {expression!r} compares the partition key {partition!r} other than "
                "with `= :value`"
            )
        placeholder = left if left.startswith(":") else right[0]
        if placeholder not in values:
            raise UnreadableKey(f"the key condition's {placeholder} is not in ExpressionAttributeValues")
        text = key_text(values[placeholder])
        if text is None:
            raise UnreadableKey(f"{placeholder} holds {_shown(values[placeholder])}, not one S, N or B value")
        found.append(text)
    if len(found) != 1:
        raise UnreadableKey(
            f"the key condition {expression!r} must name the partition key {partition!r} exactly once "
            f"with `= :value` (found {len(found)})"
        )
    return found[0]


def _legacy_partition(legacy: Any, partition: str) -> str:
    condition = legacy.get(partition) if isinstance(legacy, Mapping) else None
    if not isinstance(condition, Mapping) or condition.get("ComparisonOperator") != "EQ":
        raise UnreadableKey(f"KeyConditions must compare the partition key {partition!r} with EQ")
    listed = condition.get("AttributeValueList")
    text = key_text(listed[0]) if isinstance(listed, list) and len(listed) == 1 else None
    if text is None:
        raise UnreadableKey(f"KeyConditions must give the partition key {partition!r} one S, N or B value")
    return text


_TOKEN = re.compile(r"\s*(?:(?P<word>[#:]?[A-Za-z0-9_.]+)|(?P<op><=|>=|<>|[=<>(),]))")
_COMPARISONS = frozenset({"=", "<", "<=", ">", ">="})


def _tokens(expression: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None or match.end() == position:
            if expression[position:].strip() == "":
                break
            rest = expression[position:].strip()
            raise UnreadableKey(
                f"the key condition {expression!r} has text the gateway cannot read: {rest[:20]!r}"
            )
        tokens.append(match.group("word") or match.group("op"))
        position = match.end()
    return tokens


def _terms(expression: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(left, operator, right operands) per term: BETWEEN's right is its two bounds, begins_with's left is
    the attribute. Parentheses may only wrap whole terms (or runs of them): anything else is refused."""
    tokens = _tokens(expression)
    terms: list[tuple[str, str, tuple[str, ...]]] = []
    depth = index = 0
    while True:
        while index < len(tokens) and tokens[index] == "(":
            depth, index = depth + 1, index + 1
        term, index = _term(tokens, index, expression)
        terms.append(term)
        while index < len(tokens) and tokens[index] == ")":
            depth, index = depth - 1, index + 1
            if depth < 0:
                raise UnreadableKey(f"the key condition {expression!r} has unbalanced parentheses")
        if index == len(tokens):
            if depth:
                raise UnreadableKey(f"the key condition {expression!r} has unbalanced parentheses")
            return terms
        if tokens[index].upper() != "AND":
            raise UnreadableKey(f"the key condition {expression!r} joins terms other than with AND")
        index += 1


def _term(tokens: list[str], index: int, expression: str) -> tuple[tuple[str, str, tuple[str, ...]], int]:
    def operand(at: int) -> str:
        if at >= len(tokens) or not _is_operand(tokens[at]):
            raise UnreadableKey(f"the key condition {expression!r} is not a comparison the gateway can read")
        return tokens[at]

    if index < len(tokens) and tokens[index].lower() == "begins_with":
        call = tokens[index + 1 : index + 6]
        if len(call) == 5 and call[0] == "(" and call[2] == "," and call[4] == ")":
            return (operand(index + 2), "begins_with", (operand(index + 4),)), index + 6
        raise UnreadableKey(f"the key condition {expression!r} has a begins_with the gateway cannot read")
    left = operand(index)
    operator = tokens[index + 1] if index + 1 < len(tokens) else ""
    if operator.upper() == "BETWEEN":
        if index + 4 >= len(tokens) or tokens[index + 3].upper() != "AND":
            raise UnreadableKey(f"the key condition {expression!r} has a BETWEEN the gateway cannot read")
        return (left, "BETWEEN", (operand(index + 2), operand(index + 4))), index + 5
    if operator not in _COMPARISONS:
        raise UnreadableKey(f"the key condition {expression!r} is not a comparison the gateway can read")
    return (left, operator, (operand(index + 2),)), index + 3


def _is_operand(token: str) -> bool:
    if token[0] in "#:":
        return len(token) > 1
    return (token[0].isalnum() or token[0] == "_") and token.upper() not in ("AND", "BETWEEN")


def _resolve(token: str, names: Mapping[str, Any]) -> str:
    if token.startswith("#"):
        name = names.get(token)
        if not isinstance(name, str):
            raise UnreadableKey(f"the key condition's {token} is not in ExpressionAttributeNames")
        return name
    return token


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
