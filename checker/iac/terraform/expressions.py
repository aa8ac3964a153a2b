"""Evaluate HCL expressions to plain values, keeping where each part of the value was written.

A value comes back with a map from JSON pointer (relative to the value) to the position of the expression
that produced it, so a policy built with `jsonencode({...})` or a `data "aws_iam_policy_document"` points its
statements at the learner's `.tf` lines. Names (`var.x`, `local.y`, `aws_s3_bucket.data.arn`) are looked up
through a `Scope`; a name that cannot be resolved is an error at the expression, never a guess.

Supported: literals, quoted and heredoc templates with `${...}` interpolation, tuples, objects, `for`
expressions, indexing, conditionals, the arithmetic, comparison and logic operators, and the Terraform
functions in `FUNCTIONS`. Template directives (`%{if}`), splats and provider functions are refused by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import hcl2
from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from checker.core.errors import InputError, Where
from checker.core.source import (
    MAX_NESTING,
    LoadedDocument,
    Position,
    parse_json,
    pointer_join,
    read_text_file,
)
from checker.iac.terraform.hcl import position_of, where_of

Positions = dict[str, Position]
MAX_FOR_ITEMS = 10_000  # a for expression over more items than this is not a policy
MAX_DEPTH = 3 * MAX_NESTING  # each level of nesting is about three syntax nodes (expr_term, tuple, element)


class SourceText(str):
    """Text that is JSON written somewhere we can point at: jsonencode's output, a file() or a heredoc.

    `document` parses it with positions in the place it was written; plain strings built by interpolation
    have no such place and are parsed with every position at the attribute that holds them.
    """

    document: LoadedDocument | None
    origin: Position | None
    origin_path: str

    def __new__(cls, text: str, document: LoadedDocument | None = None, origin: Position | None = None,
                origin_path: str = "") -> SourceText:
        made = super().__new__(cls, text)
        made.document = document
        made.origin = origin
        made.origin_path = origin_path
        return made

    def located(self, fallback: Where) -> LoadedDocument:
        """This text parsed as JSON, positions pointing where it was written."""
        if self.document is not None:
            return self.document
        if self.origin is not None:
            parsed = _parse_json_at(str(self), self.origin_path, fallback)
            # Every line of a heredoc starts at the origin's column (`<<-` trims the same indent from each).
            shifted = {
                ptr: Position(self.origin.line + pos.line - 1, pos.column + self.origin.column - 1, self.origin_path)
                for ptr, pos in parsed.positions.items()
            }
            return LoadedDocument(self.origin_path, parsed.data, shifted)
        return json_at(str(self), fallback)


def json_at(text: str, where: Where) -> LoadedDocument:
    """Parse JSON that has no file of its own (built by interpolation): every position is `where`."""
    parsed = _parse_json_at(text, where.file, where)
    at = Position(where.line or 1, where.column or 1, where.file)
    return LoadedDocument(where.file, parsed.data, dict.fromkeys(parsed.positions, at))


def _parse_json_at(text: str, path: str, where: Where) -> LoadedDocument:
    try:
        return parse_json(text, path)
    except InputError as exc:
        raise InputError(f"the policy text is not valid JSON: {exc.message}", exc.where or where, exc.hint) from None


class Scope(Protocol):
    def lookup(self, root: str, steps: list[str | int], where: Where) -> tuple[Any, Positions]:
        """The value a reference names (`var.x` is root "var", steps ["x"]); raise InputError if unknown."""
        ...


@dataclass
class Evaluator:
    path: str
    scope: Scope
    folder: Path  # file() and path.module are relative to the configuration folder
    bindings: Mapping[str, tuple[Any, Positions]] | None = None  # names bound by a for expression
    _depth: int = 0  # nesting of the expression being evaluated (a bound, whatever Python's recursion limit)

    def error(self, node: Tree[Any] | Token, message: str, hint: str | None = None) -> InputError:
        return InputError(message, where_of(node, self.path), hint)

    def evaluate(self, node: Tree[Any] | Token) -> tuple[Any, Positions]:
        """The value of an expression and the positions of its parts (pointer "" is the whole value)."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise self.error(node, f"an expression is nested more than {MAX_DEPTH} levels deep, too deep for a policy")
            value, positions = self._evaluate(node)
        finally:
            self._depth -= 1
        positions.setdefault("", position_of(node, self.path))
        return value, positions

    def value(self, node: Tree[Any] | Token) -> Any:
        return self.evaluate(node)[0]

    def _evaluate(self, node: Tree[Any] | Token) -> tuple[Any, Positions]:
        if isinstance(node, Token):
            raise self.error(node, f"unexpected {node.value!r} in an expression")
        handler = _HANDLERS.get(node.data)
        if handler is None:
            raise self.error(node, f"the HCL construct {node.data.replace('_', ' ')!r} is not supported by the checker",
                             "write the value out, or use a plain expression")
        return handler(self, node)

    # -- terms -------------------------------------------------------------------------------------------
    def _expr_term(self, node: Tree[Any]) -> tuple[Any, Positions]:
        inner = _trees(node)
        if not inner:
            raise self.error(node, "empty expression")
        return self.evaluate(inner[0])

    def _literal(self, node: Tree[Any]) -> tuple[Any, Positions]:
        text = str(node.children[0])
        return {"true": True, "false": False, "null": None}[text], {}

    def _int(self, node: Tree[Any]) -> tuple[Any, Positions]:
        return int(str(node.children[0])), {}

    def _float(self, node: Tree[Any]) -> tuple[Any, Positions]:
        return float(str(node.children[0])), {}

    def _string(self, node: Tree[Any]) -> tuple[Any, Positions]:
        parts = [c for c in node.children if isinstance(c, Tree)]
        pieces: list[Any] = []
        for part in parts:
            child = part.children[0]
            if isinstance(child, Token):
                pieces.append(_unescape(str(child.value), child, self))
            elif child.data == "interpolation":
                expression = _trees(child)[0]
                value, positions = self.evaluate(expression)
                if len(parts) == 1:
                    return value, positions  # "${x}" alone keeps x's type, as Terraform does
                pieces.append(_as_text(value, expression, self))
            else:
                raise self.error(child, "template directives (%{ ... }) are not supported by the checker",
                                 "build the value with a for expression or write it out")
        return "".join(pieces), {}

    def _heredoc(self, node: Tree[Any]) -> tuple[Any, Positions]:
        token = node.children[0]
        assert isinstance(token, Token)
        raw = str(token.value)
        first_newline = raw.index("\n")
        body_lines = raw[first_newline + 1:].split("\n")[:-2]  # drop the closing marker and final newline
        trim = 0
        if node.data == "heredoc_template_trim":
            indents = [len(line) - len(line.lstrip(" \t")) for line in body_lines if line.strip()]
            trim = min(indents, default=0)
            body_lines = [line[trim:] for line in body_lines]
        body = "".join(line + "\n" for line in body_lines)
        start = Position((token.line or 1) + 1, 1 + trim, self.path)
        if "${" not in body and "%{" not in body:
            return SourceText(body, origin=start, origin_path=self.path), {}
        return SourceText(self._render_heredoc(body, start), origin=start, origin_path=self.path), {}

    def _render_heredoc(self, body: str, start: Position) -> str:
        """Fill `${...}` in a heredoc: each expression is parsed on its own and errors point at its `${`."""
        out: list[str] = []
        i = 0
        while i < len(body):
            if body.startswith("$${", i) or body.startswith("%%{", i):
                out.append(body[i + 1:i + 3])
                i += 3
                continue
            if body.startswith("%{", i):
                raise InputError("template directives (%{ ... }) are not supported by the checker",
                                 self._where_in(body, i, start))
            if body.startswith("${", i):
                end = _closing_brace(body, i + 2)
                where = self._where_in(body, i, start)
                if end < 0:
                    raise InputError("an interpolation '${' is never closed", where)
                out.append(self._interpolate(body[i + 2:end], where))
                i = end + 1
                continue
            out.append(body[i])
            i += 1
        return "".join(out)

    def _where_in(self, body: str, offset: int, start: Position) -> Where:
        line = body.count("\n", 0, offset)
        column = offset - (body.rfind("\n", 0, offset) + 1) + (start.column if line == 0 else start.column)
        return Where(self.path, start.line + line, column)

    def _interpolate(self, expression: str, where: Where) -> str:
        try:
            tree = hcl2.parses_to_tree(f"value = {expression.strip()}\n")
        except UnexpectedInput:
            raise InputError(f"invalid expression in an interpolation: {expression.strip()!r}", where) from None
        attribute = tree.children[0].children[0]
        try:
            value, _ = Evaluator("<interpolation>", self.scope, self.folder, self.bindings).evaluate(
                attribute.children[2]
            )
        except InputError as exc:
            raise InputError(exc.message, where, exc.hint) from None
        return _as_text(value, None, self, where)

    def _template_string(self, node: Tree[Any]) -> tuple[Any, Positions]:
        raise self.error(node, "escaped template strings are not supported by the checker")

    def _tuple(self, node: Tree[Any]) -> tuple[Any, Positions]:
        items: list[Any] = []
        positions: Positions = {}
        for index, element in enumerate(_trees(node)):
            value, inner = self.evaluate(element)
            items.append(value)
            _nest(positions, pointer_join("", index), inner)
        return items, positions

    def _object(self, node: Tree[Any]) -> tuple[Any, Positions]:
        result: dict[str, Any] = {}
        positions: Positions = {}
        for element in _trees(node):
            key_node = _trees(element.children[0])[0]
            key = self._object_key(key_node)
            if key in result:
                raise self.error(element, f"duplicate key {key!r} in the same object",
                                 "Terraform keeps the last one silently; keep one and merge the values")
            value_node = _trees(element)[-1]
            value, inner = self.evaluate(value_node)
            result[key] = value
            # Point a member at its key, as the JSON loader does: that is where a learner looks.
            inner[""] = position_of(element, self.path)
            _nest(positions, pointer_join("", key), inner)
        return result, positions

    def _object_key(self, node: Tree[Any]) -> str:
        # A bare name is the key itself (`Version = ...`), not a reference, as in Terraform's object syntax.
        if node.data == "expr_term":
            inner = _trees(node)
            if len(inner) == 1 and inner[0].data == "identifier":
                return str(inner[0].children[0])
        if node.data in ("identifier", "keyword"):
            return str(node.children[0])
        value = self.value(node)
        if not isinstance(value, str | int | float | bool):
            raise self.error(node, "an object key must be text")
        return _as_text(value, node, self)

    def _identifier(self, node: Tree[Any]) -> tuple[Any, Positions]:
        return self._reference(node)

    def _conditional(self, node: Tree[Any]) -> tuple[Any, Positions]:
        condition, when_true, when_false = _trees(node)
        test = self.value(condition)
        if not isinstance(test, bool):
            raise self.error(condition, f"a condition must be true or false, not {test!r}")
        return self.evaluate(when_true if test else when_false)

    def _unary(self, node: Tree[Any]) -> tuple[Any, Positions]:
        operator = str(node.children[0])
        value = self.value(node.children[1])
        if operator == "!" and isinstance(value, bool):
            return not value, {}
        if operator == "-" and isinstance(value, int | float) and not isinstance(value, bool):
            return -value, {}
        raise self.error(node, f"{operator!r} cannot apply to {value!r}")

    def _binary(self, node: Tree[Any]) -> tuple[Any, Positions]:
        left_node, term = _trees(node)[:2]
        operator = str(_trees(term)[0].children[0])
        right_node = _trees(term)[1]
        left = self.value(left_node)
        if operator in ("&&", "||"):
            if not isinstance(left, bool):
                raise self.error(left_node, f"{operator} needs true or false, not {left!r}")
            if (operator == "&&" and not left) or (operator == "||" and left):
                return left, {}
        right = self.value(right_node)
        try:
            return _OPERATORS[operator](left, right), {}
        except (TypeError, ZeroDivisionError):
            raise self.error(node, f"cannot compute {left!r} {operator} {right!r}") from None

    # -- references and calls -----------------------------------------------------------------------------
    def _reference(self, node: Tree[Any]) -> tuple[Any, Positions]:
        steps: list[str | int] = []
        current: Tree[Any] = node
        while True:
            if current.data == "expr_term":
                current = _trees(current)[0]
                continue
            if current.data == "get_attr_expr_term":
                base, attr = _trees(current)
                steps.insert(0, str(_trees(attr)[0].children[0]))
                current = base
                continue
            if current.data == "index_expr_term":
                base, index = _trees(current)
                if index.data == "short_index":
                    steps.insert(0, int(str(index.children[1])))
                else:
                    key = self.value(_trees(index)[0])
                    if not isinstance(key, str | int) or isinstance(key, bool):
                        raise self.error(index, f"an index must be a number or text, not {key!r}")
                    steps.insert(0, key)
                current = base
                continue
            break
        if current.data != "identifier":
            value, positions = self.evaluate(current)
            return _index(value, positions, steps, node, self)
        root = str(current.children[0])
        if self.bindings is not None and root in self.bindings:
            value, positions = self.bindings[root]
            return _index(value, dict(positions), steps, node, self)
        if root == "path" and steps and steps[0] in ("module", "root", "cwd"):
            return _index(".", {}, steps[1:], node, self)
        return self.scope.lookup(root, steps, where_of(node, self.path))

    def _call(self, node: Tree[Any]) -> tuple[Any, Positions]:
        names = [c for c in _trees(node) if c.data == "identifier"]
        name = "::".join(str(n.children[0]) for n in names)
        arguments = next((c for c in _trees(node) if c.data == "arguments"), None)
        argument_nodes = _trees(arguments) if arguments is not None else []
        if arguments is not None and any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in arguments.children):
            raise self.error(node, "expanding arguments with '...' is not supported by the checker")
        function = FUNCTIONS.get(name)
        if function is None:
            raise self.error(node, f"the function {name}() is not supported by the checker",
                             f"supported functions: {', '.join(sorted(FUNCTIONS))}")
        return function(self, node, argument_nodes)

    def _for(self, node: Tree[Any]) -> tuple[Any, Positions]:
        parts = _trees(node)
        intro, rest = parts[0], parts[1:]
        condition = rest.pop() if rest and rest[-1].data == "for_cond" else None
        names = [str(n.children[0]) for n in _trees(intro) if n.data == "identifier"]
        collection_node = [n for n in _trees(intro) if n.data != "identifier"][-1]
        collection, positions = self.evaluate(collection_node)
        if isinstance(collection, Mapping):
            pairs: list[tuple[Any, Any, str]] = [(k, v, pointer_join("", k)) for k, v in collection.items()]
        elif isinstance(collection, list):
            pairs = [(i, v, pointer_join("", i)) for i, v in enumerate(collection)]
        else:
            raise self.error(collection_node, f"a for expression needs a list or map, not {collection!r}")
        if len(pairs) > MAX_FOR_ITEMS:
            raise self.error(collection_node, f"a for expression over more than {MAX_FOR_ITEMS} items")
        is_object = node.data == "for_object_expr"
        tuple_out: list[Any] = []
        object_out: dict[str, Any] = {}
        out_positions: Positions = {}
        for key, item, pointer in pairs:
            item_positions = _sub_positions(positions, pointer)
            bound: dict[str, tuple[Any, Positions]] = dict(self.bindings or {})
            if len(names) == 2:
                bound[names[0]] = (key, {})
                bound[names[1]] = (item, item_positions)
            else:
                bound[names[0]] = (item, item_positions)
            inner = Evaluator(self.path, self.scope, self.folder, bound)
            if condition is not None:
                keep = inner.value(_trees(condition)[-1])
                if not isinstance(keep, bool):
                    raise self.error(condition, f"a for expression's if needs true or false, not {keep!r}")
                if not keep:
                    continue
            if is_object:
                key_value = _as_text(inner.value(rest[0]), rest[0], self)
                value, value_positions = inner.evaluate(rest[1])
                object_out[key_value] = value
                _nest(out_positions, pointer_join("", key_value), value_positions)
            else:
                value, value_positions = inner.evaluate(rest[0])
                _nest(out_positions, pointer_join("", len(tuple_out)), value_positions)
                tuple_out.append(value)
        return (object_out if is_object else tuple_out), out_positions


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: _number(a) + _number(b),
    "-": lambda a, b: _number(a) - _number(b),
    "*": lambda a, b: _number(a) * _number(b),
    "/": lambda a, b: _number(a) / _number(b),
    "%": lambda a, b: _number(a) % _number(b),
    "&&": lambda a, b: _boolean(a) and _boolean(b),
    "||": lambda a, b: _boolean(a) or _boolean(b),
}


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


