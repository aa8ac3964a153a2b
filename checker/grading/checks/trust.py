"""`trust`: who may assume or impersonate the identity, and who must not.

Each entry becomes a request against the trust side: the action defaults to the cloud's assume or
impersonate permission and the resource is the identity itself. For AWS the engine decides an
sts:AssumeRole* request with the submission's trust policy as the role's resource-based policy
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html, "trust policy").
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.grading.checks.base import Outcome, ParseContext, RunContext, describe_context
from checker.grading.checks.requests import REQUEST_FIELDS, LabRequest, decide
from checker.grading.checks.wording import trust_lets
from checker.grading.located import Node

KIND = "trust"
FIELDS = frozenset({"identity", "action", "allowed", "denied"})

# The permission that lets one principal act as the identity. Azure has no single one (managed identities
# are bound to resources, federated credentials are matched by issuer/subject), so labs must name it there.
DEFAULT_ACTIONS = {
    "aws": "sts:AssumeRole",
    # https://cloud.google.com/iam/docs/service-account-impersonation (roles/iam.serviceAccountTokenCreator)
    "gcp": "iam.serviceAccounts.getAccessToken",
}


@dataclass(frozen=True)
class TrustBody:
    identity: str
    allowed: tuple[LabRequest, ...]
    denied: tuple[LabRequest, ...]


def parse(node: Node, where: ParseContext) -> TrustBody:
    identity = node.optional_text("identity") or where.identity
    if identity is None:
        raise node.error("a trust check needs `identity` (or the lab's `identity` for this cloud): who is assumed")
    action = node.optional_text("action") or DEFAULT_ACTIONS.get(where.cloud)
    if not node.has("allowed") and not node.has("denied"):
        raise node.error("a trust check needs `allowed`, `denied` or both: lists of principals")
    allowed = tuple(_entries(node, "allowed", identity, action))
    denied = tuple(_entries(node, "denied", identity, action))
    if not allowed and not denied:
        raise node.error("a trust check must list at least one principal")
    return TrustBody(identity, allowed, denied)


def _entries(node: Node, key: str, identity: str, action: str | None) -> list[LabRequest]:
    if not node.has(key):
        return []
    entries: list[LabRequest] = []
    for item in node.field(key).items():
        # A bare string is a principal; a mapping may add context (e.g. sts:ExternalId) or its own action.
        if isinstance(item.value, str):
            data: dict[str, object] = {"principal": item.value}
        else:
            item.mapping(REQUEST_FIELDS - {"resource"}, {"principal"})
            item.text("principal")
            if item.has("context"):
                item.field("context").expect(dict)
            data = dict(item.value)
        data.setdefault("resource", identity)
        if "action" not in data:
            if action is None:
                raise node.error("name the `action` that assumes or impersonates the identity on this cloud")
            data["action"] = action
        entries.append(LabRequest(data, item.pointer))
    return entries


def run(body: TrustBody, context: RunContext) -> Outcome:
    outcome = Outcome(total_cases=len(body.allowed) + len(body.denied))
    for request in body.allowed:
        decision = decide(context, request)
        if decision.allowed:
            outcome.passed_notes.append(f"{request.principal} can {request.action} {body.identity}, as it should")
            continue
        outcome.failed.append(
            f"{request.principal} cannot {request.action} {body.identity}, but {context.lab.workload} "
            f"relies on it (why: {decision.summary})"
        )
        outcome.counterexample = outcome.counterexample or request.counterexample()
    for request in body.denied:
        decision = decide(context, request)
        if not decision.allowed:
            outcome.passed_notes.append(f"{request.principal} cannot {request.action} {body.identity}")
            continue
        outcome.failed.append(
            f"{trust_lets(context.cloud)} {request.principal} {request.action} {body.identity}"
            f"{describe_context(request.context)}, which it must not (why: {decision.summary})"
        )
        outcome.counterexample = outcome.counterexample or request.counterexample()
    return outcome

