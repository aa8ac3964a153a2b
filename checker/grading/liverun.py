"""`iamlab run` and the notebooks: the lab's live check, run for real and shown call by call.

It is the live check's own run (`checker.emulate.workload.run_workload`, the same workload file, the
same seeding and enforcement), only shown step by step instead of scored: each API call, allowed or
denied, the deciding policy and statement or the clause that failed, and for a compromised job's
steps whether they were stopped. Every lab whose lab.yaml has a `live` check for the cloud supports it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument
from checker.grading.checks.live import (
    KIND,
    LiveBody,
    filled_session,
    installed,
    load_pipeline,
    load_workload,
    stage_files,
    stage_roles,
)
from checker.grading.located import Node
from checker.grading.runner import submission_files, submission_folder
from checker.grading.spec import LabSpec

if TYPE_CHECKING:
    from checker.emulate.workload import StepResult, WorkloadReport


@dataclass(frozen=True)
class LiveRun:
    """One run of each live check of a lab's cloud version; renders as a table in Jupyter."""

    lab: str
    cloud: str
    backend: str
    runs: tuple[tuple[str, WorkloadReport], ...]  # (the check's title, its report), in lab.yaml's order

    @property
    def passed(self) -> bool:
        """Every job step succeeded and every rogue step was denied (a step not run never passes)."""
        return all(report.passed for _, report in self.runs)

    def to_json(self) -> dict[str, Any]:
        return {
            "lab": self.lab,
            "cloud": self.cloud,
            "backend": self.backend,
            "passed": self.passed,
            "runs": [
                {
                    "check": title,
                    "passed": report.passed,
                    "summary": report.summary(),
                    "not_run": report.not_run,
                    "steps": report.to_json(),
                }
                for title, report in self.runs
            ],
        }

    def _repr_html_(self) -> str:
        return render_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's text for a run (stored next to the HTML in a notebook): the verdict and each check's summary."""
        lines = [f"{self.lab} ({self.cloud}) run on {self.backend}: {'passed' if self.passed else 'not passed'}"]
        lines += [f"  {title}: {report.summary()}" for title, report in self.runs]
        printer.text("\n".join(lines))


def run_lab(
    lab: LabSpec,
    cloud: str | None = None,
    submission: Path | None = None,
    *,
    backend: str = "moto",
    on_step: Callable[[StepResult], None] | None = None,
    on_check: Callable[[str], None] | None = None,
) -> LiveRun:
    """Run each live check of the lab's cloud version on `backend` with the learner's files installed.

    `submission`: the learner's folder (default: the lab's cloud folder). `on_check` hears each live
    check's title before its run, `on_step` each step's result as soon as it is known.
    """
    from checker.emulate.backends import check_backend_name
    from checker.emulate.workload import PolicyRefused, run_workload

    check_backend_name(backend)
    spec = lab.cloud(cloud)
    checks = [check for check in spec.checks if check.kind == KIND]
    if not checks:
        raise InputError(
            f"lab {lab.id} has nothing to run for {spec.cloud}: its lab.yaml has no `live` check there",
            Where(str(lab.folder / "lab.yaml")),
            "`iamlab check` grades it offline; run a lab whose workload can run (for example 01 on aws)",
        )
    folder = submission_folder(lab, spec, submission)
    for check in checks:
        load_workload(lab, check.body)  # the lab's own file first: its errors come before the learner's
    models: dict[str, Any] = {}  # each infrastructure-code file read once for every identity
    files = submission_files(lab, spec, folder, models=models)
    runs = []
    for check in checks:
        body: LiveBody = check.body
        if body.identities:
            if on_check is not None:
                on_check(check.title)
            runs.append((check.title, _run_pipeline(lab, spec.cloud, folder, body, backend, on_step, models)))
            continue
        workload = load_workload(lab, body)
        if callable(workload):  # a function of the job (lab 03 runs one job per team)
            workload = workload(**body.fill)
        documents = [_learner_file(files, name, body.node.field("policies")) for name in body.policies]
        boundary = _learner_file(files, body.boundary, body.node.field("boundary")) if body.boundary else None
        session_file = _learner_file(files, body.session, body.node.field("session")) if body.session else None
        session = filled_session(body, session_file)
        if on_check is not None:
            on_check(check.title)
        try:
            report = run_workload(
                workload,
                [document.data for document in documents],
                boundary.data if boundary is not None else None,
                backend=backend,
                names=[PurePath(document.path).stem for document in documents],
                on_step=on_step,
                session_policy=session,
            )
        except PolicyRefused as refused:
            from checker.grading.checks.refusal import refusal_failure

            every = [*documents, *([boundary] if boundary is not None else []), *([session_file] if session_file else [])]
            raise InputError(refusal_failure(every[refused.document], refused.message)) from None
        runs.append((check.title, report))
    return LiveRun(lab.id, spec.cloud, backend, tuple(runs))


def _run_pipeline(
    lab: LabSpec, cloud: str, folder: Path, body: LiveBody, backend: str,
    on_step: Callable[[StepResult], None] | None, models: dict[str, Any],
) -> WorkloadReport:
    """A pipeline's run: each stage role installed with the documents of the submission seen as it."""
    from checker.emulate.pipeline import StageRole, run_pipeline
    from checker.emulate.workload import PolicyRefused
    from checker.grading.checks.refusal import refusal_failure

    pipeline = load_pipeline(lab, body)
    if backend != "moto":
        raise InputError(
            f"lab {lab.id}'s live check runs its pipeline on moto only (each stage's token is verified in this "
            "process)", Where(str(lab.folder / "lab.yaml")), "run it without --backend",
        )
    spec = lab.cloud(cloud)
    stages = {
        identity: stage_files(identity, submission_files(lab, spec, folder, identity, models), body.node)
        for identity in body.identities
    }
    try:
        roles = {name: StageRole(r.trust, r.policies, r.boundary) for name, r in stage_roles(body, stages).items()}
        return run_pipeline(pipeline, roles, on_step=on_step)
    except PolicyRefused as refused:
        raise InputError(refusal_failure(installed(body, pipeline, stages)[refused.document], refused.message)) from None


