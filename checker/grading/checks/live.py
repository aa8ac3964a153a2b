"""`live`: run the lab's workload against an emulator with the learner's policies installed.

The workload is a Python file next to lab.yaml, written by the lab's author, that defines `WORKLOAD`
(a checker.emulate.workload.Workload): the job's own steps must succeed and its rogue steps (what a
compromised job would try) must be denied. Only the author's file is imported; the learner's files are
read as policy documents, never run. The emulator (moto in this process by default; LocalStack or a
URL with `iamlab check --backend`) is imported only when a lab has a live check, so other checks keep
their fast start. `iamlab run` shows the same run step by step (checker/grading/liverun.py).

A check naming `identities` runs a pipeline instead (checker.emulate.pipeline: WORKLOAD is a `Pipeline`):
one role per identity, each installed with that identity's own documents (its `trust`, every
`permissions`, `permissions 2`, ... and its `boundary`, as the check sees the submission from that
identity), each stage assuming its role with a web identity token for its job's claims.

`iamlab check` starts the run in a forked worker before the other checks (`start`), so it overlaps
them; grading many submissions runs it here, where moto and botocore stay loaded, and runs identical
policies once.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable, Mapping
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
FIELDS = frozenset({"workload", "policies", "boundary", "session", "fill", "identities"})
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
    identities: tuple[str, ...] = ()  # a pipeline's stage roles (ARNs): each installed with its own documents


def parse(node: Node, where: ParseContext) -> LiveBody:
    if where.cloud not in CLOUDS:
        raise node.field("kind").error(f"live checks run on the AWS emulator; the {where.cloud} version cannot use them")
    workload = relative_path(node.field("workload"))
    if not workload.endswith(".py"):
        raise node.field("workload").error("workload must be a Python file next to lab.yaml that defines WORKLOAD")
    if node.has("identities"):
        return _parse_pipeline(node, workload)
    policies = tuple(item.expect(str) for item in node.field("policies").items())
    boundary, session = node.optional_text("boundary"), node.optional_text("session")
    if not policies and boundary is None and session is None:
        raise node.field("policies").error("policies must name at least one submission file")
    fill: dict[str, str] = {}
    if node.has("fill"):
        for key, item in node.field("fill").entries():
            fill[key] = item.expect(str)
    return LiveBody(workload, policies, boundary, node, session, fill)


def _parse_pipeline(node: Node, workload: str) -> LiveBody:
    """A pipeline's check: its documents come from each identity's view of the submission."""
    for name in ("policies", "boundary", "session", "fill"):
        if node.has(name):
            raise node.field(name).error(
                f"a live check with `identities` installs each identity's own documents; remove `{name}`"
            )
    items = list(node.field("identities").items())
    identities = tuple(item.expect(str) for item in items)
    if not identities:
        raise node.field("identities").error("identities must name at least one role ARN")
    for item, arn in zip(items, identities, strict=True):
        if ":role/" not in arn:
            raise item.error(f"{arn!r} is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    return LiveBody(workload, (), None, node, identities=identities)


def logical_files(body: LiveBody) -> list[tuple[str, Node]]:
    if body.identities:
        return []  # each identity's documents come from the submission seen as that identity
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


def role_name(identity: str) -> str:
    """arn:aws:iam::111122223333:role/path/mlops-build -> mlops-build (IAM role names are unique per account)."""
    return identity.rsplit("/", 1)[-1]


def _numbered(name: str) -> int:
    """`permissions` is 1, `permissions N` is N: the order iac_files numbers a role's policies in."""
    suffix = name.removeprefix("permissions").strip()
    return int(suffix) if suffix.isdigit() else 1


@dataclass(frozen=True)
class StageFiles:
    """One identity's documents as the pipeline installs them."""

    trust: LoadedDocument
    policies: tuple[LoadedDocument, ...]
    boundary: LoadedDocument | None

    def documents(self) -> list[LoadedDocument]:
        """In checker.emulate.pipeline.StageRole.documents order: trust, policies, boundary."""
        return [self.trust, *self.policies, *([self.boundary] if self.boundary is not None else [])]

    def role(self) -> RoleData:
        """Plain data (the parent of a forked worker never imports the emulator for it)."""
        boundary = self.boundary.data if self.boundary is not None else None
        return RoleData(self.trust.data, tuple(policy.data for policy in self.policies), boundary)


@dataclass(frozen=True)
class RoleData:
    """A stage role's documents as parsed data: what checker.emulate.pipeline.StageRole is built from."""

    trust: Any
    policies: tuple[Any, ...]
    boundary: Any


