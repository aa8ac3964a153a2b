"""`workflow`: rules on a GitHub Actions workflow the learner submits (read by checker/iac/workflows.py).

One rule per check (`rule:`), each a statement about jobs GitHub documents:
- `id-token-only-where-assumed`: only jobs that exchange the OIDC token for a cloud identity may request one
  ("GITHUB_TOKEN reference": `id-token: write` lets a job fetch a token; a workflow-level grant reaches
  every job that does not set its own `permissions`).
- `own-identity-per-job`: `jobs` maps each job to the one identity it must assume (null: none). A GCP job's
  identity is the service account `google-github-actions/auth` impersonates (`service_account`), or the
  workload identity provider itself when it uses the federated identity directly.
- `needs-lint`: `job` names `lint_job` in its own `needs`, and its `if` cannot run it after a failed need
  ("Using conditions to control job execution": no status function, or `success()` as a top-level `&&`
  term; `always()`, `failure()`, `!cancelled()`, `!success()` all fail).
- `in-environment`: `job` runs in `environment` (its token's `sub` then names the environment).
- `can-fail`: `job` runs `command` (e.g. `iamlab lint --rules`: the program, its subcommand and the options it
  must be given) in a step whose failure fails the job and so the run: no `continue-on-error` on the job or
  that step, no `if:` that can skip the step, and a script in which the command's failure ends the step with
  a failure (checker/iac/step_status.py reads the shell's own rules, so `|| echo`, `| tee` without pipefail,
  `set +e` or a lint that never runs all fail the rule).
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
from checker.iac.job_conditions import skipped_after_failure

KIND = "workflow"
FIELDS = frozenset({"file", "rule", "jobs", "job", "lint_job", "environment", "repository", "command"})
RULES = ("id-token-only-where-assumed", "own-identity-per-job", "needs-lint", "in-environment", "can-fail")

# Programs that run another program given by name (`pipx run iamlab lint`), with the words before its name.
_LAUNCHERS = {"uvx": (), "pipx": ("run",), "uv": ("run",), "poetry": ("run",), "pdm": ("run",),
              "pipenv": ("run",), "hatch": ("run",)}
# A step `if:` under which the step runs whenever the job reaches it ("Using conditions to control job
# execution": success() is the default; always() and !cancelled() run it after a failure too).
_ALWAYS_RUNS = re.compile(r"^\s*(\$\{\{\s*)?(success\(\s*\)|always\(\s*\)|true|!\s*cancelled\(\s*\))(\s*\}\})?\s*$")


@dataclass(frozen=True)
class WorkflowBody:
    file: str
    rule: str
    jobs: dict[str, str | None]
    job: str | None
    lint_job: str | None
    environment: str | None
    node: Node
    command: tuple[str, ...] = ()  # `can-fail`: program, subcommand, then options it must carry


def parse(node: Node, where: ParseContext) -> WorkflowBody:
    rule = node.choice("rule", RULES)
    jobs: dict[str, str | None] = {}
    if node.has("jobs"):
        for name, target in node.field("jobs").entries():
            if target.value is not None and not isinstance(target.value, str):
                raise target.error("each job maps to the identity it assumes (text) or null for none")
            jobs[name] = target.value
    command = tuple((node.optional_text("command") or "").split())
    body = WorkflowBody(node.text("file"), rule, jobs, node.optional_text("job"), node.optional_text("lint_job"),
                        node.optional_text("environment"), node, command)
    needed = {"id-token-only-where-assumed": ("jobs",), "own-identity-per-job": ("jobs",),
              "needs-lint": ("job", "lint_job"), "in-environment": ("job", "environment"), "can-fail": ("job", "command")}
    for field_name in needed[rule]:
        if not node.has(field_name):
            raise node.error(f"a workflow check with rule {rule} needs `{field_name}`")
    if rule == "can-fail" and (len(command) < 2 or any(w.startswith("-") for w in command[:2])):
        raise node.field("command").error("`command` names a program and its subcommand, then options, "
                                          "e.g. `iamlab lint --rules`")
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
    elif job.condition and not skipped_after_failure(job.condition):
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
    raw = data if isinstance(data, dict) else {}
    raw_job = (raw.get("jobs") or {}).get(job.job_id) or {}
    steps = raw_job.get("steps") if isinstance(raw_job, dict) else None
    shown = " ".join(body.command)
    problems: list[str] = []
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict) or not isinstance(step.get("run"), str):
            continue
        problem = _step_problem(body, job.job_id, index, step, _default_shell(raw, raw_job), _may_run_on_windows(raw_job))
        if problem is None:
            return outcome
        if problem:
            problems.append(problem)
    if problems:
        outcome.failed.append(problems[0])
    else:
        outcome.failed.append(f"job {job.job_id} ({_job_at(job)}) has no step that runs `{shown} ...`, so nothing "
                              "in it can stop the pipeline")
    return outcome


def _step_problem(body: WorkflowBody, job_id: str, index: int, step: dict[str, Any], default_shell: Any,
                  windows: str | None) -> str | None:
    """None when this step runs the command and its failure fails the job; "" when it does not run it; else why
    the command's failure would not fail the job."""
    from checker.iac.step_status import failure_fails_step, shell_mode

    shell = step.get("shell", default_shell)
    step_at = f"job {job_id} step {index + 1}"
    if shell is None and windows is not None and _mentions(step["run"], body.command):
        # "Workflow syntax for GitHub Actions", shell: on Windows the unspecified shell is pwsh, which goes on
        # after a failing program and ends with the last one's exit code.
        return (f"{step_at} names no shell and its job runs on {windows}, which may be a Windows runner whose "
                "default shell is pwsh; set `shell: bash` on the step")
    mode = shell_mode(None if shell is None else str(shell))
    if isinstance(mode, str):
        return f"{step_at}: {mode}" if _mentions(step["run"], body.command) else ""
    verdict = failure_fails_step(step["run"], mode, lambda words: _runs(words, body.command))
    if not verdict.found or not verdict.fails_step and not _mentions(step["run"], body.command):
        return ""  # "cannot tell" about a step that never names the command is not about the lint
    if step.get("continue-on-error") not in (False, None):
        return f"{step_at} has continue-on-error: {step.get('continue-on-error')}, so its failure never fails the run"
    condition = step.get("if")
    if condition is not None and not _ALWAYS_RUNS.match(str(condition)):
        return f"{step_at} has `if: {condition}`, so it can be skipped and the job still succeeds"
    if not verdict.fails_step:
        return f"{step_at} runs `{' '.join(body.command)}`, but {verdict.reason}"
    return None


