"""Run the shell steps of docs/ci/iamlab-grade.yml locally, the way GitHub Actions runs them.

GitHub runs `run:` steps with `bash --noprofile --norc -eo pipefail {0}`, passes step outputs through the
file named by GITHUB_OUTPUT and the job summary through GITHUB_STEP_SUMMARY, and skips a step after a
failure unless its `if:` says always() (docs.github.com, "Workflow syntax for GitHub Actions": jobs.<id>.steps
shell / if; "Workflow commands": setting an output parameter, adding a job summary).
`uses:` steps (checkout, setup-python, publishing) are GitHub's own and are not run here; the install step
is replaced by the test's virtualenv, which already has `iamlab`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from junitparser import JUnitXml

from tests.grading.conftest import FIXTURE_COURSE
from tests.grading.helpers import edit_lab, write

WORKFLOW = Path(__file__).resolve().parents[2] / "docs" / "ci" / "iamlab-grade.yml"
LAB = "01-fixture-train"
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


@dataclass
class Run:
    repo: Path
    summary: str
    exit_codes: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _pull_request(tmp_path: Path, change: Any) -> tuple[Path, str]:
    """A course repository with a base commit, and a head commit made by `change(repo)`."""
    repo = tmp_path / "repo"
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copytree(FIXTURE_COURSE, repo)
    # The workflow test grades without the prover: keep the checks every engine decides today.
    def drop_within(data: dict[str, Any]) -> None:
        aws = data["clouds"]["aws"]
        aws["checks"] = [check for check in aws["checks"] if check["kind"] not in ("within", "findings")]
        aws["pass_mark"] = 6

    edit_lab(repo / "labs" / LAB, drop_within)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD")
    change(repo)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "learner's pull request", "--allow-empty")
    return repo, base


def _run_workflow(
    repo: Path, base: str, tmp_path: Path, workflow_file: Path = WORKFLOW, known: dict[str, str] | None = None
) -> Run:
    """`known`: values of further expressions (repository variables, github.actor) for this run."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    workflow = yaml.safe_load(workflow_file.read_text())
    steps = workflow["jobs"]["grade"]["steps"]
    summary = tmp_path / "summary.md"
    summary.write_text("")
    run = Run(repo, "")
    failed = False
    for index, step in enumerate(steps):
        condition = str(step.get("if", "success()"))
        if failed and "always()" not in condition:
            continue
        if "uses" in step:
            continue
        if step.get("id") == "install":
            assert "pip install" in step["run"]
            continue
        step_id = step.get("id", f"step{index}")
        output_file = tmp_path / f"output-{step_id}"
        output_file.write_text("")
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "CI": "true",
        }
        env.pop("IAMLAB_ROOT", None)
        for name, value in (step.get("env") or {}).items():
            env[name] = _evaluate(str(value), base, run.outputs, known or {})
        script = tmp_path / f"{step_id}.sh"
        script.write_text(step["run"])
        assert "${{" not in step["run"], "keep expressions in env:, so the script runs outside GitHub"
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=repo, env=env, capture_output=True, text=True, timeout=120,
        )
        run.exit_codes[step_id] = done.returncode
        run.outputs[step_id] = dict(
            line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
        )
        failed = failed or done.returncode != 0
    run.summary = summary.read_text()
    return run