_HANDLERS: dict[str, Callable[[Evaluator, Tree[Any]], tuple[Any, Positions]]] = {
    "expr_term": Evaluator._expr_term,
    "literal_value": Evaluator._literal,
    "int_lit": Evaluator._int,
    "float_lit": Evaluator._float,
    "string": Evaluator._string,
    "heredoc_template": Evaluator._heredoc,
    "heredoc_template_trim": Evaluator._heredoc,
    "template_string": Evaluator._template_string,
    "tuple": Evaluator._tuple,
    "object": Evaluator._object,
    "identifier": Evaluator._identifier,
    "get_attr_expr_term": Evaluator._reference,
    "index_expr_term": Evaluator._reference,
    "conditional": Evaluator._conditional,
    "unary_op": Evaluator._unary,
    "binary_op": Evaluator._binary,
    "function_call": Evaluator._call,
    "for_tuple_expr": Evaluator._for,
    "for_object_expr": Evaluator._for,
}


def _trees(node: Tree[Any]) -> list[Tree[Any]]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _nest(positions: Positions, pointer: str, inner: Positions) -> None:
    for key, position in inner.items():
        positions.setdefault(pointer + key, position)


def _sub_positions(positions: Positions, pointer: str) -> Positions:
    return {k[len(pointer):]: v for k, v in positions.items() if k == pointer or k.startswith(pointer + "/")}


