"""Narrowed `within` questions (checker/gcp/question.py): one identity's requests, some permissions only.

"Principal identifiers" (cloud.google.com/iam/docs/principal-identifiers): a `serviceAccount:` member names
one account, `allAuthenticatedUsers` every authenticated principal, service accounts included. "Roles for
service account authentication" (cloud.google.com/iam/docs/service-account-permissions): Service Account
User "when granted on a project, grants access to all service accounts in the project".
"""

from __future__ import annotations

from typing import Any

import pytest

from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from checker.core.source import LoadedDocument
from checker.gcp.engine import ENGINE

PROJECT = "//cloudresourcemanager.googleapis.com/projects/acme-ml"
BUILD = "serviceAccount:mlops-build@acme-ml.iam.gserviceaccount.com"
DEPLOY = "serviceAccount:mlops-deploy@acme-ml.iam.gserviceaccount.com"
TRAINING_SA = "//iam.googleapis.com/projects/acme-ml/serviceAccounts/fraud-training@acme-ml.iam.gserviceaccount.com"
HIERARCHY = {TRAINING_SA: PROJECT}


def _submission(bindings: list[dict[str, Any]], identity: str | None, focus: bool = True) -> Any:
    setting: dict[str, Any] = {"hierarchy": HIERARCHY}
    if identity is not None:
        setting["identity"] = identity
    if focus:
        setting["focus"] = "identity"
    return ENGINE.load_submission({"iam_bindings": LoadedDocument("b.json", bindings, {})}, setting)


DEPLOYER_ON_PROJECT = {"resource": PROJECT, "role": "roles/aiplatform.user", "members": [DEPLOY]}


def test_focus_judges_only_the_identitys_bindings() -> None:
    """Another stage's grant is not the build account's: with focus, build is within an empty envelope."""
    submission = _submission([DEPLOYER_ON_PROJECT], BUILD)
    assert ENGINE.within(submission, []).status is WithinStatus.PROVED
    unfocused = _submission([DEPLOYER_ON_PROJECT], BUILD, focus=False)
    assert ENGINE.within(unfocused, []).status is WithinStatus.COUNTEREXAMPLE


def test_focus_keeps_sets_that_name_the_identity() -> None:
    """allAuthenticatedUsers names every service account too, so the build account holds that grant."""
    public = {"resource": PROJECT, "role": "roles/aiplatform.user", "members": ["allAuthenticatedUsers"]}
    result = ENGINE.within(_submission([public], BUILD), [])
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert all(example.principal == BUILD for example in result.counterexamples)


ACT_AS = ["iam.serviceAccounts.actAs", "iam.serviceAccounts.getAccessToken"]


def test_permissions_narrow_the_question() -> None:
    """aiplatform.user holds no actAs: asked about actAs only, the deploy account is proved within nothing."""
    submission = _submission([DEPLOYER_ON_PROJECT], DEPLOY)
    assert ENGINE.within(submission, {"permissions": ACT_AS, "bindings": []}).status is WithinStatus.PROVED
    assert ENGINE.within(submission, []).status is WithinStatus.COUNTEREXAMPLE


def test_service_account_user_on_the_project_acts_as_every_account() -> None:
    project_user = {"resource": PROJECT, "role": "roles/iam.serviceAccountUser", "members": [DEPLOY]}
    envelope = {"permissions": ACT_AS, "bindings": [
        {"resource": TRAINING_SA, "role": "roles/iam.serviceAccountUser", "members": [DEPLOY]}]}
    result = ENGINE.within(_submission([project_user], DEPLOY), envelope)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    example = result.counterexamples[0]
    assert example.action == "iam.serviceAccounts.actAs" and example.resource != TRAINING_SA
    on_the_account = {"resource": TRAINING_SA, "role": "roles/iam.serviceAccountUser", "members": [DEPLOY]}
    assert ENGINE.within(_submission([on_the_account], DEPLOY), envelope).status is WithinStatus.PROVED


@pytest.mark.parametrize("envelope", [
    {"permissions": [], "bindings": []},
    {"permissions": "iam.serviceAccounts.actAs", "bindings": []},
    {"permissions": ["iam.serviceAccounts.actAs"], "bindings": [], "roles": []},
])
def test_bad_permissions_envelope_is_a_clear_error(envelope: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        ENGINE.within(_submission([DEPLOYER_ON_PROJECT], DEPLOY), envelope)


def test_focus_needs_an_identity() -> None:
    with pytest.raises(InputError, match="focus"):
        ENGINE.within(_submission([DEPLOYER_ON_PROJECT], None), [])


GROUP_GRANT = {"resource": PROJECT, "role": "roles/aiplatform.user", "members": ["group:ml-builders@acme.example"]}


def test_focus_keeps_a_grant_to_one_of_the_identitys_groups() -> None:
    """"Principal identifiers": a `group:` member names every member of the group. The lab says the build
    account is in ml-builders, so the group's grant is the build account's (a focus that compared group
    keys in another spelling proved the account within nothing)."""
    setting = {"hierarchy": HIERARCHY, "identity": BUILD, "focus": "identity",
               "groups": {BUILD: ["group:ml-builders@acme.example"]}}
    submission = ENGINE.load_submission({"iam_bindings": LoadedDocument("b.json", [GROUP_GRANT], {})}, setting)
    assert ENGINE.decide(submission, {"principal": BUILD, "permission": "aiplatform.endpoints.predict",
                                      "resource": PROJECT}).allowed
    result = ENGINE.within(submission, [])
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert all(example.principal == BUILD for example in result.counterexamples)


def test_focus_never_drops_a_convenience_member() -> None:
    """"Convenience values" (Cloud Storage IAM): `projectViewer:PROJECT` names every viewer of the project. A
    bucket grant to the project's viewers reaches the build account when it is a viewer; the prover does not
    analyse that, so the answer is unknown, never a proof that leaves the grant out."""
    bucket = "//storage.googleapis.com/projects/_/buckets/acme-ml-datasets"
    bindings = [{"resource": PROJECT, "role": "roles/viewer", "members": [BUILD]},
                {"resource": bucket, "role": "roles/storage.objectAdmin", "members": ["projectViewer:acme-ml"]}]
    submission = _submission(bindings, BUILD)
    assert ENGINE.decide(submission, {"principal": BUILD, "permission": "storage.objects.delete",
                                      "resource": f"{bucket}/objects/model.pt"}).allowed
    result = ENGINE.within(submission, {"permissions": ["storage.objects.delete"], "bindings": []})
    assert result.status is WithinStatus.UNKNOWN
    assert "projectViewer:acme-ml" in result.reason
