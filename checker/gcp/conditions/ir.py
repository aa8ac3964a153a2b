"""A small tree for the CEL shapes IAM conditions use most, evaluated fast and translated to z3.

CEL evaluates with errors as values: `&&` and `||` are commutative and absorb an error when the other
side decides the result (false && error == false, true || error == true); any other use of an error
is an error, and a condition that ends in an error does not grant (doc: "Attribute reference for IAM
Conditions": an attribute a service does not supply makes the condition false). `ERROR` stands for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias

import celpy.celtypes as celtypes


@dataclass(frozen=True)
class ErrorValue:
    reason: str


Value: TypeAlias = str | bool | int | datetime | ErrorValue


ERROR = ErrorValue("error")

# Attributes the fast evaluator reads from the context.
ATTRIBUTES = ("resource.name", "resource.type", "resource.service", "request.time")
STRING_METHODS = ("startsWith", "endsWith", "contains")
TAG_FUNCTIONS = ("matchTag", "matchTagId", "hasTagKey", "hasTagKeyId")
TIME_METHODS = (
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getFullYear",
    "getHours",
    "getMilliseconds",
    "getMinutes",
    "getMonth",
    "getSeconds",
)


@dataclass(frozen=True)
class Lit:
    value: str | bool | int | datetime


@dataclass(frozen=True)
class Attr:
    name: str  # one of ATTRIBUTES


@dataclass(frozen=True)
class StrCall:
    method: str  # startsWith, endsWith, contains, extract
    target: Node
    argument: Node


@dataclass(frozen=True)
class TagCall:
    function: str  # one of TAG_FUNCTIONS
    arguments: tuple[str, ...]


@dataclass(frozen=True)
class TimeCall:
    method: str  # one of TIME_METHODS
    timezone: str | None


@dataclass(frozen=True)
class Cmp:
    op: str  # ==, !=, <, <=, >, >=
    left: Node
    right: Node


@dataclass(frozen=True)
class InList:
    item: Node
    options: tuple[Node, ...]


@dataclass(frozen=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Ternary:
    test: Node
    then: Node
    otherwise: Node


Node: TypeAlias = Lit | Attr | StrCall | TagCall | TimeCall | Cmp | InList | And | Or | Not | Ternary


@dataclass(frozen=True)
class Facts:
    """What the service supplies for one request. `None` means the attribute is not supplied."""

    values: dict[str, str | datetime | None]
    tags: dict[str, str]  # namespaced tag key -> namespaced value short name ("123/env" -> "prod")
    tag_ids: dict[str, str]  # tagKeys/N -> tagValues/M


_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})?", re.ASCII
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


def parse_timestamp(text: str) -> datetime | None:
    """An RFC 3339 time as timestamp() reads it; naive when the offset is missing, None when unreadable."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    day, clock, fraction, offset = match.groups()
    micros = (fraction or "").ljust(6, "0")[:6]
    zone = "" if offset is None else "+00:00" if offset in ("Z", "z") else offset
    try:
        return datetime.fromisoformat(f"{day}T{clock}.{micros}{zone}")
    except ValueError:
        return None


def parse_date(text: str) -> datetime | None:
    """date("YYYY-MM-DD"): that day at 00:00:00.000 UTC (attribute reference, date/time functions)."""
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    except ValueError:
        return None


def extract(text: str, template: str) -> str:
    """GCP's extract(): the part of `text` that stands where `{name}` is in `template`, or ''.

    Doc: "Attribute reference for IAM Conditions" (extract function): the text before the placeholder must
    appear in the string; the value runs to the text after the placeholder (or the end); no match gives ''.
    """
    start = template.find("{")
    end = template.find("}", start)
    if start < 0 or end < 0:
        return ""
    before, after = template[:start], template[end + 1 :]
    at = text.find(before)
    if at < 0:
        return ""
    rest = text[at + len(before) :]
    if not after:
        return rest
    stop = rest.find(after)
    return rest[:stop] if stop >= 0 else ""