def _index(value: Any, positions: Positions, steps: list[str | int], node: Tree[Any], ev: Evaluator) -> tuple[Any, Positions]:
    try:
        return index_value(value, positions, steps)
    except LookupError as exc:
        raise ev.error(node, str(exc)) from None


def index_value(value: Any, positions: Positions, steps: list[str | int]) -> tuple[Any, Positions]:
    """Follow attribute names and indexes into a value; LookupError names the step that is missing."""
    pointer = ""
    for step in steps:
        if isinstance(value, Mapping) and str(step) in value:
            value = value[str(step)]
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        else:
            raise LookupError(f"{step!r} is not in the value {_short(value)}")
        pointer = pointer_join(pointer, step)
    return value, _sub_positions(positions, pointer)


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str, token: Token, ev: Evaluator) -> str:
    if text.startswith(("$${", "%%{")):
        return text[1:]
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1:i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in ("u", "U"):
            width = 4 if nxt == "u" else 8
            digits = text[i + 2:i + 2 + width]
            if not re.fullmatch(r"[0-9a-fA-F]+", digits) or len(digits) != width:
                raise ev.error(token, f"invalid escape \\{nxt}{digits} in a string")
            out.append(chr(int(digits, 16)))
            i += 2 + width
        else:
            raise ev.error(token, f"invalid escape \\{nxt} in a string", 'write \\\\ for a backslash')
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth = 0
    in_string = False
    i = start
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def _as_text(value: Any, node: Tree[Any] | None, ev: Evaluator, where: Where | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    message = f"only text, numbers and true/false can be put into a string, not {_short(value)}"
    if node is not None:
        raise ev.error(node, message, "use jsonencode(...) to turn a list or object into text")
    raise InputError(message, where)


# -- functions (Terraform's built-in functions; https://developer.hashicorp.com/terraform/language/functions) --
Function = Callable[[Evaluator, Tree[Any], list[Tree[Any]]], tuple[Any, Positions]]


def _arity(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]], count: int) -> None:
    if len(args) != count:
        name = str(_trees(node)[0].children[0])
        raise ev.error(node, f"{name}() takes {count} argument{'s' if count != 1 else ''}, got {len(args)}")


