"""What every condition operator provides; one module per operator family fills it in."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checker.aws.wildcard import Piece


@dataclass(frozen=True, eq=False)  # registry singletons: identity is equality, and hashing is cheap
class Operator:
    """A condition operator: how it reads policy values and compares a request's value with them."""

    name: str
    negated: bool  # StringNotEquals, NotIpAddress, ...: true when the key matches none of the values
    wildcards: bool  # `*` and `?` in policy values are wildcards
    variables: bool  # policy variables are replaced in values
    prepare: Callable[[list[Piece]], Any]  # policy value -> comparable form; ValueError when invalid
    test: Callable[[Any, Any], bool]  # (request value, prepared policy value) -> match
    value_hint: str = ""


def text_of(pieces: list[Piece]) -> str:
    """The policy value as plain text (operators without wildcards only ever see literal pieces)."""
    return "".join(p for p in pieces if isinstance(p, str))


def request_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def ordered_family(
    prefix: str, parse: Callable[[str], float], prepare: Callable[[list[Piece]], float], hint: str
) -> list[Operator]:
    """The six comparison operators of an ordered family (Numeric..., Date...): Equals, NotEquals,
    LessThan, LessThanEquals, GreaterThan, GreaterThanEquals. A request value that does not parse matches
    nothing."""

    def compare(relation: Callable[[float, float], bool]) -> Callable[[Any, float], bool]:
        def test(request: Any, policy: float) -> bool:
            try:
                value = parse(request_text(request))
            except ValueError:
                return False
            return relation(value, policy)

        return test

    relations = [
        ("Equals", False, operator.eq),
        ("NotEquals", True, operator.eq),
        ("LessThan", False, operator.lt),
        ("LessThanEquals", False, operator.le),
        ("GreaterThan", False, operator.gt),
        ("GreaterThanEquals", False, operator.ge),
    ]
    return [Operator(prefix + name, negated, False, False, prepare, compare(rel), hint) for name, negated, rel in relations]
