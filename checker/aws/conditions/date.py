"""Date operators: ISO 8601 dates and times or epoch seconds (IAM User Guide, Date condition operators)."""

from __future__ import annotations

import operator as op
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from checker.aws.conditions.operator import Operator, request_text, text_of
from checker.aws.wildcard import Piece


def parse_date(text: str) -> float:
    """Seconds since the epoch for an ISO 8601 value or an epoch number; ValueError otherwise."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (use ISO 8601 such as 2026-11-28T10:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # AWS reads dates without an offset as UTC
    return moment.timestamp()


def _prepare(pieces: list[Piece]) -> float:
    return parse_date(text_of(pieces))


def _compare(relation: Callable[[float, float], bool]) -> Callable[[Any, float], bool]:
    def test(request: Any, policy: float) -> bool:
        try:
            value = parse_date(request_text(request))
        except ValueError:
            return False
        return relation(value, policy)

    return test


HINT = "dates are ISO 8601 (2026-11-28T10:00:00Z) or epoch seconds"
OPERATORS = [
    Operator("DateEquals", False, False, False, _prepare, _compare(op.eq), HINT),
    Operator("DateNotEquals", True, False, False, _prepare, _compare(op.eq), HINT),
    Operator("DateLessThan", False, False, False, _prepare, _compare(op.lt), HINT),
    Operator("DateLessThanEquals", False, False, False, _prepare, _compare(op.le), HINT),
    Operator("DateGreaterThan", False, False, False, _prepare, _compare(op.gt), HINT),
    Operator("DateGreaterThanEquals", False, False, False, _prepare, _compare(op.ge), HINT),
]
