"""`denies`: every listed request must be denied (explicitly or implicitly) in the lab's setting.

With `explicit: true` each must be denied by a Deny statement, not merely left unallowed: "An explicit
deny in any of these policies overrides the allow"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), so the
request stays denied when a broader policy is attached to the identity later.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from checker.core.decision import DecisionKind
from checker.core.why import why_allowed
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.checks.requests import LabRequest, decide, parse_requests
from checker.grading.checks.wording import allows
from checker.grading.located import Node

KIND = "denies"
FIELDS = frozenset({"requests", "explicit"})


@dataclass(frozen=True)
class DeniesBody:
    requests: tuple[LabRequest, ...]
    explicit: bool

    def __iter__(self) -> Iterator[LabRequest]:
        """Iterating a denies body yields its requests, as when the body was the tuple of requests."""
        return iter(self.requests)


def parse(node: Node, where: ParseContext) -> DeniesBody:
    return DeniesBody(parse_requests(node, "requests", where), node.flag("explicit", False))


def run(body: DeniesBody, context: RunContext) -> Outcome:
    outcome = Outcome(total_cases=len(body.requests))
    for request in body.requests:
        decision = decide(context, request)
        if body.explicit and decision.kind is DecisionKind.IMPLICIT_DENY:
            outcome.failed.append(
                f"{request.words()} is denied only because nothing allows it; without an explicit Deny it "
                "becomes allowed as soon as a broader policy is attached"
            )
        elif not decision.allowed:
            outcome.passed_notes.append(f"denied {request.words()}")
            continue
        else:
            outcome.failed.append(
                f"{allows(context.cloud)} {request.words()}, which {context.lab.workload} never needs "
                f"(why: {why_allowed(decision)})"
            )
        if outcome.counterexample is None:
            outcome.counterexample = request.counterexample()
    return outcome
