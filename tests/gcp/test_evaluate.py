"""Decisions, table-driven; each row names the documentation page that fixes the rule."""

from __future__ import annotations

from typing import Any

import pytest

from checker.gcp.batch import decide_case
from tests.gcp.helpers import (
    BUCKET,
    FOLDER,
    GITHUB_PRINCIPAL,
    GROUP,
    ORG,
    POOL,
    PROJECT,
    SA,
    SA_V2,
    allow,
    case,
    deny,
    deny_rule,
    grant,
)

POLICY_EVAL = "https://cloud.google.com/iam/docs/policy-evaluation"
HIERARCHY = "https://cloud.google.com/iam/docs/resource-hierarchy-access-control"
PRINCIPALS = "https://cloud.google.com/iam/docs/principal-identifiers"
DENY = "https://cloud.google.com/iam/docs/deny-overview"
CONDITIONS = "https://cloud.google.com/iam/docs/conditions-attribute-reference"
STORAGE_IAM = "https://cloud.google.com/storage/docs/access-control/iam-permissions"
WIF = "https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines"
CUSTOM = "https://cloud.google.com/iam/docs/understanding-custom-roles"
PAB = "https://cloud.google.com/iam/docs/principal-access-boundary-policies"
PAB_VERSIONS = "https://cloud.google.com/iam/docs/pab-blocked-permissions"
CONVENIENCE = "https://cloud.google.com/storage/docs/access-control/iam#convenience-values"

VIEWER = "roles/storage.objectViewer"
PREFIX = 'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/fraud/")'


