"""`escalation` checks: the lab's account snapshot plus the learner's policies for each identity, searched
for privilege-escalation paths by checker/aws/analyze/escalation.py (the published techniques of
docs/analysis.md). The IAM User Guide ("Grant a user permissions to pass a role to an AWS service"):
"To pass a role (and its permissions) to an AWS service, a user must have permissions to pass the role to
the service" - so iam:PassRole on an admin role plus a call that launches work as it reaches admin.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from checker.core.errors import InputError
from checker.grading.result import CheckResult
from checker.grading.runner import grade
from checker.grading.spec import load_lab
from tests.grading.helpers import prover_available

pytestmark = pytest.mark.skipif(not prover_available(), reason="escalation paths need the prover")

TRAIN = "arn:aws:iam::111122223333:role/train"
TRAINING_ROLE = "arn:aws:iam::111122223333:role/training"
SAGEMAKER = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ACCOUNT = {
    "account": "111122223333",
    "policies": {"AdministratorAccess": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
    "roles": [
        {"name": "training", "trust": SAGEMAKER, "instance_profile": False, "inline": {"read": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}}},
        {"name": "platform-admin", "trust": SAGEMAKER, "attached": ["AdministratorAccess"], "instance_profile": False},
    ],
}
LAB = dedent(f"""\
    id: 09-paths
    title: paths
    level: intermediate
    clouds:
      aws:
        identity: {TRAIN}
        files:
          permissions: permissions.json
        checks:
          - id: no-escalation
            kind: escalation
            points: 2
            message: A way up exists.
            snapshot: account.json
            hand_offs:
              "{TRAIN}": ["{TRAINING_ROLE}"]
    """)


def _write(tmp_path: Path, *statements: dict[str, object], lab: str = LAB) -> tuple[Path, Path]:
    """The lab folder and the learner's submission folder."""
    folder = tmp_path / "labs" / "09-paths"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lab.yaml").write_text(lab)
    (folder / "account.json").write_text(json.dumps(ACCOUNT))
    submission = tmp_path / "submission"
    submission.mkdir(exist_ok=True)
    (submission / "permissions.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    return folder, submission


def _grade(tmp_path: Path, *statements: dict[str, object], lab: str = LAB) -> CheckResult:
    folder, submission = _write(tmp_path, *statements, lab=lab)
    return grade(load_lab(folder), "aws", submission).checks[0]


START_JOBS = {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*"}


def _pass(role: str) -> dict[str, object]:
    return {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role,
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}


def test_the_intended_hand_off_is_no_escalation(tmp_path: Path) -> None:
    assert _grade(tmp_path, START_JOBS, _pass(TRAINING_ROLE)).passed


def test_passing_any_role_reaches_admin_and_shows_the_path(tmp_path: Path) -> None:
    check = _grade(tmp_path, START_JOBS, _pass("arn:aws:iam::111122223333:role/*"))
    assert not check.passed
    assert f"{TRAIN} reaches admin-equivalent access" in check.message
    assert "role/platform-admin" in check.message and "iam:PassRole" in check.message


def test_a_hand_off_the_lab_does_not_list_is_an_escalation(tmp_path: Path) -> None:
    lab = LAB.replace(f'["{TRAINING_ROLE}"]', "[]")
    check = _grade(tmp_path, START_JOBS, _pass(TRAINING_ROLE), lab=lab)
    assert not check.passed and "reaches new permissions (role/training)" in check.message


def test_escalation_is_aws_only(tmp_path: Path) -> None:
    lab = LAB.replace("  aws:\n", "  gcp:\n")
    with pytest.raises(InputError, match="escalation checks use the AWS escalation analysis"):
        _grade(tmp_path, START_JOBS, lab=lab)


# --- `iamlab check`: the gate forked as soon as the submission is loaded (checks/escalation.begin) ---------
# A fork needs a process without other threads; this one has the prover's watchdog thread once any proof ran,
# so each run is a fresh process, as `iamlab check` is.

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="iamlab check forks its workers on Linux only")

FRESH = """
import dataclasses, functools, json, os, sys
from pathlib import Path
import checker.grading.checks.escalation as kind
from checker.core.errors import InputError
from checker.grading.early import Early
from checker.grading.runner import grade
from checker.grading.spec import load_lab
searched_here = []
search = kind._run_gate
def recorded(body, context):
    searched_here.append(os.getpid())  # in the worker this lands in the worker's own memory
    return search(body, context)
kind._run_gate = recorded
if sys.argv[3] == "dies":
    kind.begin = lambda body, context: Early(functools.partial(os._exit, 3))
try:
    check = dataclasses.asdict(grade(load_lab(Path(sys.argv[1])), "aws", Path(sys.argv[2]), early=True).checks[0])
except InputError as exc:
    check = {"error": str(exc)}
print(json.dumps({"check": check, "searched_here": len(searched_here)}, default=str))
"""


def _forked(folder: Path, submission: Path, how: str = "forked") -> dict[str, Any]:
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", FRESH, str(folder), str(submission), how],
        capture_output=True, text=True, cwd=repo, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _as_json(check: CheckResult) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(check), default=str))
    return shown


@linux_only
@pytest.mark.parametrize("role", [TRAINING_ROLE, "arn:aws:iam::111122223333:role/*"], ids=["hand-off", "any-role"])
def test_the_forked_gate_gives_the_in_process_answer(tmp_path: Path, role: str) -> None:
    """The whole result (points, message with the path, counterexample, notes) is the one-process result, and
    the search ran in the worker only."""
    folder, submission = _write(tmp_path, START_JOBS, _pass(role))
    forked = _forked(folder, submission)
    here = grade(load_lab(folder), "aws", submission).checks[0]
    assert forked["check"] == _as_json(here)
    assert forked["searched_here"] == 0
    assert here.passed is (role == TRAINING_ROLE)


@linux_only
def test_a_gate_worker_that_dies_is_searched_again_here(tmp_path: Path) -> None:
    folder, submission = _write(tmp_path, START_JOBS, _pass("arn:aws:iam::111122223333:role/*"))
    died = _forked(folder, submission, "dies")
    assert died["check"] == _as_json(grade(load_lab(folder), "aws", submission).checks[0])
    assert died["searched_here"] == 1


@linux_only
def test_a_lab_error_in_the_gate_worker_is_the_same_located_error(tmp_path: Path) -> None:
    lab = LAB.replace("        hand_offs:", "        managed: {NoSuchPolicy: permissions}\n        hand_offs:")
    assert lab != LAB
    folder, submission = _write(tmp_path, START_JOBS, lab=lab)
    forked = _forked(folder, submission)
    with pytest.raises(InputError) as here:
        grade(load_lab(folder), "aws", submission)
    assert forked["check"] == {"error": str(here.value)}
    assert "'NoSuchPolicy' is not a managed policy" in str(here.value) and "lab.yaml" in str(here.value)
    assert forked["searched_here"] == 0