def stage_files(identity: str, files: Mapping[str, LoadedDocument], node: Node) -> StageFiles:
    """An identity's trust, permission policies (`permissions`, `permissions 2`, ...) and boundary."""
    if "trust" not in files:
        raise node.field("identities").error(f"the submission seen as {identity} has no trust document")
    policies = sorted((name for name in files if name.split(" ")[0] == "permissions"), key=_numbered)
    return StageFiles(files["trust"], tuple(files[name] for name in policies), files.get("boundary"))


def _pipeline(path: Path, body: LiveBody) -> Any:
    """The lab's Pipeline; every stage's role must be one of the check's identities."""
    from checker.emulate.pipeline import Pipeline

    pipeline = _load_workload(path, body.node)
    if not isinstance(pipeline, Pipeline):
        raise body.node.field("workload").error(
            f"{path.name} must define WORKLOAD as a checker.emulate.pipeline.Pipeline for a check with identities"
        )
    names = {role_name(identity) for identity in body.identities}
    unknown = [role for role in pipeline.roles if role not in names]
    if unknown:
        raise body.node.field("identities").error(
            f"the pipeline's stages use roles {unknown} that identities does not name"
        )
    return pipeline


def load_pipeline(lab: LabSpec, body: LiveBody) -> Any:
    """The lab's Pipeline (a check with identities), its stage roles checked against the identities."""
    return _pipeline(workload_path(lab, body), body)


def installed(body: LiveBody, pipeline: Any, stages: Mapping[str, StageFiles]) -> list[LoadedDocument]:
    """Every installed document in the order PolicyRefused numbers them (the pipeline's role order)."""
    by_name = {role_name(identity): stages[identity] for identity in body.identities}
    return [document for role in pipeline.roles for document in by_name[role].documents()]


def stage_roles(body: LiveBody, stages: Mapping[str, StageFiles]) -> dict[str, RoleData]:
    """The pipeline's input: each role name's documents."""
    return {role_name(identity): stages[identity].role() for identity in body.identities}


def _run_pipeline(
    path: Path, body: LiveBody, roles: Mapping[str, RoleData], backend: str
) -> tuple[StepOutcome, ...]:
    from checker.emulate.pipeline import StageRole, run_pipeline
    from checker.emulate.workload import PolicyRefused

    pipeline = _pipeline(path, body)
    if backend != "moto":
        raise InputError(
            "this lab's live check runs its pipeline on moto only (each stage's token is verified in this process)",
            hint="run `iamlab check` without --backend",
        )
    try:
        report = run_pipeline(
            pipeline, {name: StageRole(r.trust, r.policies, r.boundary) for name, r in roles.items()}
        )
    except PolicyRefused as refused:
        return (StepOutcome(False, False, "install the stage roles", "", "", refused.message, "", refused.document),)
    return tuple(
        StepOutcome(r.passed, r.step.rogue, r.step.title, r.action, r.resource, r.message, r.line(), None, r.skipped)
        for r in report.results
    )


def _pipeline_cached(
    path: Path, body: LiveBody, roles: Mapping[str, RoleData], backend: str
) -> tuple[StepOutcome, ...]:
    if backend != "moto":
        return _run_pipeline(path, body, roles, backend)
    key = [str(path), {name: [role.trust, list(role.policies), role.boundary] for name, role in roles.items()}]
    return _reports.answer(key, lambda: _run_pipeline(path, body, roles, backend))


FilesOf = Callable[[str], Mapping[str, LoadedDocument]]


def prepare(body: LiveBody, lab: LabSpec, backend: str = "moto") -> Early | None:
    """The worker for this check, before the learner's files are read (`iamlab check`): the spare one
    `iamlab check` forked at its start, or one forked now. While this process reads the files, it imports
    the emulator and loads what this workload's run reads (`ready`); `start` then gives it the run.
    None when no worker can be forked here.
    """
    from checker.grading.early import Early, can_fork, take_spare

    try:
        path = workload_path(lab, body)
    except InputError:
        return None  # run() reports it in its turn
    worker = take_spare()
    if worker is None:
        if not can_fork():
            return None
        try:
            worker = Early.spare(import_emulator)
        except OSError:  # no process could be started (a limit reached): start() or run() does it
            return None
    return worker if worker.ready(functools.partial(ready, path, body, backend)) else None


def fork_spare() -> None:
    """Fork the worker a live check may take (checker/grading/early.py) as soon as `iamlab check` starts."""
    from checker.grading.early import fork_spare as fork

    fork(import_emulator)


