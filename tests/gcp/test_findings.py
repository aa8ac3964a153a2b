"""Findings GCP001.. : each row is a binding that should (or should not) raise a code, with its doc page."""

from __future__ import annotations

from typing import Any

import pytest

from checker.gcp.analyze.findings import lint
from checker.gcp.hierarchy import parse_hierarchy
from checker.gcp.location import Loc
from checker.gcp.names import parse_resource_name
from checker.gcp.parse import parse_bindings
from tests.gcp.helpers import BUCKET, FOLDER, POOL, PROJECT, SA

SA_RESOURCE = "//iam.googleapis.com/projects/acme-ml/serviceAccounts/fraud-training@acme-ml.iam.gserviceaccount.com"
HIERARCHY = parse_hierarchy({BUCKET: PROJECT, PROJECT: FOLDER}, Loc())
FRAUD = 'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/fraud/")'


def codes(where: str, role: str, members: list[str], condition: str | None = None) -> set[str]:
    item: dict[str, Any] = {"role": role, "members": members}
    if condition is not None:
        item["condition"] = {"title": "c", "expression": condition}
    bindings = parse_bindings([item], parse_resource_name(where, Loc()), Loc(), {})
    return {f.code for f in lint(bindings, {}, HIERARCHY)}


ROWS = [
    # (id, doc, where, role, members, condition, expected code, present?)
    (
        # "If the input parameter is invalid, then the condition will never allow access to any resource."
        "invalid-timestamp-never-grants",
        "https://cloud.google.com/iam/docs/conditions-attribute-reference#date-time",
        BUCKET,
        "roles/storage.objectViewer",
        [SA],
        'request.time < timestamp("next tuesday")',
        "GCP014",
        True,
    ),
    (
        "valid-timestamp-no-finding",
        "https://cloud.google.com/iam/docs/conditions-attribute-reference#date-time",
        BUCKET,
        "roles/storage.objectViewer",
        [SA],
        'request.time < timestamp("2026-12-31T00:00:00Z")',
        "GCP014",
        False,
    ),
    (
        "owner",
        "https://cloud.google.com/iam/docs/roles-overview#basic",
        PROJECT,
        "roles/owner",
        [SA],
        None,
        "GCP001",
        True,
    ),
    (
        "editor",
        "https://cloud.google.com/iam/docs/roles-overview#basic",
        PROJECT,
        "roles/editor",
        [SA],
        None,
        "GCP001",
        True,
    ),
    (
        "viewer",
        "https://cloud.google.com/iam/docs/roles-overview#basic",
        PROJECT,
        "roles/viewer",
        [SA],
        None,
        "GCP001",
        True,
    ),
    (
        "predefined-not-basic",
        "https://cloud.google.com/iam/docs/roles-overview#basic",
        BUCKET,
        "roles/storage.objectViewer",
        [SA],
        None,
        "GCP001",
        False,
    ),
    (
        "storage-on-project",
        "https://cloud.google.com/iam/docs/using-iam-securely#least_privilege",
        PROJECT,
        "roles/storage.objectViewer",
        [SA],
        None,
        "GCP002",
        True,
    ),
    (
        "storage-on-bucket",
        "https://cloud.google.com/iam/docs/using-iam-securely#least_privilege",
        BUCKET,
        "roles/storage.objectViewer",
        [SA],
        None,
        "GCP002",
        False,
    ),
    (
        # "Roles for service account authentication": Service Account User "when granted on a project, grants
        # access to all service accounts in the project"; granted on one service account it is the narrow
        # form the finding's own fix asks for, so it is not flagged.
        "actAs-on-one-service-account",
        "https://cloud.google.com/iam/docs/service-account-permissions",
        SA_RESOURCE,
        "roles/iam.serviceAccountUser",
        [SA],
        None,
        "GCP003",
        False,
    ),
    (
        "actAs-on-project",
        "https://cloud.google.com/iam/docs/service-accounts-actas",
        PROJECT,
        "roles/iam.serviceAccountUser",
        [SA],
        None,
        "GCP003",
        True,
    ),
    (
        "key-admin",
        "https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys",
        PROJECT,
        "roles/iam.serviceAccountKeyAdmin",
        [SA],
        None,
        "GCP004",
        True,
    ),
    (
        "token-creator",
        "https://cloud.google.com/iam/docs/service-account-impersonation",
        PROJECT,
        "roles/iam.serviceAccountTokenCreator",
        [SA],
        None,
        "GCP005",
        True,
    ),
    (
        "project-iam-admin",
        "https://cloud.google.com/iam/docs/granting-changing-revoking-access",
        PROJECT,
        "roles/resourcemanager.projectIamAdmin",
        [SA],
        None,
        "GCP006",
        True,
    ),
    (
        "storage-admin-set-policy",
        "https://cloud.google.com/iam/docs/granting-changing-revoking-access",
        BUCKET,
        "roles/storage.admin",
        [SA],
        None,
        "GCP006",
        True,
    ),
    (
        "viewer-no-escalation",
        "https://cloud.google.com/iam/docs/service-accounts-actas",
        BUCKET,
        "roles/storage.objectViewer",
        [SA],
        None,
        "GCP003",
        False,
    ),
    (
        "allUsers",
        "https://cloud.google.com/iam/docs/principal-identifiers",
        BUCKET,
        "roles/storage.objectViewer",
        ["allUsers"],
        None,
        "GCP007",
        True,
    ),
    (
        "allAuthenticatedUsers",
        "https://cloud.google.com/iam/docs/principal-identifiers",
        BUCKET,
        "roles/storage.objectViewer",
        ["allAuthenticatedUsers"],
        None,
        "GCP007",
        True,
    ),
    (
        "prefix-on-list",
        "https://cloud.google.com/iam/docs/conditions-resource-attributes#resource-name",
        BUCKET,
        "roles/storage.objectViewer",
        [SA],
        FRAUD,
        "GCP008",
        True,
    ),
    (
        "prefix-with-bucket-escape",
        "https://cloud.google.com/iam/docs/conditions-resource-attributes#resource-name",
        BUCKET,
        "roles/storage.objectViewer",
        [SA],
        'resource.type == "storage.googleapis.com/Bucket" || ' + FRAUD,
        "GCP008",
        False,
    ),
    (
        "prefix-cannot-narrow-listing",
        "https://cloud.google.com/iam/docs/conditions-resource-attributes#resource-name",
        BUCKET,
        "roles/storage.objectViewer",
        [SA],
        'resource.type == "storage.googleapis.com/Bucket" || ' + FRAUD,
        "GCP013",
        True,
    ),
    (
        "no-prefix-no-listing-note",
        "https://cloud.google.com/iam/docs/conditions-resource-attributes#resource-name",
        BUCKET,
        "roles/storage.objectViewer",
        [SA],
        None,
        "GCP013",
        False,
    ),
    (
        "vertex-resource-name",
        "https://cloud.google.com/iam/docs/conditions-attribute-reference#resource",
        PROJECT,
        "roles/aiplatform.user",
        [SA],
        'resource.name.startsWith("projects/acme-ml/locations/us-central1/endpoints/")',
        "GCP009",
        True,
    ),
    (
        "vertex-time-only",
        "https://cloud.google.com/iam/docs/conditions-attribute-reference#resource",
        PROJECT,
        "roles/aiplatform.user",
        [SA],
        'request.time < timestamp("2027-01-01T00:00:00Z")',
        "GCP009",
        False,
    ),
    (
        "default-compute-sa",
        "https://cloud.google.com/compute/docs/access/service-accounts#default_service_account",
        BUCKET,
        "roles/storage.objectViewer",
        ["serviceAccount:123456789-compute@developer.gserviceaccount.com"],
        None,
        "GCP010",
        True,
    ),
    (
        "appengine-default-sa",
        "https://cloud.google.com/compute/docs/access/service-accounts#default_service_account",
        BUCKET,
        "roles/storage.objectViewer",
        ["serviceAccount:acme-ml@appspot.gserviceaccount.com"],
        None,
        "GCP010",
        True,
    ),
    (
        "dedicated-sa",
        "https://cloud.google.com/compute/docs/access/service-accounts#default_service_account",
        BUCKET,
        "roles/storage.objectViewer",
        [SA],
        None,
        "GCP010",
        False,
    ),
    (
        "deleted-member",
        "https://cloud.google.com/iam/docs/principal-identifiers",
        BUCKET,
        "roles/storage.objectViewer",
        ["deleted:" + SA + "?uid=1"],
        None,
        "GCP011",
        True,
    ),
    (
        "whole-pool",
        "https://cloud.google.com/iam/docs/best-practices-for-using-workload-identity-federation",
        BUCKET,
        "roles/storage.objectViewer",
        [f"principalSet://{POOL}/*"],
        None,
        "GCP012",
        True,
    ),
    (
        "one-repository",
        "https://cloud.google.com/iam/docs/best-practices-for-using-workload-identity-federation",
        BUCKET,
        "roles/storage.objectViewer",
        [f"principalSet://{POOL}/attribute.repository/acme/train"],
        None,
        "GCP012",
        False,
    ),
]


@pytest.mark.parametrize(
    ("doc", "where", "role", "members", "condition", "code", "present"),
    [r[1:] for r in ROWS],
    ids=[r[0] for r in ROWS],
)
def test_finding(
    doc: str, where: str, role: str, members: list[str], condition: str | None, code: str, present: bool
) -> None:
    assert (code in codes(where, role, members, condition)) is present


def test_finding_messages_say_what_why_and_how() -> None:
    bindings = parse_bindings(
        [
            {
                "role": "roles/storage.objectViewer",
                "members": [SA],
                "condition": {"title": "fraud", "expression": FRAUD},
            }
        ],
        parse_resource_name(BUCKET, Loc()),
        Loc(),
        {},
    )
    (finding,) = [f for f in lint(bindings, {}, HIERARCHY) if f.code == "GCP008"]
    assert "storage.objects.list" in finding.message and "bucket" in finding.message
    assert finding.hint and "resource.type" in finding.hint
    assert finding.doc and finding.doc.startswith("https://cloud.google.com/")
