"""`isolation`: no principal of one tenant can touch any resource of another - proved, in both directions.

For every ordered pair of different teams (A, B) and every principal template, the principal of team A
(`{team}` filled with A) must be unable to perform any action on any resource of team B (`resources`,
`{team}` filled with B: prefixes, names, `aws:ResourceTag/team`). The engine proves it over all actions
and contexts with the principal's full permissions (identity, boundary, session, organization policies)
(`reaches`); a failure shows the principal, the action, the resource and the context; a construct the
prover cannot decide is a failure that names it, never a pass. Each (principal, direction) is one case.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations
from typing import Any

from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.grading.checks.base import Outcome, ParseContext, RunContext, describe_context
from checker.grading.checks.memo import InputMemo, document_data, shareable
from checker.grading.located import Node

KIND = "isolation"
FIELDS = frozenset({"teams", "principals", "resources"})
PLACEHOLDER = "{team}"

_proofs: InputMemo[WithinResult] = InputMemo(1024)


@dataclass(frozen=True)
class IsolationBody:
    teams: tuple[str, ...]
    principals: tuple[str, ...]  # ARN templates with {team}
    resources: tuple[dict[str, Any], ...]  # accesses with {team}: {action, resource, condition}
    node: Node


def parse(node: Node, where: ParseContext) -> IsolationBody:
    teams = tuple(item.expect(str) for item in node.field("teams").items())
    if len(teams) < 2 or len(set(teams)) != len(teams):
        raise node.field("teams").error("an isolation check needs at least two different teams")
    principals = tuple(item.expect(str) for item in node.field("principals").items())
    if not principals:
        raise node.field("principals").error("name at least one principal template (with {team})")
    for item in node.field("principals").items():
        if PLACEHOLDER not in item.value:
            raise item.error("a principal template must contain {team}: each team's principal is checked")
    resources: list[dict[str, Any]] = []
    for item in node.field("resources").items():
        item.mapping({"action", "resource", "condition"}, {"action"})
        resources.append(dict(item.value))
    if not resources:
        raise node.field("resources").error("list the accesses that make up a team's resources")
    return IsolationBody(teams, principals, tuple(resources), node)


def run(body: IsolationBody, context: RunContext) -> Outcome:
    pairs = list(permutations(body.teams, 2))
    outcome = Outcome(total_cases=len(pairs) * len(body.principals))
    for own, other in pairs:
        accesses = [_fill(access, other) for access in body.resources]
        for template in body.principals:
            principal = template.replace(PLACEHOLDER, own)
            result = _prove(body, context, principal, accesses)
            _record(outcome, result, principal, own, other)
    return outcome


def _record(outcome: Outcome, result: WithinResult, principal: str, own: str, other: str) -> None:
    if result.status is WithinStatus.PROVED:
        outcome.passed_notes.append(f"proved: {principal} ({own}) can do nothing to {other}'s resources")
        return
    if result.status is WithinStatus.UNKNOWN:
        outcome.failed.append(
            f"the checker could not prove that {principal} ({own}) can do nothing to {other}'s resources "
            f"({result.reason or 'a construct could not be decided'}), so this case cannot pass"
        )
        return
    example = result.counterexamples[0]
    outcome.failed.append(
        f"{principal} ({own}) can {example.action} on {example.resource}{describe_context(example.context)}, "
        f"a resource of team {other}: one team's principal reaching another team's data or models breaks "
        "the platform's promise of isolation"
    )
    outcome.counterexample = outcome.counterexample or example


def _prove(
    body: IsolationBody, context: RunContext, principal: str, accesses: list[dict[str, Any]]
) -> WithinResult:
    submission = context.submission
    reaches = getattr(context.engine, "reaches", None)
    if reaches is None:
        raise body.node.error(f"isolation checks are not available for {context.cloud} yet")
    parts = [context.cloud, dict(submission.files), dict(submission.setting), principal, accesses]
    try:
        result: WithinResult = _proofs.answer(
            parts, lambda: reaches(submission, principal, accesses), default=document_data, keep=shareable
        )
    except InputError as exc:
        if exc.where is not None and exc.where.file != "<input>":
            raise
        raise InputError(exc.message, context.lab.document.locate(body.node.pointer), exc.hint) from None
    return result


def _fill(value: Any, team: str) -> Any:
    if isinstance(value, str):
        return value.replace(PLACEHOLDER, team)
    if isinstance(value, dict):
        return {_fill(k, team): _fill(v, team) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, team) for v in value]
    return value
