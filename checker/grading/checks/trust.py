"""`trust`: who may assume or impersonate the identity - proved, not sampled.

`may_assume` is the lab's allowed set, in the cloud's own terms (see docs/lab-format.md). The engine
proves that every principal able to act as the identity, under any context, lies within it
(`Engine.trust_within`), or shows one that does not with the context it needs. `allowed` and `denied`
list example principals on top of the proof: each becomes a request against the trust side (the action
defaults to the cloud's assume or impersonate permission, the resource is the identity itself). For AWS
the engine decides an sts:AssumeRole* request with the submission's trust policy as the role's
resource-based policy (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html,
"trust policy").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.core.why import why_allowed, why_denied
from checker.grading.checks.base import Outcome, ParseContext, RunContext, describe_context
from checker.grading.checks.explain import misspelled
from checker.grading.checks.memo import InputMemo, document_data, shareable
from checker.grading.checks.requests import REQUEST_FIELDS, LabRequest, decide
from checker.grading.checks.wording import trust_lets
from checker.grading.located import Node

KIND = "trust"
# A class hands in many identical trust files: one proof serves them all within a run (as for `within`).
_proofs: InputMemo[WithinResult] = InputMemo(256)
FIELDS = frozenset({"identity", "action", "may_assume", "allowed", "denied"})

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
    may_assume: Any  # the allowed set, handed to the engine as written
    allowed: tuple[LabRequest, ...]
    denied: tuple[LabRequest, ...]
    node: Node  # the `may_assume` field, for locating the engine's errors about it


def parse(node: Node, where: ParseContext) -> TrustBody:
    identity = node.optional_text("identity") or where.identity
    if identity is None:
        raise node.error("a trust check needs `identity` (or the lab's `identity` for this cloud): who is assumed")
    action = node.optional_text("action") or DEFAULT_ACTIONS.get(where.cloud)
    if not node.has("may_assume"):
        raise node.error(
            "a trust check needs `may_assume`: the principals allowed to act as the identity (it may be an "
            "empty list); the checker proves that nobody else can",
            "see docs/lab-format.md, `trust` checks",
        )
    allowed_set = node.field("may_assume")
    allowed_set.expect(list)
    allowed = tuple(_entries(node, "allowed", identity, action))
    denied = tuple(_entries(node, "denied", identity, action))
    return TrustBody(identity, allowed_set.value, allowed, denied, allowed_set)


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
    outcome = Outcome(total_cases=1 + len(body.allowed) + len(body.denied))
    _prove(body, context, outcome)
    denied_needed: list[str] = []
    over_granted = bool(outcome.failed)  # the proof found someone else who can act as the identity
    for request in body.allowed:
        decision = decide(context, request)
        if decision.allowed:
            outcome.passed_notes.append(f"{request.principal} can {request.action} {body.identity}, as it should")
            continue
        cause = "; ".join(misspelled(context, request.action)) or why_denied(decision)
        outcome.failed.append(
            f"{request.principal} cannot {request.action} {body.identity}"
            f"{describe_context(request.context)}, but {context.lab.workload} relies on it (why: {cause})"
        )
        outcome.counterexample = outcome.counterexample or request.counterexample()
        denied_needed.append(f"{request.principal}{describe_context(request.context)}")
    for request in body.denied:
        decision = decide(context, request)
        if not decision.allowed:
            outcome.passed_notes.append(f"{request.principal} cannot {request.action} {body.identity}")
            continue
        outcome.failed.append(
            f"{trust_lets(context.cloud)} {request.principal} {request.action} {body.identity}"
            f"{describe_context(request.context)}, which it must not (why: {why_allowed(decision)})"
        )
        outcome.counterexample = outcome.counterexample or request.counterexample()
        over_granted = True
    if denied_needed and not over_granted:
        # The check's own fix is written for over-grants; here only a needed principal is refused.
        outcome.fix = (
            f"Keep the statement that lets {', '.join(denied_needed)} in, and correct the part named above "
            "(a condition value, the principal or the action) so that this exact request matches it."
        )
    return outcome



def _prove(body: TrustBody, context: RunContext, outcome: Outcome) -> None:
    """The proof: nobody outside `may_assume` can act as the identity, under any context."""
    submission = context.submission
    # An engine that says what the proof reads (AWS: the one trust policy) gets one proof per distinct
    # trust policy, whatever else the learners' files hold; any other, one per distinct submission.
    reads = getattr(context.engine, "trust_reads", None)
    narrow = reads(submission, body.identity) if reads is not None else None
    inputs: Any = ["reads", narrow] if narrow is not None else [dict(submission.files), dict(submission.setting)]
    parts = [context.cloud, inputs, body.identity, body.may_assume]
    try:
        result: WithinResult = _proofs.answer(
            parts,
            lambda: context.engine.trust_within(submission, body.identity, body.may_assume),
            default=document_data,
            keep=shareable,
        )
    except InputError as exc:
        if exc.where is not None and exc.where.file != "<input>":
            raise  # about the learner's file: it names its own place
        # About `may_assume` itself: its place in lab.yaml, as deep as the engine could point.
        inner = exc.where.pointer if exc.where is not None and exc.where.pointer not in (None, "/") else ""
        raise InputError(exc.message, context.lab.document.locate(body.node.pointer + (inner or "")), exc.hint) from None
    lets = trust_lets(context.cloud)
    if result.status is WithinStatus.PROVED:
        outcome.passed_notes.append(f"proved: only the principals this lab allows can act as {body.identity}")
        return
    if result.status is WithinStatus.UNKNOWN:
        outcome.failed.append(
            f"the checker could not prove that only the allowed principals can act as {body.identity} "
            f"({result.reason or 'a construct could not be decided'}), so this check cannot pass; write the "
            "principals and conditions plainly"
        )
        return
    for example in result.counterexamples:
        outcome.failed.append(
            f"{lets} {example.principal} {example.action} {body.identity}{describe_context(example.context)}, "
            f"and it is not one of those allowed to; anyone who can act as {body.identity} gets "
            f"{context.lab.workload}'s access"
        )
    outcome.counterexample = outcome.counterexample or (result.counterexamples[0] if result.counterexamples else None)
    if not result.counterexamples:
        outcome.failed.append(f"{lets} principals other than the allowed ones act as {body.identity}")