ROWS: list[tuple[str, str, dict[str, Any], str]] = [
    # (id, doc, case overrides, expected decision)
    ("no-policy-implicit-deny", POLICY_EVAL, {}, "implicit_deny"),
    (
        "bucket-binding-inherited-by-object",
        HIERARCHY,
        {"allow_policies": allow(BUCKET, grant(VIEWER, [SA]))},
        "allow",
    ),
    (
        "project-binding-inherited",
        HIERARCHY,
        {"allow_policies": allow(PROJECT, grant(VIEWER, [SA]))},
        "allow",
    ),
    ("org-binding-inherited", HIERARCHY, {"allow_policies": allow(ORG, grant(VIEWER, [SA]))}, "allow"),
    (
        "folder-binding-inherited",
        HIERARCHY,
        {"allow_policies": allow(FOLDER, grant(VIEWER, [GROUP]))},
        "allow",
    ),
    (
        "role-without-permission",
        POLICY_EVAL,
        {"allow_policies": allow(BUCKET, grant("roles/storage.objectCreator", [SA]))},
        "implicit_deny",
    ),
    (
        "other-principal",
        PRINCIPALS,
        {"allow_policies": allow(BUCKET, grant(VIEWER, ["user:bob@acme.example"]))},
        "implicit_deny",
    ),
    ("group-member", PRINCIPALS, {"allow_policies": allow(BUCKET, grant(VIEWER, [GROUP]))}, "allow"),
    (
        "email-case-insensitive",
        PRINCIPALS,
        {"allow_policies": allow(BUCKET, grant(VIEWER, [GROUP.upper().replace("GROUP:", "group:")]))},
        "allow",
    ),
    ("allUsers", PRINCIPALS, {"allow_policies": allow(BUCKET, grant(VIEWER, ["allUsers"]))}, "allow"),
    (
        "allAuthenticatedUsers",
        PRINCIPALS,
        {"allow_policies": allow(BUCKET, grant(VIEWER, ["allAuthenticatedUsers"]))},
        "allow",
    ),
    (
        "allAuthenticatedUsers-not-anonymous",
        PRINCIPALS,
        {
            "principal": "allUsers",
            "groups": [],
            "allow_policies": allow(BUCKET, grant(VIEWER, ["allAuthenticatedUsers"])),
        },
        "implicit_deny",
    ),
    (
        "domain-matches-user",
        PRINCIPALS,
        {
            "principal": "user:alice@acme.example",
            "groups": [],
            "allow_policies": allow(BUCKET, grant(VIEWER, ["domain:acme.example"])),
        },
        "allow",
    ),
    (
        "domain-not-service-account",
        PRINCIPALS,
        {"allow_policies": allow(BUCKET, grant(VIEWER, ["domain:acme.example"]))},
        "implicit_deny",
    ),
    (
        "deleted-member-never-matches",
        PRINCIPALS,
        {"allow_policies": allow(BUCKET, grant(VIEWER, ["deleted:" + SA + "?uid=123"]))},
        "implicit_deny",
    ),
    ("condition-true", CONDITIONS, {"allow_policies": allow(BUCKET, grant(VIEWER, [SA], PREFIX))}, "allow"),
    (
        "condition-false",
        CONDITIONS,
        {"allow_policies": allow(BUCKET, grant(VIEWER, [SA], PREFIX.replace("fraud/", "churn/")))},
        "implicit_deny",
    ),
    (
        "list-is-checked-on-bucket-so-prefix-fails",
        STORAGE_IAM,
        {"permission": "storage.objects.list", "allow_policies": allow(BUCKET, grant(VIEWER, [SA], PREFIX))},
        "implicit_deny",
    ),
    (
        "list-with-bucket-type-escape",
        STORAGE_IAM,
        {
            "permission": "storage.objects.list",
            "allow_policies": allow(
                BUCKET, grant(VIEWER, [SA], 'resource.type == "storage.googleapis.com/Bucket" || ' + PREFIX)
            ),
        },
        "allow",
    ),
    (
        "time-bound-expired",
        CONDITIONS,
        {
            "allow_policies": allow(
                BUCKET, grant(VIEWER, [SA], 'request.time < timestamp("2026-01-01T00:00:00Z")')
            )
        },
        "implicit_deny",
    ),
    (
        "time-bound-valid",
        CONDITIONS,
        {
            "allow_policies": allow(
                BUCKET, grant(VIEWER, [SA], 'request.time < timestamp("2027-01-01T00:00:00Z")')
            )
        },
        "allow",
    ),
    (
        "business-hours-berlin",
        CONDITIONS,
        {
            "allow_policies": allow(
                BUCKET,
                grant(
                    VIEWER,
                    [SA],
                    'request.time.getHours("Europe/Berlin") >= 9 && request.time.getHours("Europe/Berlin") < 17',
                ),
            )
        },
        "allow",
    ),
    (
        "resource-name-not-supplied-by-vertex",
        CONDITIONS,
        {
            "permission": "aiplatform.endpoints.predict",
            "resource": "//aiplatform.googleapis.com/projects/acme-ml/locations/us-central1/endpoints/42",
            "resource_type": "aiplatform.googleapis.com/Endpoint",
            "ancestors": [PROJECT, FOLDER, ORG],
            "allow_policies": allow(
                PROJECT, grant("roles/aiplatform.user", [SA], 'resource.name.startsWith("projects/acme-ml/")')
            ),
        },
        "implicit_deny",
    ),
    (
        "unsupplied-attribute-absorbed-by-or",
        CONDITIONS,
        {
            "permission": "aiplatform.endpoints.predict",
            "resource": "//aiplatform.googleapis.com/projects/acme-ml/locations/us-central1/endpoints/42",
            "resource_type": "aiplatform.googleapis.com/Endpoint",
            "ancestors": [PROJECT, FOLDER, ORG],
            "allow_policies": allow(
                PROJECT,
                grant(
                    "roles/aiplatform.user",
                    [SA],
                    'resource.name.startsWith("x") || request.time < timestamp("2027-01-01T00:00:00Z")',
                ),
            ),
        },
        "allow",
    ),
    (
        "tag-condition",
        "https://cloud.google.com/iam/docs/tags-access-control",
        {
            "resource_tags": {"222/env": "dev"},
            "allow_policies": allow(PROJECT, grant(VIEWER, [SA], 'resource.matchTag("222/env", "dev")')),
        },
        "allow",
    ),
    (
        "api-attribute-modified-grants",
        CONDITIONS,
        {
            "permission": "resourcemanager.projects.setIamPolicy",
            "resource": PROJECT,
            "resource_type": "cloudresourcemanager.googleapis.com/Project",
            "ancestors": [FOLDER, ORG],
            "api_attributes": {"iam.googleapis.com/modifiedGrantsByRole": ["roles/storage.objectViewer"]},
            "allow_policies": allow(
                PROJECT,
                grant(
                    "roles/resourcemanager.projectIamAdmin",
                    [SA],
                    "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/storage.objectViewer'])",
                ),
            ),
        },
        "allow",
    ),
    (
        "api-attribute-modified-grants-other-role",
        CONDITIONS,
        {
            "permission": "resourcemanager.projects.setIamPolicy",
            "resource": PROJECT,
            "resource_type": "cloudresourcemanager.googleapis.com/Project",
            "ancestors": [FOLDER, ORG],
            "api_attributes": {"iam.googleapis.com/modifiedGrantsByRole": ["roles/owner"]},
            "allow_policies": allow(
                PROJECT,
                grant(
                    "roles/resourcemanager.projectIamAdmin",
                    [SA],
                    "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/storage.objectViewer'])",
                ),
            ),
        },
        "implicit_deny",
    ),
    (
        "deny-overrides-allow",
        POLICY_EVAL,
        {
            "permission": "storage.objects.delete",
            "allow_policies": allow(BUCKET, grant("roles/storage.objectAdmin", [SA])),
            "deny_policies": deny(
                ORG, deny_rule(["principalSet://goog/public:all"], ["storage.googleapis.com/objects.delete"])
            ),
        },
        "explicit_deny",
    ),
    (
        "deny-without-allow-is-explicit",
        DENY,
        {"deny_policies": deny(PROJECT, deny_rule([SA_V2], ["storage.googleapis.com/objects.get"]))},
        "explicit_deny",
    ),
    (
        "deny-by-group",
        DENY,
        {
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "deny_policies": deny(
                PROJECT,
                deny_rule(
                    ["principalSet://goog/group/ml@acme.example"], ["storage.googleapis.com/objects.get"]
                ),
            ),
        },
        "explicit_deny",
    ),
    (
        "deny-exception-principal",
        DENY,
        {
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "deny_policies": deny(
                PROJECT,
                deny_rule(
                    ["principalSet://goog/group/ml@acme.example"],
                    ["storage.googleapis.com/objects.get"],
                    [SA_V2],
                ),
            ),
        },
        "allow",
    ),
    (
        "deny-exception-permission",
        DENY,
        {
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "deny_policies": deny(
                PROJECT,
                deny_rule(
                    ["principalSet://goog/public:all"],
                    ["storage.googleapis.com/objects.*"],
                    exception_permissions=["storage.googleapis.com/objects.get"],
                ),
            ),
        },
        "allow",
    ),
    (
        "deny-group-resource-wildcard",
        DENY,
        {
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "deny_policies": deny(
                PROJECT, deny_rule(["principalSet://goog/public:all"], ["storage.googleapis.com/objects.*"])
            ),
        },
        "explicit_deny",
    ),
    (
        "deny-service-wildcard",
        DENY,
        {
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "deny_policies": deny(
                PROJECT, deny_rule(["principalSet://goog/public:all"], ["storage.googleapis.com/*.*"])
            ),
        },
        "explicit_deny",
    ),
    (
        "deny-verb-wildcard",
        DENY,
        {
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "deny_policies": deny(
                PROJECT, deny_rule(["principalSet://goog/public:all"], ["storage.googleapis.com/*.get"])
            ),
        },
        "explicit_deny",
    ),
    (
        "deny-other-service-no-effect",
        DENY,
        {
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "deny_policies": deny(
                PROJECT, deny_rule(["principalSet://goog/public:all"], ["secretmanager.googleapis.com/*.*"])
            ),
        },
        "allow",
    ),
    (
        "deny-resourcemanager-fqdn",
        "https://cloud.google.com/iam/docs/deny-permissions-support",
        {
            "permission": "resourcemanager.projects.delete",
            "resource": PROJECT,
            "resource_type": "cloudresourcemanager.googleapis.com/Project",
            "ancestors": [FOLDER, ORG],
            "allow_policies": allow(PROJECT, grant("roles/owner", [SA])),
            "deny_policies": deny(
                ORG,
                deny_rule(
                    ["principalSet://goog/public:all"],
                    ["cloudresourcemanager.googleapis.com/projects.delete"],
                ),
            ),
        },
        "explicit_deny",
    ),
    (
        "deny-tag-condition-true",
        DENY,
        {
            "resource_tags": {"222/env": "prod"},
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "deny_policies": deny(
                ORG,
                deny_rule(
                    ["principalSet://goog/public:all"],
                    ["storage.googleapis.com/objects.get"],
                    condition='resource.matchTag("222/env", "prod")',
                ),
            ),
        },
        "explicit_deny",
    ),
    (
        "deny-tag-condition-false",
        DENY,
        {
            "resource_tags": {"222/env": "dev"},
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "deny_policies": deny(
                ORG,
                deny_rule(
                    ["principalSet://goog/public:all"],
                    ["storage.googleapis.com/objects.get"],
                    condition='resource.matchTag("222/env", "prod")',
                ),
            ),
        },
        "allow",
    ),
    (
        "deny-deleted-principal-never-matches",
        DENY,
        {
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "deny_policies": deny(
                PROJECT, deny_rule(["deleted:" + SA_V2 + "?uid=1"], ["storage.googleapis.com/objects.get"])
            ),
        },
        "allow",
    ),
    (
        "github-oidc-attribute-repository",
        WIF,
        {
            "principal": GITHUB_PRINCIPAL,
            "groups": [],
            "principal_attributes": {"attribute.repository": "acme/train"},
            "allow_policies": allow(
                BUCKET, grant(VIEWER, [f"principalSet://{POOL}/attribute.repository/acme/train"])
            ),
        },
        "allow",
    ),
    (
        "github-oidc-other-repository",
        WIF,
        {
            "principal": GITHUB_PRINCIPAL,
            "groups": [],
            "principal_attributes": {"attribute.repository": "acme/other"},
            "allow_policies": allow(
                BUCKET, grant(VIEWER, [f"principalSet://{POOL}/attribute.repository/acme/train"])
            ),
        },
        "implicit_deny",
    ),
    (
        "github-oidc-other-pool",
        WIF,
        {
            "principal": GITHUB_PRINCIPAL,
            "groups": [],
            "principal_attributes": {"attribute.repository": "acme/train"},
            "allow_policies": allow(
                BUCKET,
                grant(
                    VIEWER,
                    [
                        "principalSet://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/gitlab/attribute.repository/acme/train"
                    ],
                ),
            ),
        },
        "implicit_deny",
    ),
    (
        "wif-subject",
        WIF,
        {
            "principal": GITHUB_PRINCIPAL,
            "groups": [],
            "allow_policies": allow(BUCKET, grant(VIEWER, [GITHUB_PRINCIPAL])),
        },
        "allow",
    ),
    (
        "wif-whole-pool",
        WIF,
        {
            "principal": GITHUB_PRINCIPAL,
            "groups": [],
            "allow_policies": allow(BUCKET, grant(VIEWER, [f"principalSet://{POOL}/*"])),
        },
        "allow",
    ),
    (
        "custom-role",
        CUSTOM,
        {
            "custom_roles": {
                "projects/acme-ml/roles/reader": {"includedPermissions": ["storage.objects.get"]}
            },
            "allow_policies": allow(BUCKET, grant("projects/acme-ml/roles/reader", [SA])),
        },
        "allow",
    ),
    (
        "custom-role-lacks-permission",
        CUSTOM,
        {
            "custom_roles": {
                "projects/acme-ml/roles/reader": {"includedPermissions": ["storage.objects.list"]}
            },
            "allow_policies": allow(BUCKET, grant("projects/acme-ml/roles/reader", [SA])),
        },
        "implicit_deny",
    ),
    (
        "custom-role-disabled",
        CUSTOM,
        {
            "custom_roles": {
                "projects/acme-ml/roles/reader": {
                    "includedPermissions": ["storage.objects.get"],
                    "stage": "DISABLED",
                }
            },
            "allow_policies": allow(BUCKET, grant("projects/acme-ml/roles/reader", [SA])),
        },
        "implicit_deny",
    ),
    (
        "pab-outside-boundary",
        PAB,
        {
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "principal_access_boundary_policies": [
                {
                    "name": "only-other",
                    "details": {
                        "rules": [
                            {
                                "resources": ["//cloudresourcemanager.googleapis.com/projects/other"],
                                "effect": "ALLOW",
                            }
                        ],
                        "enforcementVersion": "1",
                    },
                }
            ],
        },
        "implicit_deny",
    ),
    (
        "pab-inside-boundary",
        PAB,
        {
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "principal_access_boundary_policies": [
                {
                    "name": "org",
                    "details": {
                        "rules": [{"resources": [ORG], "effect": "ALLOW"}],
                        "enforcementVersion": "1",
                    },
                }
            ],
        },
        "allow",
    ),
    (
        "pab-version-does-not-block",
        PAB_VERSIONS,
        {
            "permission": "storage.objects.list",
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "principal_access_boundary_policies": [
                {
                    "name": "v1",
                    "details": {
                        "rules": [
                            {
                                "resources": ["//cloudresourcemanager.googleapis.com/projects/other"],
                                "effect": "ALLOW",
                            }
                        ],
                        "enforcementVersion": "1",
                    },
                }
            ],
        },
        "allow",
    ),
    (
        "pab-latest-blocks-list",
        PAB_VERSIONS,
        {
            "permission": "storage.objects.list",
            "allow_policies": allow(BUCKET, grant(VIEWER, [SA])),
            "principal_access_boundary_policies": [
                {
                    "name": "latest",
                    "details": {
                        "rules": [
                            {
                                "resources": ["//cloudresourcemanager.googleapis.com/projects/other"],
                                "effect": "ALLOW",
                            }
                        ],
                        "enforcementVersion": "latest",
                    },
                }
            ],
        },
        "implicit_deny",
    ),
    (
        "pab-before-deny",
        POLICY_EVAL,
        {
            "deny_policies": deny(
                PROJECT, deny_rule(["principalSet://goog/public:all"], ["storage.googleapis.com/objects.get"])
            ),
            "principal_access_boundary_policies": [
                {
                    "name": "p",
                    "details": {
                        "rules": [
                            {
                                "resources": ["//cloudresourcemanager.googleapis.com/projects/other"],
                                "effect": "ALLOW",
                            }
                        ]
                    },
                }
            ],
        },
        "implicit_deny",
    ),
    (
        "convenience-project-editor",
        CONVENIENCE,
        {
            "permission": "storage.objects.delete",
            "allow_policies": {
                **allow(BUCKET, grant("roles/storage.legacyBucketOwner", ["projectEditor:acme-ml"])),
                **allow(PROJECT, grant("roles/editor", [SA])),
            },
        },
        "allow",
    ),
    (
        "editor-alone-lacks-object-delete",
        CONVENIENCE,
        {
            "permission": "storage.objects.delete",
            "allow_policies": allow(PROJECT, grant("roles/editor", [SA])),
        },
        "implicit_deny",
    ),
    (
        "basic-viewer-project-get",
        "https://cloud.google.com/iam/docs/roles-overview#basic",
        {
            "permission": "resourcemanager.projects.get",
            "resource": PROJECT,
            "resource_type": "cloudresourcemanager.googleapis.com/Project",
            "ancestors": [FOLDER, ORG],
            "allow_policies": allow(ORG, grant("roles/viewer", [GROUP])),
        },
        "allow",
    ),
]