def _may_run_on_windows(job: Any) -> str | None:
    """The job's `runs-on` when it names a Windows runner or is chosen by an expression (a matrix may pick one)."""
    runs_on = job.get("runs-on") if isinstance(job, dict) else None
    labels = runs_on if isinstance(runs_on, list) else [runs_on]
    if isinstance(runs_on, dict):  # group/labels form
        found = runs_on.get("labels")
        labels = found if isinstance(found, list) else [found]
    texts = [str(label) for label in labels if label is not None]
    if any("windows" in text.lower() or "${{" in text for text in texts):
        return "runs-on: " + ", ".join(texts)
    return None


def _default_shell(workflow: dict[str, Any], job: Any) -> Any:
    """`defaults.run.shell` of the job, else of the workflow ("Setting default shell and working directory")."""
    for holder in (job, workflow):
        defaults = holder.get("defaults") if isinstance(holder, dict) else None
        run_defaults = defaults.get("run") if isinstance(defaults, dict) else None
        if isinstance(run_defaults, dict) and run_defaults.get("shell") is not None:
            return run_defaults["shell"]
    return None


def _runs(words: tuple[str, ...], command: tuple[str, ...]) -> bool:
    """True when `words` run `command`'s program and subcommand with each option it lists."""
    program = words
    launcher = _LAUNCHERS.get(words[0].rsplit("/", 1)[-1]) if words else None
    if launcher is not None:  # `uvx --from iamlab-checker iamlab lint`: the program is the first word naming it
        rest = [w for w in words[1:] if not w.startswith("-")]
        if tuple(rest[: len(launcher)]) != launcher:
            return False
        names = [i for i, w in enumerate(words) if i > 0 and w.rsplit("/", 1)[-1] == command[0]]
        program = words[names[0]:] if names else ()
    if len(program) < 2 or program[0].rsplit("/", 1)[-1] != command[0] or program[1] != command[1]:
        return False
    return all(any(w == option or w.startswith(option + "=") for w in program[2:]) for option in command[2:])


def _mentions(script: str, command: tuple[str, ...]) -> bool:
    return " ".join(command[:2]) in script


_RULES: dict[str, Callable[[WorkflowBody, dict[str, Any], Any], Outcome]] = {
    "id-token-only-where-assumed": _id_token,
    "own-identity-per-job": _own_identity,
    "needs-lint": _needs_lint,
    "in-environment": _in_environment,
    "can-fail": _can_fail,
}
