"""`iamlab interview` end to end: the list, grading, the reveal rule, the clock, progress, grade-class."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "01-inference-api"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course with no labs and one real interview scenario (progress is written here, not in the repo)."""
    target = tmp_path / "course"
    (target / "labs").mkdir(parents=True)
    shutil.copytree(ROOT / "interviews" / SCENARIO, target / "interviews" / SCENARIO)
    return target


@pytest.fixture
def iamlab(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps tables to the terminal; keep ids on one line

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _model(course: Path) -> str:
    return str(course / "interviews" / SCENARIO / "model" / "aws")


def _weak(course: Path, name: str = "implicit-denies-only") -> str:
    return str(course / "interviews" / SCENARIO / "weak" / "aws" / name)


def _use_as_answer(course: Path, folder: str) -> None:
    """Write `folder`'s files into the candidate's own answer folder (graded without --submission)."""
    for path in Path(folder).iterdir():
        shutil.copy(path, course / "interviews" / SCENARIO / "aws" / path.name)


def _progress(course: Path) -> dict[str, object]:
    data = json.loads((course / ".iamlab-progress.json").read_text(encoding="utf-8"))
    return data["interviews"][SCENARIO]["aws"]  # type: ignore[no-any-return]


def test_list_shows_level_clouds_and_time_limit(iamlab: Run, course: Path) -> None:
    code, out, _ = iamlab("interview", "--root", str(course), "--format", "json")
    assert code == 0
    [row] = json.loads(out)["interviews"]
    assert row["interview"] == SCENARIO and row["level"] == "intermediate"
    assert row["clouds"] == ["aws"] and row["minutes"] == 20 and row["status"] == {"aws": "not started"}
    code, out, _ = iamlab("interview", "--root", str(course))
    assert code == 0 and SCENARIO in out and "intermediate" in out


def test_a_failing_attempt_reveals_nothing(iamlab: Run, course: Path) -> None:
    code, out, _ = iamlab("interview", "01", "--root", str(course), "--submission", _weak(course), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["result"]["passed"] is False
    assert data["interview"]["model"] is None and data["interview"]["rubric"] is None
    code, out, _ = iamlab("interview", "01", "--root", str(course), "--submission", _weak(course))
    assert code == 1 and "DenyOtherSageMaker" not in out and "--reveal" in out
    assert "Interview 01" in out  # the question is shown first


def test_a_passing_attempt_reveals_model_and_rubric(iamlab: Run, course: Path) -> None:
    code, out, _ = iamlab("interview", "01", "--root", str(course), "--submission", _model(course), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["result"]["passed"] is True
    assert "DenyOtherSageMaker" in data["interview"]["model"]["lambda-permissions.json"]
    rubric = {row["check"]: row for row in data["interview"]["rubric"]}
    assert rubric["explicit-denies"]["gate"] is True and "explicit deny overrides" in rubric["explicit-denies"]["why"]
    code, out, _ = iamlab("interview", "01", "--root", str(course), "--submission", _model(course))
    assert code == 0 and "model answer" in out and "why it matters" in out


def test_reveal_is_recorded_and_shown_on_a_failing_attempt(iamlab: Run, course: Path) -> None:
    _use_as_answer(course, _weak(course))
    code, out, _ = iamlab("interview", "01", "--root", str(course), "--reveal", "--format", "json")
    assert code == 1 and json.loads(out)["interview"]["model"] is not None
    assert _progress(course)["revealed"] is True
    _, out, _ = iamlab("interview", "--root", str(course), "--format", "json")
    assert json.loads(out)["interviews"][0]["status"]["aws"].endswith("(revealed)")
    _use_as_answer(course, _model(course))
    code, out, _ = iamlab("interview", "01", "--root", str(course))
    assert code == 0 and "you saw the model answer before this pass" in out


def test_a_pass_recorded_earlier_keeps_the_answer_open(iamlab: Run, course: Path) -> None:
    _use_as_answer(course, _model(course))
    assert iamlab("interview", "01", "--root", str(course), "--format", "json")[0] == 0
    assert _progress(course)["passed"] is True and _progress(course)["revealed"] is False
    _use_as_answer(course, _weak(course))
    code, out, _ = iamlab("interview", "01", "--root", str(course), "--format", "json")
    assert code == 1 and json.loads(out)["interview"]["model"] is not None


def test_timed_attempt_ends_on_enter_and_records_the_time(
    iamlab: Run, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_as_answer(course, _model(course))
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))  # the candidate presses Enter at once
    code, out, _ = iamlab("interview", "01", "--root", str(course), "--timed", "--format", "json")
    interview = json.loads(out)["interview"]
    assert code == 0 and interview["over_time"] is False and interview["seconds_used"] == 0
    assert interview["time_limit_minutes"] == 20  # the scenario's limit
    assert _progress(course)["seconds_used"] == 0


def test_time_running_out_grades_what_was_written(course: Path) -> None:
    """A candidate who never presses Enter: at the limit the clock stops and the files are graded."""
    started = time.monotonic()
    argv = [sys.executable, "-m", "checker.cli.main", "interview", "01", "--root", str(course)]
    argv += ["--submission", _model(course), "--timed", "0.03"]  # 1.8 seconds
    silent, keep_open = os.pipe()  # standard input that never delivers a line nor ends
    try:
        with subprocess.Popen(argv, stdin=silent, stdout=subprocess.PIPE, text=True) as process:
            out, _ = process.communicate(timeout=120)
    finally:
        os.close(silent)
        os.close(keep_open)
    assert process.returncode == 0 and "time is up (00:01)" in out
    assert time.monotonic() - started >= 1.8


def test_bad_time_limit_and_unknown_scenario_are_usage_errors(iamlab: Run, course: Path) -> None:
    for bad in ("-1", "nan", "inf"):
        code, _, err = iamlab("interview", "01", "--root", str(course), "--timed", bad)
        assert code == 2 and "--timed" in err, bad
    code, _, err = iamlab("interview", "99", "--root", str(course))
    assert code == 2 and "no interview called '99'" in err and SCENARIO in err


def test_grade_class_grades_a_mock_interview_session(iamlab: Run, course: Path, tmp_path: Path) -> None:
    session = tmp_path / "session"
    shutil.copytree(_model(course), session / "ada")
    shutil.copytree(_weak(course), session / "bob")
    shutil.copytree(_weak(course, "shared-role"), session / "cy" / "aws")
    report = tmp_path / "class.json"
    code, out, err = iamlab("grade-class", str(session), "--interview", "01", "--root", str(course), "--out", str(report))
    assert code == 0, err
    learners = {row["learner"]: row for row in json.loads(report.read_text(encoding="utf-8"))["learners"]}
    assert learners["ada"]["passed"] is True
    assert learners["bob"]["passed"] is False and learners["cy"]["passed"] is False
    code, _, err = iamlab("grade-class", str(session), "--root", str(course))
    assert code == 2 and "--lab" in err


def test_a_broken_scenario_is_listed_with_its_error(iamlab: Run, course: Path) -> None:
    interview_yaml = course / "interviews" / SCENARIO / "interview.yaml"
    interview_yaml.write_text("time_limit: 20\n", encoding="utf-8")  # no rubric
    code, out, _ = iamlab("interview", "--root", str(course), "--format", "json")
    [row] = json.loads(out)["interviews"]
    assert code == 2 and row["interview"] == SCENARIO and "rubric" in row["error"]
    code, _, err = iamlab("interview", "01", "--root", str(course))
    assert code == 2 and "interview.yaml" in err and "rubric" in err
