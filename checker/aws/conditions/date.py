"""Date operators: ISO 8601 dates and times or epoch seconds (IAM User Guide, Date condition operators)."""

from __future__ import annotations

from datetime import UTC, datetime

from checker.aws.conditions.operator import ordered_family, text_of
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


HINT = "dates are ISO 8601 (2026-11-28T10:00:00Z) or epoch seconds"
OPERATORS = ordered_family("Date", parse_date, _prepare, HINT)
