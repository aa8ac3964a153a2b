"""`live`: run the lab's workload against an emulator with the learner's policies installed.

The workload is a Python file next to lab.yaml, written by the lab's author, that defines `WORKLOAD`
(a checker.emulate.workload.Workload): the job's own steps must succeed and its rogue steps (what a
compromised job would try) must be denied. Only the author's file is imported; the learner's files are
read as policy documents, never run. The emulator (moto in this process by default; LocalStack or a
URL with `iamlab check --backend`) is imported only when a lab has a live check, so other checks keep
their fast start. `iamlab run` shows the same run step by step (checker/grading/liverun.py).

`iamlab check` starts the run in a forked worker before the other checks (`start`), so it overlaps
them; grading many submissions runs it here, where moto and botocore stay loaded, and runs identical
policies once.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.core.errors import InputError
from checker.core.findings import Counterexample
from checker.core.source import LoadedDocument
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.checks.memo import InputMemo
from checker.grading.checks.refusal import refusal_failure
from checker.grading.located import Node, inside, relative_path

if TYPE_CHECKING:
    from checker.grading.early import Early
    from checker.grading.spec import LabSpec

KIND = "live"
FIELDS = frozenset({"workload", "policies", "boundary", "session", "fill"})
CLOUDS = ("aws",)  # the emulator runs AWS workloads (moto)

_workloads: dict[Path, Any] = {}


@dataclass(frozen=True)
class StepOutcome:
    """One step's result, in plain fields: what a worker sends back without this process importing
    the emulator (botocore, moto) just to read the answer."""

    passed: bool
    rogue: bool
    title: str
    action: str
    resource: str
    message: str
    line: str
    refused: int | None = None  # the learner document the emulator refused (its order in _run), if any
    skipped: str = ""  # "not run on this backend" / "not decided": never counted as passed


# A class hands in many identical policies (the untouched starter, the reference answer). The same
# workload file and the same documents always give the same report (every run starts on a fresh moto),
# so within one process each distinct input runs once.
_reports: InputMemo[tuple[StepOutcome, ...]] = InputMemo(256)


@dataclass(frozen=True)
class LiveBody:
    workload: str  # a Python file next to lab.yaml defining WORKLOAD
    policies: tuple[str, ...]  # logical submission files installed as the role's inline policies
    boundary: str | None  # logical submission file installed as its permissions boundary
    node: Node
    session: str | None = None  # logical submission file: a session-policy template passed with AssumeRole
    fill: Mapping[str, str] = field(default_factory=dict)  # its {{name}} values; WORKLOAD(**fill) if callable


def parse(node: Node, where: ParseContext) -> LiveBody:
    if where.cloud not in CLOUDS:
        raise node.field("kind").error(f"live checks run on the AWS emulator; the {where.cloud} version cannot use them")
    workload = relative_path(node.field("workload"))
    if not workload.endswith(".py"):
        raise node.field("workload").error("workload must be a Python file next to lab.yaml that defines WORKLOAD")
    policies = tuple(item.expect(str) for item in node.field("policies").items())
    boundary, session = node.optional_text("boundary"), node.optional_text("session")
    if not policies and boundary is None and session is None:
        raise node.field("policies").error("policies must name at least one submission file")
    fill: dict[str, str] = {}
    if node.has("fill"):
        for key, item in node.field("fill").entries():
            fill[key] = item.expect(str)
    return LiveBody(workload, policies, boundary, node, session, fill)


def logical_files(body: LiveBody) -> list[tuple[str, Node]]:
    names = [(name, item) for name, item in zip(body.policies, body.node.field("policies").items(), strict=True)]
    if body.boundary is not None:
        names.append((body.boundary, body.node.field("boundary")))
    if body.session is not None:
        names.append((body.session, body.node.field("session")))
    return names


def workload_path(lab: LabSpec, body: LiveBody) -> Path:
    """The lab's workload file, which must lie inside the lab folder (no link out: it is run as code)."""
    return inside(lab.folder, body.workload, "lab folder")


def filled_session(body: LiveBody, document: LoadedDocument | None) -> Any:
    """The session policy the orchestrator passes: the learner's template with the check's `fill`."""
    if body.session is None or document is None:
        return None
    from checker.core.templates import fill_template

    return fill_template(document, body.fill).data


def _workload_for(path: Path, node: Node, fill: Mapping[str, str]) -> Any:
    """The file's WORKLOAD, or WORKLOAD(**fill) when it is a function of the job (one file, many jobs)."""
    workload = _load_workload(path, node)
    return workload(**fill) if callable(workload) else workload


