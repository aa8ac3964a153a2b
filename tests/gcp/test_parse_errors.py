"""Bad input gives an InputError naming the file/line/column or the field, never a traceback."""

from __future__ import annotations

from typing import Any

import pytest

from checker.core.errors import InputError
from checker.gcp.batch import decide_case
from tests.gcp.helpers import BUCKET, OBJECT, ORG, PROJECT, SA, allow, case, deny, deny_rule, grant

BAD_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("missing-principal", {"principal": None}, "principal"),
    ("bad-resource", {"resource": "projects/acme-ml"}, "not a full resource name"),
    ("bad-ancestor", {"ancestors": ["nope"]}, "ancestors[0]"),
    ("duplicate-ancestor", {"ancestors": [BUCKET, BUCKET]}, "appears twice"),
    ("bad-time", {"request_time": "yesterday"}, "RFC 3339"),
    ("naive-time", {"request_time": "2026-11-28T10:00:00"}, "no time zone"),
    (
        "policy-on-object",
        {"allow_policies": allow(OBJECT, grant("roles/storage.objectViewer", [SA]))},
        "no IAM policy of their own",
    ),
    (
        "empty-members",
        {"allow_policies": allow(BUCKET, grant("roles/storage.objectViewer", []))},
        "members must not be empty",
    ),
    (
        "binding-unknown-field",
        {"allow_policies": {BUCKET: {"bindings": [{"role": "roles/viewer", "members": [SA], "x": 1}]}}},
        "unknown field 'x'",
    ),
    (
        "version-1-with-condition",
        {"allow_policies": {BUCKET: {"version": 1, "bindings": [grant("roles/viewer", [SA], "true")]}}},
        "version 3",
    ),
    (
        "undefined-custom-role",
        {"allow_policies": allow(BUCKET, grant("projects/acme-ml/roles/ghost", [SA]))},
        "not defined",
    ),
    (
        "custom-role-wildcard",
        {"custom_roles": {"projects/acme-ml/roles/r": {"includedPermissions": ["storage.objects.*"]}}},
        "wildcards are not allowed",
    ),
    (
        "custom-role-other-project",
        {
            "custom_roles": {"projects/other/roles/r": {"includedPermissions": ["storage.objects.get"]}},
            "allow_policies": allow(PROJECT, grant("projects/other/roles/r", [SA])),
        },
        "cannot be granted",
    ),
    (
        "deny-on-bucket",
        {
            "deny_policies": deny(
                BUCKET, deny_rule(["principalSet://goog/public:all"], ["storage.googleapis.com/objects.get"])
            )
        },
        "attach to organizations",
    ),
    (
        "deny-v1-permission",
        {"deny_policies": deny(ORG, deny_rule(["principalSet://goog/public:all"], ["storage.objects.get"]))},
        "storage.googleapis.com/objects.get",
    ),
    (
        "deny-v1-principal",
        {"deny_policies": deny(ORG, deny_rule([SA], ["storage.googleapis.com/objects.get"]))},
        "v2 principal identifier",
    ),
    (
        "deny-empty-principals",
        {"deny_policies": deny(ORG, deny_rule([], ["storage.googleapis.com/objects.get"]))},
        "must not be empty",
    ),
    (
        "deny-non-tag-condition",
        {
            "deny_policies": deny(
                ORG,
                deny_rule(
                    ["principalSet://goog/public:all"],
                    ["storage.googleapis.com/objects.get"],
                    condition='resource.name == "x"',
                ),
            )
        },
        "resource tag functions",
    ),
    (
        "pab-effect",
        {
            "principal_access_boundary_policies": [
                {"details": {"rules": [{"resources": [ORG], "effect": "DENY"}]}}
            ]
        },
        "must be ALLOW",
    ),
    (
        "pab-resource-kind",
        {
            "principal_access_boundary_policies": [
                {"details": {"rules": [{"resources": [BUCKET], "effect": "ALLOW"}]}}
            ]
        },
        "not an organization",
    ),
    (
        "pab-version",
        {
            "principal_access_boundary_policies": [
                {"details": {"rules": [{"resources": [ORG], "effect": "ALLOW"}], "enforcementVersion": "99"}}
            ]
        },
        "not one this checker knows",
    ),
    (
        "condition-needs-time",
        {
            "request_time": None,
            "allow_policies": allow(
                BUCKET,
                grant("roles/storage.objectViewer", [SA], 'request.time < timestamp("2027-01-01T00:00:00Z")'),
            ),
        },
        "request_time",
    ),
    ("tags-not-strings", {"resource_tags": {"a": 1}}, "resource_tags"),
    (
        "object-permission-on-bucket",
        {"permission": "storage.objects.get", "resource": BUCKET, "ancestors": [PROJECT]},
        "checked on an object",
    ),
    (
        "condition-needs-resource-type",
        {
            "permission": "compute.instances.start",
            "resource": "//compute.googleapis.com/projects/acme-ml/zones/us-central1-a/instances/vm1",
            "resource_type": None,
            "ancestors": [PROJECT],
            "allow_policies": allow(
                PROJECT, grant("roles/editor", [SA], 'resource.type == "compute.googleapis.com/Instance"')
            ),
        },
        "resource_type",
    ),
]


@pytest.mark.parametrize(("overrides", "fragment"), [b[1:] for b in BAD_CASES], ids=[b[0] for b in BAD_CASES])
def test_bad_case_is_input_error(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        decide_case(case(**overrides), explain=True)
    assert fragment in str(caught.value)
