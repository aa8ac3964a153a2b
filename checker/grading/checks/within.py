"""`within`: everything the submission allows must also be allowed by an envelope policy.

The engine proves it (or returns concrete counterexample requests, each re-checked with its evaluator).
An undecided construct is never a pass: the learner is told what could not be decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.core.engine import WithinResult, WithinStatus
from checker.grading.checks.base import Outcome, ParseContext, RunContext, describe_context
from checker.grading.checks.memo import InputMemo, document_data
from checker.grading.checks.wording import allows
from checker.grading.located import Node, relative_path

KIND = "within"
FIELDS = frozenset({"envelope"})
MAX_LISTED = 3  # counterexamples spelled out in the message; the first also goes into the JSON result

# Proofs are the slow part of grading. A class often hands in identical policies (the untouched starter,
# a copied answer): the same files, setting and envelope always give the same result, so one proof serves
# them all within a run.
_proofs: InputMemo[WithinResult] = InputMemo(256)


@dataclass(frozen=True)
class WithinBody:
    envelope_file: str | None  # a file next to lab.yaml
    envelope_inline: dict[str, Any] | None
    node: Node  # for locating errors and loading the file once per run


def parse(node: Node, where: ParseContext) -> WithinBody:
    envelope = node.field("envelope")
    if isinstance(envelope.value, str):
        return WithinBody(relative_path(envelope), None, envelope)
    if isinstance(envelope.value, dict):
        return WithinBody(None, envelope.value, envelope)
    raise envelope.error("envelope must be a file next to lab.yaml (e.g. envelope.json) or an inline policy")


def run(body: WithinBody, context: RunContext) -> Outcome:
    if body.envelope_file is not None:
        envelope: Any = context.load_lab_file(body.node, body.envelope_file)  # located, for the engine's errors
    else:
        envelope = body.envelope_inline
    result = _prove(context, envelope)
    outcome = Outcome(total_cases=1)
    if result.status is WithinStatus.PROVED:
        outcome.passed_notes.append(f"proved: everything {allows(context.cloud)} is something {context.lab.workload} needs")
        return outcome
    if result.status is WithinStatus.UNKNOWN:
        outcome.failed.append(
            f"the checker could not prove that everything {allows(context.cloud)} stays inside what "
            f"{context.lab.workload} needs ({result.reason or 'a construct could not be decided'}), so this "
            "check cannot pass; if you used an unusual construct, write it with plain actions and resources"
        )
        return outcome
    for example in result.counterexamples[:MAX_LISTED]:
        outcome.failed.append(
            f"{allows(context.cloud)} {example.action} on {example.resource}{describe_context(example.context)}, "
            f"which {context.lab.workload} never needs"
        )
    extra = len(result.counterexamples) - MAX_LISTED
    if extra > 0:
        outcome.failed.append(f"and {extra} more request(s) like these")
    if not result.counterexamples:
        outcome.failed.append(f"{allows(context.cloud)} more than {context.lab.workload} needs")
    outcome.counterexample = result.counterexamples[0] if result.counterexamples else None
    return outcome


def _prove(context: RunContext, envelope: Any) -> WithinResult:
    submission = context.submission
    parts = [context.cloud, dict(submission.files), dict(submission.setting), envelope]
    return _proofs.answer(parts, lambda: context.engine.within(submission, envelope), default=document_data)
