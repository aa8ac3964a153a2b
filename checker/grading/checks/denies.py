"""`denies`: every listed request must be denied (explicitly or implicitly) in the lab's setting."""

from __future__ import annotations

from checker.core.why import why_allowed
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.checks.requests import LabRequest, decide, parse_requests
from checker.grading.checks.wording import allows
from checker.grading.located import Node

KIND = "denies"
FIELDS = frozenset({"requests"})


def parse(node: Node, where: ParseContext) -> tuple[LabRequest, ...]:
    return parse_requests(node, "requests", where)


def run(body: tuple[LabRequest, ...], context: RunContext) -> Outcome:
    outcome = Outcome(total_cases=len(body))
    for request in body:
        decision = decide(context, request)
        if not decision.allowed:
            outcome.passed_notes.append(f"denied {request.words()}")
            continue
        outcome.failed.append(
            f"{allows(context.cloud)} {request.words()}, which {context.lab.workload} never needs "
            f"(why: {why_allowed(decision)})"
        )
        if outcome.counterexample is None:
            outcome.counterexample = request.counterexample()
    return outcome
