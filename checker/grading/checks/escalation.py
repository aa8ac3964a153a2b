"""`escalation`: privilege escalation, judged by the AWS escalation analysis (checker/aws/analyze/escalation.py).

The truth is computed, never written down: `escalation_paths` finds the paths (to admin-equivalent access
or to a holder of a permission the start lacks), each step decided by the evaluator and the prover, with
the knowledge base's other techniques that give the same step. `snapshot` is the account (the format of
`iamlab paths`, docs/analysis.md "Account snapshot"), a file next to lab.yaml. The check has two forms:

A gate on the learner's roles (`identities`, no `ask`): each identity is added to the snapshot with the
learner's policies for it (identity policies, boundary and trust policy, as the check's `identity` focus
reads them) and the analysis searches, from each, for a way to reach a permission it was not given:
passing a role to a service, taking over a principal, rewriting a policy. `hand_offs` lists, per identity,
the roles it is meant to hand to a service (train passes fraud-training-role to SageMaker): a one-step
path to one of them is the stage's job, not an escalation. Each identity is one case; a failure shows the
path. A platform the snapshot already holds (lab 03) names instead, in `managed`, which of its managed
policies are the learner's files (every principal attached to or bounded by one then holds the learner's
version); an identity that is a role session is the snapshot's role with the session policy and tags of
the setting's `roles` entry; `beyond: boundary` counts only a way past the start's permissions boundary.
A step the prover cannot decide fails the case, naming it: "unknown" is never a pass.

A question about a planted account (`ask`, an interview or answers.yaml):

    ask: path        the answer is the escalation path from `start` as a list of actions, step by step;
                     it is right when it is the action sequence of a path the analysis finds (for each
                     step, its technique or one of the others that give the same step; actions inside one
                     step in any order, steps in order)
    ask: principals  the answer lists the principals that can escalate (ARN or name, any order);
                     it is right when it is exactly the set of starts of the paths the analysis finds

Failures of a question never reveal the expected answer.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from checker.core.source import LoadedDocument, pointer_join
from checker.grading.checks.answer import given_answer
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.checks.memo import InputMemo
from checker.grading.early import WorkerFailed
from checker.grading.located import Node, relative_path

if TYPE_CHECKING:
    from checker.aws.analyze.escalation import Path, Session
    from checker.aws.analyze.snapshot import Snapshot
    from checker.grading.early import Early

KIND = "escalation"
FIELDS = frozenset({"snapshot", "start", "ask", "question", "identities", "hand_offs", "managed", "beyond"})
BEYOND = ("permissions", "boundary")
ASKS = ("path", "principals")
AWS_ONLY = "escalation checks use the AWS escalation analysis (an AWS account snapshot): AWS versions only"

Steps = tuple[tuple[tuple[str, ...], ...], ...]  # a path's steps, each its alternatives' actions
Paths = tuple[tuple[str, Steps], ...]  # (start, steps) for every escalation the analysis finds

# Escalation analysis proves things with z3: one answer per snapshot within a process (a class).
_analyses: InputMemo[Paths] = InputMemo(16)


@dataclass(frozen=True)
class QuestionBody:
    """Ask the learner for the path from `start`, or for the principals that can escalate."""

    snapshot: str
    start: str | None
    ask: str
    question: str
    node: Node


@dataclass(frozen=True)
class GateBody:
    """No identity of the learner's may have an escalation path (beyond its `hand_offs`)."""

    snapshot: str
    identities: tuple[str, ...]
    hand_offs: dict[str, tuple[str, ...]]
    node: Node
    managed: dict[str, str] = field(default_factory=dict)  # snapshot managed policy -> submission file
    beyond: str = "permissions"  # "boundary": only a way past the start's permissions boundary counts
    pointer: str = ""  # the check's place in lab.yaml: where `begin`'s worker is found in `context.started`


EscalationBody = QuestionBody | GateBody


def parse(node: Node, where: ParseContext) -> EscalationBody:
    if where.cloud != "aws":
        raise node.field("kind").error(AWS_ONLY)
    snapshot = relative_path(node.field("snapshot"))
    if node.has("ask"):
        for extra in ("identities", "hand_offs", "managed", "beyond"):
            if node.has(extra):
                raise node.field(extra).error(f"`{extra}` belongs to the gate form; a check with `ask` asks a question")
        ask = node.choice("ask", ASKS)
        start = node.optional_text("start")
        if ask == "path" and start is None:
            raise node.error("an escalation check that asks for the path needs `start`: the principal's ARN")
        return QuestionBody(snapshot, start, ask, node.text("question"), node.field("snapshot"))
    for extra in ("start", "question"):
        if node.has(extra):
            raise node.field(extra).error(f"`{extra}` belongs to a question: add `ask: path` or `ask: principals`")
    identities = tuple(str(item.value) for item in node.field("identities").items()) if node.has("identities") else (
        (where.identity,) if where.identity else ())
    if not identities:
        raise node.error("an escalation check needs `identities` (where the search starts) or `ask` (a question)")
    hand_offs: dict[str, tuple[str, ...]] = {}
    if node.has("hand_offs"):
        for identity, roles in node.field("hand_offs").entries():
            roles.expect(list)
            hand_offs[identity] = tuple(str(role.value) for role in roles.items())
    managed: dict[str, str] = {}
    if node.has("managed"):
        for name, logical in node.field("managed").entries():
            managed[name] = str(logical.value)
    beyond = node.choice("beyond", BEYOND) if node.has("beyond") else "permissions"
    return GateBody(snapshot, identities, hand_offs, node.field("snapshot"), managed, beyond, node.pointer)


