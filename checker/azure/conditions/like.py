"""`StringLike` patterns: `*` matches any run of characters, `?` exactly one; `\\*` and `\\?` are literal.

Source: "Azure role assignment condition format and syntax", StringLike and Special characters.
The pattern is split on unescaped `*`; each piece has a fixed length, so finding the pieces left to
right (first piece at the start, last at the end) decides the match without backtracking.
"""

from __future__ import annotations

from dataclasses import dataclass

ANY = None  # stands for `?` inside a piece


@dataclass(frozen=True)
class LikePattern:
    pieces: tuple[tuple[str | None, ...], ...]  # pieces between stars; each item a character or ANY

    def matches(self, text: str) -> bool:
        pieces = self.pieces
        if len(pieces) == 1:
            return len(text) == len(pieces[0]) and _piece_at(pieces[0], text, 0)
        first, last = pieces[0], pieces[-1]
        if len(text) < len(first) + len(last):
            return False
        if not _piece_at(first, text, 0) or not _piece_at(last, text, len(text) - len(last)):
            return False
        position, end = len(first), len(text) - len(last)
        for piece in pieces[1:-1]:
            found = _find(piece, text, position, end)
            if found < 0:
                return False
            position = found + len(piece)
        return True


def compile_like(pattern: str, ignore_case: bool) -> LikePattern:
    if ignore_case:
        pattern = pattern.lower()
    pieces: list[tuple[str | None, ...]] = []
    current: list[str | None] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?":
            current.append(pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            pieces.append(tuple(current))
            current = []
        else:
            current.append(ANY if ch == "?" else ch)
        i += 1
    pieces.append(tuple(current))
    return LikePattern(tuple(pieces))


def _piece_at(piece: tuple[str | None, ...], text: str, start: int) -> bool:
    if start < 0 or start + len(piece) > len(text):
        return False
    return all(item is ANY or text[start + k] == item for k, item in enumerate(piece))


def _find(piece: tuple[str | None, ...], text: str, start: int, end: int) -> int:
    if not piece:
        return start
    if ANY not in piece:
        return text.find("".join(piece), start, end)  # type: ignore[arg-type]
    for position in range(start, end - len(piece) + 1):
        if _piece_at(piece, text, position):
            return position
    return -1
