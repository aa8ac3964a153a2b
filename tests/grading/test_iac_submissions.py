"""A lab graded from Terraform or CloudFormation: the same checks, the same results as the JSON solution,
and failures that point into the .tf/template line (grading/iac_files.py)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from checker.grading.result import CheckResult, LabResult
from checker.grading.runner import grade
from checker.grading.spec import load_lab
from tests.grading.helpers import edit_lab, write

MAIN_TF = """\
variable "data_bucket" {
  default = "acme-ml-datasets"
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "train" {
  name               = "ml-train"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

resource "aws_iam_role_policy" "train" {
  name = "train"
  role = aws_iam_role.train.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "ReadDataset", Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::${var.data_bucket}/fraud/v3/*" },
      { Sid = "ListDataset", Effect = "Allow", Action = "s3:ListBucket", Resource = "arn:aws:s3:::${var.data_bucket}",
        Condition = { StringLike = { "s3:prefix" = "fraud/v3/*" } } },
      { Sid = "WriteModel", Effect = "Allow", Action = "s3:PutObject", Resource = "arn:aws:s3:::acme-ml-models/models/*" },
    ]
  })
}
"""

TEMPLATE = """\
Resources:
  Train:
    Type: AWS::IAM::Role
    Properties:
      RoleName: ml-train
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: sagemaker.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: train
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {Sid: ReadDataset, Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::acme-ml-datasets/fraud/v3/*"}
              - Sid: ListDataset
                Effect: Allow
                Action: s3:ListBucket
                Resource: arn:aws:s3:::acme-ml-datasets
                Condition: {StringLike: {"s3:prefix": "fraud/v3/*"}}
              - {Sid: WriteModel, Effect: Allow, Action: s3:PutObject, Resource: "arn:aws:s3:::acme-ml-models/models/*"}
"""


def _outcomes(result: LabResult) -> dict[str, bool]:
    return {check.id: check.passed for check in result.checks}


def _check(result: LabResult, check_id: str) -> CheckResult:
    return next(check for check in result.checks if check.id == check_id)


def _as_code(lab_dir: Path, solution_dir: Path, target: Path, name: str, text: str) -> Path:
    folder = target / "submission"
    shutil.copytree(solution_dir, folder)
    for stale in ("permissions.json", "trust.json"):
        (folder / stale).unlink()
    write(folder / name, textwrap.dedent(text))

    def use_code(data: dict) -> None:  # type: ignore[type-arg]
        data["clouds"]["aws"]["files"] = {"infra": name}

    edit_lab(lab_dir, use_code)
    return folder


def test_terraform_submission_grades_like_the_json_one(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    expected = _outcomes(grade(load_lab(lab_dir), "aws", solution_dir))
    folder = _as_code(lab_dir, solution_dir, tmp_path, "main.tf", MAIN_TF)
    assert _outcomes(grade(load_lab(lab_dir), "aws", folder)) == expected


def test_template_submission_grades_like_the_json_one(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    expected = _outcomes(grade(load_lab(lab_dir), "aws", solution_dir))
    folder = _as_code(lab_dir, solution_dir, tmp_path, "template.yaml", TEMPLATE)
    assert _outcomes(grade(load_lab(lab_dir), "aws", folder)) == expected


def test_a_wrong_terraform_answer_fails_with_its_line(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    wrong = MAIN_TF.replace('identifiers = ["sagemaker.amazonaws.com"]', 'identifiers = ["*"]').replace(
        'type        = "Service"', 'type        = "AWS"')
    folder = _as_code(lab_dir, solution_dir, tmp_path, "main.tf", wrong)
    result = grade(load_lab(lab_dir), "aws", folder)
    assert not _check(result, "only-sagemaker-assumes").passed
    findings = _check(result, "no-security-findings")
    assert not findings.passed
    assert any("main.tf:8:5" in line for line in findings.failures), findings.failures
