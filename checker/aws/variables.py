"""Policy variables: `${key}` placeholders filled from the request context.

Rules (IAM User Guide, "IAM policy elements: Variables and tags"):
- Variables are replaced only under Version 2012-10-17; under 2008-10-17 `${...}` is literal text.
- `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`.
- `${key, 'default'}` uses the default when the key is absent.
- A variable whose key is absent (or a list) and has no default is a null value ("Policy variables with no
  value"): `fill` returns None and the caller decides what that means (a condition value that matches
  nothing, a Resource entry that names no resource); it never invalidates the statement on its own.
- Key names are case-insensitive; a multivalued key cannot be used as a variable.
Substituted text is literal: a `*` in a user name does not become a wildcard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from checker.aws.wildcard import QUESTION, STAR, Piece

ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class Variable:
    """A policy variable `${key}` (or `${key, 'default'}`) inside a policy value."""

    key: str  # lowercased context key
    default: str | None


Token = Piece | Variable  # literal text, a wildcard marker, or a variable to fill


class VariableSyntaxError(ValueError):
    pass


def tokenize(text: str, *, variables: bool, wildcards: bool) -> tuple[Token, ...]:
    """Split a policy value into literal text, wildcard markers and variables.

    `variables` is False under Version 2008-10-17. `wildcards` is False for operators that compare
    exactly (StringEquals): there `*` is an ordinary character.
    """
    if variables and "${" in text:
        return _scan(text, variables, wildcards)
    # Most values hold no variable: split at the wildcards with str methods (a batch's every new ARN and
    # condition value comes here; the character loop below cost it several times more).
    if not text:
        return ()
    if not wildcards or ("*" not in text and "?" not in text):
        return (text,)
    return tuple([_WILDCARD_TOKENS.get(part, part) for part in _WILDCARDS.split(text) if part])


_WILDCARDS = re.compile(r"([*?])")
_WILDCARD_TOKENS: dict[str, Token] = {"*": STAR, "?": QUESTION}


def _scan(text: str, variables: bool, wildcards: bool) -> tuple[Token, ...]:
    """`tokenize` character by character: any value, variables included."""
    tokens: list[Token] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            tokens.append("".join(buffer))
            buffer.clear()

    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if variables and char == "$" and i + 1 < length and text[i + 1] == "{":
            end = text.find("}", i + 2)
            if end < 0:
                raise VariableSyntaxError(f"'${{' at position {i + 1} has no closing '}}'")
            body = text[i + 2 : end]
            if body in ESCAPES:
                buffer.append(ESCAPES[body])
            else:
                flush()
                tokens.append(_parse_variable(body))
            i = end + 1
            continue
        if wildcards and char in "*?":
            flush()
            tokens.append(STAR if char == "*" else QUESTION)
        else:
            buffer.append(char)
        i += 1
    flush()
    return tuple(tokens)


def _parse_variable(body: str) -> Variable:
    key, comma, rest = body.partition(",")
    key = key.strip()
    if not key:
        raise VariableSyntaxError("a policy variable needs a key name, as in ${aws:username}")
    if not comma:
        return Variable(key.lower(), None)
    default = rest.strip()
    if len(default) >= 2 and default[0] == default[-1] == "'":
        return Variable(key.lower(), default[1:-1])
    raise VariableSyntaxError(
        f"the default value of ${{{key}, ...}} must be in single quotes, as in ${{{key}, 'none'}}"
    )


def has_variables(tokens: tuple[Token, ...]) -> bool:
    return any(isinstance(t, Variable) for t in tokens)


def fill(tokens: tuple[Token, ...], lookup: Callable[[str], object]) -> list[Piece] | None:
    """Replace variables with request values; None when a variable has no value (a null value)."""
    pieces: list[Piece] = []
    for token in tokens:
        if isinstance(token, Variable):
            value = lookup(token.key)
            if value is None or isinstance(value, list):
                if token.default is None:
                    return None
                value = token.default
            pieces.append(_as_text(value))
        else:
            pieces.append(token)
    return pieces


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def literal_text(pieces: list[Piece]) -> str:
    """Join pieces of a value compared exactly (no wildcard markers present)."""
    return "".join(p if isinstance(p, str) else ("*" if p is STAR else "?") for p in pieces)
