"""Replace policy variables with fixed values, as the evaluator does when the request carries them.

Used to look for counterexamples quickly: with `${aws:username}` fixed to "alice", every pattern is
plain text and wildcards, which the exact automaton reasoning handles at once. A request found that way
carries aws:username = "alice", so it is a real request; whether the policies differ is still confirmed
by the evaluator on the original policies. (Finding nothing this way proves nothing: the full question
is then asked with the variable free.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from checker.aws.policy import ConditionClause, Policy, ResourcePattern, Statement
from checker.aws.variables import Token, Variable

EXAMPLE_VALUES = {
    "aws:username": "alice",
    "aws:userid": "AIDAEXAMPLE",
    "aws:principalaccount": "111122223333",
}


def variable_keys(policies: Iterable[Policy]) -> list[str]:
    keys: list[str] = []
    for policy in policies:
        for statement in policy.statements:
            for tokens in _statement_tokens(statement):
                for token in tokens:
                    if isinstance(token, Variable) and token.key not in keys:
                        keys.append(token.key)
    return keys


def example_value(key: str) -> str:
    if key in EXAMPLE_VALUES:
        return EXAMPLE_VALUES[key]
    return "team-a" if "tag/" in key else "example"


def substitute(policy: Policy, values: Mapping[str, str]) -> Policy:
    statements = tuple(_statement(s, values) for s in policy.statements)
    # A fresh statements-by-action cache: the original's holds the statements with the variables unfilled.
    return replace(policy, statements=statements)


def _statement_tokens(statement: Statement) -> Iterable[tuple[Token, ...]]:
    for pattern in (statement.resources or ()) + (statement.not_resources or ()):
        yield pattern.whole
        yield from pattern.fields or ()
    for clause in statement.conditions:
        yield from clause.values


def _fill(tokens: tuple[Token, ...], values: Mapping[str, str]) -> tuple[Token, ...]:
    return tuple(values.get(t.key, t) if isinstance(t, Variable) else t for t in tokens)


def _pattern(pattern: ResourcePattern, values: Mapping[str, str]) -> ResourcePattern:
    fields = tuple(_fill(f, values) for f in pattern.fields) if pattern.fields is not None else None
    return replace(pattern, whole=_fill(pattern.whole, values), fields=fields, compiled=None)


def _clause(clause: ConditionClause, values: Mapping[str, str]) -> ConditionClause:
    return replace(clause, values=tuple(_fill(v, values) for v in clause.values))


def _statement(statement: Statement, values: Mapping[str, str]) -> Statement:
    resources = (
        tuple(_pattern(p, values) for p in statement.resources) if statement.resources is not None else None
    )
    not_resources = (
        tuple(_pattern(p, values) for p in statement.not_resources)
        if statement.not_resources is not None
        else None
    )
    return replace(
        statement,
        resources=resources,
        not_resources=not_resources,
        conditions=tuple(_clause(c, values) for c in statement.conditions),
    )
