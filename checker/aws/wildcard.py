"""Glob matching for IAM patterns (`*` any run of characters, `?` exactly one), without backtracking.

A learner's pattern is untrusted: building a regular expression from it invites catastrophic
backtracking. Instead the pattern is split at its stars into segments; the first segment must be a
prefix, the last a suffix, and every middle segment is found at its leftmost place after the previous
one. Leftmost placement is always safe for globs, so no choice is ever revisited and the cost grows with
the sum of the two lengths (segments without `?` use str.find, which runs in linear time).

Literal `*` and `?` (from the `${*}` and `${?}` escapes) are kept apart from wildcards by compiling to
`Glob` objects rather than re-reading strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# A piece of a pattern: either literal text or one of the two wildcards.
STAR = object()
QUESTION = object()
Piece = str | object


@dataclass(frozen=True)
class _Segment:
    """Text between two stars. `holes` lists the positions of `?` wildcards inside it."""

    text: str
    holes: frozenset[int]

    def matches_at(self, value: str, start: int) -> bool:
        if start + len(self.text) > len(value):
            return False
        if not self.holes:
            return value.startswith(self.text, start)
        text, holes = self.text, self.holes
        return all(text[i] == value[start + i] or i in holes for i in range(len(text)))

    def find(self, value: str, start: int) -> int:
        """Leftmost match at or after `start`, or -1."""
        if not self.holes:
            return value.find(self.text, start)
        # Shift-And: one pass over the value, carrying the set of pattern prefixes that end here as bits,
        # so `?`-heavy segments cost one big-integer step per character instead of a rescan per position.
        masks, any_char, last_bit = self._masks()
        state = 0
        for index in range(start, len(value)):
            state = ((state << 1) | 1) & (masks.get(value[index], 0) | any_char)
            if state & last_bit:
                return index - len(self.text) + 1
        return -1

    def _masks(self) -> tuple[dict[str, int], int, int]:
        return _shift_and_masks(self.text, self.holes)


@lru_cache(maxsize=4096)
def _shift_and_masks(text: str, holes: frozenset[int]) -> tuple[dict[str, int], int, int]:
    """Per-character bit masks of a segment (bit i set where text[i] is that character), the `?` mask,
    and the bit that marks a complete match."""
    masks: dict[str, int] = {}
    any_char = 0
    for position, char in enumerate(text):
        if position in holes:
            any_char |= 1 << position
        else:
            masks[char] = masks.get(char, 0) | (1 << position)
    return masks, any_char, 1 << (len(text) - 1)


@dataclass(frozen=True)
class Glob:
    """A compiled pattern. `exact` is set when the pattern has no wildcard at all."""

    segments: tuple[_Segment, ...]
    has_star: bool
    exact: str | None
    min_length: int = 0  # no value shorter than the pattern's literal text and `?` marks can match
    prefix: str | None = None  # set for the most common shape, literal text and one final star ("data/*")

    def matches(self, value: str) -> bool:
        if self.exact is not None:
            return value == self.exact
        if self.prefix is not None:
            return value.startswith(self.prefix)
        segments = self.segments
        if not self.has_star:
            only = segments[0]
            return len(value) == len(only.text) and only.matches_at(value, 0)
        first, last = segments[0], segments[-1]
        if len(value) < self.min_length:
            return False
        if not first.matches_at(value, 0):
            return False
        tail_start = len(value) - len(last.text)
        if not last.matches_at(value, tail_start):
            return False
        position = len(first.text)
        for middle in segments[1:-1]:
            if not middle.text:
                continue
            found = middle.find(value, position)
            if found < 0 or found + len(middle.text) > tail_start:
                return False
            position = found + len(middle.text)
        return position <= tail_start

    @property
    def is_universal(self) -> bool:
        """True for a pattern that matches every string (only stars)."""
        return self.has_star and all(not s.text for s in self.segments)


def compile_pieces(pieces: Iterable[Piece]) -> Glob:
    """Compile a sequence of literal strings and STAR/QUESTION markers."""
    key = tuple(pieces)
    if len(key) == 1 and type(key[0]) is str and len(key[0]) <= _CACHED_PATTERN_LENGTH:
        return _compile_cached(key)  # plain text, as most ARN fields are ("aws", "s3", an account id)
    return _compile(key)


def _compile(pieces: tuple[Piece, ...]) -> Glob:
    segments: list[_Segment] = []
    text: list[str] = []
    holes: list[int] = []
    length = 0
    has_star = False
    has_question = False
    for piece in pieces:
        if piece is STAR:
            has_star = True
            segments.append(_segment("".join(text), frozenset(holes)))
            text, holes, length = [], [], 0
        elif piece is QUESTION:
            has_question = True
            holes.append(length)
            text.append("?")
            length += 1
        else:
            assert isinstance(piece, str)
            text.append(piece)
            length += len(piece)
    segments.append(_segment("".join(text), frozenset(holes)))
    exact = segments[0].text if not has_star and not has_question else None
    prefix = segments[0].text if len(segments) == 2 and not segments[1].text and not has_question else None
    # Built without the frozen dataclasses' __init__ (each field set through object.__setattr__): a batch
    # compiles every pattern it has not seen.
    glob = object.__new__(Glob)
    glob.__dict__.update(
        segments=tuple(segments), has_star=has_star, exact=exact, min_length=sum([len(s.text) for s in segments]),
        prefix=prefix,
    )
    return glob


def _segment(text: str, holes: frozenset[int]) -> _Segment:
    segment = object.__new__(_Segment)
    segment.__dict__.update(text=text, holes=holes)
    return segment


def compile_filled(pieces: list[Piece]) -> Glob:
    """Compile a pattern whose policy variables were just filled from a request.

    The same filled pattern recurs across requests (one user, one tag value), so short ones are cached;
    long ones are compiled afresh to keep the cache small whatever the input.
    """
    key = tuple(pieces)
    if sum(len(p) for p in key if isinstance(p, str)) > _CACHED_PATTERN_LENGTH:
        return _compile(key)
    return _compile_cached(key)


_CACHED_PATTERN_LENGTH = 256


@lru_cache(maxsize=2048)
def _compile_cached(pieces: tuple[Piece, ...]) -> Glob:
    return _compile(pieces)


def compile_glob(pattern: str, *, lowercase: bool = False) -> Glob:
    """Compile a plain pattern string where every `*` and `?` is a wildcard."""
    if lowercase:
        pattern = pattern.lower()
    pieces: list[Piece] = []
    buffer: list[str] = []
    for char in pattern:
        if char == "*" or char == "?":
            if buffer:
                pieces.append("".join(buffer))
                buffer = []
            pieces.append(STAR if char == "*" else QUESTION)
        else:
            buffer.append(char)
    if buffer:
        pieces.append("".join(buffer))
    return compile_pieces(pieces)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Convenience for one-off matches; hot paths compile once and reuse the Glob."""
    if ignore_case:
        return compile_glob(pattern, lowercase=True).matches(value.lower())
    return compile_glob(pattern).matches(value)
