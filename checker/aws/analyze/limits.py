"""The wildcard pattern limits (checker/core/limits.py) applied to AWS policies before any proof starts.

The prover reasons about wildcard strings with an automaton product (regions.py): Resource and
NotResource patterns and the values of wildcard operators (StringLike, ArnLike, ...) are checked.
"""

from __future__ import annotations

from collections.abc import Sequence

from checker.aws.policy import Policy
from checker.core.errors import InputError
from checker.core.limits import HINT, pattern_problem


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
    from checker.aws.analyze.findings.base import raw  # here: the linter's package imports the prover

    return f"{pointer}/{index}" if isinstance(raw(policy, pointer), list) else pointer
