"""`allows`: every listed request must be allowed in the lab's setting (the workload needs each one)."""

from __future__ import annotations

from checker.core.why import why_denied
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.checks.explain import misspelled
from checker.grading.checks.requests import LabRequest, decide, parse_requests
from checker.grading.checks.wording import does_not_allow
from checker.grading.located import Node

KIND = "allows"
FIELDS = frozenset({"requests"})


def parse(node: Node, where: ParseContext) -> tuple[LabRequest, ...]:
    return parse_requests(node, "requests", where)


def run(body: tuple[LabRequest, ...], context: RunContext) -> Outcome:
    outcome = Outcome(total_cases=len(body))
    for request in body:
        decision = decide(context, request)
        if decision.allowed:
            outcome.passed_notes.append(f"allowed {request.words()}, as {context.lab.workload} needs")
            continue
        typos = misspelled(context, request.action)
        outcome.failed.append(
            f"{does_not_allow(context.cloud)} {request.words()}, which {context.lab.workload} needs "
            f"(why: {'; '.join(typos) if typos else why_denied(decision)})"
        )
        if outcome.counterexample is None:
            outcome.counterexample = request.counterexample()
    return outcome
