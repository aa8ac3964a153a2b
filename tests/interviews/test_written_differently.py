"""Right answers that differ from the model answer must pass too (the second-worst grader bug is failing them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checker.grading.catalog import Course
from checker.grading.runner import grade

ROOT = Path(__file__).resolve().parents[2]
COURSE = Course(ROOT)


def _answer(tmp_path: Path, scenario: str, cloud: str, **files: object) -> tuple[str, Path]:
    folder = tmp_path / "answer"
    shutil.copytree(ROOT / "interviews" / scenario / "model" / cloud, folder)
    for name, data in files.items():
        (folder / name.replace("_", "-").replace("-json", ".json")).write_text(json.dumps(data), encoding="utf-8")
    return scenario, folder


def _policy(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _passes(scenario: str, cloud: str, folder: Path) -> None:
    from checker.grading.interviews import load_interview

    lab = load_interview(COURSE.find_interview(scenario)).lab
    result = grade(lab, cloud, folder)
    assert [check.id for check in result.checks if not check.passed] == []
    assert result.passed


def test_07_source_arn_with_the_account_alone(tmp_path: Path) -> None:
    """The confused deputy pages: aws:SourceAccount is needed only when aws:SourceArn has no account id."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-*"}},
    }
    scenario, folder = _answer(tmp_path, "07-sagemaker-confused-deputy", "aws", trust_json=_policy(statement))
    _passes(scenario, "aws", folder)


def test_01_log_streams_named_and_denies_split(tmp_path: Path) -> None:
    endpoint = "arn:aws:sagemaker:us-east-1:111122223333:endpoint/fraud-scoring"
    permissions = _policy(
        {"Effect": "Allow", "Action": "sagemaker:InvokeEndpoint", "Resource": endpoint},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-feature-store/online/fraud/*"},
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/fraud-inference:log-stream:*",
        },
        # The rest of SageMaker denied another way: everything but the invoke on any endpoint, then the
        # invoke and everything else off this endpoint; S3 and IAM denies apart.
        {"Effect": "Deny", "NotAction": ["sagemaker:InvokeEndpoint"], "Resource": "arn:aws:sagemaker:*:*:endpoint/*"},
        {"Effect": "Deny", "Action": ["sagemaker:*"], "NotResource": [endpoint]},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
    )
    scenario, folder = _answer(tmp_path, "01-inference-api", "aws", lambda_permissions_json=permissions)
    _passes(scenario, "aws", folder)


def test_08_custom_role_instead_of_vertex_ai_user(tmp_path: Path) -> None:
    project = "//cloudresourcemanager.googleapis.com/projects/acme-ml"
    account = "//iam.googleapis.com/projects/acme-ml/serviceAccounts/vertex-training@acme-ml.iam.gserviceaccount.com"
    me = ["user:ml-engineer@acme.example"]
    roles = [{"name": "projects/acme-ml/roles/jobLauncher", "includedPermissions": ["aiplatform.customJobs.create", "aiplatform.customJobs.get"]}]
    bindings = [
        {"resource": project, "role": "projects/acme-ml/roles/jobLauncher", "members": me},
        {"resource": account, "role": "roles/iam.serviceAccountUser", "members": me},
    ]
    scenario, folder = _answer(tmp_path, "08-vertex-actas", "gcp", iam_bindings_json=bindings, custom_roles_json=roles)
    _passes(scenario, "gcp", folder)


def test_09_custom_role_with_get_secret_only(tmp_path: Path) -> None:
    secret = (
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml-fraud/providers/"
        "Microsoft.KeyVault/vaults/kv-ml-fraud/secrets/feature-store-key"
    )
    role = {
        "id": "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/7d1c2b7e-0d4a-4c1e-9a55-2f3b8c9d0e12",
        "roleName": "Feature Store Key Reader",
        "permissions": [
            {"actions": [], "notActions": [], "dataActions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action"], "notDataActions": []}
        ],
        "assignableScopes": ["/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml-fraud"],
    }
    assignment = {"role": "Feature Store Key Reader", "principalId": "33333333-3333-3333-3333-333333333333", "scope": secret}
    scenario, folder = _answer(
        tmp_path, "09-azure-keyvault-secret", "azure", role_assignments_json=[assignment], custom_roles_json=[role]
    )
    _passes(scenario, "azure", folder)


@pytest.mark.parametrize("code", ["AWS-PASSROLE-UNRESTRICTED", "AWS-RESOURCE-STAR"])
def test_02_any_code_that_catches_the_planted_policy_alone(tmp_path: Path, code: str) -> None:
    scenario, folder = _answer(tmp_path, "02-passrole-incident", "aws")
    answers = folder / "answers.yaml"
    answers.write_text(answers.read_text(encoding="utf-8").replace("ci_rule: AWS-PASSROLE-UNRESTRICTED", f"ci_rule: {code}"), encoding="utf-8")
    _passes(scenario, "aws", folder)
