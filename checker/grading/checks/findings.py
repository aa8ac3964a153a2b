"""`findings`: the engine's linter must report nothing at or above a severity, or none of listed codes."""

from __future__ import annotations

from dataclasses import dataclass

from checker.core.findings import Finding, Severity
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.located import Node

KIND = "findings"
FIELDS = frozenset({"at_least", "codes"})


@dataclass(frozen=True)
class FindingsBody:
    at_least: Severity | None
    codes: frozenset[str]


def parse(node: Node, where: ParseContext) -> FindingsBody:
    if not node.has("at_least") and not node.has("codes"):
        raise node.error("a findings check needs `at_least` (a severity), `codes` (a list) or both")
    at_least = None
    if node.has("at_least"):
        at_least = Severity(node.choice("at_least", tuple(severity.value for severity in Severity)))
    codes: set[str] = set()
    if node.has("codes"):
        for item in node.field("codes").items():
            codes.add(item.expect(str))
        if not codes:
            raise node.field("codes").error("codes must list at least one finding code")
    return FindingsBody(at_least, frozenset(codes))


def _counts(body: FindingsBody, finding: Finding) -> bool:
    if finding.code in body.codes:
        return True
    return body.at_least is not None and finding.severity.at_least(body.at_least)


def _in_learner_files(finding: Finding, learner_files: set[str]) -> bool:
    """Findings in files the lab provides (a boundary, an SCP) are not the learner's to fix."""
    return finding.where is None or finding.where.file in learner_files


def run(body: FindingsBody, context: RunContext) -> Outcome:
    learner_files = {document.path for document in context.submission.files.values()}
    hits = [
        finding
        for finding in context.engine.findings(context.submission)
        if _counts(body, finding) and _in_learner_files(finding, learner_files)
    ]
    outcome = Outcome(total_cases=max(1, len(hits)))
    if not hits:
        outcome.passed_notes.append("no findings of the kinds this check looks for")
        outcome.total_cases = 1
        return outcome
    for finding in hits:
        place = f" at {finding.where}" if finding.where else ""
        fix = f" Fix: {finding.hint}" if finding.hint else ""
        outcome.failed.append(f"{finding.severity.value} {finding.code}{place}: {finding.message}.{fix}")
    return outcome
