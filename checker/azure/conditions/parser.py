"""A recursive-descent parser for role assignment conditions (version 2.0).

Grammar, from "Azure role assignment condition format and syntax":
    expr       := unary ((AND | OR) unary)*      one kind of logical operator per group, see below
    unary      := (NOT | '!') unary | primary
    primary    := '(' expr ')' | ActionMatches '{' string '}' | SubOperationMatches '{' string '}'
                | Exists attribute | operand OPERATOR operand
    operand    := attribute | value | '{' value (',' value)* '}'
Keywords and operator names are case-insensitive. The page's "Grouping and precedence" section says
that `a AND b OR c` must be written with parentheses, so mixing AND and OR in one group is an error.
Nesting is limited (MAX_DEPTH) so hostile input cannot exhaust the stack.
"""

from __future__ import annotations

from functools import lru_cache

from checker.azure.conditions.ast import (
    ActionMatches,
    AttributeRef,
    Comparison,
    Exists,
    Expr,
    Family,
    Literal,
    Logical,
    Not,
    Operand,
    Operator,
    Quantifier,
    SubOperationMatches,
)
from checker.azure.conditions.attributes import attribute_key, split_attribute
from checker.azure.conditions.errors import ConditionError
from checker.azure.conditions.operators import UnknownOperator, is_operator_word, lookup_operator
from checker.azure.conditions.tokens import GUID_TEXT, Kind, Token, tokenize
from checker.azure.operations import compile_pattern, operation_problem
from checker.azure.timeparse import DateTimeError, parse_ticks

MAX_DEPTH = 40
MAX_SET_SIZE = 200


def parse_condition(text: str) -> Expr:
    """Parse a condition; raise ConditionError (an InputError) with line and column on bad input."""
    if not isinstance(text, str):
        raise ConditionError("the condition must be a string", 1, 1)
    return _parse_cached(text)


