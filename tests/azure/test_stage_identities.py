"""One file holding several user-assigned identities (lab 02's pipeline stages), through the engine face:
requests and envelopes may name an identity by its resource id, `within` proves what the setting's identity
holds, a `token` request is decided by the identity's federated credentials, and `holds` answers a duty.

Docs encoded: "Manage user-assigned managed identities" (an identity has a resource id and a principal id;
role assignments name the principal); "Understand scope for Azure RBAC" (an assignment's permissions apply
at its scope and below); Microsoft Entra "Important considerations and restrictions for federated identity
credentials": "The subject setting value must exactly match the configuration on the GitHub workflow
configuration", and audiences say "what Microsoft identity platform should accept in the aud claim".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker.azure import ENGINE
from checker.azure.federation import TOKEN_EXCHANGE
from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from checker.core.source import parse_json

from .helpers import RG

REGISTRY = f"{RG}/providers/Microsoft.ContainerRegistry/registries/acr"
WORKSPACE = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/ws"
BUILD = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-build"
DEPLOY = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-deploy"
BUILD_PRINCIPAL, DEPLOY_PRINCIPAL = "b1111111-1111-4111-8111-111111111111", "b3333333-3333-4333-8333-333333333333"
PUSH = "Microsoft.ContainerRegistry/registries/push/write"
ENDPOINT_WRITE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write"
GITHUB = "https://token.actions.githubusercontent.com"
MAIN = "repo:acme/fraud-model:ref:refs/heads/main"


def document(data: Any, name: str) -> Any:
    return parse_json(json.dumps(data, indent=2), name)


def submission(assignments: list[dict[str, Any]], identity: str = BUILD, credentials: list[dict[str, Any]] | None = None) -> Any:
    files = {
        "role_assignments": document(assignments, "role-assignments.json"),
        "custom_roles": document([{"name": "endpoints", "roleName": "endpoints", "assignableScopes": [WORKSPACE],
                                   "permissions": [{"actions": [ENDPOINT_WRITE]}]}], "custom-roles.json"),
        "managed_identities": document([{"id": BUILD, "principalId": BUILD_PRINCIPAL},
                                        {"id": DEPLOY, "principalId": DEPLOY_PRINCIPAL}], "identities.json"),
        "federated_credentials": document(credentials or [], "credentials.json"),
        "workflow": document({"jobs": {}}, "mlops.yml"),  # kept as data for `workflow` checks
    }
    return ENGINE.load_submission(files, {"identity": identity})


BOTH = [{"role": "AcrPush", "principalId": BUILD_PRINCIPAL, "scope": REGISTRY},
        {"role": "endpoints", "principalId": DEPLOY_PRINCIPAL, "scope": WORKSPACE}]


def test_a_request_may_name_the_identity_by_its_resource_id() -> None:
    build = submission(BOTH)
    assert ENGINE.decide(build, {"principal": BUILD, "action": PUSH, "resource": REGISTRY, "data_action": False}).allowed
    assert not ENGINE.decide(build, {"principal": DEPLOY, "action": PUSH, "resource": REGISTRY, "data_action": False}).allowed


def test_an_assignment_to_the_resource_id_names_no_principal() -> None:
    """Role assignments name the identity's principal id; its resource id is not a principal."""
    wrong = submission([{"role": "AcrPush", "principalId": BUILD, "scope": REGISTRY}])
    assert not ENGINE.decide(wrong, {"principal": BUILD, "action": PUSH, "resource": REGISTRY, "data_action": False}).allowed


def test_within_proves_what_the_setting_identity_holds() -> None:
    envelope = {"role_assignments": [{"role": "AcrPush", "principalId": BUILD, "scope": REGISTRY}]}
    assert ENGINE.within(submission(BOTH, BUILD), envelope).status is WithinStatus.PROVED
    # The same envelope is exceeded by the deploy identity: its own assignment is outside it.
    result = ENGINE.within(submission(BOTH, DEPLOY), envelope)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert all(example.principal == DEPLOY_PRINCIPAL for example in result.counterexamples)


def test_holds_answers_a_duty_with_a_witness_or_a_proof() -> None:
    build = submission(BOTH, BUILD)
    held = ENGINE.holds(build, [PUSH])
    assert held is not None and held.status is WithinStatus.COUNTEREXAMPLE
    assert (held.counterexamples[0].action, held.counterexamples[0].resource) == (PUSH, REGISTRY)
    not_held = ENGINE.holds(build, [ENDPOINT_WRITE])
    assert not_held is not None and not_held.status is WithinStatus.PROVED


