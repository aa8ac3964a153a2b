"""`within`: everything the submission allows must also be allowed by an envelope policy.

The engine proves it (or returns concrete counterexample requests, each re-checked with its evaluator).
An undecided construct is never a pass: the learner is told what could not be decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.core.danger import rank
from checker.core.engine import WithinResult, WithinStatus
from checker.core.findings import Counterexample
from checker.core.source import LoadedDocument
from checker.grading.checks.base import Outcome, ParseContext, RunContext, describe_context
from checker.grading.checks.memo import InputMemo, document_data
from checker.grading.checks.wording import allows
from checker.grading.located import Node, relative_path

KIND = "within"
FIELDS = frozenset({"envelope"})

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
    result = prove(context, envelope)
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


def prove(context: RunContext, envelope: Any) -> WithinResult:
    """Everything the submission allows within `envelope`, proved once per identical input in a run."""
    submission = context.submission
    parts = [context.cloud, dict(submission.files), dict(submission.setting), envelope]
    return _proofs.answer(parts, lambda: context.engine.within(submission, envelope), default=document_data)
