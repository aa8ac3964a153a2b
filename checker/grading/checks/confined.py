"""`confined`: everything a platform principal may do stays inside an envelope - proved per principal.

Used for per-job credentials: the session the orchestrator mints for one job (its role's policies, the
boundary, the filled session template, the SCPs) must be able to do nothing beyond the envelope. The
envelope may use policy variables on the principal's tags (`${aws:PrincipalTag/job}`), resolved for each
principal. Each principal is one case; a failure shows a request it can make that the envelope does not
allow; an undecided construct is a failure that names it, never a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.grading.checks.base import Outcome, ParseContext, RunContext, describe_context
from checker.grading.checks.memo import InputMemo, document_data, shareable
from checker.grading.located import Node, relative_path

KIND = "confined"
FIELDS = frozenset({"principals", "envelope"})

_proofs: InputMemo[WithinResult] = InputMemo(1024)


@dataclass(frozen=True)
class ConfinedBody:
    principals: tuple[str, ...]
    envelope_file: str | None
    envelope_inline: dict[str, Any] | None
    node: Node


def parse(node: Node, where: ParseContext) -> ConfinedBody:
    principals = tuple(item.expect(str) for item in node.field("principals").items())
    if not principals:
        raise node.field("principals").error("name at least one principal")
    envelope = node.field("envelope")
    if isinstance(envelope.value, str):
        return ConfinedBody(principals, relative_path(envelope), None, envelope)
    if isinstance(envelope.value, dict):
        return ConfinedBody(principals, None, envelope.value, envelope)
    raise envelope.error("envelope must be a file next to lab.yaml or an inline policy")


def run(body: ConfinedBody, context: RunContext) -> Outcome:
    confined = getattr(context.engine, "confined", None)
    if confined is None:
        raise body.node.error(f"confined checks are not available for {context.cloud} yet")
    envelope: Any = (
        context.load_lab_file(body.node, body.envelope_file) if body.envelope_file else body.envelope_inline
    )
    outcome = Outcome(total_cases=len(body.principals))
    submission = context.submission
    for principal in body.principals:
        parts = [context.cloud, dict(submission.files), dict(submission.setting), principal, envelope]
        try:
            result = _proofs.answer(
                parts, _computation(confined, submission, principal, envelope), default=document_data,
                keep=shareable,
            )
        except InputError as exc:
            if exc.where is not None and exc.where.file != "<input>":
                raise
            raise InputError(exc.message, context.lab.document.locate(body.node.pointer), exc.hint) from None
        if result.status is WithinStatus.PROVED:
            outcome.passed_notes.append(f"proved: {principal} can do only what its job needs")
        elif result.status is WithinStatus.UNKNOWN:
            outcome.failed.append(
                f"the checker could not prove that {principal} stays inside its job's needs "
                f"({result.reason or 'a construct could not be decided'}), so this case cannot pass"
            )
        else:
            example = result.counterexamples[0]
            outcome.failed.append(
                f"{principal} can {example.action} on {example.resource}{describe_context(example.context)}, "
                "which its job never needs: a leaked job credential reaches that far"
            )
            outcome.counterexample = outcome.counterexample or example
    return outcome


def _computation(confined: Any, submission: Any, principal: str, envelope: Any) -> Callable[[], WithinResult]:
    def compute() -> WithinResult:
        result: WithinResult = confined(submission, principal, envelope)
        return result

    return compute