def test_holds_leaves_a_conditioned_grant_to_the_prover() -> None:
    conditioned = [{**BOTH[0], "condition": "@Resource[Microsoft.Storage/storageAccounts:name] StringEquals 'x'",
                    "conditionVersion": "2.0"}]
    assert ENGINE.holds(submission(conditioned, BUILD), [PUSH]) is None


TEAM_GROUP = "1a000000-0000-4000-8000-000000000001"


def test_holds_counts_a_grant_to_one_of_the_identitys_groups() -> None:
    """"Steps to assign an Azure role": a role may be assigned to a group, and its members hold it. A duty
    granted only through the identity's group is held: a direct-assignments-only shortcut passed it."""
    files = {"role_assignments": document([{"role": "AcrPush", "principalId": TEAM_GROUP, "scope": REGISTRY}],
                                          "role-assignments.json")}
    setting = {"identity": "risk-admin",
               "principals": [{"name": "risk-admin", "id": "1a000000-0000-4000-8000-000000000011",
                               "groups": [TEAM_GROUP]}]}
    member = ENGINE.load_submission(files, setting)
    assert ENGINE.decide(member, {"principal": "risk-admin", "action": PUSH, "resource": REGISTRY,
                                  "data_action": False}).allowed
    held = ENGINE.holds(member, [PUSH])
    assert held is not None and held.status is WithinStatus.COUNTEREXAMPLE


def test_within_of_an_identity_keeps_its_groups_assignments() -> None:
    """A stage identity that is also a listed member of a group holds the group's assignments: focusing the
    question on the identity must not drop them."""
    files = {"role_assignments": document([{"role": "AcrPush", "principalId": TEAM_GROUP, "scope": REGISTRY}],
                                          "role-assignments.json"),
             "managed_identities": document([{"id": BUILD, "principalId": BUILD_PRINCIPAL}], "identities.json")}
    setting = {"identity": BUILD, "principals": [{"name": "id-build", "id": BUILD_PRINCIPAL, "groups": [TEAM_GROUP]}]}
    result = ENGINE.within(ENGINE.load_submission(files, setting), {"role_assignments": []})
    assert result.status is WithinStatus.COUNTEREXAMPLE


CREDENTIAL = {"name": "github-main", "issuer": GITHUB, "subject": MAIN, "audiences": ["api://AzureADTokenExchange"]}
MAIN_TOKEN = {"iss": GITHUB, "sub": MAIN, "aud": "api://AzureADTokenExchange"}


@pytest.mark.parametrize(("token", "accepted"), [
    (MAIN_TOKEN, True),
    ({**MAIN_TOKEN, "sub": "repo:acme/fraud-model:pull_request"}, False),
    ({**MAIN_TOKEN, "sub": "repo:acme/fraud-model:ref:refs/heads/Main"}, False),  # exact: case matters
    ({**MAIN_TOKEN, "sub": "repo:acme/other:ref:refs/heads/main"}, False),
    ({**MAIN_TOKEN, "aud": "https://github.com/acme"}, False),
    ({"iss": GITHUB, "sub": MAIN}, False),  # no audience
    ({**MAIN_TOKEN, "iss": GITHUB + "/"}, False),
], ids=["main", "pull request", "other case", "other repository", "other audience", "no audience", "other issuer"])
def test_a_token_is_exchanged_only_on_an_exact_match(token: dict[str, str], accepted: bool) -> None:
    build = submission(BOTH, BUILD, [CREDENTIAL])
    decision = ENGINE.decide(build, {"principal": GITHUB, "action": TOKEN_EXCHANGE, "resource": BUILD, "token": token})
    assert decision.allowed is accepted
    if not accepted:
        assert decision.reasons and "github-main" in decision.reasons[0].policy


def test_a_token_request_about_another_identity_is_an_input_error() -> None:
    build = submission(BOTH, BUILD, [CREDENTIAL])
    with pytest.raises(InputError, match="federated credentials loaded are those of"):
        ENGINE.decide(build, {"principal": GITHUB, "action": TOKEN_EXCHANGE, "resource": DEPLOY, "token": MAIN_TOKEN})
    with pytest.raises(InputError, match="asks for"):
        ENGINE.decide(build, {"principal": GITHUB, "action": PUSH, "resource": BUILD, "token": MAIN_TOKEN})


def test_a_malformed_identity_list_names_its_place() -> None:
    files = {"role_assignments": document([], "role-assignments.json"),
             "managed_identities": document([{"principalId": BUILD_PRINCIPAL}], "identities.json")}
    with pytest.raises(InputError) as info:
        ENGINE.load_submission(files, {})
    assert info.value.where is not None and info.value.where.file == "identities.json"
