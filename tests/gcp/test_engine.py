"""The Engine face: load_submission (with file locations), decide, within, findings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker.core.engine import Engine, WithinStatus
from checker.core.errors import InputError
from checker.core.source import parse_json
from checker.gcp import ENGINE
from tests.gcp.helpers import BUCKET, FOLDER, OBJECT, ORG, PROJECT, SA

SETTING: dict[str, Any] = {
    "hierarchy": {BUCKET: PROJECT, PROJECT: FOLDER, FOLDER: ORG},
    "groups": {SA: ["group:ml@acme.example"]},
    "request_time": "2026-11-28T10:00:00Z",
    "deny_policies": {
        ORG: [
            {
                "rules": [
                    {
                        "denyRule": {
                            "deniedPrincipals": ["principalSet://goog/public:all"],
                            "deniedPermissions": ["storage.googleapis.com/objects.delete"],
                        }
                    }
                ]
            }
        ]
    },
}
FRAUD = 'resource.type == "storage.googleapis.com/Bucket" || resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/fraud/")'


def submission(bindings: list[dict[str, Any]], custom_roles: list[dict[str, Any]] | None = None) -> Any:
    files = {"iam_bindings": parse_json(json.dumps(bindings, indent=2), "iam-bindings.json")}
    if custom_roles is not None:
        files["custom_roles"] = parse_json(json.dumps(custom_roles, indent=2), "custom-roles.json")
    return ENGINE.load_submission(files, SETTING)


def test_engine_satisfies_protocol() -> None:
    engine: Engine = ENGINE
    assert engine.cloud == "gcp"


def test_decide_uses_hierarchy_groups_and_setting_denies() -> None:
    sub = submission(
        [{"resource": PROJECT, "role": "roles/storage.objectAdmin", "members": ["group:ml@acme.example"]}]
    )
    assert ENGINE.decide(sub, {"principal": SA, "action": "storage.objects.get", "resource": OBJECT}).allowed
    denied = ENGINE.decide(sub, {"principal": SA, "action": "storage.objects.delete", "resource": OBJECT})
    assert denied.kind.value == "explicit_deny"


def test_decide_with_condition_and_context() -> None:
    sub = submission(
        [
            {
                "resource": BUCKET,
                "role": "roles/storage.objectViewer",
                "members": [SA],
                "condition": {"title": "fraud", "expression": FRAUD},
            }
        ]
    )
    assert ENGINE.decide(sub, {"principal": SA, "action": "storage.objects.get", "resource": OBJECT}).allowed
    other = BUCKET + "/objects/churn/a.csv"
    assert not ENGINE.decide(
        sub, {"principal": SA, "action": "storage.objects.get", "resource": other}
    ).allowed
    assert ENGINE.decide(sub, {"principal": SA, "action": "storage.objects.list", "resource": BUCKET}).allowed


def test_custom_roles_file() -> None:
    sub = submission(
        [{"resource": BUCKET, "role": "projects/acme-ml/roles/reader", "members": [SA]}],
        [{"name": "projects/acme-ml/roles/reader", "includedPermissions": ["storage.objects.get"]}],
    )
    assert ENGINE.decide(sub, {"principal": SA, "action": "storage.objects.get", "resource": OBJECT}).allowed


def test_bad_file_points_at_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        submission([{"resource": BUCKET, "role": "roles/storage.objectViewr", "members": [SA]}])
    where = caught.value.where
    assert (
        where is not None
        and where.file == "iam-bindings.json"
        and where.line == 4
        and where.pointer == "/0/role"
    )


def test_bad_condition_points_into_file() -> None:
    with pytest.raises(InputError) as caught:
        submission(
            [
                {
                    "resource": BUCKET,
                    "role": "roles/storage.objectViewer",
                    "members": [SA],
                    "condition": {"title": "x", "expression": "resource.name =="},
                }
            ]
        )
    where = caught.value.where
    assert where is not None and where.file == "iam-bindings.json" and where.line is not None


def test_within_and_findings() -> None:
    sub = submission([{"resource": PROJECT, "role": "roles/storage.objectViewer", "members": [SA]}])
    envelope = [
        {
            "resource": BUCKET,
            "role": "roles/storage.objectViewer",
            "members": [SA],
            "condition": {"title": "fraud", "expression": FRAUD},
        }
    ]
    result = ENGINE.within(sub, envelope)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert {f.code for f in ENGINE.findings(sub)} >= {"GCP002"}
    tight = submission(envelope)
    assert (
        ENGINE.within(tight, parse_json(json.dumps(envelope), "envelope.json")).status is WithinStatus.PROVED
    )


def test_unknown_setting_is_an_error() -> None:
    with pytest.raises(InputError, match="unknown GCP setting"):
        ENGINE.load_submission({}, {"hierarchyy": {}})


def test_within_counterexamples_read_plainly_and_recheck_through_the_face() -> None:
    sub = submission([{"resource": PROJECT, "role": "roles/storage.objectAdmin", "members": [SA]}])
    envelope = [
        {
            "resource": BUCKET,
            "role": "roles/storage.objectViewer",
            "members": [SA],
            "condition": {"title": "fraud", "expression": FRAUD},
        }
    ]
    result = ENGINE.within(sub, envelope)
    assert result.counterexamples
    first = result.counterexamples[0]
    assert "ancestors" not in first.context and "request_time" not in first.context
    for example in result.counterexamples:
        request = {
            "principal": example.principal,
            "action": example.action,
            "resource": example.resource,
            "context": example.context,
        }
        assert ENGINE.decide(sub, request).allowed
        tight = submission(envelope)
        assert not ENGINE.decide(tight, request).allowed


def test_trust_style_request_on_a_service_account() -> None:
    # doc: https://cloud.google.com/iam/docs/service-account-impersonation (roles/iam.serviceAccountTokenCreator)
    sa_resource = (
        "//iam.googleapis.com/projects/acme-ml/serviceAccounts/fraud-training@acme-ml.iam.gserviceaccount.com"
    )
    sub = submission(
        [
            {
                "resource": sa_resource,
                "role": "roles/iam.workloadIdentityUser",
                "members": [
                    "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/attribute.repository/acme/train"
                ],
            }
        ]
    )
    github = "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/subject/repo:acme/train:ref:refs/heads/main"
    allowed = {
        "principal": github,
        "action": "iam.serviceAccounts.getAccessToken",
        "resource": SA,
        "context": {"principal_attributes": {"attribute.repository": "acme/train"}},
    }
    assert ENGINE.decide(sub, allowed).allowed
    other = dict(allowed, context={"principal_attributes": {"attribute.repository": "acme/other"}})
    assert not ENGINE.decide(sub, other).allowed
    # A grant on the project reaches its service accounts (a service account's parent is its project).
    project_grant = submission(
        [
            {
                "resource": PROJECT,
                "role": "roles/iam.serviceAccountTokenCreator",
                "members": ["user:ops@acme.example"],
            }
        ]
    )
    request = {
        "principal": "user:ops@acme.example",
        "action": "iam.serviceAccounts.getAccessToken",
        "resource": SA,
    }
    assert ENGINE.decide(project_grant, request).allowed
