"""Operation names and the patterns in role definitions (`Actions`, `NotActions`, `DataActions`...).

Azure compares operations case-insensitively and a `*` matches any run of characters, `/` included
("Microsoft.Authorization/*/read" matches "Microsoft.Authorization/roleAssignments/read").
Source: "Understand Azure role definitions", sections Actions and Wildcard permissions.

A `*` that stands for a whole segment (`.../computes/*/write`) also matches no segment at all
(`.../computes/write`). Microsoft documents built-in roles whose stated purpose holds only this way
(the decision and its sources are in docs/azure.md, "Wildcards and empty segments"): AzureML Data
Scientist "can perform all actions within an Azure Machine Learning workspace, except for creating or
deleting compute resources" with NotActions `workspaces/computes/*/write`, and Managed Identity Operator
("Read and Assign User Assigned Identity") grants assignment only through
`userAssignedIdentities/*/assign/action`.

Matching splits the pattern on `*` and finds the literal pieces left to right, so it costs time
linear in the operation length; a pattern with a `/*/` that did not match that way is tried once more
with a small state machine (time: operation length x pattern length, both bounded). No regular
expression is ever built from input.
"""

from __future__ import annotations

import re
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

    @property
    def has_segment_star(self) -> bool:
        """True when some `*` stands for a whole segment (`/*/`), which may also stand for none."""
        return "/*/" in self.text

    def matches(self, operation_lower: str) -> bool:
        """True when the (already lowercased) operation matches this pattern."""
        if glob_match(self.pieces, operation_lower):
            return True
        return self.has_segment_star and segment_glob_match(self.text.lower(), operation_lower)


def compile_pattern(text: str) -> OperationPattern:
    return OperationPattern(text, tuple(text.lower().split("*")))


def segment_glob_match(pattern: str, text: str) -> bool:
    """Glob match where each `*` between two `/` may also drop out together with one of its `/`.

    Simulates the pattern's states over the text (a set of positions in the pattern), so the cost is
    bounded by len(text) * len(pattern) whatever the input.
    """
    size = len(pattern)
    if len(text) > MAX_OPERATION_LENGTH or size > MAX_OPERATION_LENGTH:
        return False  # never an operation or a pattern (operation_problem refuses both)

    def closure(states: set[int]) -> set[int]:
        stack = list(states)
        while stack:
            at = stack.pop()
            if at < size and pattern[at] == "*":
                following = [at + 1]
                if 0 < at < size - 1 and pattern[at - 1] == "/" and pattern[at + 1] == "/":
                    following.append(at + 2)  # no segment: skip the star and the `/` after it
                for nxt in following:
                    if nxt not in states:
                        states.add(nxt)
                        stack.append(nxt)
        return states

    current = closure({0})
    for char in text:
        step: set[int] = set()
        for at in current:
            if at < size and (pattern[at] == "*" or pattern[at] == char):
                step.add(at if pattern[at] == "*" else at + 1)
        if not step:
            return False
        current = closure(step)
    return size in current


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


# `\s` on a str pattern is exactly str.isspace() (both are Py_UNICODE_ISSPACE); one C scan per operation.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")


def operation_problem(text: str) -> str | None:
    """Why `text` cannot be an operation or operation pattern, or None when it is acceptable."""
    if not text:
        return "an operation cannot be empty"
    if len(text) > MAX_OPERATION_LENGTH:
        return f"the operation is {len(text)} characters long, more than {MAX_OPERATION_LENGTH}"
    if _SPACE_OR_CONTROL.search(text):
        return "an operation cannot contain spaces or control characters"
    return None
