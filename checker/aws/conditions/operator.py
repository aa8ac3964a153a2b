"""What every condition operator provides; one module per operator family fills it in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checker.aws.wildcard import Piece


@dataclass(frozen=True)
class Operator:
    name: str
    negated: bool  # StringNotEquals, NotIpAddress, ...: true when the key matches none of the values
    wildcards: bool  # `*` and `?` in policy values are wildcards
    variables: bool  # policy variables are replaced in values
    prepare: Callable[[list[Piece]], Any]  # policy value -> comparable form; ValueError when invalid
    test: Callable[[Any, Any], bool]  # (request value, prepared policy value) -> match
    value_hint: str = ""


def text_of(pieces: list[Piece]) -> str:
    """The policy value as plain text (operators without wildcards only ever see literal pieces)."""
    return "".join(p for p in pieces if isinstance(p, str))


def request_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
