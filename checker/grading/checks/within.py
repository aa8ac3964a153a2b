"""`within`: everything the submission allows must also be allowed by an envelope policy.

The engine proves it (or returns concrete counterexample requests, each re-checked with its evaluator).
An undecided construct is never a pass: the learner is told what could not be decided.

`attached_later` (AWS): a policy the lab attaches to the identity for this proof only, such as one that
allows everything. What stays inside the envelope then is only what the learner's Deny statements keep
out, so the check proves explicit denies ("An explicit deny in any of these policies overrides the
allow", IAM User Guide, policy evaluation logic) instead of sampling them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from checker.core.danger import rank
from checker.core.engine import WithinResult, WithinStatus
from checker.core.findings import Counterexample
from checker.core.source import LoadedDocument, parse_json
from checker.grading.checks.base import Outcome, ParseContext, RunContext, describe_context
from checker.grading.checks.memo import InputMemo, document_data, shareable
from checker.grading.checks.wording import allows
from checker.grading.located import Node, relative_path

KIND = "within"
FIELDS = frozenset({"envelope", "attached_later"})
ATTACHED_LATER = "attached_later_by_the_lab"  # the logical name the extra policy is handed to the engine under

# Proofs are the slow part of grading. A class often hands in identical policies (the untouched starter,
# a copied answer): the same files, setting and envelope always give the same result, so one proof serves
# them all within a run.
_proofs: InputMemo[WithinResult] = InputMemo(256)


@dataclass(frozen=True)
class WithinBody:
    envelope_file: str | None  # a file next to lab.yaml
    envelope_inline: dict[str, Any] | None
    node: Node  # for locating errors and loading the file once per run
    attached_later: Node | None = None  # AWS: a policy (file next to lab.yaml or inline) added for the proof


def parse(node: Node, where: ParseContext) -> WithinBody:
    attached = node.field("attached_later") if node.has("attached_later") else None
    if attached is not None:
        if where.cloud != "aws":
            raise attached.error("attached_later is an AWS identity policy: AWS versions only")
        if not isinstance(attached.value, str | dict):
            raise attached.error("attached_later must be a file next to lab.yaml or an inline policy")
    envelope = node.field("envelope")
    if isinstance(envelope.value, str):
        return WithinBody(relative_path(envelope), None, envelope, attached)
    if isinstance(envelope.value, dict):
        return WithinBody(None, envelope.value, envelope, attached)
    raise envelope.error("envelope must be a file next to lab.yaml (e.g. envelope.json) or an inline policy")


def _with_attached(context: RunContext, node: Node) -> Any:
    """The learner's submission with the lab's extra policy attached to the identity."""
    if isinstance(node.value, str):
        extra = context.load_lab_file(node, relative_path(node))  # located, for the engine's errors
    else:
        where = context.lab.document.locate(node.pointer)
        extra = parse_json(json.dumps(node.value), f"{where.file} ({node.pointer})")
    submission = context.submission
    return context.engine.load_submission({**submission.files, ATTACHED_LATER: extra}, submission.setting)


def run(body: WithinBody, context: RunContext) -> Outcome:
    if body.envelope_file is not None:
        envelope: Any = context.load_lab_file(body.node, body.envelope_file)  # located, for the engine's errors
    else:
        envelope = body.envelope_inline
    submission = context.submission if body.attached_later is None else _with_attached(context, body.attached_later)
    result = prove(context, envelope, submission)
    if body.attached_later is not None:
        return _explain_attached(result, context)
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
    examples = most_dangerous_first(result.counterexamples)
    envelope_keys = condition_keys(envelope) if context.cloud == "aws" else set()
    for example in examples:
        outcome.failed.append(
            f"{allows(context.cloud)} {example.action} on {example.resource}{describe_context(example.context)}"
            f"{unconstrained(example, envelope_keys)}, which {context.lab.workload} never needs"
        )
    if not examples:
        outcome.failed.append(f"{allows(context.cloud)} more than {context.lab.workload} needs")
    outcome.counterexample = examples[0] if examples else None
    return outcome


def most_dangerous_first(examples: tuple[Counterexample, ...]) -> list[Counterexample]:
    """Escalation, data writes, policy changes, data reads, then metadata (checker/core/danger.py)."""
    return sorted(examples, key=lambda e: rank(e.action, data_action=bool(e.context.get("data_action"))))


def condition_keys(envelope: Any) -> set[str]:
    """The condition keys an AWS envelope compares, in lower case."""
    data = envelope.data if isinstance(envelope, LoadedDocument) else envelope
    documents = data if isinstance(data, list) else [data]
    keys: set[str] = set()
    for document in documents:
        statements = document.get("Statement", []) if isinstance(document, dict) else []
        for statement in statements if isinstance(statements, list) else [statements]:
            condition = statement.get("Condition") if isinstance(statement, dict) else None
            for clause in condition.values() if isinstance(condition, dict) else ():
                keys.update(k.lower() for k in clause if isinstance(clause, dict) and isinstance(k, str))
    return keys


def unconstrained(example: Counterexample, envelope_keys: set[str]) -> str:
    """' (cloudwatch:namespace is not sent, so it is unconstrained)': keys of the action's service that the
    envelope compares but the request leaves out; the request is allowed whatever their value."""
    from checker.aws import catalog

    info = catalog.action_info(example.action)
    supported = {k.lower() for k in info.condition_keys} if info is not None else set()
    sent = {k.lower() for k in example.context}
    missing = sorted(k for k in envelope_keys if k in supported and k not in sent)
    if not missing:
        return ""
    return " (" + ", ".join(missing) + (" is" if len(missing) == 1 else " are") + " not sent, so unconstrained)"


def _explain_attached(result: WithinResult, context: RunContext) -> Outcome:
    outcome = Outcome(total_cases=1)
    if result.status is WithinStatus.PROVED:
        outcome.passed_notes.append("proved: your Deny statements keep everything else out, whatever is attached later")
        return outcome
    if result.status is WithinStatus.UNKNOWN:
        reason = result.reason or "a construct could not be decided"
        outcome.failed.append(
            f"the checker could not prove what your Deny statements keep out ({reason}), so this check "
            "cannot pass; write them with plain actions and resources"
        )
        return outcome
    examples = most_dangerous_first(result.counterexamples)
    for example in examples:
        outcome.failed.append(
            f"once a broader policy is attached, {example.action} on {example.resource}"
            f"{describe_context(example.context)} is allowed: no Deny statement of yours covers it"
        )
    if not examples:
        outcome.failed.append("once a broader policy is attached, your Deny statements leave requests open")
    outcome.counterexample = examples[0] if examples else None
    return outcome


def prove(context: RunContext, envelope: Any, submission: Any = None) -> WithinResult:
    """Everything the submission allows within `envelope`, proved once per identical input in a run."""
    submission = context.submission if submission is None else submission
    parts = [context.cloud, dict(submission.files), dict(submission.setting), envelope]
    return _proofs.answer(
        parts, lambda: context.engine.within(submission, envelope), default=document_data, keep=shareable
    )
