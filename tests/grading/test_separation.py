"""Separation of duties (`separation` checks), a check's own `identity`, and `files` choices (roles.tf or
roles.yaml), each on a small lab written here and graded through the real AWS engine and prover.

Semantics relied on (IAM User Guide, "Policy evaluation logic"): a request is allowed only when an
identity-based policy allows it and nothing denies it, so an identity "can publish" exactly when some
ecr:PutImage request on some resource, under some context, is allowed.
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

pytestmark = pytest.mark.skipif(not prover_available(), reason="separation checks need the prover")

REPO = "arn:aws:ecr:us-east-1:111122223333:repository/fraud-train"
ENDPOINT = "arn:aws:sagemaker:us-east-1:111122223333:endpoint/fraud-prod"

LAB = dedent("""\
    id: 09-duties
    title: duties
    level: intermediate
    clouds:
      aws:
        identity: arn:aws:iam::111122223333:role/ci
        files:
          permissions: [permissions.json, permissions.yaml]
        checks:
          - id: apart
            kind: separation
            points: 2
            message: One identity holds two duties.
            duties:
              publish an image: [ecr:PutImage, ecr:CompleteLayerUpload]
              deploy an endpoint: [sagemaker:CreateEndpoint, sagemaker:UpdateEndpoint]
            apart:
              - [publish an image, deploy an endpoint]
          - id: deploys
            kind: allows
            identity: arn:aws:iam::111122223333:role/deployer
            points: 1
            message: The deployer deploys.
            requests:
              - {action: sagemaker:CreateEndpoint, resource: "%s"}
    """) % ENDPOINT


def _lab(tmp_path: Path, text: str = LAB) -> Path:
    folder = tmp_path / "labs" / "09-duties"
    folder.mkdir(parents=True)
    (folder / "lab.yaml").write_text(text)
    return folder


def _submit(tmp_path: Path, *statements: dict[str, object], name: str = "permissions.json") -> Path:
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    return folder


def _check(folder: Path, lab: Path, check_id: str) -> CheckResult:
    result = grade(load_lab(lab), "aws", folder)
    return next(check for check in result.checks if check.id == check_id)


PUSH = {"Effect": "Allow", "Action": ["ecr:PutImage", "ecr:CompleteLayerUpload"], "Resource": REPO}
DEPLOY = {"Effect": "Allow", "Action": "sagemaker:CreateEndpoint", "Resource": ENDPOINT}


def test_one_duty_passes(tmp_path: Path) -> None:
    check = _check(_submit(tmp_path, PUSH), _lab(tmp_path), "apart")
    assert check.passed and check.points == 2


def test_both_duties_fail_with_one_request_of_each(tmp_path: Path) -> None:
    check = _check(_submit(tmp_path, PUSH, DEPLOY), _lab(tmp_path), "apart")
    assert not check.passed
    assert "arn:aws:iam::111122223333:role/ci can both publish an image (ecr:" in check.message
    assert f"deploy an endpoint (sagemaker:CreateEndpoint on {ENDPOINT})" in check.message
    assert check.counterexample is not None and check.counterexample.action == "sagemaker:CreateEndpoint"


@pytest.mark.parametrize(
    "deploy",
    [
        # A condition the caller can meet still lets it deploy: held, not sampled away.
        {"Effect": "Allow", "Action": "sagemaker:UpdateEndpoint", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/team": "fraud"}}},
        # A wildcard action reaches the duty's actions.
        {"Effect": "Allow", "Action": "sagemaker:*Endpoint", "Resource": ENDPOINT},
        # Allow with NotAction grants everything not listed, the duty included.
        {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"},
    ],
    ids=["condition-the-caller-meets", "wildcard-action", "not-action"],
)
def test_duties_written_differently_are_still_held(tmp_path: Path, deploy: dict[str, object]) -> None:
    check = _check(_submit(tmp_path, PUSH, deploy), _lab(tmp_path), "apart")
    assert not check.passed and "can both publish an image" in check.message


def test_an_explicit_deny_removes_the_duty(tmp_path: Path) -> None:
    deny = {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*"}
    everything = {"Effect": "Allow", "Action": ["ecr:PutImage", "sagemaker:CreateEndpoint"], "Resource": "*"}
    check = _check(_submit(tmp_path, everything, deny), _lab(tmp_path), "apart")
    assert check.passed


def test_a_checks_identity_is_the_default_principal(tmp_path: Path) -> None:
    # The lab's identity is role/ci; the `deploys` check is about role/deployer and the same files.
    check = _check(_submit(tmp_path, DEPLOY), _lab(tmp_path), "deploys")
    assert check.passed
    failing = _check(_submit(tmp_path, PUSH), _lab(tmp_path / "b"), "deploys")
    assert not failing.passed and failing.counterexample is not None
    assert failing.counterexample.principal == "arn:aws:iam::111122223333:role/deployer"


def test_either_choice_is_read(tmp_path: Path) -> None:
    folder = _submit(tmp_path, PUSH, name="permissions.yaml")
    assert _check(folder, _lab(tmp_path), "apart").passed


def test_both_choices_are_refused(tmp_path: Path) -> None:
    _submit(tmp_path, PUSH)
    folder = _submit(tmp_path, PUSH, name="permissions.yaml")
    with pytest.raises(InputError, match=r"exactly one of permissions.json or permissions.yaml; found both"):
        grade(load_lab(_lab(tmp_path)), "aws", folder)


def test_neither_choice_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(InputError, match=r"exactly one of permissions.json or permissions.yaml; found neither") as error:
        grade(load_lab(_lab(tmp_path)), "aws", folder)
    assert "write your answer as permissions.json or permissions.yaml" in str(error.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("- [publish an image, deploy an endpoint]", "- [publish an image, sign a release]"),
        ("- [publish an image, deploy an endpoint]", "- [publish an image, publish an image]"),
        ("permissions: [permissions.json, permissions.yaml]", "permissions: [permissions.json]"),
    ],
    ids=["unknown-duty", "same-duty-twice", "one-choice"],
)
def test_lab_errors_name_the_line(tmp_path: Path, change: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        load_lab(_lab(tmp_path, LAB.replace(change, message)))
    assert "lab.yaml:" in str(error.value)


def test_reset_restores_the_starters_choice(tmp_path: Path) -> None:
    from checker.grading.starters import restore

    lab_folder = _lab(tmp_path)
    (lab_folder / ".starter" / "aws").mkdir(parents=True)
    (lab_folder / ".starter" / "aws" / "permissions.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    (lab_folder / "aws").mkdir()
    assert restore(load_lab(lab_folder), "aws") == ["permissions.json"]
    (lab_folder / ".starter" / "aws" / "permissions.json").unlink()
    with pytest.raises(InputError, match="no pristine copy of permissions.json or permissions.yaml"):
        restore(load_lab(lab_folder), "aws")
