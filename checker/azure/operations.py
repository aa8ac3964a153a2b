"""Operation names and the patterns in role definitions (`Actions`, `NotActions`, `DataActions`...).

Azure compares operations case-insensitively and a `*` matches any run of characters, `/` included
("Microsoft.Authorization/*/read" matches "Microsoft.Authorization/roleAssignments/read").
Source: "Understand Azure role definitions", sections Actions and Wildcard permissions.
Matching splits the pattern on `*` and finds the literal pieces left to right, so it costs time
linear in the operation length; no regular expression is ever built from input.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_OPERATION_LENGTH = 512


@dataclass(frozen=True)
class OperationPattern:
    """One entry of Actions, NotActions, DataActions or NotDataActions, compiled for matching."""

    text: str
    pieces: tuple[str, ...]  # the lowercased literal pieces between the stars

    @property
    def has_wildcard(self) -> bool:
        return len(self.pieces) > 1

    def matches(self, operation_lower: str) -> bool:
        """True when the (already lowercased) operation matches this pattern."""
        return glob_match(self.pieces, operation_lower)


def compile_pattern(text: str) -> OperationPattern:
    return OperationPattern(text, tuple(text.lower().split("*")))


def glob_match(pieces: tuple[str, ...], text: str) -> bool:
    """Match `text` against literal pieces separated by `*` (pieces from str.split("*"))."""
    if len(pieces) == 1:
        return text == pieces[0]
    first, last = pieces[0], pieces[-1]
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    position = len(first)
    end = len(text) - len(last)
    for piece in pieces[1:-1]:
        if not piece:
            continue
        found = text.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def operation_problem(text: str) -> str | None:
    """Why `text` cannot be an operation or operation pattern, or None when it is acceptable."""
    if not text:
        return "an operation cannot be empty"
    if len(text) > MAX_OPERATION_LENGTH:
        return f"the operation is {len(text)} characters long, more than {MAX_OPERATION_LENGTH}"
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        return "an operation cannot contain spaces or control characters"
    return None
