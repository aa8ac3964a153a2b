"""Who can act as a user-assigned managed identity (checker.azure.actors), through the engine face.

Docs encoded: "Managed Identity Operator" (built-in roles, Identity): "Read and Assign User Assigned
Identity" - Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action; "Workload identity
federation": a federated identity credential trusts tokens of one issuer and subject; role assignment
writes let their holder grant itself either.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker.azure import ENGINE
from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from checker.core.source import parse_json

from .helpers import PRINCIPAL, RG, SUB

IDENTITY = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-fraud-training"
OTHER = "22222222-2222-2222-2222-222222222222"
GITHUB = {"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:acme/ml:ref:refs/heads/main"}


def load(assignments: list[dict[str, Any]], credentials: list[dict[str, Any]] | None = None) -> Any:
    files = {"role_assignments": parse_json(json.dumps(assignments), "role-assignments.json")}
    if credentials is not None:
        files["federated_credentials"] = parse_json(json.dumps(credentials, indent=2), "federated-credentials.json")
    return ENGINE.load_submission(files, {})


READER = {"role": "Storage Blob Data Reader", "principalId": PRINCIPAL, "scope": RG}


def test_data_roles_only_are_proved() -> None:
    result = ENGINE.trust_within(load([READER, {**READER, "principalId": OTHER}]), IDENTITY, [])
    assert result.status is WithinStatus.PROVED


@pytest.mark.parametrize(
    ("role", "scope", "operation"),
    [
        ("Managed Identity Operator", RG, "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"),
        ("Managed Identity Operator", IDENTITY, "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"),
        (
            "Managed Identity Contributor",
            SUB,
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
        ),
        ("Contributor", RG, "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"),
        ("User Access Administrator", SUB, "Microsoft.Authorization/roleAssignments/write"),
        ("Owner", RG, "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"),
    ],
)
def test_a_role_over_the_identity_that_can_take_it_is_a_counterexample(role: str, scope: str, operation: str) -> None:
    result = ENGINE.trust_within(load([READER, {"role": role, "principalId": OTHER, "scope": scope}]), IDENTITY, [])
    assert result.status is WithinStatus.COUNTEREXAMPLE
    (example,) = result.counterexamples
    assert example.principal == OTHER and example.action == operation and example.resource == IDENTITY
    assert role in example.context["granted_by"]


def test_a_role_elsewhere_does_not_reach_the_identity() -> None:
    other_rg = f"{SUB}/resourceGroups/rg-other"
    result = ENGINE.trust_within(load([{"role": "Owner", "principalId": OTHER, "scope": other_rg}]), IDENTITY, [])
    assert result.status is WithinStatus.PROVED


def test_an_allowed_principal_may_hold_it() -> None:
    operator = {"role": "Managed Identity Operator", "principalId": OTHER.upper(), "scope": IDENTITY}
    assert ENGINE.trust_within(load([operator]), IDENTITY, [OTHER]).status is WithinStatus.PROVED


def test_a_condition_on_the_assignment_does_not_hide_the_grant() -> None:
    conditioned = {
        "role": "Managed Identity Operator",
        "principalId": OTHER,
        "scope": IDENTITY,
        "condition": "(@Request[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidEquals {33333333-3333-3333-3333-333333333333})",
        "conditionVersion": "2.0",
    }
    assert ENGINE.trust_within(load([conditioned]), IDENTITY, []).status is WithinStatus.COUNTEREXAMPLE


def test_federated_credentials_must_be_allowed() -> None:
    submission = load([READER], [{"name": "gh", **GITHUB, "audiences": ["api://AzureADTokenExchange"]}])
    result = ENGINE.trust_within(submission, IDENTITY, [])
    (example,) = result.counterexamples
    # The counterexample is a token the credential accepts: its iss, sub and aud claims.
    assert example.context == {"iss": GITHUB["issuer"], "sub": GITHUB["subject"], "aud": "api://AzureADTokenExchange"}
    assert example.principal is not None and GITHUB["issuer"] in example.principal
    assert ENGINE.trust_within(submission, IDENTITY, [GITHUB]).status is WithinStatus.PROVED
    other_branch = {**GITHUB, "subject": "repo:acme/ml:pull_request"}
    assert ENGINE.trust_within(submission, IDENTITY, [other_branch]).status is WithinStatus.COUNTEREXAMPLE


def test_a_malformed_credential_names_its_place() -> None:
    with pytest.raises(InputError) as info:
        load([READER], [{"name": "gh", "issuer": GITHUB["issuer"]}])
    assert info.value.where is not None and info.value.where.file == "federated-credentials.json"


@pytest.mark.parametrize("may_assume", [{"x": 1}, [{"issuer": "i"}], [3]], ids=["not a list", "no subject", "a number"])
def test_a_malformed_allowed_set_is_an_input_error(may_assume: Any) -> None:
    with pytest.raises(InputError):
        ENGINE.trust_within(load([READER]), IDENTITY, may_assume)


def test_the_identity_must_be_a_managed_identity() -> None:
    with pytest.raises(InputError, match="managed identity"):
        ENGINE.trust_within(load([READER]), RG, [])


def test_audiences_the_lab_does_not_list_are_counterexample_tokens() -> None:
    """"audiences ... says what Microsoft identity platform should accept in the aud claim in the incoming
    token" (Microsoft Entra, "Important considerations and restrictions for federated identity credentials"):
    each audience a credential lists is a token it accepts."""
    credential = {"name": "gh", **GITHUB, "audiences": ["api://AzureADTokenExchange", "https://github.com/acme"]}
    submission = load([READER], [credential])
    strict = [{**GITHUB, "audiences": ["api://AzureADTokenExchange"]}]
    result = ENGINE.trust_within(submission, IDENTITY, strict)
    (example,) = result.counterexamples
    assert example.context == {"iss": GITHUB["issuer"], "sub": GITHUB["subject"], "aud": "https://github.com/acme"}
    assert ENGINE.trust_within(submission, IDENTITY, [GITHUB]).proved  # no audiences listed: any is allowed
    exact = load([READER], [{**credential, "audiences": ["api://AzureADTokenExchange"]}])
    assert ENGINE.trust_within(exact, IDENTITY, strict).proved
