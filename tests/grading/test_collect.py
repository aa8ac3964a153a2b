"""`grade-class --collect DIR`: the learners' CI results merged into one class report.

The learner workflow (docs/ci/learner-grade.yml) is run locally, step by step, like the pull-request
workflow in test_ci_workflow.py; its artifact is then collected together with forged and stale ones and
1,000 generated results.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.core.errors import InputError
from checker.grading.catalog import find_course
from checker.grading.collect import collect
from tests.grading.conftest import FIXTURE_LAB
from tests.grading.helpers import edit_lab, write
from tests.grading.test_ci_workflow import _run_workflow

LEARNER_WORKFLOW = Path(__file__).resolve().parents[2] / "docs" / "ci" / "learner-grade.yml"
Run = Callable[..., tuple[int, str, str]]


def _learner_ci(tmp_path: Path, course: Path, solution_dir: Path, login: str) -> dict[str, Any]:
    """A learner's repository (their copy of the course, with a lowered pass mark they made themselves),
    the instructor's pinned course in .iamlab-course, and the workflow's shell steps run as GitHub would."""
    repo = tmp_path / f"repo-{login}"
    shutil.copytree(course, repo)
    shutil.copytree(course, repo / ".iamlab-course")
    for name in ("permissions.json", "trust.json", "answers.yaml"):
        shutil.copy(solution_dir / name, repo / "labs" / FIXTURE_LAB / "aws" / name)
    edit_lab(repo / "labs" / FIXTURE_LAB, lambda data: data["clouds"]["aws"].update(pass_mark=0))
    known = {"vars.IAMLAB_LABS": f"{FIXTURE_LAB}:aws", "github.actor": login}
    run = _run_workflow(repo, "", tmp_path / f"run-{login}", LEARNER_WORKFLOW, known)
    assert run.exit_codes["grade"] == 0 and run.outputs["grade"]["learner"] == login
    assert "01-fixture-train (aws)" in run.summary
    artifact: dict[str, Any] = json.loads((repo / "iamlab-artifact" / f"{FIXTURE_LAB}-aws.json").read_text())
    return artifact


def test_the_learner_workflow_uploads_a_result_the_instructor_collects(
    iamlab: Run, course: Path, solution_dir: Path, tmp_path: Path
) -> None:
    artifact = _learner_ci(tmp_path, course, solution_dir, "ada")
    assert [row["learner"] for row in artifact["learners"]] == ["ada"] and artifact["learners"][0]["passed"]
    downloads = tmp_path / "downloads"
    write(downloads / "iamlab-result-ada" / f"{FIXTURE_LAB}-aws.json", json.dumps(artifact))
    # A forged result: full points claimed for a check worth less; a stale one: another lab definition.
    forged = copy.deepcopy(artifact)
    forged["learners"][0]["learner"] = "mallory"
    forged["learners"][0]["result"]["checks"][0]["points"] = 99
    write(downloads / "iamlab-result-mallory" / "r.json", json.dumps(forged))
    stale = copy.deepcopy(artifact)
    stale["learners"][0]["learner"] = "stan"
    stale["grader"]["lab_version"] = "0" * 16
    write(downloads / "iamlab-result-stan" / "r.json", json.dumps(stale))
    # A learner who failed a gate: the verdict is recomputed from the instructor's lab, not taken.
    failed = copy.deepcopy(artifact)
    row = failed["learners"][0]
    row["learner"], row["passed"] = "bob", True
    trust = next(check for check in row["result"]["checks"] if check["id"] == "only-sagemaker-assumes")
    trust.update(passed=False, points=0, message="Only the SageMaker service should be able to take on this role.")
    write(downloads / "iamlab-result-bob" / "r.json", json.dumps(failed))

    out = tmp_path / "class.json"
    code, _, err = iamlab("grade-class", "--collect", str(downloads), "--lab", "01", "--root", str(course), "--out", str(out))
    assert code == 0, err
    learners = {row["learner"]: row for row in json.loads(out.read_text())["learners"]}
    assert learners["ada"]["passed"] is True and learners["ada"]["error"] is None
    assert learners["bob"]["passed"] is False and learners["bob"]["score"] == learners["ada"]["score"] - 1
    assert "claims 99 points" in learners["mallory"]["error"] and learners["mallory"]["result"] is None
    assert "lab version" in learners["stan"]["error"] and "re-run the learner's CI" in learners["stan"]["error"]


def test_collect_refuses_another_labs_results_and_needs_one_source(iamlab: Run, course: Path, tmp_path: Path) -> None:
    write(tmp_path / "a" / "x.json", json.dumps({"lab": "02-other", "cloud": "aws", "learners": []}))
    lab = find_course(explicit=str(course)).load(FIXTURE_LAB)
    with pytest.raises(InputError, match="not 01-fixture-train"):
        collect(lab, "aws", tmp_path / "a")
    code, _, err = iamlab("grade-class", "--lab", "01", "--root", str(course))
    assert code == 2 and "either SUBMISSIONS_DIR" in err


def test_hidden_checks_are_refused_with_collect_and_interviews(iamlab: Run, course: Path, tmp_path: Path) -> None:
    """A learner's CI never runs the instructor's hidden checks, so merging its results "with" them would grade
    nothing hidden (and call every result stale); an interview has its own rubric. Both say so, not ignore it."""
    write(tmp_path / "checks" / FIXTURE_LAB / "checks.yaml", f"lab: {FIXTURE_LAB}\n")
    (tmp_path / "downloads").mkdir()
    code, _, err = iamlab("grade-class", "--collect", str(tmp_path / "downloads"), "--lab", "01", "--root", str(course),
                          "--checks", str(tmp_path / "checks"))
    assert code == 2 and "--checks cannot be used with --collect" in err and "SUBMISSIONS_DIR --checks DIR" in err
    code, _, err = iamlab("grade-class", str(tmp_path / "downloads"), "--interview", "01", "--checks",
                          str(tmp_path / "checks"))
    assert code == 2 and "--checks applies to labs, not interview scenarios" in err


def test_collecting_1000_results(course: Path, solution_dir: Path, tmp_path: Path) -> None:
    """1,000 generated results (each check failed at random) merge into one report; the time is printed."""
    artifact = _learner_ci(tmp_path, course, solution_dir, "seed")
    lab = find_course(explicit=str(course)).load(FIXTURE_LAB)
    chooser = random.Random(22)
    expected: dict[str, int] = {}
    downloads = tmp_path / "downloads"
    for number in range(1000):
        generated = copy.deepcopy(artifact)
        row = generated["learners"][0]
        row["learner"] = f"learner-{number:04d}"
        for check in row["result"]["checks"]:
            if chooser.random() < 0.3:
                check.update(passed=False, points=0)
        expected[row["learner"]] = sum(check["points"] for check in row["result"]["checks"])
        write(downloads / f"iamlab-result-{row['learner']}" / f"{FIXTURE_LAB}-aws.json", json.dumps(generated))
    started = time.perf_counter()
    report = collect(lab, "aws", downloads)
    elapsed = time.perf_counter() - started
    print(f"collected 1000 results in {elapsed:.2f} s")
    assert len(report.learners) == 1000 and all(learner.error is None for learner in report.learners)
    assert {learner.learner: learner.score for learner in report.learners} == expected
    assert elapsed < 60  # a class of 1,000 merges in seconds on one core; grading them would take hours
