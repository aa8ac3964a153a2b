"""Evaluate a parsed condition against one request.

Results have three values. A comparison whose attribute the request does not supply cannot be
evaluated ("Actions and attributes for Azure role assignment conditions for Azure Blob Storage",
Suboperations: such operations "cannot evaluate this condition, and will fail the authorization access
check"). An unevaluable part does not fail the whole condition when the rest decides it (`true OR x` is
true, `false AND x` is false), which is how the documented `!(ActionMatches{...}) OR (...)` shape lets
every operation the guard does not target pass. A condition grants only when it is definitely true.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from checker.azure.conditions.ast import (
    ActionMatches,
    AttributeRef,
    Comparison,
    Exists,
    Expr,
    Family,
    Literal,
    Logical,
    Not,
    Operand,
    Quantifier,
    SubOperationMatches,
    Test,
)
from checker.azure.conditions.like import compile_like
from checker.azure.conditions.tokens import GUID_TEXT
from checker.azure.timeparse import DateTimeError, parse_ticks


class Truth(Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "cannot be evaluated"


@dataclass(frozen=True)
class ConditionRequest:
    """What a condition can look at: the operation, its sub-operation and the attributes."""

    action_lower: str
    sub_operation_lower: str | None
    attributes: Mapping[str, Any]  # normalized attribute key -> str | int | bool | list of those


@dataclass
class Outcome:
    truth: Truth
    missing: list[str]  # attributes the request lacked or gave with the wrong type, in order found


def evaluate_condition(expr: Expr, request: ConditionRequest) -> Outcome:
    missing: list[str] = []
    truth = _eval(expr, request, missing)
    return Outcome(truth, missing)


def _eval(expr: Expr, request: ConditionRequest, missing: list[str]) -> Truth:
    if isinstance(expr, Logical):
        results = [_eval(operand, request, missing) for operand in expr.operands]
        decisive, other = (Truth.FALSE, Truth.TRUE) if expr.op == "and" else (Truth.TRUE, Truth.FALSE)
        if decisive in results:
            return decisive
        return Truth.UNKNOWN if Truth.UNKNOWN in results else other
    if isinstance(expr, Not):
        inner = _eval(expr.operand, request, missing)
        return {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}.get(inner, Truth.UNKNOWN)
    if isinstance(expr, ActionMatches):
        return _truth(expr.pattern.matches(request.action_lower))
    if isinstance(expr, SubOperationMatches):
        sub = request.sub_operation_lower
        return _truth(sub is not None and expr.pattern.matches(sub))
    if isinstance(expr, Exists):
        return _truth(expr.attribute.key in request.attributes)
    return _compare(expr, request, missing)


def _truth(value: bool) -> Truth:
    return Truth.TRUE if value else Truth.FALSE


def _compare(expr: Comparison, request: ConditionRequest, missing: list[str]) -> Truth:
    operator = expr.operator
    left = _values(expr.left, request, operator.family, missing)
    right = _values(expr.right, request, operator.family, missing)
    if left is None or right is None:
        return Truth.UNKNOWN
    if operator.quantifier is Quantifier.NONE and (len(left) != 1 or len(right) != 1):
        side = expr.left if len(left) != 1 else expr.right
        missing.append(f"{side} (holds several values; use a ForAnyOfAnyValues-style operator)")
        return Truth.UNKNOWN
    test = _tester(operator.family, operator.test, operator.ignore_case)

    def holds(a: Any, b: Any) -> bool:
        return test(a, b) != operator.negated

    quantifier = operator.quantifier
    if quantifier in (Quantifier.NONE, Quantifier.ANY_OF_ANY):
        result = any(holds(a, b) for a in left for b in right)
    elif quantifier is Quantifier.ALL_OF_ANY:
        result = all(any(holds(a, b) for b in right) for a in left)
    elif quantifier is Quantifier.ANY_OF_ALL:
        result = any(all(holds(a, b) for b in right) for a in left)
    else:
        result = all(holds(a, b) for a in left for b in right)
    return _truth(result)


def _values(operand: Operand, request: ConditionRequest, family: Family, missing: list[str]) -> list[Any] | None:
    if isinstance(operand, Literal):
        raw: list[Any] = list(operand.values)
    else:
        assert isinstance(operand, AttributeRef)
        if operand.key not in request.attributes:
            missing.append(f"{operand} (not supplied by this request)")
            return None
        value = request.attributes[operand.key]
        raw = list(value) if isinstance(value, list | tuple) else [value]
    converted = []
    for item in raw:
        value = convert(item, family)
        if value is None:
            missing.append(f"{operand} (the value {item!r} is not a {family.value} value)")
            return None
        converted.append(value)
    return converted


def convert(value: Any, family: Family) -> Any:
    """The comparable form of a value for an operator family, or None when it has the wrong type."""
    if family is Family.STRING:
        return value if isinstance(value, str) else None
    if family is Family.NUMERIC:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if family is Family.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return None
    if family is Family.GUID:
        return value.lower() if isinstance(value, str) and GUID_TEXT.match(value) else None
    try:
        return parse_ticks(value) if isinstance(value, str) else None
    except DateTimeError:
        return None


_ORDERED: dict[Test, Callable[[Any, Any], bool]] = {
    Test.EQUALS: lambda a, b: bool(a == b),
    Test.LESS: lambda a, b: bool(a < b),
    Test.LESS_EQUAL: lambda a, b: bool(a <= b),
    Test.GREATER: lambda a, b: bool(a > b),
    Test.GREATER_EQUAL: lambda a, b: bool(a >= b),
}


@lru_cache(maxsize=4096)
def _like(pattern: str, ignore_case: bool) -> Any:
    return compile_like(pattern, ignore_case)


def _tester(family: Family, test: Test, ignore_case: bool) -> Callable[[Any, Any], bool]:
    if family is not Family.STRING:
        return _ORDERED[test]
    if test is Test.EQUALS:
        if ignore_case:
            return lambda a, b: bool(a.lower() == b.lower())
        return lambda a, b: bool(a == b)
    if test is Test.STARTS_WITH:
        if ignore_case:
            return lambda a, b: bool(a.lower().startswith(b.lower()))
        return lambda a, b: bool(a.startswith(b))
    # StringLike: the right-hand side is the pattern.
    if ignore_case:
        return lambda a, b: bool(_like(b, True).matches(a.lower()))
    return lambda a, b: bool(_like(b, False).matches(a))
