"""The Bool operator (IAM User Guide, Boolean condition operators); policy variables are supported."""

from __future__ import annotations

from typing import Any

from checker.aws.conditions.operator import Operator, request_text, text_of
from checker.aws.wildcard import Piece


def _prepare(pieces: list[Piece]) -> str:
    return text_of(pieces).lower()


def _test(request: Any, policy: str) -> bool:
    return request_text(request).lower() == policy


OPERATORS = [Operator("Bool", False, False, True, _prepare, _test, 'Bool takes "true" or "false"')]
