"""HCL files (Terraform's syntax) read with python-hcl2's grammar into blocks and attributes with positions.

python-hcl2's own dict output turns every expression into text ("${var.x}"), which would have to be parsed
again and has lost its line and column. We take its Lark parse tree instead (positions propagated) and keep
each attribute's expression tree for `terraform.py`'s evaluator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import hcl2
from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from checker.core.errors import InputError, Where
from checker.core.source import MAX_DOCUMENT_BYTES, Position

# Terminal names of python-hcl2's grammar, as a learner would write them.
_TOKEN_TEXT = {
    "RBRACE": "'}'",
    "LBRACE": "'{'",
    "RSQB": "']'",
    "LSQB": "'['",
    "RPAR": "')'",
    "LPAR": "'('",
    "COMMA": "','",
    "EQ": "'='",
    "COLON": "':'",
    "NL_OR_COMMENT": "a new line",
    "NAME": "a name",
    "DBLQUOTE": "'\"'",
}


@dataclass(frozen=True)
class Attribute:
    name: str
    expression: Tree[Any]
    where: Where


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    where: Where


@dataclass(frozen=True)
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()

    def blocks_of(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]


def where_of(node: Tree[Any] | Token, path: str) -> Where:
    """The line and column where a tree or token starts (1-based, as Lark counts)."""
    if isinstance(node, Token):
        return Where(path, node.line, node.column)
    meta = node.meta
    if getattr(meta, "empty", True):
        return Where(path)
    return Where(path, meta.line, meta.column)


def position_of(node: Tree[Any] | Token, path: str) -> Position:
    where = where_of(node, path)
    return Position(where.line or 1, where.column or 1, path)


def parse_hcl(text: str, path: str) -> Body:
    """Parse HCL text into blocks and attributes, or raise InputError at the offending line and column."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise InputError(f"file is {len(text):,} characters, more than this checker reads", Where(path))
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.endswith("\n"):
        text += "\n"  # the grammar ends a body with a new line
    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, path) from None
    except RecursionError:
        raise InputError("invalid HCL: nesting is too deep", Where(path)) from None
    body = tree.children[0]
    return _body(body, path)


def _syntax_error(exc: UnexpectedInput, text: str, path: str) -> InputError:
    unclosed = _unclosed_string(text)
    if unclosed is not None and unclosed[0] <= exc.line:
        # Terraform's own message: a quoted string must end on its line; the parser only notices later.
        return InputError("invalid HCL: this quoted string is not closed on its line",
                          Where(path, unclosed[0], unclosed[1]), 'add the closing " (use a heredoc for text on many lines)')
    line, column = exc.line, exc.column
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return InputError("invalid HCL: the file ends inside a block or expression", _end(text, path),
                              "is a closing '}' or ']' missing?")
        value = str(token.value)
        # Some terminals (' =', ' :') carry the spaces before them; point at the character itself.
        column += len(value) - len(value.lstrip(" \t"))
        shown = "a new line" if token.type == "NL_OR_COMMENT" else repr(value.strip())
        expected = sorted({_TOKEN_TEXT.get(name, name.lower()) for name in exc.expected if name in _TOKEN_TEXT})
        hint = f"expected {', '.join(expected)} here" if expected else None
        return InputError(f"invalid HCL: unexpected {shown}", Where(path, line, column), hint)
    if isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream or 0
        char = text[offset] if offset < len(text) else ""
        return InputError(f"invalid HCL: unexpected character {char!r}", Where(path, line, column),
                          "is a quote or bracket not closed on an earlier line?")
    if isinstance(exc, UnexpectedEOF):
        return InputError("invalid HCL: the file ends inside a block or expression", _end(text, path))
    return InputError(f"invalid HCL: {exc}", Where(path, line if line > 0 else None, column if column > 0 else None))


_HEREDOC_START = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\s*$")


def _unclosed_string(text: str) -> tuple[int, int] | None:
    """The line and column of the first quote whose string runs past the end of its line, if any."""
    heredoc: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        opened: int | None = None
        depth = 0  # inside ${ ... } a quoted string may hold further quotes
        i = 0
        while i < len(line):
            ch = line[i]
            if opened is None:
                if ch == "#" or line.startswith("//", i):
                    break
                if ch == '"':
                    opened = i
            elif ch == "\\":
                i += 1
            elif line.startswith("${", i):
                depth += 1
                i += 1
            elif ch == "}" and depth:
                depth -= 1
            elif ch == '"' and not depth:
                opened = None
            i += 1
        if opened is not None and depth == 0:
            return number, opened + 1
        match = _HEREDOC_START.search(line)
        if match:
            heredoc = match.group(1)
    return None


def _end(text: str, path: str) -> Where:
    lines = text.rstrip("\n").split("\n")
    return Where(path, len(lines), len(lines[-1]) + 1)


def _name(node: Tree[Any] | Token) -> str:
    """The text of an attribute name, block type or label (identifier, keyword or quoted string)."""
    if isinstance(node, Token):
        return str(node.value)
    if node.data == "string":
        return "".join(_name(part) for part in node.children if isinstance(part, Tree))
    if node.data == "string_part":
        child = node.children[0]
        if isinstance(child, Token):
            return str(child.value)
        raise InputError("a block label cannot contain an interpolation")
    return "".join(_name(child) for child in node.children)


def _body(tree: Tree[Any], path: str) -> Body:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for child in tree.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name_node, _eq, expression = child.children
            name = _name(name_node)
            where = where_of(child, path)
            if name in attributes:
                raise InputError(
                    f"the argument {name!r} is set twice in the same block",
                    where,
                    f"Terraform refuses duplicate arguments; the first is at line {attributes[name].where.line}",
                )
            attributes[name] = Attribute(name, expression, where)
        elif child.data == "block":
            parts = [c for c in child.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
            inner = parts[-1]
            block_type = _name(parts[0])
            labels = tuple(_name(p) for p in parts[1:-1])
            blocks.append(Block(block_type, labels, _body(inner, path), where_of(child, path)))
    return Body(attributes, tuple(blocks))
