"""Who can act as a service account (checker.gcp.actors), through the engine face.

"Service account impersonation" (https://cloud.google.com/iam/docs/service-account-impersonation): a
principal with getAccessToken, signBlob, signJwt... on the account impersonates it; "actAs" lets it attach
the account to a resource. Permissions are inherited from the project (resource hierarchy).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from checker.core.source import parse_json
from checker.gcp import ENGINE

PROJECT = "//cloudresourcemanager.googleapis.com/projects/acme-ml"
SA = "serviceAccount:fraud-training@acme-ml.iam.gserviceaccount.com"
SA_RESOURCE = "//iam.googleapis.com/projects/acme-ml/serviceAccounts/fraud-training@acme-ml.iam.gserviceaccount.com"
OTHER_SA = "//iam.googleapis.com/projects/acme-ml/serviceAccounts/deployer@acme-ml.iam.gserviceaccount.com"
SETTING = {"hierarchy": {SA_RESOURCE: PROJECT, OTHER_SA: PROJECT}, "request_time": "2026-11-28T10:00:00Z"}


def load(bindings: list[dict[str, Any]]) -> Any:
    return ENGINE.load_submission({"iam_bindings": parse_json(json.dumps(bindings), "iam-bindings.json")}, SETTING)


def test_a_grant_on_another_account_does_not_reach_this_one() -> None:
    submission = load([{"resource": OTHER_SA, "role": "roles/iam.serviceAccountUser", "members": ["user:a@acme.example"]}])
    assert ENGINE.trust_within(submission, SA_RESOURCE, []).status is WithinStatus.PROVED


def test_a_conditional_grant_is_still_a_grant() -> None:
    binding = {
        "resource": PROJECT,
        "role": "roles/iam.serviceAccountTokenCreator",
        "members": ["user:a@acme.example"],
        "condition": {"title": "later", "expression": 'request.time > timestamp("2030-01-01T00:00:00Z")'},
    }
    result = ENGINE.trust_within(load([binding]), SA_RESOURCE, [])
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert "request.time" in result.counterexamples[0].context["granted_by"]


def test_members_are_compared_as_the_evaluator_compares_them() -> None:
    binding = {"resource": SA_RESOURCE, "role": "roles/iam.serviceAccountUser", "members": ["user:A@Acme.example"]}
    assert ENGINE.trust_within(load([binding]), SA_RESOURCE, ["user:a@acme.example"]).status is WithinStatus.PROVED
    assert ENGINE.trust_within(load([binding]), SA, []).status is WithinStatus.COUNTEREXAMPLE  # the member form


@pytest.mark.parametrize("may_assume", ["user:a@acme.example", ["nobody"], [3]], ids=["not a list", "not a member", "a number"])
def test_a_malformed_allowed_set_is_an_input_error(may_assume: Any) -> None:
    with pytest.raises(InputError):
        ENGINE.trust_within(load([]), SA_RESOURCE, may_assume)
