"""The wildcard pattern limits (checker/core/limits.py) applied to Azure conditions before a proof.

`StringLike` and `StringNotLike` values become regular expressions for the solver; one with dozens of
wildcards made a single proof run for over 20 seconds and end unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from checker.azure.conditions.ast import Comparison, Expr, Literal, Logical, Not, Test
from checker.azure.model import AzureModel
from checker.core.errors import InputError
from checker.core.limits import HINT, pattern_problem


def check_models(models: Iterable[AzureModel]) -> None:
    """Raise InputError naming the assignment and the condition's line and column of a pattern over the limits."""
    for model in models:
        for assignment in model.assignments:
            if assignment.condition is None:
                continue
            for comparison in _comparisons(assignment.condition):
                if comparison.operator.test is not Test.LIKE or not isinstance(comparison.right, Literal):
                    continue
                for value, kind in zip(comparison.right.values, comparison.right.kinds, strict=True):
                    problem = pattern_problem(str(value)) if kind == "string" else None
                    if problem is not None:
                        raise InputError(
                            f"role assignment {assignment.label}, condition line {comparison.line}, column "
                            f"{comparison.column} ({comparison.operator.text}): {problem}",
                            assignment.where,
                            HINT,
                        )


def _comparisons(expression: Expr) -> Iterator[Comparison]:
    work: list[Expr] = [expression]
    while work:
        node = work.pop()
        if isinstance(node, Comparison):
            yield node
        elif isinstance(node, Not):
            work.append(node.operand)
        elif isinstance(node, Logical):
            work.extend(node.operands)
