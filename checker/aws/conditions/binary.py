"""BinaryEquals: base64-encoded values compared byte for byte (IAM User Guide, Binary condition operators)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from checker.aws.conditions.operator import Operator, request_text, text_of
from checker.aws.wildcard import Piece


def _decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{text!r} is not base64") from None


def _prepare(pieces: list[Piece]) -> bytes:
    return _decode(text_of(pieces))


def _test(request: Any, policy: bytes) -> bool:
    try:
        return _decode(request_text(request)) == policy
    except ValueError:
        return False


OPERATORS = [Operator("BinaryEquals", False, False, False, _prepare, _test, "BinaryEquals takes base64 text")]