@pytest.mark.parametrize(("doc", "overrides", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_decision(doc: str, overrides: dict[str, Any], expected: str) -> None:
    result = decide_case(case(**overrides), explain=True)
    assert result["decision"] == expected, result["explain"]


def test_explanation_names_binding_and_condition() -> None:
    result = decide_case(
        case(allow_policies=allow(BUCKET, grant(VIEWER, [SA], PREFIX, title="fraud only"))), explain=True
    )
    reasons = result["explain"]["reasons"]
    assert any(r["effect"] == "allow" and "binding 0" in r["statement"] for r in reasons)
    listing = decide_case(
        case(
            permission="storage.objects.list",
            allow_policies=allow(BUCKET, grant(VIEWER, [SA], PREFIX, title="fraud only")),
        ),
        explain=True,
    )
    details = " ".join(r["detail"] for r in listing["explain"]["reasons"])
    assert "on the bucket" in details and "fraud only" in details


def test_deny_reason_names_rule_and_pattern() -> None:
    result = decide_case(
        case(
            deny_policies=deny(
                PROJECT, deny_rule(["principalSet://goog/public:all"], ["storage.googleapis.com/objects.*"])
            )
        ),
        explain=True,
    )
    assert result["decision"] == "explicit_deny"
    reason = result["explain"]["reasons"][-1]
    assert reason["effect"] == "deny" and "guardrail" in reason["policy"] and "objects.*" in reason["detail"]


def test_no_explain_has_no_explain_key() -> None:
    assert decide_case(case(), explain=False) == {"id": "c", "decision": "implicit_deny"}


def test_boundary_reason_names_policy() -> None:
    result = decide_case(
        case(
            allow_policies=allow(BUCKET, grant(VIEWER, [SA])),
            principal_access_boundary_policies=[
                {
                    "name": "organizations/222/locations/global/principalAccessBoundaryPolicies/ml-only",
                    "details": {
                        "rules": [
                            {
                                "resources": ["//cloudresourcemanager.googleapis.com/projects/other"],
                                "effect": "ALLOW",
                            }
                        ]
                    },
                }
            ],
        ),
        explain=True,
    )
    assert result["decision"] == "implicit_deny"
    assert "access boundary" in result["explain"]["summary"]
    assert any("ml-only" in r["detail"] for r in result["explain"]["reasons"])


def test_exception_reason_is_explained() -> None:
    result = decide_case(
        case(
            allow_policies=allow(BUCKET, grant(VIEWER, [SA])),
            deny_policies=deny(
                PROJECT,
                deny_rule(
                    ["principalSet://goog/group/ml@acme.example"],
                    ["storage.googleapis.com/objects.get"],
                    [SA_V2],
                ),
            ),
        ),
        explain=True,
    )
    assert result["decision"] == "allow"
    assert any("exception principal" in r["detail"] for r in result["explain"]["reasons"])
