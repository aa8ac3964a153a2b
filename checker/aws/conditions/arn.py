"""ARN operators: each of the six colon-separated fields is compared on its own, wildcards allowed.

ArnEquals and ArnLike behave the same (IAM User Guide, Amazon Resource Name (ARN) condition operators).
"""

from __future__ import annotations

from typing import Any

from checker.aws.conditions.operator import Operator, request_text
from checker.aws.wildcard import Glob, Piece, compile_pieces

ArnPattern = tuple[Glob, ...]


def split_pieces(pieces: list[Piece], fields: int = 6) -> list[list[Piece]]:
    """Split a pattern at its first five colons, keeping wildcard markers in place."""
    result: list[list[Piece]] = [[]]
    for piece in pieces:
        if not isinstance(piece, str):
            result[-1].append(piece)
            continue
        chunks = piece.split(":")
        for index, chunk in enumerate(chunks):
            if index > 0:
                if len(result) < fields:
                    result.append([])
                else:
                    result[-1].append(":")
            if chunk:
                result[-1].append(chunk)
    return result


def _prepare(pieces: list[Piece]) -> ArnPattern:
    # A value with fewer than six fields can never match an ARN field by field.
    return tuple(compile_pieces(f) for f in split_pieces(pieces))


def _test(request: Any, policy: ArnPattern) -> bool:
    parts = request_text(request).split(":", 5)
    if len(parts) != 6 or len(policy) != 6:
        return False
    return all(glob.matches(part) for glob, part in zip(policy, parts, strict=True))


OPERATORS = [
    Operator("ArnEquals", False, True, True, _prepare, _test),
    Operator("ArnLike", False, True, True, _prepare, _test),
    Operator("ArnNotEquals", True, True, True, _prepare, _test),
    Operator("ArnNotLike", True, True, True, _prepare, _test),
]