def run(body: EscalationBody, context: RunContext) -> Outcome:
    if isinstance(body, GateBody):
        early: Early | None = context.started.get(body.pointer) if body.pointer else None
        if early is not None:
            try:
                outcome: Outcome = early.result()
                return outcome
            except WorkerFailed:
                pass  # the worker died or missed its deadline: the same search here gives the same answer
        return _run_gate(body, context)
    return _run_question(body, context)


def begin(body: EscalationBody, context: RunContext) -> Early | None:
    """`iamlab check`: the gate's search, the slowest check of lab 03, forked as soon as the submission is
    loaded, so that it runs on the second core while this process runs the other checks. The worker runs
    `_run_gate` on the same context (inherited through fork, nothing pickled on the way in); its Outcome
    comes back pickled, an InputError as the same error. None (run in turn) when forking is not safe."""
    from checker.grading.early import Early, can_fork

    if not isinstance(body, GateBody) or not body.pointer or not can_fork():
        return None
    # What the worker and this process both use is made once, before the fork: the prover (z3) imported,
    # and the catalog's action index read (or, with an empty cache, built) for every proof of either.
    import checker.aws.analyze.escalation  # noqa: F401
    from checker.aws.analyze.actions import action_catalog

    action_catalog()

    try:
        return Early(functools.partial(_run_gate, body, context))
    except OSError:  # no process could be started (a limit reached): run() does it here
        return None


# --- the gate: the learner's roles added to the account -------------------------------------------------


def _run_gate(body: GateBody, context: RunContext) -> Outcome:
    from checker.aws.analyze.escalation import Account, escalation_paths  # the prover loads only when asked

    snapshot, sessions = _gate_account(body, context)
    outcome = Outcome(total_cases=len(body.identities))
    # The lab's organization (setting `scps`, the learner's own SCPs at their level): every request passes it.
    scps = tuple(tuple(level) for level in getattr(context.submission.model, "scps", ()) or ())
    account = Account(snapshot, scps=scps)
    paths = escalation_paths(
        snapshot, starts=list(body.identities), account=account, beyond=body.beyond, sessions=sessions
    )
    undecided = account.access.unknown
    for identity in body.identities:
        allowed = set(body.hand_offs.get(identity, ()))
        found = [p for p in paths if p.start == identity and not _hand_off(p, allowed)]
        if found:
            shortest = min(found, key=lambda p: (not p.admin, len(p.steps)))  # a way to admin first
            outcome.failed.append(shortest.describe())
            outcome.counterexample = outcome.counterexample or shortest.example
        elif undecided:
            # "unknown" is never a pass: a step the prover could not decide may be the way out.
            outcome.failed.append(
                f"{identity}: the analysis could not decide every step ({undecided[0]}); simplify the conditions it names"
            )
        else:
            outcome.passed_notes.append(f"{identity}: no escalation path")
    return outcome


def _gate_account(body: GateBody, context: RunContext) -> tuple[Snapshot, dict[str, Session]]:
    """The lab's account with the learner's files in it: `managed` policies replaced by the submitted ones,
    each identity the snapshot lacks added with the learner's policies for it, and each role session the
    lab's platform mints (setting `roles`) given its session policy and tags."""
    from checker.aws.analyze.escalation import Session
    from checker.aws.analyze.snapshot import Principal, load_snapshot, with_managed
    from checker.aws.policy import PolicyKind, parse_policy

    document = context.load_lab_file(body.node, body.snapshot)
    snapshot = load_snapshot(document)
    contents = {}
    for name, logical in body.managed.items():
        if name not in snapshot.managed:
            raise body.node.field("managed").error(f"{name!r} is not a managed policy of {body.snapshot}")
        if logical not in context.submission.files:
            raise body.node.field("managed").error(f"{logical!r} is not one of this lab's files")
        submitted = context.submission.files[logical]
        contents[name] = parse_policy(submitted, name=submitted.path, kind=PolicyKind.IDENTITY)
    snapshot = with_managed(snapshot, contents) if contents else copy.copy(snapshot)
    snapshot.principals = list(snapshot.principals)
    sessions: dict[str, Session] = {}
    for identity in body.identities:
        if snapshot.by_arn(identity) is not None and body.managed:
            continue  # the platform's own principal, holding the learner's managed policies
        entry = context.submission.model.role_for(identity) if ":assumed-role/" in identity else None
        if entry is not None:
            sessions[identity] = Session(identity.rsplit("/", 1)[-1], entry.session, dict(entry.tags))
            continue
        if ":role/" not in identity:
            raise body.node.error(f"escalation checks start from roles or the lab's role sessions; {identity} is neither")
        model = context.about(identity).submission.model
        name = identity.rsplit("/", 1)[-1]
        snapshot.principals = [p for p in snapshot.principals if p.arn != identity]
        snapshot.principals.append(Principal(
            identity, "role", name, list(model.identity), model.boundary, model.trust, instance_profile=False))
    snapshot._by_arn = {}  # the lookup cache is rebuilt for the changed principals
    return snapshot, sessions


