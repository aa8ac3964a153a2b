"""The live check in a forked worker (`iamlab check`) and in one process for a class (`grade-class`).

Both must give exactly the answers of the plain in-process run; a worker that fails, dies or hangs must
become a clear checker error, and one learner's run must never show in another's.
"""

from __future__ import annotations

import functools
import json
import operator
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.classroom import grade_class
from checker.grading.early import Early, WorkerFailed, can_fork
from checker.grading.runner import CheckerBug, grade
from checker.grading.spec import load_lab
from tests.grading.helpers import write

needs_fork = pytest.mark.skipif(not can_fork(), reason="the early worker needs fork from a single-threaded process")

WIDE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
NARROW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-ml-datasets/fraud/v3/*"}],
}


@pytest.fixture
def live_lab(full_course: Path) -> Path:
    return full_course / "labs" / "02-fixture-live"


def _learner(folder: Path, name: str, policy: object) -> Path:
    target = folder / name
    write(target / "permissions.json", json.dumps(policy, indent=2))
    return target


@needs_fork
@pytest.mark.parametrize("which", ["solution", "starter"])
def test_the_worker_gives_the_in_process_answer(live_lab: Path, which: str) -> None:
    lab = load_lab(live_lab)
    folder = live_lab / "aws" if which == "solution" else live_lab / ".starter" / "aws"
    assert grade(lab, "aws", folder, early=True) == grade(lab, "aws", folder, early=False)


@needs_fork
def test_a_lab_error_in_the_worker_is_the_same_located_error(live_lab: Path) -> None:
    write(live_lab / "workload.py", "X = 1\n")  # no WORKLOAD
    lab = load_lab(live_lab)
    errors = []
    for early in (True, False):
        with pytest.raises(InputError) as info:
            grade(lab, "aws", live_lab / "aws", early=early)
        errors.append(str(info.value))
    assert errors[0] == errors[1] and "defines no WORKLOAD" in errors[0] and "lab.yaml:" in errors[0]


@needs_fork
def test_a_crash_in_the_worker_is_a_checker_bug(live_lab: Path) -> None:
    write(live_lab / "workload.py", "raise RuntimeError('the author made a typo')\n")
    lab = load_lab(live_lab)
    for early in (True, False):
        with pytest.raises(CheckerBug, match="live-run.*RuntimeError: the author made a typo"):
            grade(lab, "aws", live_lab / "aws", early=early)


@needs_fork
def test_a_worker_that_dies_is_reported_not_waited_for() -> None:
    started = time.monotonic()
    with pytest.raises(WorkerFailed, match=r"stopped without an answer \(exit code 3\)"):
        Early(lambda: os._exit(3)).result()
    assert time.monotonic() - started < 10


@needs_fork
def test_a_stuck_worker_is_stopped_at_its_deadline() -> None:
    early = Early(lambda: time.sleep(60), deadline_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(WorkerFailed, match=r"did not answer within 0\.5 s"):
        early.result()
    assert time.monotonic() - started < 10
    assert not early._process.is_alive()


def test_learners_graded_in_one_process_never_see_each_other(live_lab: Path, tmp_path: Path) -> None:
    """A wide policy's compromised job deletes the training data and the bucket's objects stay in moto
    unless it is reset; each learner's result must be the one they get when graded alone."""
    folder = tmp_path / "class"
    _learner(folder, "a-wide", WIDE)
    _learner(folder, "b-solution", NARROW)
    _learner(folder, "c-wide-again", WIDE)
    shutil.copytree(live_lab / ".starter" / "aws", folder / "d-starter")
    lab = load_lab(live_lab)
    report = grade_class(lab, "aws", folder)
    by_name = {learner.learner: learner.result for learner in report.learners}
    for name, result in by_name.items():
        assert result == grade(lab, "aws", folder / name), name
    live = {name: next(c for c in result.checks if c.id == "live-run") for name, result in by_name.items() if result}
    assert live["b-solution"].passed and not live["a-wide"].passed
    assert live["a-wide"] == live["c-wide-again"]  # identical files, one run, the same answer


GOOD_STATEMENTS = NARROW["Statement"]


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        pytest.param('{"Version": "2012-10-17", "Statement": []}', ":1:27 (at /Statement)", "Syntax errors in policy", id="empty-statement-list"),
        pytest.param(json.dumps({"Statement": GOOD_STATEMENTS}, indent=2), ":1:1 (at /)", "must be version 2012-10-17", id="no-version"),
        pytest.param(
            json.dumps(NARROW, indent=2).replace('"Effect": "Allow",', '"Effect": "Allow", "Condition": {"NumericLessThan": {"s3:max-keys": 1e400}},'),
            ":5:60 (at /Statement/0/Condition/NumericLessThan/s3:max-keys)",
            "too large to be finite",
            id="1e400",
        ),
        pytest.param(
            json.dumps(NARROW, indent=2).replace("arn:aws:s3:::", "arn:aws:s3:*:*:"),
            ":7:7 (at /Statement/0/Resource)",
            "can not contain region information",
            id="region-in-an-s3-arn",
        ),
    ],
)
@pytest.mark.parametrize("early", [False, True], ids=["in-process", "early-worker"])
def test_a_policy_the_emulator_refuses_fails_the_live_check_at_the_learners_line(
    live_lab: Path, tmp_path: Path, text: str, where: str, says: str, early: bool
) -> None:
    """Before, this was "lab.yaml:18:9 ... the lab's policy could not be installed" and nothing was graded."""
    if early and not can_fork():
        pytest.skip("the early worker needs fork")
    learner = tmp_path / "learner"
    write(learner / "permissions.json", text)
    result = grade(load_lab(live_lab), "aws", learner, early=early)
    live = next(check for check in result.checks if check.id == "live-run")
    reads = next(check for check in result.checks if check.id == "reads-data")
    assert not live.passed and live.points == 0
    assert f"permissions.json{where}: the emulator refused to install your policy" in live.message
    assert says in live.message and "lab.yaml" not in live.message
    assert reads.message  # the other check was graded


@pytest.mark.parametrize("early", [False, True], ids=["in-process", "early-worker"])
def test_a_workload_linked_from_outside_the_lab_is_refused(live_lab: Path, tmp_path: Path, early: bool) -> None:
    """The workload is run as code: a link to a file elsewhere on the machine must never be imported."""
    if early and not can_fork():
        pytest.skip("the early worker needs fork")
    outside = tmp_path / "elsewhere.py"
    write(outside, "raise SystemExit('imported from outside the lab')\n")
    (live_lab / "workload.py").unlink()
    (live_lab / "workload.py").symlink_to(outside)
    with pytest.raises(InputError, match="workload.py: this file is a link to somewhere outside the lab folder"):
        grade(load_lab(live_lab), "aws", live_lab / "aws", early=early)


@pytest.mark.parametrize("workload", ["../workload.py", "/etc/workload.py", "sub/../../workload.py"])
def test_a_workload_path_must_stay_in_the_lab_folder(live_lab: Path, workload: str) -> None:
    lab_yaml = live_lab / "lab.yaml"
    lab_yaml.write_text(lab_yaml.read_text().replace("workload: workload.py", f"workload: {workload}"))
    with pytest.raises(InputError, match="must be a relative path inside the folder"):
        load_lab(live_lab)


@needs_fork
def test_a_spare_worker_runs_its_work_after_its_preparations() -> None:
    """Forked before its work is known: a preparation that fails is ignored (the work meets the failure
    itself), and the work sent later is answered as if it had been given at the fork."""
    spare = Early.spare(lambda: None)
    assert spare.ready(functools.partial(operator.truediv, 1, 0))  # fails in the worker: ignored
    assert spare.give(functools.partial(pow, 2, 10))
    assert spare.result() == 1024


@needs_fork
def test_a_spare_workers_failing_work_is_the_same_error() -> None:
    spare = Early.spare(lambda: None)
    assert spare.give(functools.partial(_located_error, "the lab's own mistake"))
    with pytest.raises(InputError, match="the lab's own mistake"):
        spare.result()


def _located_error(message: str) -> None:
    raise InputError(message)


@needs_fork
def test_work_a_spare_worker_cannot_be_sent_is_refused_and_the_worker_stopped() -> None:
    spare = Early.spare(lambda: None)
    assert not spare.give(lambda: 1)  # a lambda cannot be pickled: the caller runs it in its own process
    assert not spare._process.is_alive()


@needs_fork
def test_a_spare_worker_never_given_work_goes_away_by_itself() -> None:
    """The grading process may stop (an error, or a lab without a live check) without a word to it."""
    spare = Early.spare(lambda: None)
    assert spare._tasks is not None
    spare._tasks.close()  # as when the grading process ends
    spare._tasks = None
    spare._process.join(timeout=10)
    assert spare._process.exitcode == 0


@needs_fork
@pytest.mark.parametrize("live", [True, False])
def test_iamlab_check_forks_the_live_worker_before_reading_the_lab_and_leaves_none(live: bool, tmp_path: Path) -> None:
    """`iamlab check` forks the live worker as it starts (it imports the emulator while the lab and the
    learner's files are read); a lab without a live check has it stopped, and no worker outlives the run.
    The cyclic collector is off during the one-shot run and as it was afterwards."""
    repo = Path(__file__).resolve().parents[2]
    solution = repo / "solutions" / "01-training-job" / "aws"
    lab = "01"
    if not live:  # every AWS lab has a live check now: lab 01 without its own is the lab that has none
        repo = _lab_01_without_its_live_check(repo, tmp_path)
    code = (
        "import gc, multiprocessing, sys\n"
        "import checker.grading.early as early, checker.grading.catalog as catalog, checker.grading.runner as runner\n"
        "seen = {}\n"
        "load_lab, grade = catalog.load_lab, runner.grade\n"
        "def reading(folder):\n"
        "    seen['spare when the lab is read'] = early._spare is not None\n"
        "    return load_lab(folder)\n"
        "def grading(*args, **kwargs):\n"
        "    seen['collector during the run'] = gc.isenabled()\n"
        "    return grade(*args, **kwargs)\n"
        "catalog.load_lab, runner.grade = reading, grading\n"
        "from checker.cli.main import main\n"
        f"code = main(['check', '{lab}', '--submission', {str(solution)!r}, '--format', 'json', '--root', {str(repo)!r}])\n"
        "print(code, seen, gc.isenabled(), multiprocessing.active_children(), early._spare, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], timeout=300)
    expected = "{'spare when the lab is read': True, 'collector during the run': False} True [] None"
    assert done.stderr.strip().splitlines()[-1] == f"0 {expected}", done.stderr
    assert json.loads(done.stdout)["passed"] and any(check["kind"] == "live" for check in json.loads(done.stdout)["checks"]) == live


def _lab_01_without_its_live_check(repo: Path, tmp_path: Path) -> Path:
    course = tmp_path / "course"
    folder = course / "labs" / "01-training-job"
    shutil.copytree(repo / "labs" / "01-training-job", folder)
    lines = (folder / "lab.yaml").read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == "- id: live-run")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- id: "))
    (folder / "lab.yaml").write_text("".join(lines[:start] + lines[end:]))
    return course
