"""Issue 14 §5: a failing `allows`, `trust` or `within`-adjacent case names what actually failed.

Each case grades lab 01's reference answer with one realistic mistake and checks that the message names
the real cause (the statement or binding that would have applied and the clause that failed, with the
request's value), never only a generic "no statement allows", and that a misspelled action is named as
unknown with a "did you mean" on every cloud.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from checker.grading.result import CheckResult, LabResult
from tests.grading.helpers import grade_lab01_changed


def graded(tmp_path: Path, cloud: str, name: str, change: Callable[[Any], None]) -> dict[str, CheckResult]:
    return _checks(tmp_path, cloud, {name: change})


def _checks(tmp_path: Path, cloud: str, changes: dict[str, object]) -> dict[str, CheckResult]:
    result, _folder = grade_lab01_changed(tmp_path, cloud, changes)
    assert isinstance(result, LabResult)
    return {check.id: check for check in result.checks}


def test_mistyped_source_account_is_named_with_the_request_value(tmp_path: Path) -> None:
    def mistype(trust: Any) -> None:
        trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"] = "11112222333"

    check = graded(tmp_path, "aws", "trust-policy.json", mistype)["only-sagemaker-assumes"]
    assert not check.passed
    assert "OnlySageMakerTrainingJobsOfThisAccount" in check.message
    assert "aws:SourceAccount" in check.message and "'111122223333'" in check.message
    assert "compares it with '11112222333'" in check.message
    # The lab's fix is about over-grants ("remove the account root"); it does not apply here.
    assert check.fix is not None and "account root" not in check.fix


def test_misspelled_aws_action_is_unknown_with_did_you_mean(tmp_path: Path) -> None:
    def typo(policy: Any) -> None:
        next(s for s in policy["Statement"] if s.get("Sid") == "ReadTrainingData")["Action"] = "s3:GetObjet"

    check = graded(tmp_path, "aws", "permissions-policy.json", typo)["reads-dataset"]
    assert "'s3:GetObjet', which is not an AWS action" in check.message
    assert "did you mean 's3:GetObject'" in check.message


def test_gcp_binding_whose_condition_is_false_names_the_binding_and_the_name(tmp_path: Path) -> None:
    def other_prefix(bindings: Any) -> None:
        condition = bindings[0]["condition"]
        condition["expression"] = condition["expression"].replace("fraud/v3/", "fraud/v4/")

    check = graded(tmp_path, "gcp", "iam-bindings.json", other_prefix)["reads-dataset"]
    assert "condition 'fraud-v3-objects-only': the condition is false" in check.message
    assert "resource.name is 'projects/_/buckets/acme-ml-datasets/objects/fraud/v3/train.csv'" in check.message


def test_gcp_binding_on_the_wrong_bucket_is_named(tmp_path: Path) -> None:
    def wrong_bucket(bindings: Any) -> None:
        bindings[0]["resource"] = "//storage.googleapis.com/projects/_/buckets/acme-ml-artifacts"

    check = graded(tmp_path, "gcp", "iam-bindings.json", wrong_bucket)["reads-dataset"]
    assert "this binding is on //storage.googleapis.com/projects/_/buckets/acme-ml-artifacts" in check.message


def test_misspelled_gcp_permission_is_unknown_with_did_you_mean(tmp_path: Path) -> None:
    def custom(bindings: Any) -> None:
        bindings[0]["role"] = "projects/acme-ml/roles/reader"

    roles = [{"name": "projects/acme-ml/roles/reader", "includedPermissions": ["storage.objects.gett", "storage.objects.list"]}]
    checks = _checks(tmp_path, "gcp", {"iam-bindings.json": custom, "custom-roles.json": lambda _: roles})
    message = checks["reads-dataset"].message
    assert "'storage.objects.gett', which is not a GCP permission" in message
    assert "did you mean 'storage.objects.get'" in message


def test_azure_condition_names_the_blob_path(tmp_path: Path) -> None:
    def other_prefix(assignments: Any) -> None:
        assignments[0]["condition"] = assignments[0]["condition"].replace("'v3/'", "'v4/'")

    check = graded(tmp_path, "azure", "role-assignments.json", other_prefix)["reads-dataset"]
    assert "its condition is false for this request" in check.message
    assert "blobs:path] = 'v3/train.csv'" in check.message


def test_misspelled_azure_operation_is_unknown_with_did_you_mean(tmp_path: Path) -> None:
    def custom(assignments: Any) -> None:
        assignments[0]["role"] = "Fraud Reader"

    def add_role(roles: Any) -> None:
        roles.append({
            "Name": "Fraud Reader", "IsCustom": True, "Description": "typo",
            "Actions": ["Microsoft.Storage/storageAccounts/blobServices/containers/read"],
            "DataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/raed"],
            "AssignableScopes": ["/subscriptions/00000000-0000-0000-0000-000000000001"],
        })

    checks = _checks(tmp_path, "azure", {"role-assignments.json": custom, "custom-roles.json": add_role})
    message = checks["reads-dataset"].message
    assert "blobs/raed', which is not an Azure operation" in message
    assert "did you mean 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'" in message