_CMP = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def evaluate(node: Node, facts: Facts) -> Value:
    """Evaluate with CEL's error semantics; the caller treats anything but True as 'does not apply'."""
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Attr):
        supplied = facts.values.get(node.name)
        return ErrorValue(f"{node.name} is not supplied for this request") if supplied is None else supplied
    if isinstance(node, And):
        left, right = evaluate(node.left, facts), evaluate(node.right, facts)
        if left is False or right is False:
            return False
        if left is True and right is True:
            return True
        return left if isinstance(left, ErrorValue) else right if isinstance(right, ErrorValue) else ERROR
    if isinstance(node, Or):
        left, right = evaluate(node.left, facts), evaluate(node.right, facts)
        if left is True or right is True:
            return True
        if left is False and right is False:
            return False
        return left if isinstance(left, ErrorValue) else right if isinstance(right, ErrorValue) else ERROR
    if isinstance(node, Not):
        operand = evaluate(node.operand, facts)
        return (not operand) if isinstance(operand, bool) else _not_bool(operand)
    if isinstance(node, Cmp):
        left, right = evaluate(node.left, facts), evaluate(node.right, facts)
        if isinstance(left, ErrorValue):
            return left
        if isinstance(right, ErrorValue):
            return right
        if type(left) is not type(right):
            return ErrorValue(f"no such overload: {type(left).__name__} {node.op} {type(right).__name__}")
        return bool(_CMP[node.op](left, right))
    if isinstance(node, StrCall):
        target, argument = evaluate(node.target, facts), evaluate(node.argument, facts)
        if isinstance(target, ErrorValue):
            return target
        if isinstance(argument, ErrorValue):
            return argument
        if not isinstance(target, str) or not isinstance(argument, str):
            return ErrorValue(f"{node.method} needs strings")
        if node.method == "startsWith":
            return target.startswith(argument)
        if node.method == "endsWith":
            return target.endswith(argument)
        if node.method == "contains":
            return argument in target
        return extract(target, argument)
    if isinstance(node, InList):
        item = evaluate(node.item, facts)
        if isinstance(item, ErrorValue):
            return item
        for option in node.options:
            value = evaluate(option, facts)
            if isinstance(value, ErrorValue):
                return value
            if type(value) is type(item) and value == item:
                return True
        return False
    if isinstance(node, TagCall):
        return tag_function(node.function, node.arguments, facts)
    if isinstance(node, TimeCall):
        moment = facts.values.get("request.time")
        if not isinstance(moment, datetime):
            return ErrorValue("request.time is not supplied")
        try:
            stamp = celtypes.TimestampType(moment)
            return int(
                getattr(stamp, node.method)(celtypes.StringType(node.timezone) if node.timezone else None)
            )
        except (ValueError, KeyError) as exc:
            return ErrorValue(f"bad time zone {node.timezone!r}: {exc}")
    if isinstance(node, Ternary):
        test = evaluate(node.test, facts)
        if not isinstance(test, bool):
            return test if isinstance(test, ErrorValue) else ErrorValue("?: needs a bool")
        return evaluate(node.then if test else node.otherwise, facts)
    raise TypeError(f"unknown node {node!r}")  # pragma: no cover - the translator builds only the nodes above


def _not_bool(value: Value) -> Value:
    return value if isinstance(value, ErrorValue) else ErrorValue("! needs a bool")


def tag_function(function: str, arguments: tuple[str, ...], facts: Facts) -> bool:
    """resource.matchTag and friends (doc: "Tags and conditional access", https://cloud.google.com/iam/docs/tags-access-control)."""
    if function == "matchTag":
        return facts.tags.get(arguments[0]) == arguments[1]
    if function == "matchTagId":
        return facts.tag_ids.get(arguments[0]) == arguments[1]
    if function == "hasTagKey":
        return arguments[0] in facts.tags
    return arguments[0] in facts.tag_ids