def _evaluate(text: str, base: str, outputs: dict[str, dict[str, str]], known: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression in known:
            return known[expression]
        if expression == "github.event.pull_request.base.sha":
            return base
        if expression.startswith("vars."):
            return ""  # repository variables are unset in a fresh course repository
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if step:
            return outputs.get(step.group(1), {}).get(step.group(2), "")
        raise AssertionError(f"the test does not know the expression {expression!r}; teach _evaluate")

    return EXPRESSION.sub(value, text)


def _solve(repo: Path) -> None:
    for name in ("permissions.json", "trust.json", "answers.yaml"):
        shutil.copy(repo / "solutions" / LAB / "aws" / name, repo / "labs" / LAB / "aws" / name)


def test_a_solving_pull_request_passes(tmp_path: Path) -> None:
    repo, base = _pull_request(tmp_path, _solve)
    run = _run_workflow(repo, base, tmp_path)
    assert run.outputs["detect"]["pairs"].split() == [f"{LAB}:aws"]
    assert run.exit_codes["grade"] == 0 and run.outputs["grade"]["status"] == "0"
    assert run.exit_codes["verdict"] == 0
    xml = JUnitXml.fromfile(str(repo / "iamlab-results" / f"{LAB}-aws.xml"))
    suite = next(iter(xml))
    assert suite.tests == 5 and suite.failures == 0
    assert f"✅ {LAB} (aws)" in run.summary


def test_a_pull_request_that_does_not_pass_fails_the_job(tmp_path: Path) -> None:
    def half_done(repo: Path) -> None:
        _solve(repo)
        write(repo / "labs" / LAB / "aws" / "trust.json", (repo / "labs" / LAB / ".starter" / "aws" / "trust.json").read_text() + "\n")

    repo, base = _pull_request(tmp_path, half_done)
    run = _run_workflow(repo, base, tmp_path)
    assert run.outputs["grade"]["status"] == "1"
    assert run.exit_codes["verdict"] == 1  # the verdict step fails the job
    suite = next(iter(JUnitXml.fromfile(str(repo / "iamlab-results" / f"{LAB}-aws.xml"))))
    assert suite.failures == 1 and "❌" in run.summary and "only-sagemaker-assumes" in run.summary


def test_a_malformed_file_is_reported_with_its_line(tmp_path: Path) -> None:
    def malformed(repo: Path) -> None:
        write(repo / "labs" / LAB / "aws" / "permissions.json", '{"Version": "2012-10-17",\n "Statement": [}\n')

    repo, base = _pull_request(tmp_path, malformed)
    run = _run_workflow(repo, base, tmp_path)
    assert run.outputs["grade"]["status"] == "1" and run.exit_codes["verdict"] == 1
    assert "could not be graded" in run.summary and "permissions.json:2:" in run.summary


@pytest.mark.parametrize("touch", ["README.md", "solutions/01-fixture-train/aws/trust.json"])
def test_a_pull_request_without_lab_changes_grades_nothing(tmp_path: Path, touch: str) -> None:
    def unrelated(repo: Path) -> None:
        write(repo / touch, "changed\n")

    repo, base = _pull_request(tmp_path, unrelated)
    run = _run_workflow(repo, base, tmp_path)
    assert run.outputs["detect"]["pairs"].strip() == ""
    assert run.exit_codes["verdict"] == 0 and "nothing to grade" in run.summary


def _skip_the_model_and_answer_wrongly(repo: Path) -> None:
    """A submission worth 5 of 7 points (pass mark 6): no model write, a wrong answer."""
    _solve(repo)
    folder = repo / "labs" / LAB / "aws"
    permissions = (folder / "permissions.json").read_text()
    write(folder / "permissions.json", permissions.replace('"s3:PutObject"', '"s3:GetObjectVersion"'))
    write(folder / "answers.yaml", "listing-condition-key: s3:delimiter\n")


@pytest.mark.parametrize("tamper", ["lower the pass mark", "delete the failing checks", "both"])
def test_a_pull_request_that_edits_its_lab_definition_does_not_change_the_grade(tmp_path: Path, tamper: str) -> None:
    """The workflow grades against the base commit's lab.yaml (the instructor's pinned copy), never the
    pull request's: lowering the pass mark or deleting checks in the pull request changes nothing."""

    def tampered(repo: Path) -> None:
        _skip_the_model_and_answer_wrongly(repo)

        def edit(data: dict[str, Any]) -> None:
            aws = data["clouds"]["aws"]
            if tamper != "delete the failing checks":
                aws["pass_mark"] = 0
            if tamper != "lower the pass mark":
                aws["checks"] = [c for c in aws["checks"] if c["id"] not in ("writes-model", "condition-key")]
                aws["pass_mark"] = min(aws["pass_mark"], 5)

        edit_lab(repo / "labs" / LAB, edit)

    untouched_repo, untouched_base = _pull_request(tmp_path / "honest", _skip_the_model_and_answer_wrongly)
    honest = _run_workflow(untouched_repo, untouched_base, tmp_path / "honest")
    repo, base = _pull_request(tmp_path / "tampered", tampered)
    run = _run_workflow(repo, base, tmp_path / "tampered")
    for graded in (honest, run):
        assert graded.outputs["grade"]["status"] == "1" and graded.exit_codes["verdict"] == 1
        suite = next(iter(JUnitXml.fromfile(str(graded.repo / "iamlab-results" / f"{LAB}-aws.xml"))))
        assert suite.tests == 5 and suite.failures == 2
        assert "5/7 points, 6 needed" in graded.summary