def _hand_off(path: Path, allowed: set[str]) -> bool:
    """A one-step pass-role path to a role the identity is meant to hand to a service."""
    return len(path.steps) == 1 and path.steps[0].kind == "pass-role" and path.steps[0].target in allowed


# --- the question: a planted account, the learner's answer -----------------------------------------------

def _analyse(document: LoadedDocument) -> Paths:
    """(start, steps as action tuples) for every path that is a real escalation (not an admin already)."""
    from checker.aws.analyze import escalation_paths, load_snapshot  # z3: only when this kind runs
    from checker.aws.analyze.techniques import all_techniques

    # A step's `also` names the other techniques by pathfinding.cloud id where there is one, else by name.
    by_name = {key: t.actions for t in all_techniques() for key in (t.id, t.name) if key}
    paths = escalation_paths(load_snapshot(document))
    return tuple(
        (
            path.start,
            tuple(
                (step.actions, *(by_name[name] for name in step.also if name in by_name))
                for step in path.steps
                if step.actions
            ),
        )
        for path in paths
        if not (len(path.steps) == 1 and path.steps[0].kind == "admin")
    )


def _given_list(context: RunContext, body: QuestionBody) -> tuple[list[str] | None, Outcome]:
    outcome = Outcome(total_cases=1)
    given, answers = given_answer(context, body.question)
    if given in (None, "", []):
        outcome.failed.append(f"you have not answered {body.question!r} yet: write `{body.question}:` in {answers.path}")
        return None, outcome
    if not isinstance(given, list) or not all(isinstance(item, str) for item in given):
        where = answers.locate(pointer_join("", body.question))
        outcome.failed.append(
            f"your answer to {body.question!r} should be a list, one item per line starting with '- ' "
            f"({where.file} line {where.line})"
        )
        return None, outcome
    return [item.strip() for item in given], outcome


def _run_question(body: QuestionBody, context: RunContext) -> Outcome:
    given, outcome = _given_list(context, body)
    if given is None:
        return outcome
    document = context.load_lab_file(body.node, body.snapshot)
    paths = _analyses.answer([document.data], lambda: _analyse(document))
    problem = _judge_path(body, given, paths) if body.ask == "path" else _judge_principals(given, paths)
    if problem is None:
        outcome.passed_notes.append(f"your answer to {body.question!r} matches what the analysis of the account proves")
    else:
        outcome.failed.append(f"your answer to {body.question!r} {problem}")
    return outcome


def _fold(items: Sequence[str]) -> list[str]:
    return [item.casefold() for item in items]


def _splits(given: list[str], steps: Steps, position: int = 0) -> bool:
    """`given` is, step by step, the actions of one alternative of each step (any order within a step)."""
    if not steps:
        return position == len(given)
    for actions in steps[0]:
        chunk = given[position : position + len(actions)]
        if sorted(chunk) == sorted(_fold(actions)) and _splits(given, steps[1:], position + len(actions)):
            return True
    return False


def _judge_path(body: QuestionBody, given: list[str], paths: Paths) -> str | None:
    wanted = [steps for start, steps in paths if start == body.start]
    folded = _fold(given)
    if any(_splits(folded, steps) for steps in wanted):
        return None
    unknown = [item for item in given if ":" not in item]
    if unknown:
        return f"names {', '.join(unknown)}, which are not IAM actions (write service:Action, e.g. s3:GetObject)"
    if any(sorted(folded) == sorted(_fold([a for step in steps for a in step[0]])) for steps in wanted):
        return "has the right actions in an order that does not work: each step needs the one before it"
    if not wanted:
        return "describes an escalation, but the analysis of the planted account finds none from this principal"
    return "is not a path the planted account allows: the analysis finds no escalation made of these actions"


def _judge_principals(given: list[str], paths: Paths) -> str | None:
    starts = {start for start, _ in paths}
    names = {start.casefold(): start for start in starts}
    names.update({start.rsplit("/", 1)[-1].casefold(): start for start in starts})
    named = {names.get(item.casefold()) for item in given}
    wrong = [item for item in given if item.casefold() not in names]
    missing = len(starts - {start for start in named if start is not None})
    parts = []
    if missing:
        parts.append(f"misses {missing} principal(s) that can escalate")
    if wrong:
        parts.append(f"names {', '.join(wrong)}, which cannot escalate in the planted account")
    return " and ".join(parts) or None
