"""Numeric operators. Policy variables are not supported here (IAM User Guide, Numeric condition operators)."""

from __future__ import annotations

from checker.aws.conditions.operator import ordered_family, text_of
from checker.aws.wildcard import Piece


def _number(text: str) -> float:
    return float(text.strip())


def _prepare(pieces: list[Piece]) -> float:
    text = text_of(pieces)
    try:
        return _number(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


HINT = "numeric operators compare numbers, for example \"10\" or 3600"
OPERATORS = ordered_family("Numeric", _number, _prepare, HINT)
