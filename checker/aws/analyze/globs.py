"""IAM glob patterns as z3 string constraints, mirroring checker.aws.wildcard exactly.

Patterns without variables become regular-expression membership (closed under negation, so a Deny or a
negated operator costs nothing extra). Patterns with policy variables cannot be regular expressions,
because the variable's value is itself a solver term; they become the same leftmost-placement test the
evaluator runs (a prefix, a suffix, and each middle segment found with IndexOf after the previous one),
which is quantifier-free and therefore also safe to negate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import z3

from checker.aws.wildcard import QUESTION, STAR

STRING = z3.StringSort()
RE_SORT = z3.ReSort(STRING)
ANY_CHAR = z3.AllChar(RE_SORT)
ANY_TEXT = z3.Full(RE_SORT)

# One element of a pattern after variables are resolved: literal text, STAR, QUESTION, or a z3 term.
Item = object


class Unsupported(Exception):
    """A construct the solver encoding does not decide exactly; its message names the construct."""


MAX_CHAR = 0x2FFFF  # z3's default Unicode alphabet ends here


def literal(text: str) -> z3.SeqRef:
    """A z3 string constant holding exactly `text`.

    z3.StringVal reads `\\u{..}` escapes inside its argument, so a policy value containing a backslash
    would otherwise change meaning; every character outside plain printable ASCII is escaped here.
    """
    out = []
    for char in text:
        code = ord(char)
        if code > MAX_CHAR:
            raise Unsupported(f"the character U+{code:X} (beyond the solver's alphabet)")
        out.append(char if 32 <= code < 127 and char != "\\" else f"\\u{{{code:x}}}")
    return z3.StringVal("".join(out))


_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]+)\}")


def text_of_model(value: z3.ExprRef) -> str:
    """A solver string value as Python text (z3 prints some characters as `\\u{..}` escapes)."""
    raw = value.as_string()
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), str(raw))


FIELD_STAR = object()  # `*` inside one of the first five ARN fields: cannot cross a colon
FIELD_CHAR = object()  # `?` there


def glob_regex(pieces: Sequence[object]) -> z3.ReRef:
    """A regular expression for the pattern; adjacent literal text is merged (z3 is much faster so)."""
    parts: list[z3.ReRef] = []
    text: list[str] = []

    def flush() -> None:
        if text:
            parts.append(z3.Re(literal("".join(text))))
            text.clear()

    for piece in pieces:
        if isinstance(piece, str):
            text.append(piece)
            continue
        flush()
        if piece is STAR:
            parts.append(ANY_TEXT)
        elif piece is QUESTION:
            parts.append(ANY_CHAR)
        elif piece is FIELD_STAR:
            parts.append(z3.Star(_field_char()))
        elif piece is FIELD_CHAR:
            parts.append(_field_char())
        else:
            raise TypeError(f"unexpected pattern piece {piece!r}")
    flush()
    if not parts:
        return z3.Re(literal(""))
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def glob_matches(value: z3.SeqRef, pieces: Sequence[object]) -> z3.BoolRef:
    """`value` matches the pattern made of literal strings, STAR, QUESTION and z3 string terms."""
    if any(isinstance(p, z3.ExprRef) for p in pieces):
        return _matches_with_terms(value, pieces)
    texts = [p for p in pieces if isinstance(p, str)]
    if len(texts) == len(pieces):
        return value == literal("".join(texts))
    stars = [i for i, p in enumerate(pieces) if p is STAR]
    if QUESTION not in pieces and len(stars) == 1:
        head = "".join(p for p in pieces[: stars[0]] if isinstance(p, str))
        tail = "".join(p for p in pieces[stars[0] + 1 :] if isinstance(p, str))
        if not tail:
            return z3.PrefixOf(literal(head), value)
        if not head:
            return z3.SuffixOf(literal(tail), value)
    return z3.InRe(value, glob_regex(pieces))


def _matches_with_terms(value: z3.SeqRef, pieces: Sequence[object]) -> z3.BoolRef:
    if any(p is QUESTION for p in pieces):
        raise Unsupported("a `?` wildcard in the same value as a policy variable")
    segments: list[list[z3.SeqRef]] = [[]]
    for piece in pieces:
        if piece is STAR:
            segments.append([])
        elif isinstance(piece, str):
            if piece:
                segments[-1].append(literal(piece))
        else:
            assert isinstance(piece, z3.SeqRef)
            segments[-1].append(piece)
    joined = [_concat(s) for s in segments]
    if len(joined) == 1:
        return value == joined[0]
    first, last = joined[0], joined[-1]
    first_empty, last_empty = not segments[0], not segments[-1]
    if len(joined) == 2:
        # One star: a prefix and a suffix that do not overlap (the common shapes stay simple for z3).
        if last_empty:
            return z3.BoolVal(True) if first_empty else z3.PrefixOf(first, value)
        if first_empty:
            return z3.SuffixOf(last, value)
        return z3.And(
            z3.PrefixOf(first, value),
            z3.SuffixOf(last, value),
            z3.Length(first) + z3.Length(last) <= z3.Length(value),
        )
    length = z3.Length(value)
    tail_start = length - z3.Length(last)
    conditions: list[z3.BoolRef] = [
        z3.PrefixOf(first, value),
        z3.SuffixOf(last, value),
        z3.Length(first) <= tail_start,
    ]
    position: z3.ArithRef = z3.Length(first)
    for middle in joined[1:-1]:
        found = z3.IndexOf(value, middle, position)
        conditions.append(found >= 0)
        conditions.append(found + z3.Length(middle) <= tail_start)
        position = found + z3.Length(middle)
    return z3.And(*conditions)


def _concat(parts: list[z3.SeqRef]) -> z3.SeqRef:
    if not parts:
        return literal("")
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def readable_text() -> z3.ReRef:
    """Characters that make a counterexample easy to read: lowercase words, digits, ARN punctuation."""
    chars = z3.Union(
        z3.Range("a", "z"),
        z3.Range("0", "9"),
        *[z3.Re(literal(c)) for c in "-_/.:"],
    )
    return z3.Star(chars)


def _field_char() -> z3.ReRef:
    """Any one character except a colon (a wildcard inside one of the first five ARN fields)."""
    return z3.Union(z3.Range("\\u{0}", "9"), z3.Range(";", "\\u{2ffff}"))


def arn_pieces(fields: Sequence[Sequence[object]]) -> list[object]:
    """The six field globs joined by colons, with wildcards in the first five kept inside their field."""
    pieces: list[object] = []
    for index, field in enumerate(fields):
        if index:
            pieces.append(":")
        for piece in field:
            if index < 5 and piece is STAR:
                pieces.append(FIELD_STAR)
            elif index < 5 and piece is QUESTION:
                pieces.append(FIELD_CHAR)
            else:
                pieces.append(piece)
    return pieces


def arn_matches(value: z3.SeqRef, fields: Sequence[Sequence[object]]) -> z3.BoolRef:
    """`value.split(":", 5)` has six fields matching the six field globs.

    The first five fields cannot contain a colon, so the five colons of the pattern line up with the
    first five colons of the text and the field-by-field test is one pattern over the whole text. When
    the first five fields have no wildcard, it is an ordinary glob (with z3's fast prefix/suffix forms).
    """
    pieces = arn_pieces(fields)
    if not any(p is FIELD_STAR or p is FIELD_CHAR for p in pieces):
        return glob_matches(value, pieces)
    return z3.InRe(value, glob_regex(pieces))


def arn_regex(fields: Sequence[Sequence[object]]) -> z3.ReRef:
    return glob_regex(arn_pieces(fields))


def six_fields_regex() -> z3.ReRef:
    """Text with at least five colons (six fields when split at the first five)."""
    return arn_regex([[STAR]] * 6)
