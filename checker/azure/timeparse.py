"""Date-times as integer ticks (100 ns units since 0001-01-01 UTC), the precision Azure compares at.

DateTime operators use the full-precision format `yyyy-mm-ddThh:mm:ss.fffffffZ` ("Azure role assignment
condition format and syntax", DateTime comparison operators): up to seven fractional digits, which a
Python datetime (microseconds) cannot hold, so values become integers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})\Z", re.ASCII
)
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
TICKS_PER_SECOND = 10_000_000


class DateTimeError(ValueError):
    pass


def parse_ticks(text: str) -> int:
    """Parse an ISO 8601 UTC date-time into ticks; raise DateTimeError naming the expected format."""
    if not isinstance(text, str) or len(text) > 40:
        raise DateTimeError(f"{text!r} is not a date-time in the form 2026-11-28T10:00:00.0000000Z")
    return _parse_ticks(text)


@lru_cache(maxsize=4096)  # a batch repeats its request times; an error is raised, never kept
def _parse_ticks(text: str) -> int:
    match = _DATETIME.match(text)
    if match is None:
        raise DateTimeError(
            f"{text!r} is not a date-time in the form 2026-11-28T10:00:00.0000000Z"
        )
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    except ValueError as exc:
        raise DateTimeError(f"{text!r} is not a real date-time: {exc}") from None
    seconds = (moment - _EPOCH).days * 86400 + (moment - _EPOCH).seconds
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds * TICKS_PER_SECOND + int((fraction or "").ljust(7, "0"))


@lru_cache(maxsize=4096)
def format_ticks(ticks: int) -> str:
    """The canonical seven-digit form of a tick count, for counterexamples and explanations."""
    seconds, fraction = divmod(ticks, TICKS_PER_SECOND)
    days, rest = divmod(seconds, 86400)
    try:
        moment = datetime.fromordinal(days + 1).replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise DateTimeError(f"{ticks} ticks is outside the years 1 to 9999") from None
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    # Fields spelled out: strftime's %Y drops the zeros of a year before 1000 (glibc), which parse_ticks
    # then cannot read back, and costs more than the rest of a request's parse.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{hour:02d}:{minute:02d}:{second:02d}.{fraction:07d}Z"
    )
