"""The Null operator: "true" asks that the key be absent, "false" that it be present (Condition operators, Null)."""

from __future__ import annotations

from typing import Any

from checker.aws.conditions.operator import Operator, text_of
from checker.aws.wildcard import Piece


def _prepare(pieces: list[Piece]) -> bool:
    text = text_of(pieces).lower()
    if text not in ("true", "false"):
        raise ValueError(f'Null takes "true" or "false", not {text!r}')
    return text == "true"


def _test(key_absent: Any, wants_absent: bool) -> bool:
    return bool(key_absent) == wants_absent


OPERATORS = [Operator("Null", False, False, False, _prepare, _test, 'Null takes "true" or "false"')]
