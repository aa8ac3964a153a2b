"""`workflow`: rules on a GitHub Actions workflow the learner submits (read by checker/iac/workflows.py).

One rule per check (`rule:`), each a statement about jobs GitHub documents:
- `id-token-only-where-assumed`: only jobs that exchange the OIDC token for a cloud identity may request one
  ("GITHUB_TOKEN reference": `id-token: write` lets a job fetch a token; a workflow-level grant reaches
  every job that does not set its own `permissions`).
- `own-identity-per-job`: `jobs` maps each job to the one identity it must assume (null: none). A GCP job's
  identity is the service account `google-github-actions/auth` impersonates (`service_account`), or the
  workload identity provider itself when it uses the federated identity directly.
- `needs-lint`: `job` names `lint_job` in its own `needs`, and its `if` does not run it after a failed need
  (`always()`, `failure()`, `!cancelled()`: "Using conditions to control job execution").
- `in-environment`: `job` runs in `environment` (its token's `sub` then names the environment).
- `can-fail`: `job` can fail the run: no `continue-on-error` on it or its steps, and no command that
  swallows a failure (`|| true`, `|| :`, `|| exit 0`, `; true`, `set +e`).
Each job the rule looks at is one case; a failure names the workflow's line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checker.core.errors import InputError
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.located import Node

KIND = "workflow"
FIELDS = frozenset({"file", "rule", "jobs", "job", "lint_job", "environment", "repository"})
RULES = ("id-token-only-where-assumed", "own-identity-per-job", "needs-lint", "in-environment", "can-fail")

# Shell that turns a failing command into a success (bash, as GitHub runs `run:` on Linux by default).
_SWALLOWS = re.compile(r"\|\|\s*(true|:|exit\s+0)\b|;\s*true\s*$|\bset\s+\+e\b", re.MULTILINE)
_RUNS_AFTER_FAILURE = re.compile(r"\b(always|failure)\s*\(\s*\)|!\s*cancelled\s*\(\s*\)")


@dataclass(frozen=True)
class WorkflowBody:
    file: str
    rule: str
    jobs: dict[str, str | None]
    job: str | None
    lint_job: str | None
    environment: str | None
    node: Node


def parse(node: Node, where: ParseContext) -> WorkflowBody:
    rule = node.choice("rule", RULES)
    jobs: dict[str, str | None] = {}
    if node.has("jobs"):
        for name, target in node.field("jobs").entries():
            if target.value is not None and not isinstance(target.value, str):
                raise target.error("each job maps to the identity it assumes (text) or null for none")
            jobs[name] = target.value
    body = WorkflowBody(node.text("file"), rule, jobs, node.optional_text("job"), node.optional_text("lint_job"),
                        node.optional_text("environment"), node)
    needed = {"id-token-only-where-assumed": ("jobs",), "own-identity-per-job": ("jobs",),
              "needs-lint": ("job", "lint_job"), "in-environment": ("job", "environment"), "can-fail": ("job",)}
    for field_name in needed[rule]:
        if not node.has(field_name):
            raise node.error(f"a workflow check with rule {rule} needs `{field_name}`")
    return body


def logical_files(body: WorkflowBody) -> list[tuple[str, Node]]:
    return [(body.file, body.node.field("file"))]


def run(body: WorkflowBody, context: RunContext) -> Outcome:
    from checker.iac.workflows import read_workflow  # the reader loads only when a lab grades a workflow

    document = context.submission.files.get(body.file)
    if document is None:
        raise InputError(f"the submission has no file {body.file!r}")
    workflow = read_workflow(document.path)
    jobs = {job.job_id: job for job in workflow.jobs}
    return _RULES[body.rule](body, jobs, document.data)


def _job_at(job: Any) -> str:
    return f"{job.where.file}:{job.where.line}"


def _id_token(body: WorkflowBody, jobs: dict[str, Any], data: Any) -> Outcome:
    outcome = Outcome(total_cases=len(jobs))
    for job in jobs.values():
        if job.can_request_token and not job.assumes:
            at = job.permission_where
            place = f"{at.file}:{at.line}" if at is not None else _job_at(job)
            outcome.failed.append(
                f"job {job.job_id} can request an OIDC token (id-token: write at {job.permission_level} level, "
                f"{place}) but assumes no cloud identity"
            )
    return outcome


def _own_identity(body: WorkflowBody, jobs: dict[str, Any], data: Any) -> Outcome:
    outcome = Outcome(total_cases=len(body.jobs))
    for name, expected in body.jobs.items():
        job = jobs.get(name)
        if job is None:
            outcome.failed.append(f"the workflow has no job {name}")
            continue
        targets = {_identity_of(a) for a in job.assumes}
        wanted = {expected} if expected is not None else set()
        if targets != wanted:
            shown = ", ".join(sorted(str(t) for t in targets)) or "no identity"
            outcome.failed.append(
                f"job {name} ({_job_at(job)}) assumes {shown}; it must assume "
                f"{expected if expected is not None else 'no identity'}"
            )
    return outcome


def _identity_of(assumption: Any) -> str | None:
    """What the job becomes: for GCP the impersonated service account (every stage shares the one provider)."""
    if assumption.cloud == "gcp" and assumption.service_account is not None:
        return str(assumption.service_account)
    return str(assumption.target) if assumption.target is not None else None


def _needs_lint(body: WorkflowBody, jobs: dict[str, Any], data: Any) -> Outcome:
    outcome = Outcome(total_cases=1)
    job = jobs.get(str(body.job))
    if job is None:
        outcome.failed.append(f"the workflow has no job {body.job}")
    elif body.lint_job not in job.needs:
        listed = ", ".join(job.needs) or "nothing"
        outcome.failed.append(f"job {job.job_id} ({_job_at(job)}) needs {listed}, not {body.lint_job}")
    elif job.condition and _RUNS_AFTER_FAILURE.search(job.condition):
        outcome.failed.append(
            f"job {job.job_id} ({_job_at(job)}) has `if: {job.condition}`, which runs it even after {body.lint_job} failed"
        )
    return outcome


def _in_environment(body: WorkflowBody, jobs: dict[str, Any], data: Any) -> Outcome:
    outcome = Outcome(total_cases=1)
    job = jobs.get(str(body.job))
    if job is None:
        outcome.failed.append(f"the workflow has no job {body.job}")
    elif job.environment != body.environment:
        now = f"environment {job.environment}" if job.environment else "no environment"
        outcome.failed.append(f"job {job.job_id} ({_job_at(job)}) runs in {now}, not {body.environment}")
    return outcome


def _can_fail(body: WorkflowBody, jobs: dict[str, Any], data: Any) -> Outcome:
    outcome = Outcome(total_cases=1)
    job = jobs.get(str(body.job))
    if job is None:
        outcome.failed.append(f"the workflow has no job {body.job}")
        return outcome
    if job.continue_on_error not in (False, None):
        outcome.failed.append(
            f"job {job.job_id} ({_job_at(job)}) has continue-on-error: {job.continue_on_error}, so its failure never fails the run"
        )
        return outcome
    steps = ((data.get("jobs") or {}).get(job.job_id) or {}).get("steps") or [] if isinstance(data, dict) else []
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        if step.get("continue-on-error") not in (False, None):
            outcome.failed.append(f"job {job.job_id} step {index + 1} has continue-on-error, so its failure never fails the run")
            return outcome
        command = step.get("run")
        match = _SWALLOWS.search(command) if isinstance(command, str) else None
        if match and isinstance(command, str):
            outcome.failed.append(
                f"job {job.job_id} step {index + 1} runs `{command.strip()}`: `{match.group(0).strip()}` turns a failure into success"
            )
            return outcome
    return outcome


_RULES: dict[str, Callable[[WorkflowBody, dict[str, Any], Any], Outcome]] = {
    "id-token-only-where-assumed": _id_token,
    "own-identity-per-job": _own_identity,
    "needs-lint": _needs_lint,
    "in-environment": _in_environment,
    "can-fail": _can_fail,
}
