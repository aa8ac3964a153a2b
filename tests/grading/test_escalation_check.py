"""`escalation` checks: the lab's account snapshot plus the learner's policies for each identity, searched
for privilege-escalation paths by checker/aws/analyze/escalation.py (the published techniques of
docs/analysis.md). The IAM User Guide ("Grant a user permissions to pass a role to an AWS service"):
"To pass a role (and its permissions) to an AWS service, a user must have permissions to pass the role to
the service" - so iam:PassRole on an admin role plus a call that launches work as it reaches admin.
"""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

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


def _grade(tmp_path: Path, *statements: dict[str, object], lab: str = LAB) -> CheckResult:
    folder = tmp_path / "labs" / "09-paths"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lab.yaml").write_text(lab)
    (folder / "account.json").write_text(json.dumps(ACCOUNT))
    submission = tmp_path / "submission"
    submission.mkdir(exist_ok=True)
    (submission / "permissions.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
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