@lru_cache(maxsize=2048)
def _parse_cached(text: str) -> Expr:  # syntax trees are immutable, so equal texts can share one
    if not text.strip():
        raise ConditionError("the condition is empty", 1, 1, "remove the condition or write an expression")
    return _Parser(tokenize(text)).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    # -- helpers
    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def fail(self, message: str, token: Token | None = None, hint: str | None = None) -> ConditionError:
        token = token or self.current
        return ConditionError(message, token.line, token.column, hint)

    def at(self, kind: Kind) -> bool:
        return self.tokens[self.index].kind is kind

    def expect(self, kind: Kind, what: str) -> Token:
        if self.current.kind is not kind:
            found = "the end of the condition" if self.current.kind is Kind.END else repr(self.current.text)
            raise self.fail(f"expected {what} but found {found}")
        return self.advance()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"the condition is nested more than {MAX_DEPTH} levels deep",
                            hint="simplify the condition; real conditions need a handful of levels")

    # -- grammar
    def parse(self) -> Expr:
        expr = self.expr()
        if self.current.kind is not Kind.END:
            if self.current.kind is Kind.RPAREN:
                raise self.fail("this ')' has no matching '('")
            raise self.fail(f"expected AND, OR or the end of the condition but found {self.current.text!r}",
                            hint="is an AND or OR missing, or a parenthesis misplaced?")
        return expr

    def expr(self) -> Expr:
        self.enter()
        start = self.current
        operands = [self.unary()]
        op: Kind | None = None
        while self.current.kind in (Kind.AND, Kind.OR):
            token = self.advance()
            if op is not None and token.kind is not op:
                raise self.fail(
                    "AND and OR are mixed without parentheses, so the order of evaluation is ambiguous",
                    token,
                    "add parentheses: (a AND b) OR c, or a AND (b OR c)",
                )
            op = token.kind
            operands.append(self.unary())
        self.depth -= 1
        if op is None:
            return operands[0]
        return Logical(start.line, start.column, "and" if op is Kind.AND else "or", tuple(operands))

    def unary(self) -> Expr:
        if self.current.kind is Kind.NOT:
            token = self.advance()
            self.enter()
            operand = self.unary()
            self.depth -= 1
            return Not(token.line, token.column, operand)
        return self.primary()

    def primary(self) -> Expr:
        token = self.current
        if token.kind is Kind.LPAREN:
            self.advance()
            if self.current.kind is Kind.RPAREN:
                raise self.fail("empty parentheses")
            inner = self.expr()
            if not self.at(Kind.RPAREN):
                raise self.fail(f"expected ')' to close the '(' at line {token.line}, column {token.column}",
                                hint="count the parentheses: each '(' needs a ')'")
            self.advance()
            return inner
        if token.kind is Kind.WORD:
            word = token.text.lower()
            if word in ("actionmatches", "suboperationmatches"):
                return self.function(token)
            if word == "exists":
                self.advance()
                attribute = self.attribute(self.expect(Kind.ATTRIBUTE, "an attribute after Exists"))
                return Exists(token.line, token.column, attribute)
        if token.kind is Kind.END:
            raise self.fail("the condition ends where an expression was expected")
        if token.kind in (Kind.AND, Kind.OR, Kind.RPAREN, Kind.COMMA, Kind.RBRACE):
            raise self.fail(f"expected an expression but found {token.text!r}")
        return self.comparison()

    def function(self, token: Token) -> Expr:
        self.advance()
        name = "ActionMatches" if token.text.lower() == "actionmatches" else "SubOperationMatches"
        self.expect(Kind.LBRACE, f"'{{' after {name}")
        value = self.expect(Kind.STRING, f"a quoted pattern inside {name}{{...}}")
        problem = operation_problem(value.text)
        if problem:
            raise self.fail(problem, value)
        self.expect(Kind.RBRACE, f"'}}' to close {name}{{...}}")
        pattern = compile_pattern(value.text)
        if name == "ActionMatches":
            return ActionMatches(token.line, token.column, pattern)
        return SubOperationMatches(token.line, token.column, pattern)

    def attribute(self, token: Token) -> AttributeRef:
        parts = split_attribute(token.text)
        if parts is None:
            raise self.fail(
                f"{token.text!r} is not an attribute: use @Resource[...], @Request[...], @Principal[...] or @Environment[...]",
                token,
            )
        source, name = parts
        return AttributeRef(token.line, token.column, source, name, attribute_key(source, name))

    def operand(self) -> Operand:
        token = self.current
        if token.kind is Kind.ATTRIBUTE:
            self.advance()
            return self.attribute(token)
        if token.kind is Kind.LBRACE:
            self.advance()
            values: list[str | int | bool] = []
            kinds: list[str] = []
            while True:
                value, kind = self.value()
                values.append(value)
                kinds.append(kind)
                if len(values) > MAX_SET_SIZE:
                    raise self.fail(f"a set of values holds at most {MAX_SET_SIZE} entries")
                if self.current.kind is Kind.COMMA:
                    self.advance()
                    continue
                self.expect(Kind.RBRACE, "',' or '}' in the set of values")
                break
            return Literal(token.line, token.column, tuple(values), tuple(kinds), True)
        value, kind = self.value()
        return Literal(token.line, token.column, (value,), (kind,), False)

    def value(self) -> tuple[str | int | bool, str]:
        token = self.current
        if token.kind is Kind.STRING:
            self.advance()
            return token.text, "string"
        if token.kind is Kind.NUMBER:
            self.advance()
            return int(token.text), "number"
        if token.kind is Kind.GUID:
            self.advance()
            return token.text, "guid"
        if token.kind is Kind.WORD and token.text.lower() in ("true", "false"):
            self.advance()
            return token.text.lower() == "true", "bool"
        if token.kind is Kind.WORD:
            raise self.fail(f"{token.text!r} is not a value", hint="text values go in single quotes: 'value'")
        found = "the end of the condition" if token.kind is Kind.END else repr(token.text)
        raise self.fail(f"expected a value or an attribute but found {found}")

    def comparison(self) -> Expr:
        start = self.current
        left = self.operand()
        token = self.current
        if token.kind is not Kind.WORD:
            found = "the end of the condition" if token.kind is Kind.END else repr(token.text)
            raise self.fail(f"expected an operator such as StringEquals after {_describe(left)} but found {found}")
        try:
            operator = lookup_operator(token.text)
        except UnknownOperator as exc:
            hint = None if is_operator_word(token.text) else "operators are listed on the page 'Azure role assignment condition format and syntax'"
            raise self.fail(str(exc), token, hint) from None
        self.advance()
        right = self.operand()
        comparison = Comparison(start.line, start.column, left, operator, right)
        self.check_operands(comparison, token)
        return comparison

    def check_operands(self, comparison: Comparison, op_token: Token) -> None:
        operator = comparison.operator
        for side in (comparison.left, comparison.right):
            if not isinstance(side, Literal):
                continue
            if side.is_set and operator.quantifier is Quantifier.NONE:
                raise ConditionError(
                    f"{operator.name} compares single values, but a set {{...}} is given",
                    side.line, side.column,
                    f"use ForAnyOfAnyValues:{operator.name} to match any value of a set",
                )
            for value, kind in zip(side.values, side.kinds, strict=True):
                _check_literal(value, kind, operator, side)


def _check_literal(value: str | int | bool, kind: str, operator: Operator, where: Literal) -> None:
    family = operator.family

    def wrong(expected: str) -> ConditionError:
        return ConditionError(f"{operator.name} needs {expected}, not {value!r}", where.line, where.column)

    if family is Family.STRING and kind != "string":
        raise wrong("a text value in single quotes")
    if family is Family.NUMERIC and kind != "number":
        raise wrong("a whole number (only integers are supported)")
    if family is Family.BOOL and kind != "bool" and not (kind == "string" and str(value).lower() in ("true", "false")):
        raise wrong("true or false")
    if family is Family.GUID and not (kind == "guid" or (kind == "string" and GUID_TEXT.match(str(value)))):
        raise wrong("a GUID such as 00000000-0000-0000-0000-000000000000")
    if family is Family.DATETIME:
        if kind != "string":
            raise wrong("a date-time in single quotes")
        try:
            parse_ticks(str(value))
        except DateTimeError as exc:
            raise ConditionError(str(exc), where.line, where.column) from None


def _describe(operand: Operand) -> str:
    return str(operand)
