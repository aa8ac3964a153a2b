"""GCP `reaches` and `confined` (the isolation and confinement proofs): each rule of IAM's evaluation the
proof relies on, one case each, decided both ways; counterexamples re-check through ENGINE.decide.

Pages and sentences:
- "Policy evaluation" (https://cloud.google.com/iam/docs/policy-evaluation): IAM checks principal access
  boundary policies, then deny policies, then allow policies.
- "Deny policies" (https://cloud.google.com/iam/docs/deny-overview): "When a principal is denied a
  permission, they can't do anything that requires that permission, regardless of the IAM roles they've
  been granted."
- "Permissions that principal access boundary policies block" (https://cloud.google.com/iam/docs/pab-blocked-permissions):
  "If a principal access boundary policy doesn't block a permission, then principal access boundary
  policies have no effect on whether principals can use the permission."
- "Resource attributes for IAM Conditions" (https://cloud.google.com/iam/docs/conditions-resource-attributes#resource-name):
  Cloud Storage supplies resource.name (projects/_/buckets/B/objects/O).
- "Tags and conditional access" (https://cloud.google.com/iam/docs/tags-access-control): resource.matchTag.
- "Attribute reference for IAM Conditions" (https://cloud.google.com/iam/docs/conditions-attribute-reference#date-time):
  request.time compared with timestamp().
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from checker.core.source import parse_json
from checker.gcp import ENGINE

ORG = "//cloudresourcemanager.googleapis.com/organizations/123456789012"
FOLDER = "//cloudresourcemanager.googleapis.com/folders/4567"
PROJECT = "//cloudresourcemanager.googleapis.com/projects/acme-ml"
OTHER_PROJECT = "//cloudresourcemanager.googleapis.com/projects/partner"
DATASETS = "//storage.googleapis.com/projects/_/buckets/acme-ml-datasets"
PARTNER = "//storage.googleapis.com/projects/_/buckets/partner-exports"
LEAD = "user:risk-lead@acme.example"
JOB = "serviceAccount:risk-train-001@acme-ml.iam.gserviceaccount.com"
TAG = "123456789012/team"
GROWTH = [
    {"action": "*", "resource": "//storage.googleapis.com/projects/_/buckets/acme-ml-datasets/objects/growth/*"},
    {"action": "*", "resource": "*", "condition": {"resource.matchTag": {TAG: "growth"}}},
]
RISK_PREFIX = 'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/risk/")'
SETTING: dict[str, Any] = {
    "hierarchy": {DATASETS: PROJECT, PROJECT: FOLDER, FOLDER: ORG, PARTNER: OTHER_PROJECT, OTHER_PROJECT: ORG},
    "groups": {LEAD: ["group:risk-admins@acme.example"], JOB: ["group:risk-workloads@acme.example"]},
    "request_time": "2026-12-05T09:00:00Z",
    "jobs": [{"principal": JOB, "team": "risk", "job": "train-001"}],
}


def binding(resource: str, role: str, condition: str | None = None, member: str = "group:risk-admins@acme.example") -> dict[str, Any]:
    found: dict[str, Any] = {"resource": resource, "role": role, "members": [member]}
    if condition is not None:
        found["condition"] = {"title": "c", "expression": condition}
    return found


def tag_deny(*, exception: list[str] | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "deniedPrincipals": ["principalSet://goog/group/risk-admins@acme.example"],
        "deniedPermissions": ["storage.googleapis.com/*"],
        "denialCondition": {"title": "growth", "expression": f'resource.matchTag("{TAG}", "growth")'},
    }
    if exception:
        rule["exceptionPrincipals"] = exception
    return {FOLDER: [{"name": "isolation", "rules": [{"denyRule": rule}]}]}


def boundary(version: str) -> dict[str, Any]:
    policy = {
        "name": "acme-ml-only",
        "details": {"enforcementVersion": version, "rules": [{"resources": [PROJECT], "effect": "ALLOW"}]},
    }
    return {LEAD: [policy], JOB: [policy]}


def submission(files: dict[str, Any], setting: dict[str, Any] | None = None) -> Any:
    loaded = {name: parse_json(json.dumps(value, indent=2), f"{name}.json") for name, value in files.items()}
    return ENGINE.load_submission(loaded, setting or SETTING)


def reaches(files: dict[str, Any], principal: str = LEAD, accesses: list[dict[str, Any]] | None = None) -> Any:
    return ENGINE.reaches(submission(files), principal, accesses or GROWTH)


def rechecks(files: dict[str, Any], result: Any) -> None:
    """The counterexample is allowed by the evaluator exactly as shown."""
    example = result.counterexamples[0]
    request = {"principal": example.principal, "action": example.action, "resource": example.resource, "context": example.context}
    assert ENGINE.decide(submission(files), request).allowed


def test_a_prefix_condition_on_the_own_team_is_proved_isolated() -> None:
    files = {"iam_bindings": [binding(DATASETS, "roles/storage.objectViewer", RISK_PREFIX)], "deny_policies": tag_deny()}
    assert reaches(files).status is WithinStatus.PROVED


def test_a_bucket_wide_grant_reaches_the_other_team_and_shows_it() -> None:
    files = {"iam_bindings": [binding(DATASETS, "roles/storage.objectViewer")], "deny_policies": tag_deny()}
    result = reaches(files)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert result.counterexamples[0].resource.startswith(DATASETS + "/objects/growth/")
    rechecks(files, result)


def test_a_deny_rule_on_the_tag_is_subtracted_and_without_it_the_tag_is_the_way_in() -> None:
    """Deny is checked before allow: an object of the team's own prefix tagged growth is reachable only
    when no deny rule covers it."""
    allowed = {"iam_bindings": [binding(DATASETS, "roles/storage.objectViewer", RISK_PREFIX)]}
    result = reaches(allowed)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert result.counterexamples[0].context["resource_tags"] == {TAG: "growth"}
    rechecks(allowed, result)
    assert reaches({**allowed, "deny_policies": tag_deny()}).status is WithinStatus.PROVED


def test_an_exception_principal_is_not_held_to_the_deny_rule() -> None:
    files = {
        "iam_bindings": [binding(DATASETS, "roles/storage.objectViewer", RISK_PREFIX)],
        "deny_policies": tag_deny(exception=["principal://goog/subject/risk-lead@acme.example"]),
    }
    assert reaches(files).status is WithinStatus.COUNTEREXAMPLE


def test_a_principal_access_boundary_keeps_out_what_another_project_grants() -> None:
    files: dict[str, Any] = {"iam_bindings": [binding(PARTNER, "roles/storage.objectViewer")], "deny_policies": tag_deny()}
    partner = [{"action": "*", "resource": PARTNER + "/objects/*"}]
    result = reaches(files, accesses=partner)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    rechecks(files, result)
    files["principal_access_boundaries"] = boundary("latest")
    assert reaches(files, accesses=partner).status is WithinStatus.PROVED


def test_a_permission_the_boundary_version_does_not_block_still_reaches() -> None:
    """Enforcement version 1 blocks storage.objects.get but not storage.objects.list (pab_enforcement.json)."""
    files = {
        "iam_bindings": [binding(PARTNER, "roles/storage.objectViewer")],
        "principal_access_boundaries": boundary("1"),
    }
    result = reaches(files, accesses=[{"action": "*", "resource": PARTNER}])
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert result.counterexamples[0].action != "storage.objects.get"
    # shown with the type a learner recognises, not a solver's stand-in such as storage.googleapis.com/C
    assert result.counterexamples[0].context.get("resource_type") in (
        None, "storage.googleapis.com/Bucket", "storage.googleapis.com/Folder", "storage.googleapis.com/ManagedFolder"
    )
    rechecks(files, result)


def test_a_time_bound_grant_on_the_other_team_reaches_inside_its_window() -> None:
    window = (
        'request.time >= timestamp("2026-12-05T10:00:00Z") && request.time < timestamp("2026-12-05T11:00:00Z")'
    )
    files = {"iam_bindings": [binding(DATASETS, "roles/storage.objectViewer", window)], "deny_policies": tag_deny()}
    result = reaches(files)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert result.counterexamples[0].context["request_time"].startswith("2026-12-05T10:")
    rechecks(files, result)


@pytest.mark.parametrize(
    ("member", "construct"),
    [
        ("group:risk-admins@acme.example", "extract()"),
        ("projectOwner:acme-ml", "projectOwner:acme-ml"),
    ],
)
def test_what_the_prover_does_not_model_is_unknown_naming_it(member: str, construct: str) -> None:
    condition = 'resource.name.extract("objects/{x}/") == "risk"' if member.startswith("group:") else None
    files = {"iam_bindings": [binding(DATASETS, "roles/storage.objectViewer", condition, member=member)]}
    result = reaches(files)
    assert result.status is WithinStatus.UNKNOWN
    assert construct in (result.reason or "")


def test_a_bad_access_is_an_input_error() -> None:
    with pytest.raises(InputError, match="full resource name"):
        reaches({"iam_bindings": []}, accesses=[{"action": "*", "resource": "acme-ml-datasets/growth/*"}])


TEMPLATE = [
    binding(
        DATASETS,
        "roles/storage.objectViewer",
        'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/{{team}}/{{job}}/")',
        member="serviceAccount:{{team}}-{{job}}@acme-ml.iam.gserviceaccount.com",
    )
]
ENVELOPE = [
    binding(
        DATASETS,
        "roles/storage.objectViewer",
        'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/{{team}}/{{job}}/")',
        member="serviceAccount:{{team}}-{{job}}@acme-ml.iam.gserviceaccount.com",
    )
]


def test_the_job_template_is_filled_per_job_and_confined() -> None:
    sub = submission({"job_bindings_template": TEMPLATE})
    assert ENGINE.confined(sub, JOB, ENVELOPE).status is WithinStatus.PROVED
    request = {"principal": JOB, "action": "storage.objects.get", "resource": DATASETS + "/objects/risk/train-001/a.csv"}
    assert ENGINE.decide(sub, request).allowed


def test_confinement_subtracts_the_boundary_but_not_a_grant_inside_it() -> None:
    """A grant the principal access boundary refuses is no counterexample; the same grant inside the project is."""
    partner = [*TEMPLATE, binding(PARTNER, "roles/storage.objectViewer", member="group:risk-workloads@acme.example")]
    files = {"job_bindings_template": partner, "principal_access_boundaries": boundary("latest")}
    assert ENGINE.confined(submission(files), JOB, ENVELOPE).status is WithinStatus.PROVED
    wide = [*TEMPLATE, binding(DATASETS, "roles/storage.objectViewer", member="group:risk-workloads@acme.example")]
    result = ENGINE.confined(submission({**files, "job_bindings_template": wide}), JOB, ENVELOPE)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert "/objects/risk/train-001/" not in result.counterexamples[0].resource


@pytest.mark.parametrize(
    ("resource", "parent"),
    [
        ("//aiplatform.googleapis.com/projects/acme-ml/locations/europe-west4/endpoints/1", PROJECT),
        (
            "//iam.googleapis.com/projects/acme-ml/serviceAccounts/a@acme-ml.iam.gserviceaccount.com/keys/k1",
            "//iam.googleapis.com/projects/acme-ml/serviceAccounts/a@acme-ml.iam.gserviceaccount.com",
        ),
        ("//iam.googleapis.com/projects/acme-ml/serviceAccounts/a@acme-ml.iam.gserviceaccount.com", PROJECT),
    ],
)
def test_a_resource_not_in_the_setting_is_in_the_project_its_name_says(resource: str, parent: str) -> None:
    """"Full resource names" (https://cloud.google.com/iam/docs/full-resource-names): the name carries the
    project. A principal access boundary listing the project must let the resource through, and a binding
    on the project must reach it: without the parent, the boundary would wrongly block it and the isolation
    proof would pass a grant on a Vertex AI resource that reaches the other team."""
    from checker.gcp.hierarchy import Hierarchy
    from checker.gcp.location import Loc
    from checker.gcp.names import parse_resource_name

    name = parse_resource_name(resource, Loc(label="test"))
    found = Hierarchy().parent(name)
    assert found is not None and found.full == parent


def test_a_grant_on_a_vertex_resource_of_the_project_is_not_hidden_by_the_boundary() -> None:
    endpoint = "//aiplatform.googleapis.com/projects/acme-ml/locations/europe-west4/endpoints/1"
    files = {
        "iam_bindings": [binding(endpoint, "projects/acme-ml/roles/predictor")],
        "custom_roles": [{"name": "projects/acme-ml/roles/predictor", "includedPermissions": ["aiplatform.endpoints.predict"]}],
        "principal_access_boundaries": boundary("latest"),
    }
    result = reaches(files)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    rechecks(files, result)