def import_emulator() -> None:
    """What every live run imports first: the enforcer, the workload and pipeline runners, boto3, moto."""
    from moto import mock_aws  # noqa: F401

    import checker.emulate.pipeline  # noqa: F401
    import checker.emulate.workload  # noqa: F401


def ready(path: Path, body: LiveBody, backend: str) -> None:
    """The lab's workload loaded and the caches its run reads filled (the run itself is unchanged)."""
    if body.identities:
        from checker.emulate.pipeline import ready as ready_pipeline

        ready_pipeline(_pipeline(path, body), backend)
    else:
        from checker.emulate.workload import ready as ready_workload

        ready_workload(_workload_for(path, body.node, body.fill), backend)


def start(
    body: LiveBody,
    lab: LabSpec,
    files: Mapping[str, LoadedDocument],
    backend: str = "moto",
    files_of: FilesOf | None = None,
    *,
    prepared: Early | None = None,
) -> Early | None:
    """Begin the run in a forked worker now, so it overlaps the other checks (`iamlab check`).

    `files_of(identity)`: the submission's documents seen as another identity (a pipeline's stage roles).
    `prepared`: the worker `prepare` readied for this check, which is given the run.
    """
    from checker.grading.early import Early, can_fork

    if prepared is None and not can_fork():
        return None
    try:
        path = workload_path(lab, body)
        work = _work(body, path, files, files_of, backend)
    except InputError:
        work = None  # run() reports it in its turn
    if work is None:
        if prepared is not None:
            prepared.close()
        return None
    if prepared is not None:
        return prepared if prepared.give(work) else None
    try:
        return Early(work)
    except OSError:  # no process could be started (a limit reached): run() does it here
        return None


def _work(
    body: LiveBody, path: Path, files: Mapping[str, LoadedDocument], files_of: FilesOf | None, backend: str
) -> Callable[[], tuple[StepOutcome, ...]] | None:
    """The run with the learner's documents, as a task a worker can be sent (pickled); None when run()
    must do it here."""
    if body.identities:
        if files_of is None:
            return None
        stages = {identity: stage_files(identity, files_of(identity), body.node) for identity in body.identities}
        return functools.partial(_run_pipeline, path, body, stage_roles(body, stages), backend)
    names = [*body.policies, *([body.boundary] if body.boundary else []), *([body.session] if body.session else [])]
    if any(name not in files for name in names):
        return None  # run() does it here (and names a missing file the usual way)
    policies = [files[name].data for name in body.policies]
    boundary = files[body.boundary].data if body.boundary else None
    session = filled_session(body, files.get(body.session) if body.session else None)
    return functools.partial(_run, path, body.node, policies, boundary, session, body.fill, backend)


def run(body: LiveBody, context: RunContext) -> Outcome:
    early: Early | None = context.started.get(body.node.pointer)
    try:
        path = workload_path(context.lab, body)
        if early is not None:
            steps: tuple[StepOutcome, ...] = early.result()
        elif body.identities:
            _pipeline(path, body)  # the lab's own file first: its errors come before the learner's
            roles = stage_roles(body, _stages(body, context))
            steps = _pipeline_cached(path, body, roles, context.backend)
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
        elif result.action == _ASSUME:
            outcome.failed.append(_assume_failure(result))
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


_ASSUME = "sts:AssumeRoleWithWebIdentity"


def _assume_failure(result: StepOutcome) -> str:
    """A stage's token decided by the role's trust policy: admitted when it must not be, or refused."""
    role = role_name(result.resource)
    if result.rogue:
        return (
            f"the step '{result.title}' was allowed: the trust policy of {role} admits that token, so whoever "
            f"can run a workflow that way gets {role}'s permissions"
        )
    return (
        f"the step '{result.title}' was denied ({result.message}), so that job cannot run at all: the trust "
        f"policy of {role} must admit its own job's token"
    )


def _stages(body: LiveBody, context: RunContext) -> dict[str, StageFiles]:
    """Each identity's documents, as the checks naming that identity see the submission."""
    return {
        identity: stage_files(identity, context.about(identity).submission.files, body.node)
        for identity in body.identities
    }


def _refused(body: LiveBody, context: RunContext, refused: StepOutcome) -> Outcome:
    """The live check fails, pointing at the learner's file and line; the other checks still run."""
    assert refused.refused is not None
    if body.identities:
        document = installed(body, load_pipeline(context.lab, body), _stages(body, context))[refused.refused]
    else:
        names = [*body.policies, *([body.boundary] if body.boundary else [])]
        document = context.submission.files[names[refused.refused]]
    return Outcome(total_cases=1, failed=[refusal_failure(document, refused.message)])
