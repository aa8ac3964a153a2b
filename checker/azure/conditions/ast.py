"""The syntax tree of a role assignment condition (version 2.0)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from checker.azure.operations import OperationPattern


class Family(StrEnum):
    STRING = "string"
    NUMERIC = "numeric"
    DATETIME = "datetime"
    GUID = "guid"
    BOOL = "bool"


class Quantifier(StrEnum):
    NONE = ""
    ANY_OF_ANY = "ForAnyOfAnyValues"
    ALL_OF_ANY = "ForAllOfAnyValues"
    ANY_OF_ALL = "ForAnyOfAllValues"
    ALL_OF_ALL = "ForAllOfAllValues"


class Test(StrEnum):
    EQUALS = "equals"
    STARTS_WITH = "starts with"
    LIKE = "like"
    LESS = "less than"
    LESS_EQUAL = "less than or equal to"
    GREATER = "greater than"
    GREATER_EQUAL = "greater than or equal to"


@dataclass(frozen=True)
class Operator:
    text: str  # as the learner wrote it
    name: str  # canonical spelling, e.g. "ForAnyOfAnyValues:StringEqualsIgnoreCase"
    family: Family
    test: Test
    negated: bool
    ignore_case: bool
    quantifier: Quantifier


@dataclass(frozen=True)
class Node:
    line: int
    column: int


@dataclass(frozen=True)
class AttributeRef(Node):
    source: str  # "Resource", "Request", "Principal" or "Environment"
    name: str  # the text between the brackets, as written
    key: str  # normalized lookup key (see checker.azure.conditions.attributes)

    def __str__(self) -> str:
        return f"@{self.source}[{self.name}]"


@dataclass(frozen=True)
class Literal(Node):
    values: tuple[str | int | bool, ...]
    kinds: tuple[str, ...]  # "string", "number", "bool" or "guid" (a bare GUID), one per value
    is_set: bool

    def __str__(self) -> str:
        shown = [f"'{v}'" if k == "string" else str(v).lower() if k == "bool" else str(v)
                 for v, k in zip(self.values, self.kinds, strict=True)]
        return "{" + ", ".join(shown) + "}" if self.is_set else shown[0]


Operand = AttributeRef | Literal


@dataclass(frozen=True)
class ActionMatches(Node):
    pattern: OperationPattern


@dataclass(frozen=True)
class SubOperationMatches(Node):
    pattern: OperationPattern


@dataclass(frozen=True)
class Exists(Node):
    attribute: AttributeRef


@dataclass(frozen=True)
class Not(Node):
    operand: Expr


@dataclass(frozen=True)
class Logical(Node):
    op: str  # "and" or "or"
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Comparison(Node):
    left: Operand
    operator: Operator
    right: Operand


Expr = ActionMatches | SubOperationMatches | Exists | Not | Logical | Comparison