def _jsonencode(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
    _arity(ev, node, args, 1)
    value, positions = ev.evaluate(args[0])
    text = json.dumps(value, separators=(",", ":"))
    document = LoadedDocument(ev.path, value, dict(positions))
    return SourceText(text, document=document), {}


def _jsondecode(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
    _arity(ev, node, args, 1)
    text = ev.value(args[0])
    if not isinstance(text, str):
        raise ev.error(args[0], "jsondecode() needs text")
    document = text.located(where_of(args[0], ev.path)) if isinstance(text, SourceText) else json_at(
        text, where_of(args[0], ev.path)
    )
    return document.data, dict(document.positions)


def _file(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
    _arity(ev, node, args, 1)
    name = ev.value(args[0])
    if not isinstance(name, str):
        raise ev.error(args[0], "file() needs a path")
    folder = ev.folder.resolve()
    target = (folder / name).resolve()
    # A submission reads only its own files: no absolute paths, no climbing out of the folder.
    if not target.is_relative_to(folder):
        raise ev.error(args[0], f"file({name!r}) points outside the configuration folder",
                       "keep policy files next to the .tf files and name them relative to it")
    if not target.exists():
        raise ev.error(args[0], f"file({name!r}): no such file in {folder}")
    try:
        text = read_text_file(target)
    except InputError as exc:
        raise ev.error(args[0], f"file({name!r}): {exc.message}") from None
    shown = str(Path(ev.path).parent / name) if ev.path != "<interpolation>" else str(target)
    return SourceText(text, origin=Position(1, 1, shown), origin_path=shown), {}


def _concat(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
    out: list[Any] = []
    positions: Positions = {}
    for arg in args:
        value, inner = ev.evaluate(arg)
        if not isinstance(value, list):
            raise ev.error(arg, "concat() takes lists")
        for i, item in enumerate(value):
            _nest(positions, pointer_join("", len(out)), _sub_positions(inner, pointer_join("", i)))
            out.append(item)
    return out, positions


def _merge(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
    out: dict[str, Any] = {}
    positions: Positions = {}
    for arg in args:
        value, inner = ev.evaluate(arg)
        if not isinstance(value, Mapping):
            raise ev.error(arg, "merge() takes objects")
        for key, item in value.items():
            out[key] = item
            pointer = pointer_join("", key)
            positions = {k: v for k, v in positions.items() if not (k == pointer or k.startswith(pointer + "/"))}
            _nest(positions, pointer, _sub_positions(inner, pointer))
    return out, positions


def _join(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
    _arity(ev, node, args, 2)
    separator = ev.value(args[0])
    items = ev.value(args[1])
    if not isinstance(separator, str) or not isinstance(items, list):
        raise ev.error(node, "join() takes a separator and a list")
    return separator.join(_as_text(item, args[1], ev) for item in items), {}


def _format(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
    if not args:
        raise ev.error(node, "format() needs a format string")
    spec = ev.value(args[0])
    values = [ev.value(a) for a in args[1:]]
    if not isinstance(spec, str):
        raise ev.error(args[0], "format() needs a format string")
    out: list[str] = []
    pieces = re.split(r"(%%|%[sd])", spec)
    for piece in pieces:
        if piece == "%%":
            out.append("%")
        elif piece in ("%s", "%d"):
            if not values:
                raise ev.error(node, "format() has more verbs than values")
            out.append(_as_text(values.pop(0), node, ev))
        elif "%" in piece:
            raise ev.error(args[0], f"format() verbs other than %s and %d are not supported: {piece!r}")
        else:
            out.append(piece)
    return "".join(out), {}


def _string_function(transform: Callable[[str], str]) -> Function:
    def apply(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
        _arity(ev, node, args, 1)
        value = ev.value(args[0])
        if not isinstance(value, str):
            raise ev.error(args[0], "this function takes text")
        return transform(value), {}

    return apply


def _same(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
    _arity(ev, node, args, 1)
    return ev.evaluate(args[0])


def _toset(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
    _arity(ev, node, args, 1)
    value, positions = ev.evaluate(args[0])
    if not isinstance(value, list):
        raise ev.error(args[0], "toset() takes a list")
    seen: list[Any] = []
    for item in value:
        if item not in seen:
            seen.append(item)
    return seen, positions if len(seen) == len(value) else {}


def _flatten(ev: Evaluator, node: Tree[Any], args: list[Tree[Any]]) -> tuple[Any, Positions]:
    _arity(ev, node, args, 1)
    value = ev.value(args[0])
    if not isinstance(value, list):
        raise ev.error(args[0], "flatten() takes a list")
    out: list[Any] = []
    work = list(reversed(value))
    while work:
        item = work.pop()
        if isinstance(item, list):
            work.extend(reversed(item))
        else:
            out.append(item)
    return out, {}


FUNCTIONS: dict[str, Function] = {
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "file": _file,
    "concat": _concat,
    "merge": _merge,
    "join": _join,
    "format": _format,
    "lower": _string_function(str.lower),
    "upper": _string_function(str.upper),
    "trimspace": _string_function(str.strip),
    "tostring": _same,
    "tolist": _same,
    "tomap": _same,
    "toset": _toset,
    "distinct": _toset,
    "flatten": _flatten,
}