def _load_workload(path: Path, node: Node) -> Any:
    if path not in _workloads:
        if not path.exists():
            raise node.field("workload").error(f"the workload file {path.name} does not exist next to lab.yaml")
        if not path.is_file():
            raise node.field("workload").error(f"the workload {path.name} is not a regular file")
        spec = importlib.util.spec_from_file_location(f"iamlab_workload_{abs(hash(path))}", path)
        if spec is None or spec.loader is None:
            raise node.field("workload").error(f"cannot load {path.name} as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        workload = getattr(module, "WORKLOAD", None)
        if workload is None:
            raise node.field("workload").error(f"{path.name} defines no WORKLOAD")
        _workloads[path] = workload
    return _workloads[path]


def _document(context: RunContext, name: str, node: Node) -> Any:
    document = context.submission.files.get(name)
    if document is None:
        raise node.error(f"no submission file is named {name!r} under this cloud's `files`")
    return document.data


def load_workload(lab: LabSpec, body: LiveBody) -> Any:
    """The lab's WORKLOAD (a checker.emulate.workload.Workload), imported from the lab's own file."""
    return _load_workload(workload_path(lab, body), body.node)


def _run(
    path: Path,
    node: Node,
    policies: list[Any],
    boundary: Any,
    session: Any = None,
    fill: Mapping[str, str] | None = None,
    backend: str = "moto",
) -> tuple[StepOutcome, ...]:
    from checker.emulate.workload import PolicyRefused, run_workload

    try:
        report = run_workload(
            _workload_for(path, node, fill or {}), policies, boundary, backend=backend, session_policy=session
        )
    except PolicyRefused as refused:  # the learner's mistake: a failed check, not a broken lab
        return (StepOutcome(False, False, "install the policy", "", "", refused.message, "", refused.document),)
    return tuple(
        StepOutcome(
            r.passed, r.step.rogue, r.step.title, r.action, r.resource, r.message, r.line(), None, r.skipped
        )
        for r in report.results
    )


def _run_cached(
    path: Path, node: Node, policies: list[Any], boundary: Any, session: Any, fill: Mapping[str, str], backend: str
) -> tuple[StepOutcome, ...]:
    if backend != "moto":  # another backend is shared and may change between runs: always run
        return _run(path, node, policies, boundary, session, fill, backend)
    return _reports.answer(
        [str(path), policies, boundary, session, dict(fill)],
        lambda: _run(path, node, policies, boundary, session, fill),
    )


def start(
    body: LiveBody, lab: LabSpec, files: Mapping[str, LoadedDocument], backend: str = "moto"
) -> Early | None:
    """Begin the run in a forked worker now, so it overlaps the other checks (`iamlab check`)."""
    from checker.grading.early import Early, can_fork

    names = [*body.policies, *([body.boundary] if body.boundary else []), *([body.session] if body.session else [])]
    if not can_fork() or any(name not in files for name in names):
        return None  # run() does it here (and names a missing file the usual way)
    policies = [files[name].data for name in body.policies]
    boundary = files[body.boundary].data if body.boundary else None
    try:
        session = filled_session(body, files.get(body.session) if body.session else None)
    except InputError:
        return None  # run() reports it in its turn
    try:
        path = workload_path(lab, body)
    except InputError:
        return None  # run() reports it in its turn
    try:
        return Early(lambda: _run(path, body.node, policies, boundary, session, body.fill, backend))
    except OSError:  # no process could be started (a limit reached): run() does it here
        return None


def run(body: LiveBody, context: RunContext) -> Outcome:
    early: Early | None = context.started.get(body.node.pointer)
    try:
        path = workload_path(context.lab, body)
        if early is not None:
            steps: tuple[StepOutcome, ...] = early.result()
        else:
            _load_workload(path, body.node)  # the lab's own file first: its errors come before the learner's
            policies = [_document(context, name, body.node.field("policies")) for name in body.policies]
            boundary = (
                _document(context, body.boundary, body.node.field("boundary")) if body.boundary else None
            )
            if body.session is not None:
                _document(context, body.session, body.node.field("session"))
            session = filled_session(body, context.submission.files.get(body.session) if body.session else None)
            steps = _run_cached(path, body.node, policies, boundary, session, body.fill, context.backend)
    except InputError as exc:
        if exc.where is None:
            raise InputError(exc.message, context.lab.document.locate(body.node.pointer), exc.hint) from None
        raise
    if steps and steps[0].refused is not None:
        return _refused(body, context, steps[0])
    outcome = Outcome(total_cases=len(steps))
    for result in steps:
        if result.passed:
            outcome.passed_notes.append(result.line.removeprefix("ok  ").strip())
            continue
        if result.skipped:
            outcome.failed.append(
                f"the step '{result.title}' was {result.skipped} ({result.message}), so it is not counted "
                "as passed; run on moto (the default backend) to check it"
            )
        elif result.rogue:
            outcome.failed.append(
                f"if {context.lab.workload} were compromised, it could {result.title}: your policy allows "
                f"{result.action} on {result.resource}"
            )
        else:
            outcome.failed.append(
                f"{context.lab.workload} could not {result.title}: {result.action} on {result.resource} "
                f"was denied ({result.message})"
            )
        if outcome.counterexample is None and not result.skipped:
            outcome.counterexample = Counterexample(result.action, result.resource)
    return outcome


def _refused(body: LiveBody, context: RunContext, refused: StepOutcome) -> Outcome:
    """The live check fails, pointing at the learner's file and line; the other checks still run."""
    assert refused.refused is not None
    names = [*body.policies, *([body.boundary] if body.boundary else [])]
    document = context.submission.files[names[refused.refused]]
    return Outcome(total_cases=1, failed=[refusal_failure(document, refused.message)])
