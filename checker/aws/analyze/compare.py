"""compare(a, b) and grants_any(policy, accesses), built on the same question as within."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from checker.aws.analyze.inclusion import Question, as_list
from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample


class Relation(StrEnum):
    EQUIVALENT = "equivalent"
    A_WITHIN_B = "a within b"  # b allows everything a allows, and more
    B_WITHIN_A = "b within a"
    INCOMPARABLE = "incomparable"  # each allows something the other does not
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Comparison:
    relation: Relation
    a_not_b: WithinResult  # is a within b? counterexamples: allowed by a, not by b
    b_not_a: WithinResult  # is b within a? counterexamples: allowed by b, not by a

    def to_json(self) -> dict[str, Any]:
        return {
            "relation": self.relation.value,
            "only_a": [c.to_json() for c in self.a_not_b.counterexamples],
            "only_b": [c.to_json() for c in self.b_not_a.counterexamples],
            "reason": "; ".join(r for r in (self.a_not_b.reason, self.b_not_a.reason) if r),
        }


def compare(
    a: Policy | Sequence[Policy],
    b: Policy | Sequence[Policy],
    *,
    principal: str | None = None,
    limit: int = 3,
) -> Comparison:
    left, right = as_list(a, "a"), as_list(b, "b")
    forward = Question(left, right, principal).differences(limit).as_within()
    backward = Question(right, left, principal).differences(limit).as_within()
    return Comparison(relation_of(forward, backward), forward, backward)


def relation_of(forward: WithinResult, backward: WithinResult) -> Relation:
    """The relation of a and b from "is a within b" (forward) and "is b within a" (backward)."""
    ce, proved = WithinStatus.COUNTEREXAMPLE, WithinStatus.PROVED
    return {
        (proved, proved): Relation.EQUIVALENT,
        (proved, ce): Relation.A_WITHIN_B,
        (ce, proved): Relation.B_WITHIN_A,
        (ce, ce): Relation.INCOMPARABLE,
    }.get((forward.status, backward.status), Relation.UNKNOWN)


@dataclass(frozen=True)
class Grant:
    """Whether a policy allows at least one of the given accesses: True, False, or None (undecided)."""

    granted: bool | None
    example: Counterexample | None = None
    reason: str = ""


def grants_any(
    policy: Policy | Sequence[Policy], accesses: Sequence[Mapping[str, Any]], *, principal: str | None = None
) -> Grant:
    """Does the policy allow any request matching one of `accesses`?

    Each access is {"action": pattern or list, "resource": pattern or list (default "*"),
    "condition": optional IAM Condition block}. The answer comes with one confirmed example request.
    """
    policies = as_list(policy, "policy")
    everything_else = everything_except(accesses)
    result = Question(policies, [everything_else], principal).differences(1)
    if result.status is WithinStatus.PROVED:
        return Grant(False)
    if result.status is WithinStatus.COUNTEREXAMPLE:
        return Grant(True, result.examples[0])
    return Grant(None, reason=result.reason)


def everything_except(accesses: Sequence[Mapping[str, Any]]) -> Policy:
    """A policy allowing every request except the accesses: a request another policy allows and this one
    does not is one of the accesses. Each access is {"action", "resource" (default "*"), "condition"}."""
    if not accesses:
        raise InputError("grants_any needs at least one access to look for")
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    for number, access in enumerate(accesses):
        if not isinstance(access, Mapping) or "action" not in access:
            raise InputError(
                f"access #{number + 1} must be an object with an 'action' (and optional 'resource')"
            )
        statement: dict[str, Any] = {
            "Effect": "Deny",
            "Action": access["action"],
            "Resource": access.get("resource", "*"),
        }
        if access.get("condition"):
            statement["Condition"] = access["condition"]
        statements.append(statement)
    return parse_policy(
        {"Version": "2012-10-17", "Statement": statements},
        name="the accesses looked for",
        kind=PolicyKind.IDENTITY,
    )
