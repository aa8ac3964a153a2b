"""Parse IAM condition expressions (CEL) once, check them, and evaluate them.

Parsing uses cel-python's grammar, so syntax errors carry the line and column of the expression. The
expression is then checked against the attributes IAM knows (doc: "Attribute reference for IAM
Conditions", https://cloud.google.com/iam/docs/conditions-attribute-reference). The common shapes are
translated to `ir` and evaluated directly; anything else is evaluated by cel-python with GCP's extra
functions. Compiled conditions are cached by their text, so a policy's CEL is parsed once.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias

import celpy
import celpy.celtypes as celtypes
import lark
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError, celstr

from checker.core.errors import InputError
from checker.core.source import MAX_INTEGER_DIGITS
from checker.gcp.conditions import ir
from checker.gcp.location import Loc, shown

logging.getLogger("celpy").setLevel(logging.CRITICAL)

CelTree: TypeAlias = "lark.Tree[lark.Token]"

MAX_EXPRESSION_CHARS = (
    12_800  # our bound on a condition's text; real expressions are a few hundred characters
)
MAX_NESTING = 64

# Root identifiers an allow-policy condition may use, and the fields they have.
_KNOWN_FIELDS: dict[str, set[str]] = {
    "resource": {"name", "type", "service"},
    "request": {"time", "host", "path", "auth"},
    "destination": {"ip", "port"},
    "origin": {"ip", "region_code"},
    "api": set(),
    "compute": set(),
}
_RESOURCE_FUNCTIONS = set(ir.TAG_FUNCTIONS)
# Forwarding rule attributes (same page, "Forwarding rule attributes"): functions called on `compute`.
_COMPUTE_FUNCTIONS = {"isForwardingRuleCreationOperation", "matchLoadBalancingSchemes"}
# Creating a forwarding rule checks one of these permissions (Compute Engine IAM permissions reference).
FORWARDING_RULE_CREATE = frozenset({"compute.forwardingRules.create", "compute.globalForwardingRules.create"})
_GLOBAL_FUNCTIONS = {
    "date",
    "timestamp",
    "duration",
    "size",
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "matches",
    "inIpRange",
}
_METHODS = (
    set(ir.STRING_METHODS)
    | set(ir.TIME_METHODS)
    | {
        "extract",
        "getAttribute",
        "matches",
        "size",
        "exists",
        "all",
        "exists_one",
        "map",
        "filter",
        "hasOnly",
        "lowerAscii",
        "upperAscii",
        "endsWith",
        "startsWith",
        "contains",
    }
)


class Unsupported(Exception):
    """A construct the fast path does not model; cel-python evaluates the expression instead."""


@dataclass(frozen=True)
class InvalidInput:
    """An input GCP accepts when the policy is set but that makes the condition never grant."""

    message: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.message} (line {self.line} column {self.column} of the expression)"


@dataclass(frozen=True)
class ConditionResult:
    applies: bool
    detail: str  # plain words: "true", "false", or why it is an error


@dataclass
class CompiledCondition:
    expression: str
    title: str
    tree: CelTree
    fast: ir.Node | None
    unsupported: str | None  # for analysis: the construct the fast path (and z3) cannot decide
    uses: frozenset[str] = frozenset()  # attributes read, e.g. {"resource.name", "request.time"}
    # Invalid timestamp("...") inputs with their position: GCP accepts the condition, but "if the input
    # parameter is invalid, then the condition will never allow access to any resource" (attribute reference).
    never_grants: tuple[InvalidInput, ...] = ()
    _program: Any = field(default=None, repr=False)

    def evaluate(self, facts: ir.Facts, api_attributes: dict[str, Any] | None = None) -> ConditionResult:
        if self.never_grants:
            first = self.never_grants[0]
            return ConditionResult(
                False,
                f"the condition never allows access: {first.message} (line {first.line} column {first.column} "
                "of the expression), and Google documents that an invalid timestamp input makes a condition "
                "never allow access",
            )
        if self.fast is not None:
            value = ir.evaluate(self.fast, facts)
        else:
            value = self._evaluate_cel(facts, api_attributes or {})
        if value is True:
            return ConditionResult(True, "the condition is true")
        if value is False:
            return ConditionResult(False, "the condition is false")
        if isinstance(value, ir.ErrorValue):
            return ConditionResult(
                False, f"the condition cannot be evaluated ({value.reason}), so it grants nothing"
            )
        return ConditionResult(
            False, f"the condition returned {value!r}, not a boolean, so it grants nothing"
        )

    def _evaluate_cel(self, facts: ir.Facts, api_attributes: dict[str, Any]) -> ir.Value:
        if self._program is None:
            self._program = _environment().program(self.tree, functions=_gcp_functions())
        activation = _activation(facts, api_attributes)
        try:
            result = self._program.evaluate(activation)
        except CELEvalError as exc:
            return ir.ErrorValue(_short(exc))
        except (RecursionError, ValueError, TypeError, ArithmeticError) as exc:
            return ir.ErrorValue(f"evaluation error: {exc}")
        if isinstance(result, CELEvalError):
            return ir.ErrorValue(_short(result))
        if isinstance(result, celtypes.BoolType):
            return bool(result)
        return ir.ErrorValue(f"the expression returned {type(result).__name__}, not bool")


def _to_cel(value: Any) -> Any:
    return celpy.json_to_cel(value)  # type: ignore[attr-defined]


def _short(error: CELEvalError) -> str:
    text = str(error.args[0]) if error.args else "evaluation error"
    text = text.split(" (in activation", 1)[0]
    return text if len(text) <= 160 else text[:157] + "..."


@functools.lru_cache(maxsize=1)
def _environment() -> celpy.Environment:
    return celpy.Environment()


_TAGS_KEY = celtypes.StringType("\x00tags")
_PERMISSION_KEY = celtypes.StringType("\x00permission")
_SCHEME_KEY = celtypes.StringType("\x00scheme")
_TAG_IDS_KEY = celtypes.StringType("\x00tagIds")


def _gcp_functions() -> dict[str, Any]:
    def tag_call(name: str) -> Any:
        def call(resource: Any, *args: Any) -> Any:
            if not isinstance(resource, celtypes.MapType) or not all(isinstance(a, str) for a in args):
                return CELEvalError(f"{name} needs string arguments")
            tags: Any = resource.get(_TAGS_KEY) or {}
            tag_ids: Any = resource.get(_TAG_IDS_KEY) or {}
            assert isinstance(tags, dict) and isinstance(tag_ids, dict)
            facts = ir.Facts(
                {}, {str(k): str(v) for k, v in tags.items()}, {str(k): str(v) for k, v in tag_ids.items()}
            )
            return celtypes.BoolType(ir.tag_function(name, tuple(str(a) for a in args), facts))

        return call

    def extract(text: Any, template: Any) -> Any:
        if not isinstance(text, str) or not isinstance(template, str):
            return CELEvalError("extract needs strings")
        return celtypes.StringType(ir.extract(str(text), str(template)))

    def get_attribute(api: Any, name: Any, default: Any) -> Any:
        if not isinstance(api, celtypes.MapType):
            return CELEvalError("getAttribute is called on api")
        return api.get(name, default)

    def has_only(items: Any, allowed: Any) -> Any:
        # GCP's hasOnly (used with modifiedGrantsByRole): every item of the list is one of `allowed`.
        if not isinstance(items, celtypes.ListType) or not isinstance(allowed, celtypes.ListType):
            return CELEvalError("hasOnly needs two lists")
        return celtypes.BoolType(all(item in allowed for item in items))

    def date(text: Any) -> Any:
        # date("YYYY-MM-DD") -> that day at 00:00:00.000 UTC (attribute reference, date/time functions).
        moment = ir.parse_date(str(text)) if isinstance(text, str) else None
        if moment is None:
            return CELEvalError(f"date({text!r}) is not a date in the format YYYY-MM-DD")
        return celtypes.TimestampType(moment)

    def is_forwarding_rule_creation(compute: Any) -> Any:
        if not isinstance(compute, celtypes.MapType):
            return CELEvalError("isForwardingRuleCreationOperation is called on compute")
        return celtypes.BoolType(str(compute[_PERMISSION_KEY]) in FORWARDING_RULE_CREATE)

    def match_schemes(compute: Any, schemes: Any) -> Any:
        if not isinstance(compute, celtypes.MapType) or not isinstance(schemes, celtypes.ListType):
            return CELEvalError("matchLoadBalancingSchemes needs a list of schemes")
        if not compute[_SCHEME_KEY]:  # "" stands for "not given"
            return CELEvalError("the request does not say which load balancing scheme it affects")
        return celtypes.BoolType(compute[_SCHEME_KEY] in schemes)

    functions: dict[str, Any] = {name: tag_call(name) for name in ir.TAG_FUNCTIONS}
    functions["date"] = date
    functions["isForwardingRuleCreationOperation"] = is_forwarding_rule_creation
    functions["matchLoadBalancingSchemes"] = match_schemes
    functions["hasOnly"] = has_only
    functions["extract"] = extract
    functions["getAttribute"] = get_attribute
    return functions


def _activation(facts: ir.Facts, api_attributes: dict[str, Any]) -> dict[str, Any]:
    resource: dict[Any, Any] = {
        _TAGS_KEY: celtypes.MapType(
            {celtypes.StringType(k): celtypes.StringType(v) for k, v in facts.tags.items()}
        ),
        _TAG_IDS_KEY: celtypes.MapType(
            {celtypes.StringType(k): celtypes.StringType(v) for k, v in facts.tag_ids.items()}
        ),
    }
    for name in ("name", "type", "service"):
        value = facts.values.get(f"resource.{name}")
        if isinstance(value, str):
            resource[celtypes.StringType(name)] = celtypes.StringType(value)
    request: dict[Any, Any] = {}
    moment = facts.values.get("request.time")
    if isinstance(moment, datetime):
        request[celtypes.StringType("time")] = celtypes.TimestampType(moment)
    compute: dict[Any, Any] = {}
    for key, fact in ((_PERMISSION_KEY, "request.permission"), (_SCHEME_KEY, "compute.loadBalancingScheme")):
        value = facts.values.get(fact)
        compute[key] = celtypes.StringType(value if isinstance(value, str) else "")
    return {
        "compute": celtypes.MapType(compute),
        "resource": celtypes.MapType(resource),
        "request": celtypes.MapType(request),
        "api": celtypes.MapType({celtypes.StringType(k): _to_cel(v) for k, v in api_attributes.items()}),
    }


# ---------------------------------------------------------------------------------------------------------
# Parsing and checking


def compile_condition(
    expression: object, loc: Loc, title: str = "", *, deny: bool = False
) -> CompiledCondition:
    """Compile one condition expression or raise InputError pointing into it."""
    if not isinstance(expression, str) or not expression.strip():
        raise loc.error(
            "the condition needs an expression",
            'write a CEL expression, e.g. resource.name.startsWith("projects/_/buckets/b/objects/data/")',
        )
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise loc.error(
            f"the expression is {len(expression):,} characters, more than {MAX_EXPRESSION_CHARS:,}"
        )
    try:
        compiled = _compile_cached(expression, deny)
    except _LocatedError as exc:
        raise loc.error_at(exc.message, exc.line, exc.column, exc.hint) from None
    except _PlainError as exc:
        raise loc.error(exc.message, exc.hint) from None
    if compiled.title != title:
        compiled = dataclasses.replace(compiled, title=title, _program=None)
    return compiled


class _LocatedError(Exception):
    def __init__(self, message: str, line: int, column: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.hint = message, line, column, hint


class _PlainError(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _bracket_depth(text: str) -> int:
    """The deepest nesting of (), [] and {} outside string literals; checked before the parser runs."""
    depth = deepest = 0
    quote: str | None = None
    escaped = False
    for ch in text:
        if quote is not None:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


# Lark's names for the tokens a learner most often leaves out, as they are written.
_TOKEN_TEXT = {"RPAR": ")", "RSQB": "]", "RBRACE": "}", "COMMA": ",", "LPAR": "(", "COLON": ":",
               "STRING_LIT": "a quoted text", "IDENT": "a name", "__ANON_0": "||", "__ANON_1": "&&",
               "__ANON_4": "==", "__ANON_5": "!="}


def _parse_problem(cause: BaseException | None) -> str:
    """What the parser found where it stopped (cel-python keeps lark's error as the context)."""
    if isinstance(cause, lark.exceptions.UnexpectedToken):
        expected = sorted(_TOKEN_TEXT[name] for name in cause.expected if name in _TOKEN_TEXT)
        wanted = f"; expected {' or '.join(expected)}" if expected and len(expected) <= 4 else ""
        if cause.token.type == "$END":
            return "the expression ends too early" + (wanted or "; something is missing at its end")
        return f"unexpected {cause.token.value!r}{wanted}"
    if isinstance(cause, lark.exceptions.UnexpectedCharacters):
        if cause.char in "\"'":
            return f"the text starting with {cause.char} is never closed"
        return f"unexpected character {cause.char!r}" + (" (CEL compares with ==)" if cause.char == "=" else "")
    return "a syntax error"


@functools.lru_cache(maxsize=4096)
def _compile_cached(expression: str, deny: bool) -> CompiledCondition:
    if _bracket_depth(expression) > MAX_NESTING:
        raise _PlainError(
            f"the condition is nested more than {MAX_NESTING} brackets deep", "split it into simpler parts"
        )
    try:
        tree = _environment().compile(expression)
    except CELParseError as exc:
        line = int(getattr(exc, "line", None) or 1)
        column = int(getattr(exc, "column", None) or 1)
        cause = exc.__context__
        if isinstance(cause, lark.exceptions.UnexpectedToken) and cause.token.type == "$END":
            # Lark places the end at the last token's start; parsing failed where the text ran out.
            rows = expression.split("\n")
            line, column = len(rows), len(rows[-1]) + 1
        raise _LocatedError(
            f"the condition is not valid CEL: {_parse_problem(cause)}",
            line,
            column,
            "check brackets, quotes and operators (&&, ||, !) at that position",
        ) from None
    except RecursionError:
        raise _PlainError("the condition is nested too deeply to read") from None
    _check_depth(tree)
    uses = _check_names(tree, deny)
    invalid = _invalid_time_inputs(tree)
    if invalid:
        # The condition is false for every request, so the analysis may treat it as the literal false.
        return CompiledCondition(expression, "", tree, ir.Lit(False), None, frozenset(uses), invalid)
    try:
        fast: ir.Node | None = _translate(tree)
        unsupported = None
    except Unsupported as exc:
        fast, unsupported = None, str(exc)
    return CompiledCondition(expression, "", tree, fast, unsupported, frozenset(uses))


def _literal_argument(node: CelTree) -> str | None:
    """The string literal passed to a one-argument function call (`timestamp("...")`), if it is one."""
    if len(node.children) < 2 or not isinstance(node.children[1], lark.Tree):
        return None
    arguments = node.children[1]
    if arguments.data != "exprlist" or len(arguments.children) != 1:
        return None
    current: CelTree | lark.Token = arguments.children[0]
    while isinstance(current, lark.Tree) and current.data != "literal" and len(current.children) == 1:
        current = current.children[0]
    if not isinstance(current, lark.Tree) or current.data != "literal":
        return None
    value = _literal(current)
    return value if isinstance(value, str) else None


def _invalid_time_inputs(tree: CelTree) -> tuple[InvalidInput, ...]:
    """Literal timestamp() and date() inputs that are not valid; date() is held to the same rule."""
    found: list[InvalidInput] = []
    for node in tree.iter_subtrees():
        if node.data != "ident_arg" or str(node.children[0]) not in ("timestamp", "date"):
            continue
        text = _literal_argument(node)
        if text is None:
            continue
        problem = _time_problem(str(node.children[0]), text)
        if problem is not None:
            line, column = _position(node)
            found.append(InvalidInput(problem, line, column))
    return tuple(found)


def _time_problem(function: str, text: str) -> str | None:
    if function == "date":
        return None if ir.parse_date(text) is not None else f"date({shown(text)}) is not a date in the format YYYY-MM-DD"
    moment = ir.parse_timestamp(text)
    if moment is None:
        return f"timestamp({shown(text)}) is not an RFC 3339 time"
    if moment.tzinfo is None:
        return f"timestamp({shown(text)}) has no time zone offset"
    return None


def _check_depth(tree: CelTree) -> None:
    stack: list[tuple[CelTree, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING * 12:  # each CEL level is about a dozen grammar levels deep
            raise _PlainError("the condition is nested too deeply to read", "split it into simpler parts")
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))


def _position(node: CelTree | lark.Token) -> tuple[int, int]:
    if isinstance(node, lark.Token):
        return node.line or 1, node.column or 1
    meta = node.meta
    if not getattr(meta, "empty", True):
        return meta.line, meta.column
    for child in node.children:
        if isinstance(child, (lark.Tree, lark.Token)):
            return _position(child)
    return 1, 1


def _root_ident(member: CelTree) -> str | None:
    """The identifier a member chain starts from (`resource` in resource.name.startsWith(...))."""
    node: CelTree | lark.Token = member
    while isinstance(node, lark.Tree):
        if node.data == "ident":
            return str(node.children[0])
        if node.data in ("member", "member_dot", "member_dot_arg", "member_index", "primary"):
            node = node.children[0]
            continue
        return None
    return None


def _check_names(tree: CelTree, deny: bool) -> set[str]:
    """Reject unknown attributes and functions; for deny rules, allow only resource tag functions."""
    uses: set[str] = set()
    for node in tree.iter_subtrees():
        if node.data == "ident":
            name = str(node.children[0])
            if name not in _KNOWN_FIELDS:
                line, column = _position(node)
                raise _LocatedError(
                    f"unknown name {shown(name)} in the condition",
                    line,
                    column,
                    "IAM conditions read resource.*, request.*, api.getAttribute(...) and a few others; "
                    "see https://cloud.google.com/iam/docs/conditions-attribute-reference",
                )
        elif node.data == "member_dot":
            target, field_token = node.children[0], node.children[1]
            root = _root_ident(target) if isinstance(target, lark.Tree) else None
            if root is not None and isinstance(target, lark.Tree) and _is_plain_ident(target):
                name = str(field_token)
                if name not in _KNOWN_FIELDS[root]:
                    line, column = _position(field_token)
                    raise _LocatedError(
                        f"{root}.{name} is not an IAM condition attribute",
                        line,
                        column,
                        f"{root} has "
                        + (", ".join(sorted(_KNOWN_FIELDS[root])) or "no fields, only functions"),
                    )
                uses.add(f"{root}.{name}")
        elif node.data == "member_dot_arg":
            method = str(node.children[1])
            target = node.children[0]
            root = _root_ident(target) if isinstance(target, lark.Tree) else None
            line, column = _position(node.children[1])
            if isinstance(target, lark.Tree) and _is_plain_ident(target):
                allowed = (
                    _RESOURCE_FUNCTIONS
                    if root == "resource"
                    else {"getAttribute"}
                    if root == "api"
                    else _COMPUTE_FUNCTIONS
                    if root == "compute"
                    else set()
                )
                if method not in allowed:
                    raise _LocatedError(f"{root}.{method}() is not a function IAM knows", line, column)
                uses.add(f"{root}.{method}")
            elif method not in _METHODS:
                raise _LocatedError(f"unknown function {shown(method)}", line, column)
        elif node.data == "ident_arg":
            name = str(node.children[0])
            if name not in _GLOBAL_FUNCTIONS:
                line, column = _position(node)
                raise _LocatedError(f"unknown function {shown(name)}", line, column)
        elif node.data in ("dot_ident", "dot_ident_arg", "member_object", "map_lit"):
            line, column = _position(node)
            raise _LocatedError("this construct is not used in IAM conditions", line, column)
    if deny:
        _check_deny_shape(tree)
    return uses


def _is_plain_ident(member: CelTree) -> bool:
    """True for `member > primary > ident` (a bare root name), false for longer chains."""
    node = member
    while isinstance(node, lark.Tree) and node.data in ("member", "primary"):
        if len(node.children) != 1:
            return False
        child = node.children[0]
        if not isinstance(child, lark.Tree):
            return False
        node = child
    return isinstance(node, lark.Tree) and node.data == "ident"


_DENY_STRUCTURE = {
    "expr",
    "conditionalor",
    "conditionaland",
    "relation",
    "addition",
    "multiplication",
    "unary",
    "unary_not",
    "member",
    "primary",
    "paren_expr",
    "member_dot_arg",
    "exprlist",
    "literal",
    "ident",
}


def _check_deny_shape(tree: CelTree) -> None:
    """Deny conditions may only call resource tag functions, combined with &&, || and ! (DenyRule reference)."""
    for node in tree.iter_subtrees():
        bad = node.data not in _DENY_STRUCTURE
        if node.data == "member_dot_arg" and str(node.children[1]) not in ir.TAG_FUNCTIONS:
            bad = True
        if node.data == "ident" and str(node.children[0]) != "resource":
            bad = True
        if node.data == "expr" and len(node.children) > 1:
            bad = True  # the ?: operator
        if bad:
            line, column = _position(node)
            raise _LocatedError(
                "a deny rule's condition can only use the resource tag functions "
                "(resource.matchTag, matchTagId, hasTagKey, hasTagKeyId) with &&, || and !",
                line,
                column,
                "the DenyRule reference says other functions and operators are not supported in denial conditions",
            )


# ---------------------------------------------------------------------------------------------------------
# Translation of the common shapes


def _only(node: CelTree) -> CelTree | lark.Token:
    if len(node.children) != 1:
        raise Unsupported(f"{node.data} with {len(node.children)} parts")
    child: CelTree | lark.Token = node.children[0]
    return child


def _translate(node: CelTree | lark.Token) -> ir.Node:
    if isinstance(node, lark.Token):
        raise Unsupported(f"token {node.type}")
    kind = node.data
    if kind == "expr":
        if len(node.children) == 3:
            return ir.Ternary(*(_translate(c) for c in node.children))
        return _translate(_only(node))
    if kind == "conditionalor":
        if len(node.children) == 2:
            return ir.Or(_translate(node.children[0]), _translate(node.children[1]))
        return _translate(_only(node))
    if kind == "conditionaland":
        if len(node.children) == 2:
            return ir.And(_translate(node.children[0]), _translate(node.children[1]))
        return _translate(_only(node))
    if kind == "relation":
        if len(node.children) == 2:
            operator, right = node.children
            assert isinstance(operator, lark.Tree)
            left = _translate(operator.children[0])
            op = {
                "relation_lt": "<",
                "relation_le": "<=",
                "relation_gt": ">",
                "relation_ge": ">=",
                "relation_eq": "==",
                "relation_ne": "!=",
            }.get(operator.data)
            if op is not None:
                return ir.Cmp(op, left, _translate(right))
            if operator.data == "relation_in":
                options = _list_literal(right)
                return ir.InList(left, options)
            raise Unsupported(operator.data)
        return _translate(_only(node))
    if kind in ("addition", "multiplication"):
        if len(node.children) != 1:
            raise Unsupported("arithmetic")
        return _translate(node.children[0])
    if kind == "unary":
        if len(node.children) == 2:
            operator = node.children[0]
            if isinstance(operator, lark.Tree) and operator.data == "unary_not":
                return ir.Not(_translate(node.children[1]))
            raise Unsupported("unary minus")
        return _translate(_only(node))
    if kind == "member":
        return _translate(_only(node))
    if kind == "primary":
        return _translate(_only(node))
    if kind == "paren_expr":
        return _translate(_only(node))
    if kind == "literal":
        return ir.Lit(_literal(node))
    if kind == "member_dot":
        path = _dotted(node)
        if path in ir.ATTRIBUTES:
            return ir.Attr(path)
        raise Unsupported(f"attribute {path}")
    if kind == "member_dot_arg":
        return _method(node)
    if kind == "ident_arg":
        name = str(node.children[0])
        args = _arguments(node.children[1] if len(node.children) > 1 else None)
        if name in ("timestamp", "date") and len(args) == 1 and isinstance(args[0], ir.Lit):
            text = args[0].value
            moment = (
                (ir.parse_timestamp(text) if name == "timestamp" else ir.parse_date(text))
                if isinstance(text, str)
                else None
            )
            if moment is not None and moment.tzinfo is not None:
                return ir.Lit(moment)
        raise Unsupported(f"function {name}()")
    raise Unsupported(kind)


def _dotted(node: CelTree) -> str:
    parts: list[str] = []
    current: CelTree | lark.Token = node
    while isinstance(current, lark.Tree):
        if current.data == "member_dot":
            parts.append(str(current.children[1]))
            current = current.children[0]
        elif current.data in ("member", "primary"):
            current = _only(current)
        elif current.data == "ident":
            parts.append(str(current.children[0]))
            break
        else:
            raise Unsupported(current.data)
    return ".".join(reversed(parts))


def _arguments(exprlist: CelTree | lark.Token | None) -> list[ir.Node]:
    if exprlist is None:
        return []
    if not isinstance(exprlist, lark.Tree) or exprlist.data != "exprlist":
        raise Unsupported("arguments")
    return [_translate(child) for child in exprlist.children]


def _string_args(args: list[ir.Node], count: int, what: str) -> tuple[str, ...]:
    if len(args) != count or not all(isinstance(a, ir.Lit) and isinstance(a.value, str) for a in args):
        raise Unsupported(f"{what} with non-literal arguments")
    return tuple(str(a.value) for a in args if isinstance(a, ir.Lit))


def _method(node: CelTree) -> ir.Node:
    target_tree, method_token = node.children[0], node.children[1]
    method = str(method_token)
    args = _arguments(node.children[2] if len(node.children) > 2 else None)
    assert isinstance(target_tree, lark.Tree)
    if _is_plain_ident(target_tree) and _root_ident(target_tree) == "resource" and method in ir.TAG_FUNCTIONS:
        count = 2 if method in ("matchTag", "matchTagId") else 1
        return ir.TagCall(method, _string_args(args, count, method))
    target = _translate(target_tree)
    if method in ir.STRING_METHODS or method == "extract":
        if len(args) != 1:
            raise Unsupported(f"{method} with {len(args)} arguments")
        return ir.StrCall(method, target, args[0])
    if method in ir.TIME_METHODS and target == ir.Attr("request.time"):
        if not args:
            return ir.TimeCall(method, None)
        return ir.TimeCall(method, _string_args(args, 1, method)[0])
    raise Unsupported(f"method {method}()")


def _list_literal(node: CelTree | lark.Token) -> tuple[ir.Node, ...]:
    current = node
    while isinstance(current, lark.Tree) and current.data in (
        "addition",
        "multiplication",
        "unary",
        "member",
        "primary",
    ):
        current = _only(current)
    if not isinstance(current, lark.Tree) or current.data != "list_lit":
        raise Unsupported("'in' with something other than a list literal")
    if not current.children:
        return ()
    return tuple(_arguments(current.children[0]))


def _literal(node: CelTree) -> str | bool | int:
    token = node.children[0]
    assert isinstance(token, lark.Token)
    if token.type in ("STRING_LIT", "MLSTRING_LIT"):
        return str(celstr(token))
    if token.value == "true":
        return True
    if token.value == "false":
        return False
    if token.type == "INT_LIT":
        digits = len(token.value.lstrip("-"))
        if digits > MAX_INTEGER_DIGITS:
            raise _LocatedError(
                f"this integer has {digits:,} digits, more than the {MAX_INTEGER_DIGITS:,} this checker reads",
                token.line or 1,
                token.column or 1,
                "no condition needs such a number; check what was pasted here",
            )
        return int(token.value, 0) if token.value.lower().startswith(("0x", "-0x")) else int(token.value)
    raise Unsupported(f"literal {token.type}")


def parse_error_for(expression: str) -> InputError | None:
    """For tests and tools: the InputError a bad expression gives, or None if it compiles."""
    try:
        compile_condition(expression, Loc(label="condition"))
    except InputError as exc:
        return exc
    return None
