"""Findings about GitHub Actions workflows (the AWS policy findings live in checker.aws.analyze.findings).

- GHA-ID-TOKEN-WORKFLOW-LEVEL: `id-token: write` granted at workflow level reaches every job that does not
  set its own `permissions`, including jobs that assume no role ("GITHUB_TOKEN reference": a job without
  `permissions` gets the workflow's; GitHub's security hardening guide: grant the least required).
- GHA-DEPLOY-WITHOUT-LINT: a job that assumes a cloud role does not wait for the job that runs the policy
  linter (`needs`, directly or through other jobs), or waits for it but cannot be stopped by it (the lint job
  has `continue-on-error: true`, or the deploy job's `if` can run it after a failed need (job_conditions.py), which runs a job after
  a failed need - "Using conditions to control job execution").
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.core.errors import Where
from checker.core.findings import Finding, Severity
from checker.iac.job_conditions import skipped_after_failure
from checker.iac.model import Workflow, WorkflowJob

GITHUB_DOCS = "https://docs.github.com/en/actions"


@dataclass(frozen=True)
class WorkflowCode:
    code: str
    severity: Severity
    title: str
    hint: str
    doc: str


CODES: dict[str, WorkflowCode] = {
    c.code: c
    for c in (
        WorkflowCode(
            "GHA-ID-TOKEN-WORKFLOW-LEVEL",
            Severity.WARNING,
            "id-token: write at workflow level reaches jobs that assume no role",
            "move `permissions: id-token: write` into the jobs that exchange the token for cloud credentials",
            f"{GITHUB_DOCS}/reference/security/oidc",
        ),
        WorkflowCode(
            "GHA-DEPLOY-WITHOUT-LINT",
            Severity.WARNING,
            "a deploy job does not wait for the policy lint job",
            "add the lint job to the deploy job's `needs`, and let a failed lint stop the deploy",
            f"{GITHUB_DOCS}/writing-workflows/choosing-when-your-workflow-runs/using-conditions-to-control-job-execution",
        ),
    )
}

def check(workflow: Workflow, lint_commands: tuple[str, ...] = ("iamlab lint",)) -> list[Finding]:
    found: list[Finding] = []
    found.extend(_workflow_level_token(workflow))
    found.extend(_deploy_without_lint(workflow, lint_commands))
    return found


def _finding(code: str, message: str, where: Where | None) -> Finding:
    entry = CODES[code]
    return Finding(code, entry.severity, message, where, entry.hint, entry.doc)


def _workflow_level_token(workflow: Workflow) -> list[Finding]:
    if not workflow.grants_token_at_workflow_level:
        return []
    idle = [job.job_id for job in workflow.jobs
            if job.permission_level == "workflow" and not job.assumes and job.reusable_workflow is None]
    if not idle:
        return []
    return [
        _finding(
            "GHA-ID-TOKEN-WORKFLOW-LEVEL",
            f"`id-token: write` is granted to the whole workflow, so job(s) {', '.join(idle)} can request an OIDC "
            "token although they assume no role; a compromised step there could mint a token for your cloud",
            workflow.permissions_where,
        )
    ]


def _deploy_without_lint(workflow: Workflow, lint_commands: tuple[str, ...]) -> list[Finding]:
    lint_jobs = [job for job in workflow.jobs if job.job_id in workflow_lint_jobs(workflow, lint_commands)]
    if not lint_jobs:
        return []
    by_id = {job.job_id: job for job in workflow.jobs}
    found: list[Finding] = []
    for job in workflow.jobs:
        if not job.assumes or job in lint_jobs:
            continue
        upstream = _upstream(job, by_id)
        waits = [lint for lint in lint_jobs if lint.job_id in upstream]
        if not waits:
            names = ", ".join(lint.job_id for lint in lint_jobs)
            found.append(_finding(
                "GHA-DEPLOY-WITHOUT-LINT",
                f"job {job.job_id} assumes {_targets(job)} but does not need the lint job ({names}), so it can deploy "
                "a policy the linter would reject",
                job.where,
            ))
            continue
        soft = [lint.job_id for lint in waits if lint.continue_on_error is True]
        runs_anyway = job.condition is not None and not skipped_after_failure(job.condition)
        if runs_anyway or len(soft) == len(waits):
            reason = (f"its if ({job.condition}) runs it even when the lint job fails" if runs_anyway
                      else f"the lint job {', '.join(soft)} has continue-on-error: true, so its failure does not stop it")
            found.append(_finding(
                "GHA-DEPLOY-WITHOUT-LINT",
                f"job {job.job_id} assumes {_targets(job)} after the lint job, but {reason}",
                job.where,
            ))
    return found


def workflow_lint_jobs(workflow: Workflow, lint_commands: tuple[str, ...]) -> set[str]:
    """The lint jobs: a job whose id says "lint" or one of whose steps runs a lint command."""
    return {
        job.job_id
        for job in workflow.jobs
        if "lint" in job.job_id.lower() or any(cmd in step for step in job.commands for cmd in lint_commands)
    }


def _upstream(job: WorkflowJob, by_id: dict[str, WorkflowJob]) -> set[str]:
    seen: set[str] = set()
    work = list(job.needs)
    while work:
        name = work.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in by_id:
            work.extend(by_id[name].needs)
    return seen


def _targets(job: WorkflowJob) -> str:
    return ", ".join(a.target or a.cloud for a in job.assumes)
