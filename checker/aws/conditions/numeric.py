"""Numeric operators. Policy variables are not supported here (IAM User Guide, Numeric condition operators)."""

from __future__ import annotations

import operator as op
from collections.abc import Callable
from typing import Any

from checker.aws.conditions.operator import Operator, request_text, text_of
from checker.aws.wildcard import Piece


def _number(text: str) -> float:
    return float(text.strip())


def _prepare(pieces: list[Piece]) -> float:
    text = text_of(pieces)
    try:
        return _number(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


def _compare(relation: Callable[[float, float], bool]) -> Callable[[Any, float], bool]:
    def test(request: Any, policy: float) -> bool:
        try:
            value = _number(request_text(request))
        except ValueError:
            return False  # a request value that is not a number matches nothing
        return relation(value, policy)

    return test


HINT = "numeric operators compare numbers, for example \"10\" or 3600"
OPERATORS = [
    Operator("NumericEquals", False, False, False, _prepare, _compare(op.eq), HINT),
    Operator("NumericNotEquals", True, False, False, _prepare, _compare(op.eq), HINT),
    Operator("NumericLessThan", False, False, False, _prepare, _compare(op.lt), HINT),
    Operator("NumericLessThanEquals", False, False, False, _prepare, _compare(op.le), HINT),
    Operator("NumericGreaterThan", False, False, False, _prepare, _compare(op.gt), HINT),
    Operator("NumericGreaterThanEquals", False, False, False, _prepare, _compare(op.ge), HINT),
]
