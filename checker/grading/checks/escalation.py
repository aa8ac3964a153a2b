"""`escalation`: no identity of the lab has a privilege-escalation path (checker/aws/analyze/escalation.py).

The lab gives the rest of the account as a snapshot (`account:`, docs/analysis.md "Account snapshot"); each
identity in `identities` is added to it with the learner's policies for that identity (its identity
policies, boundary and trust policy, as the check's `identity` focus reads them). The escalation analysis
then searches, from each identity, for a way to reach a permission it was not given: passing a role to a
service, taking over a principal, rewriting a policy. `hand_offs` lists, per identity, the roles it is
meant to hand to a service (train passes fraud-training-role to SageMaker): a one-step path to one of them
is the stage's job, not an escalation. Each identity is one case; a failure shows the path.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

from checker.core.errors import InputError
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.located import Node, relative_path

if TYPE_CHECKING:
    from checker.aws.analyze.escalation import Path

KIND = "escalation"
FIELDS = frozenset({"identities", "account", "hand_offs"})
AWS_ONLY = "escalation checks are AWS only (the analysis reads an AWS account snapshot)"


@dataclass(frozen=True)
class EscalationBody:
    identities: tuple[str, ...]
    account: str  # the snapshot file next to lab.yaml
    hand_offs: dict[str, tuple[str, ...]]
    node: Node


def parse(node: Node, where: ParseContext) -> EscalationBody:
    if where.cloud != "aws":
        raise node.field("kind").error(AWS_ONLY)
    identities = tuple(str(item.value) for item in node.field("identities").items()) if node.has("identities") else (
        (where.identity,) if where.identity else ())
    if not identities:
        raise node.error("an escalation check needs `identities`: where the search starts")
    hand_offs: dict[str, tuple[str, ...]] = {}
    if node.has("hand_offs"):
        for identity, roles in node.field("hand_offs").entries():
            roles.expect(list)
            hand_offs[identity] = tuple(str(role.value) for role in roles.items())
    return EscalationBody(identities, relative_path(node.field("account")), hand_offs, node)


def run(body: EscalationBody, context: RunContext) -> Outcome:
    from checker.aws.analyze.escalation import escalation_paths  # the prover loads only when asked
    from checker.aws.analyze.snapshot import Principal, load_snapshot

    snapshot = copy.copy(load_snapshot(context.load_lab_file(body.node, body.account)))
    snapshot.principals = list(snapshot.principals)
    for identity in body.identities:
        model = context.about(identity).submission.model
        name = identity.rsplit("/", 1)[-1]
        if ":role/" not in identity:
            raise InputError(f"escalation checks start from roles; {identity} is not a role ARN")
        snapshot.principals = [p for p in snapshot.principals if p.arn != identity]
        snapshot.principals.append(Principal(
            identity, "role", name, list(model.identity), model.boundary, model.trust, instance_profile=False))
    snapshot._by_arn = {}  # the lookup cache is rebuilt for the changed principals
    outcome = Outcome(total_cases=len(body.identities))
    paths = escalation_paths(snapshot, starts=list(body.identities))
    for identity in body.identities:
        allowed = set(body.hand_offs.get(identity, ()))
        found = [p for p in paths if p.start == identity and not _hand_off(p, allowed)]
        if found:
            shortest = min(found, key=lambda p: (not p.admin, len(p.steps)))  # a way to admin first
            outcome.failed.append(shortest.describe())
            outcome.counterexample = outcome.counterexample or shortest.example
        else:
            outcome.passed_notes.append(f"{identity}: no escalation path")
    return outcome


def _hand_off(path: Path, allowed: set[str]) -> bool:
    """A one-step pass-role path to a role the identity is meant to hand to a service."""
    return len(path.steps) == 1 and path.steps[0].kind == "pass-role" and path.steps[0].target in allowed
