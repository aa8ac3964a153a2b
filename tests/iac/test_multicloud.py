"""Azure and GCP in Terraform, and their federation decided as Entra and Google STS do.

Azure: azurerm provider pages (role_definition, role_assignment, user_assigned_identity,
federated_identity_credential); Microsoft Entra "Workload identity federation": issuer, subject and audience
must match the federated identity credential exactly. GCP: google provider IAM resource pages; IAM API
reference, WorkloadIdentityPoolProvider: attribute_condition "must output a boolean representing whether to
allow the federation"; allowed audiences default to the provider's canonical name "with or without the
HTTPS prefix".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.azure.engine import ENGINE as AZURE
from checker.azure.federation import match_credential
from checker.gcp.engine import ENGINE as GCP
from checker.gcp.federation import Provider, exchange
from checker.iac.model import IacModel
from checker.iac.terraform import Setting, read_terraform
from checker.iac.workflows import Setting as WorkflowSetting
from checker.iac.workflows import read_workflow

DATA = Path(__file__).parent / "data"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
IDENTITY = "11111111-2222-3333-4444-555555555555"
ARTIFACTS = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-ml-fraud/providers/Microsoft.Storage/storageAccounts/acmemlartifacts"
SERVICE_ACCOUNT = "//iam.googleapis.com/projects/acme-ml/serviceAccounts/fraud-deployer@acme-ml.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def model() -> IacModel:
    setting = Setting(azure_subscription=SUBSCRIPTION, gcp_project_number="123456789",
                      references={"azurerm_user_assigned_identity.deployer.principal_id": IDENTITY})
    return read_terraform([DATA / "tf_multicloud"], setting)


@pytest.fixture(scope="module")
def deploy_tokens() -> list[dict[str, str]]:
    workflow = read_workflow(DATA / "repo" / ".github" / "workflows" / "deploy.yml",
                             WorkflowSetting(repository="acme/fraud-model"))
    return list(next(job for job in workflow.jobs if job.job_id == "deploy").tokens)


def test_azure_documents_are_decided_by_the_azure_engine(model: IacModel) -> None:
    files = {
        "role_assignments": model.clouds.document("azure_role_assignments", "azure.tf"),
        "custom_roles": model.clouds.document("azure_custom_roles", "azure.tf"),
    }
    submission = AZURE.load_submission(files, {})
    read = {"principal": IDENTITY, "action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            "data_action": True, "scope": f"{ARTIFACTS}/blobServices/default/containers/models/blobs/fraud.tar.gz"}
    write = {**read, "action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"}
    assert AZURE.decide(submission, read).allowed
    assert not AZURE.decide(submission, write).allowed


def test_azure_assignment_positions_point_into_the_tf(model: IacModel) -> None:
    document = model.clouds.document("azure_role_assignments", "azure.tf")
    where = document.locate("/0/principalId")
    assert (Path(where.file).name, where.line) == ("azure.tf", 31)


def test_azure_federated_credential_matches_exactly(model: IacModel, deploy_tokens: list[dict[str, str]]) -> None:
    (credential,) = model.clouds.federated_credentials
    assert credential.identity.endswith("/userAssignedIdentities/fraud-deployer")
    azure_token = next(t for t in deploy_tokens if t["aud"] == "api://AzureADTokenExchange")
    assert match_credential(credential.issuer, credential.subject, credential.audiences, azure_token).accepted
    aws_token = next(t for t in deploy_tokens if t["aud"] == "sts.amazonaws.com")
    refused = match_credential(credential.issuer, credential.subject, credential.audiences, aws_token)
    assert not refused.accepted and "aud" in refused.reason
    # No wildcards and no case folding: a different case of the environment is another subject.
    other = {**azure_token, "sub": "repo:acme/fraud-model:environment:Production"}
    assert not match_credential(credential.issuer, credential.subject, credential.audiences, other).accepted


def _provider(model: IacModel) -> Provider:
    (read,) = model.clouds.workload_identity_providers
    assert read.name is not None
    return Provider(read.name, read.issuer, read.allowed_audiences, read.attribute_mapping, read.attribute_condition,
                    read.where)


def test_gcp_provider_accepts_the_workflow_token_and_the_binding_lets_it_impersonate(
    model: IacModel, deploy_tokens: list[dict[str, str]]
) -> None:
    provider = _provider(model)
    token = next(t for t in deploy_tokens if t["aud"].startswith("https://iam.googleapis.com/"))
    result = exchange(provider, {**token, "repository_owner": "acme"})
    assert result.accepted, result.reason
    assert result.principal == ("principal://iam.googleapis.com/projects/123456789/locations/global/"
                                "workloadIdentityPools/github/subject/repo:acme/fraud-model:environment:production")
    submission = GCP.load_submission({"iam_bindings": model.clouds.document("gcp_bindings", "gcp.tf")}, {})
    impersonate = {"principal": result.principal, "principal_attributes": {k: list(v) for k, v in result.attributes.items()},
                   "permission": "iam.serviceAccounts.getAccessToken", "resource": SERVICE_ACCOUNT}
    assert GCP.decide(submission, impersonate).allowed
    # Another repository of the owner passes the attribute condition but is not in the principal set.
    other = exchange(provider, {**token, "repository": "acme/other", "sub": "repo:acme/other:ref:refs/heads/main",
                                "repository_owner": "acme"})
    assert other.accepted
    assert not GCP.decide(submission, {**impersonate, "principal": other.principal,
                                       "principal_attributes": {k: list(v) for k, v in other.attributes.items()}}).allowed


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"repository_owner": "evil"}, "attribute_condition"),
        ({"aud": "sts.amazonaws.com"}, "aud"),
        ({"iss": "https://gitlab.com"}, "iss"),
    ],
)
def test_gcp_provider_rejects(model: IacModel, deploy_tokens: list[dict[str, str]], change: dict[str, str],
                              reason: str) -> None:
    token = next(t for t in deploy_tokens if t["aud"].startswith("https://iam.googleapis.com/"))
    result = exchange(_provider(model), {**token, "repository_owner": "acme", **change})
    assert not result.accepted and reason in result.reason


def test_a_condition_on_a_missing_claim_rejects(model: IacModel, deploy_tokens: list[dict[str, str]]) -> None:
    token = next(t for t in deploy_tokens if t["aud"].startswith("https://iam.googleapis.com/"))
    without_owner = {k: v for k, v in token.items() if k != "repository_owner"}
    result = exchange(_provider(model), without_owner)
    assert not result.accepted and "fails on this token" in result.reason


def test_gcp_bindings_are_decided_by_the_gcp_engine(model: IacModel) -> None:
    submission = GCP.load_submission({"iam_bindings": model.clouds.document("gcp_bindings", "gcp.tf")}, {})
    sa = "serviceAccount:fraud-deployer@acme-ml.iam.gserviceaccount.com"
    inside = {"principal": sa, "permission": "storage.objects.get",
              "resource": "//storage.googleapis.com/projects/_/buckets/acme-ml-artifacts/objects/fraud/model.pt"}
    outside = {**inside, "resource": "//storage.googleapis.com/projects/_/buckets/acme-ml-artifacts/objects/other/m.pt"}
    assert GCP.decide(submission, inside).allowed
    assert not GCP.decide(submission, outside).allowed


def test_federated_credentials_feed_the_azure_trust_proof(model: IacModel) -> None:
    """The Terraform credential becomes the Azure engine's federated_credentials document: an allowed
    set naming its issuer and subject proves; one that does not gets the credential as counterexample."""
    from checker.grading.iac_files import _credentials_of

    identity = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-ml-fraud/providers/"
                "Microsoft.ManagedIdentity/userAssignedIdentities/fraud-deployer")
    credentials = _credentials_of(model, identity, Path("azure.tf"))
    assert credentials is not None and credentials.locate("/0").line == 9
    files = {"role_assignments": model.clouds.document("azure_role_assignments", "azure.tf"),
             "custom_roles": model.clouds.document("azure_custom_roles", "azure.tf"),
             "federated_credentials": credentials}
    submission = AZURE.load_submission(files, {})
    allowed = [IDENTITY, {"issuer": "https://token.actions.githubusercontent.com",
                          "subject": "repo:acme/fraud-model:environment:production"}]
    assert AZURE.trust_within(submission, identity, allowed).proved
    assert not AZURE.trust_within(submission, identity, [IDENTITY]).proved
