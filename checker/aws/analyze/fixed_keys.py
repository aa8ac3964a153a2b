"""Condition clauses on keys the caller fixes, decided by the evaluator itself.

AWS derives aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType (and aws:username for a user) from
the caller (IAM User Guide, "AWS global condition context keys"), so for a given principal a clause on one
of them has one known answer. Asking `checker.aws.conditions.evaluate_clause` for that answer makes the
prover agree with the evaluator by construction for every operator family, including the cases a solver
encoding gets subtly wrong: an ARN operator on a value that is not an ARN never matches ("Amazon Resource
Name (ARN) condition operators"), so ArnNotLike on aws:PrincipalAccount always holds; a number or date
operator on a value that does not parse never matches; BinaryEquals compares the base64 text.
"""

from __future__ import annotations

from collections.abc import Mapping

from checker.aws.conditions import evaluate_clause
from checker.aws.policy import ConditionClause
from checker.aws.variables import Variable


def decided_by_fixed_keys(clause: ConditionClause, fixed: Mapping[str, object]) -> bool | None:
    """The clause's truth when its key and every variable in its values are fixed, else None."""
    if clause.key_lower not in fixed:
        return None
    for tokens in clause.values:
        for token in tokens:
            if isinstance(token, Variable) and token.key not in fixed:
                return None
    return evaluate_clause(clause, fixed.get)
