"""String operators (IAM User Guide, "Condition operators", String condition operators)."""

from __future__ import annotations

from typing import Any

from checker.aws.conditions.operator import Operator, request_text, text_of
from checker.aws.wildcard import Glob, Piece, compile_filled


def _equals(request: Any, policy: str) -> bool:
    # Request values are nearly always strings already; the type test skips a conversion call.
    return (request if type(request) is str else request_text(request)) == policy


def _equals_ignore_case(request: Any, policy: str) -> bool:
    return (request if type(request) is str else request_text(request)).lower() == policy


def _like(request: Any, policy: Glob) -> bool:
    return policy.matches(request if type(request) is str else request_text(request))


def _lower(pieces: list[Piece]) -> str:
    return text_of(pieces).lower()


def _glob(pieces: list[Piece]) -> Glob:
    return compile_filled(pieces)


OPERATORS = [
    Operator("StringEquals", False, False, True, text_of, _equals),
    Operator("StringNotEquals", True, False, True, text_of, _equals),
    Operator("StringEqualsIgnoreCase", False, False, True, _lower, _equals_ignore_case),
    Operator("StringNotEqualsIgnoreCase", True, False, True, _lower, _equals_ignore_case),
    Operator("StringLike", False, True, True, _glob, _like),
    Operator("StringNotLike", True, True, True, _glob, _like),
]
