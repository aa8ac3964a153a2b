"""How long a wildcard pattern the prover compares may be, checked before any proof starts.

The prover reasons about wildcard strings with an automaton product (regions.py). A pattern's automaton
grows with its wildcards, and the product with the number of patterns, so a few long patterns full of
`*` and `?` (well inside AWS's policy size quotas) could make one proof run for minutes and fail a
correct policy on a timeout. Patterns over these limits are refused as input, naming the element; real
policies stay far below them (an ARN pattern rarely holds more than three wildcards).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checker.aws.analyze.globs import Unsupported
from checker.aws.policy import Policy
from checker.core.errors import InputError

MAX_PATTERN_CHARS = 256  # characters in one pattern that holds a wildcard
MAX_PATTERN_WILDCARDS = 10  # `*` and `?` in one pattern

HINT = (
    "write the pattern more simply (a prefix and one `*` usually says the same), or split it into "
    f"shorter ones; the prover compares patterns of at most {MAX_PATTERN_CHARS} characters and "
    f"{MAX_PATTERN_WILDCARDS} wildcards (docs/lab-format.md, \"Input limits\")"
)


def pattern_problem(text: str) -> str | None:
    """Why the prover refuses this pattern, or None. Text without wildcards costs nothing and passes."""
    wildcards = text.count("*") + text.count("?")
    if not wildcards:
        return None
    if len(text) > MAX_PATTERN_CHARS:
        return f"this wildcard pattern is {len(text):,} characters long, more than the {MAX_PATTERN_CHARS} the prover compares"
    if wildcards > MAX_PATTERN_WILDCARDS:
        return f"this pattern holds {wildcards} wildcards (* and ?), more than the {MAX_PATTERN_WILDCARDS} the prover compares"
    return None


def check_policies(policies: Sequence[Policy]) -> None:
    """Raise InputError at the first Resource, NotResource or condition pattern over the limits."""
    for policy in policies:
        for statement in policy.statements:
            for element, patterns in (("Resource", statement.resources), ("NotResource", statement.not_resources)):
                for index, pattern in enumerate(patterns or ()):
                    problem = pattern_problem(pattern.text)
                    if problem is not None:
                        pointer = _item_pointer(policy, f"{statement.pointer}/{element}", index)
                        raise InputError(problem, policy.document.locate(pointer), HINT)
            for clause in statement.conditions:
                if not clause.operator.wildcards:
                    continue  # StringEquals and the like compare * and ? as plain characters
                for index, value in enumerate(clause.raw_values):
                    problem = pattern_problem(value)
                    if problem is not None:
                        pointer = _item_pointer(policy, clause.pointer, index)
                        raise InputError(problem, policy.document.locate(pointer), HINT)


def _item_pointer(policy: Policy, pointer: str, index: int) -> str:
    """The pointer of the index-th value when the element is a list, else of the element itself."""
    value: Any = policy.document.data
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            value = value.get(token)
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return pointer
    return f"{pointer}/{index}" if isinstance(value, list) else pointer


def check_patterns(patterns: Sequence[Sequence[tuple[str, object]]]) -> None:
    """A backstop inside the automaton: patterns that reach it over the limits are never explored."""
    for items in patterns:
        wildcards = sum(1 for kind, _chars in items if kind != "lit")
        if wildcards and (len(items) > MAX_PATTERN_CHARS or wildcards > MAX_PATTERN_WILDCARDS):
            raise Unsupported("a wildcard pattern longer than the prover compares")