def _learner_file(files: Mapping[str, LoadedDocument], name: str, node: Node) -> LoadedDocument:
    document = files.get(name)
    if document is None:
        raise node.error(f"no submission file is named {name!r} under this cloud's `files`")
    return document


# --- the notebook's table ---------------------------------------------------------------------------

_STYLE = {
    True: "background:#e6f4ea;color:#137333",  # green: the step went as it must
    False: "background:#fce8e6;color:#a50e0e",  # red: the job broke, or a compromised job got through
}


def render_html(run: LiveRun) -> str:
    """One table per live check, one row per API call, green when it went as it must, red otherwise."""
    parts = [
        f"<p><b>{html.escape(run.lab)}</b> ({html.escape(run.cloud)}) run on "
        f"<b>{html.escape(run.backend)}</b>: {'passed' if run.passed else 'not passed'}</p>"
    ]
    for title, report in run.runs:
        rows = "".join(_row(result) for result in report.results)
        parts.append(
            f"<p>{html.escape(title)}</p>"
            '<table><thead><tr><th>step</th><th>kind</th><th>API call</th><th>decision</th>'
            "<th>action and resource</th><th>why</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p>{html.escape(report.summary())}</p>"
        )
    return "".join(parts)


def _row(result: StepResult) -> str:
    cells = [
        result.step.title,
        "compromised job" if result.step.rogue else "job",
        result.operation,
        result.shown_decision,
        f"{result.action} on {result.resource}" if not result.skipped else "",
        result.why or result.message,
    ]
    body = "".join(f"<td>{html.escape(cell)}</td>" for cell in cells)
    return f'<tr style="{_STYLE[result.passed]}">{body}</tr>'
