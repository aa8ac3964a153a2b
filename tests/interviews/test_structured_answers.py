"""The STAR question's structured answers, graded against the planted account by the escalation analysis
and the linter: right answers written differently pass, wrong ones fail without giving the answer away."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from checker.core.errors import InputError
from checker.grading.result import CheckResult
from checker.grading.runner import grade
from checker.grading.spec import load_lab

SCENARIO = Path(__file__).resolve().parents[2] / "interviews" / "02-passrole-incident"


@pytest.fixture
def answer(tmp_path: Path) -> Path:
    folder = tmp_path / "answer"
    shutil.copytree(SCENARIO / "model" / "aws", folder)
    return folder


def _grade_with(folder: Path, **answers: object) -> dict[str, CheckResult]:
    path = folder / "answers.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(answers)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = grade(load_lab(SCENARIO), "aws", folder)
    return {check.id: check for check in result.checks}


@pytest.mark.parametrize(
    "path",
    [
        ["iam:PassRole", "sagemaker:CreateTrainingJob"],
        # PassRole is authorized as part of the CreateTrainingJob call: one step, its actions in any order.
        ["sagemaker:CreateTrainingJob", "iam:PassRole"],
        ["IAM:passrole", " SageMaker:CreateTrainingJob "],
    ],
)
def test_the_escalation_path_written_differently_passes(answer: Path, path: list[str]) -> None:
    assert _grade_with(answer, escalation_path=path)["escalation-path"].passed


@pytest.mark.parametrize(
    ("path", "says"),
    [
        (["iam:PassRole"], "is not a path the planted account allows"),
        (["iam:PassRole", "sagemaker:CreateTrainingJob", "iam:CreateUser"], "is not a path"),
        (["sts:AssumeRole"], "is not a path"),
        (["pass the admin role"], "not IAM actions"),
        ("iam:PassRole", "should be a list"),
        ([], "you have not answered"),
    ],
)
def test_a_wrong_escalation_path_fails_without_the_answer(answer: Path, path: object, says: str) -> None:
    check = _grade_with(answer, escalation_path=path)["escalation-path"]
    assert not check.passed and says.lower() in check.message.lower()
    assert "CreateTrainingJob" not in check.message.replace(str(path), "")


@pytest.mark.parametrize(
    "principals",
    [
        ["data-scientist", "bob"],
        ["arn:aws:iam::111122223333:user/bob", "DATA-SCIENTIST"],
    ],
)
def test_affected_principals_by_name_or_arn(answer: Path, principals: list[str]) -> None:
    assert _grade_with(answer, affected_principals=principals)["affected-principals"].passed


@pytest.mark.parametrize(
    ("principals", "says"),
    [
        (["data-scientist"], "misses 1 principal"),
        (["data-scientist", "bob", "alice"], "names alice, which cannot escalate"),
        # An admin already has everything: it is not a principal that escalates.
        (["data-scientist", "bob", "ml-platform-admin"], "names ml-platform-admin"),
    ],
)
def test_wrong_affected_principals(answer: Path, principals: list[str], says: str) -> None:
    check = _grade_with(answer, affected_principals=principals)["affected-principals"]
    assert not check.passed and says.lower() in check.message.lower()


@pytest.mark.parametrize("code", ["AWS-PASSROLE-UNRESTRICTED", "aws-passrole-unrestricted", "AWS-RESOURCE-STAR"])
def test_every_ci_rule_that_catches_the_planted_policy_and_passes_the_fix(answer: Path, code: str) -> None:
    """`iamlab lint planted-policy.json` reports these codes; neither is reported on the fixed policy."""
    assert _grade_with(answer, ci_rule=code)["ci-rule"].passed


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("AWS-WILDCARD-ACTION", "is not reported on the planted policy"),
        # Reported on the planted policy (security) and, as a warning, on the fixed one: a gate on it blocks the fix.
        ("AWS-PRIVESC-COMBO", "would block the fix too"),
        ("AWS-NO-SUCH-CODE", "is not a code `iamlab lint` reports"),
        ("", "you have not named the CI rule"),
        (["AWS-PASSROLE-UNRESTRICTED"], "you have not named the CI rule"),
    ],
)
def test_a_ci_rule_that_would_not_catch_it_fails(answer: Path, code: object, says: str) -> None:
    check = _grade_with(answer, ci_rule=code)["ci-rule"]
    assert not check.passed and says.lower() in check.message.lower()


def test_a_ci_rule_that_also_fails_the_fix_is_refused(answer: Path, tmp_path: Path) -> None:
    """With the planted policy itself as the `clean` one, any code it triggers would block the fix too."""
    lab_copy = tmp_path / SCENARIO.name
    shutil.copytree(SCENARIO, lab_copy)
    lab_yaml = lab_copy / "lab.yaml"
    text = lab_yaml.read_text(encoding="utf-8").replace("clean: [model/aws/data-scientist-policy.json]", "clean: [planted-policy.json]")
    lab_yaml.write_text(text, encoding="utf-8")
    result = grade(load_lab(lab_copy), "aws", answer)
    check = next(check for check in result.checks if check.id == "ci-rule")
    assert not check.passed and "would block the fix too" in check.message


def test_escalation_checks_are_aws_only(tmp_path: Path) -> None:
    lab_copy = tmp_path / SCENARIO.name
    shutil.copytree(SCENARIO, lab_copy)
    lab_yaml = lab_copy / "lab.yaml"
    lab_yaml.write_text(lab_yaml.read_text(encoding="utf-8").replace("  aws:\n", "  gcp:\n", 1), encoding="utf-8")
    with pytest.raises(InputError, match="AWS versions only"):
        load_lab(lab_copy)


def test_an_answers_file_that_is_not_a_mapping_names_the_file(answer: Path) -> None:
    (answer / "answers.yaml").write_text("- iam:PassRole\n- sagemaker:CreateTrainingJob\n", encoding="utf-8")
    with pytest.raises(InputError, match="mapping from question to answer") as caught:
        grade(load_lab(SCENARIO), "aws", answer)
    assert caught.value.where is not None and caught.value.where.file.endswith("answers.yaml")


def test_another_technique_for_the_same_step_is_accepted(answer: Path, tmp_path: Path) -> None:
    """With CreateProcessingJob allowed too, passing the admin role to a processing job is the same step
    (the knowledge base's `also`), so a path naming it is right as well."""
    import json

    lab_copy = tmp_path / SCENARIO.name
    shutil.copytree(SCENARIO, lab_copy)
    snapshot = json.loads((lab_copy / "planted-account.json").read_text(encoding="utf-8"))
    statement = {"Effect": "Allow", "Action": "sagemaker:CreateProcessingJob", "Resource": "*"}
    snapshot["policies"]["DataScience"]["Statement"].append(statement)
    (lab_copy / "planted-account.json").write_text(json.dumps(snapshot), encoding="utf-8")
    for path, right in (
        (["iam:PassRole", "sagemaker:CreateProcessingJob"], True),
        (["iam:PassRole", "sagemaker:CreateTrainingJob"], True),
        (["iam:PassRole", "sagemaker:CreateNotebookInstance"], False),  # not allowed to the data scientist
    ):
        data = yaml.safe_load((answer / "answers.yaml").read_text(encoding="utf-8"))
        data["escalation_path"] = path
        (answer / "answers.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
        result = grade(load_lab(lab_copy), "aws", answer)
        check = next(check for check in result.checks if check.id == "escalation-path")
        assert check.passed is right, path
