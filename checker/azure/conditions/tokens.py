"""Split condition text into tokens, each with its line and column."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from checker.azure.conditions.errors import ConditionError

MAX_CONDITION_LENGTH = 16_000
GUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.:]*")
_BARE = re.compile(r"-?[0-9A-Za-z][0-9A-Za-z.-]*")


class Kind(StrEnum):
    LPAREN = "("
    RPAREN = ")"
    LBRACE = "{"
    RBRACE = "}"
    COMMA = ","
    NOT = "NOT"
    AND = "AND"
    OR = "OR"
    STRING = "string"
    NUMBER = "number"
    GUID = "GUID"
    WORD = "word"
    ATTRIBUTE = "attribute"
    END = "end of the condition"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    line: int
    column: int


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_CONDITION_LENGTH:
        raise ConditionError(
            f"the condition is {len(text):,} characters long, more than the {MAX_CONDITION_LENGTH:,} this checker reads",
            1, 1,
        )
    tokens: list[Token] = []
    line, line_start, i = 1, 0, 0
    size = len(text)
    while i < size:
        ch = text[i]
        column = i - line_start + 1
        if ch == "\n":
            line, line_start, i = line + 1, i + 1, i + 1
            continue
        if ch in " \t\r":
            i += 1
            continue
        if ch in "(){},":
            tokens.append(Token(Kind(ch), ch, line, column))
            i += 1
        elif ch == "!":
            tokens.append(Token(Kind.NOT, ch, line, column))
            i += 1
        elif text.startswith("&&", i) or text.startswith("||", i):
            tokens.append(Token(Kind.AND if ch == "&" else Kind.OR, text[i : i + 2], line, column))
            i += 2
        elif ch == "'":
            end = text.find("'", i + 1)
            newline = text.find("\n", i + 1)
            if end < 0 or 0 <= newline < end:
                raise ConditionError("this string is not closed", line, column, "end the value with a single quote (')")
            tokens.append(Token(Kind.STRING, text[i + 1 : end], line, column))
            i = end + 1
        elif ch == '"':
            raise ConditionError("strings use single quotes in conditions", line, column, "write 'value', not \"value\"")
        elif ch == "@":
            end = text.find("]", i)
            newline = text.find("\n", i)
            if end < 0 or 0 <= newline < end:
                raise ConditionError(
                    "this attribute has no closing ']'", line, column,
                    "write an attribute as @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]",
                )
            tokens.append(Token(Kind.ATTRIBUTE, text[i : end + 1], line, column))
            i = end + 1
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            match = _WORD.match(text, i)
            assert match is not None
            word = match.group()
            bare = _BARE.match(text, i)
            if bare is not None and GUID_TEXT.match(bare.group()):
                tokens.append(Token(Kind.GUID, bare.group(), line, column))
                i = bare.end()
                continue
            upper = word.upper()
            kind = Kind.AND if upper == "AND" else Kind.OR if upper == "OR" else Kind.NOT if upper == "NOT" else Kind.WORD
            tokens.append(Token(kind, word, line, column))
            i = match.end()
        elif ch.isascii() and (ch.isdigit() or ch == "-"):
            bare = _BARE.match(text, i)
            word = bare.group() if bare else ch
            if GUID_TEXT.match(word):
                tokens.append(Token(Kind.GUID, word, line, column))
            elif re.fullmatch(r"-?[0-9]{1,18}", word):
                tokens.append(Token(Kind.NUMBER, word, line, column))
            else:
                raise ConditionError(
                    f"{word!r} is neither a whole number nor a GUID", line, column,
                    "numbers in conditions are integers; text values go in single quotes",
                )
            i += len(word)
        else:
            raise ConditionError(f"unexpected character {ch!r}", line, column,
                                 "text values, operation names included, go in single quotes: 'value'")
    tokens.append(Token(Kind.END, "", line, size - line_start + 1))
    return tokens
