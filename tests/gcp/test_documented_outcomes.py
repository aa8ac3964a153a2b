"""Issue 14 §3 and §4: outcomes Google's IAM documentation states with worked examples.

Each case names its page and quotes the sentence it encodes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from checker.cli.simulate import run_batch
from checker.core.findings import Severity
from checker.gcp.analyze.findings import lint
from checker.gcp.batch import decide_case
from checker.gcp.location import Loc
from checker.gcp.names import parse_resource_name
from checker.gcp.parse import parse_bindings

ATTRS = "https://cloud.google.com/iam/docs/conditions-attribute-reference"
RESOURCE_ACCESS = "https://cloud.google.com/iam/docs/configuring-resource-based-access"
HIERARCHY = "https://cloud.google.com/iam/docs/resource-hierarchy-access-control"

PROJECT = "//cloudresourcemanager.googleapis.com/projects/acme"
ORDER = (
    "//storage.googleapis.com/projects/_/buckets/acme-orders-aaa/objects/data_lake/orders/"
    "order_date=2026-11-20/aef87g87ae0876"
)
# Google's own "Match orders from the last 30 days" example (configuring-resource-based-access):
# "It uses the duration() and date() functions to subtract 30 days (2,592,000 seconds) from the request
# time, then compare that timestamp with the order date".
LAST_30_DAYS = (
    "resource.type == 'storage.googleapis.com/Object' &&\n"
    "request.time - duration('2592000s') < date(resource.name.extract('/order_date={date_str}/'))"
)


def case(expression: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "c",
        "principal": "user:ana@example.com",
        "permission": "storage.objects.get",
        "resource": ORDER,
        "resource_type": "storage.googleapis.com/Object",
        "ancestors": [PROJECT],
        "request_time": "2026-12-01T10:00:00Z",
        "allow_policies": {
            PROJECT: {
                "bindings": [
                    {
                        "role": "roles/storage.objectViewer",
                        "members": ["user:ana@example.com"],
                        "condition": {"title": "orders", "expression": expression},
                    }
                ]
            }
        },
    }
    base.update(copy.deepcopy(changes))
    return base


@pytest.mark.parametrize(
    ("request_time", "expected"),
    [("2026-12-01T10:00:00Z", "allow"), ("2026-12-19T23:59:59Z", "allow"), ("2026-12-20T00:00:01Z", "implicit_deny")],
    ids=["11-days-old", "30-days-old-minus-a-second", "older-than-30-days"],
)
def test_google_orders_from_the_last_30_days(request_time: str, expected: str) -> None:
    """RESOURCE_ACCESS: "You want to allow a principal to access any order from the last 30 days."."""
    assert decide_case(case(LAST_30_DAYS, request_time=request_time), False)["decision"] == expected


def test_date_of_a_name_without_a_date_never_grants() -> None:
    """ATTRS, extract(): a missing prefix gives an empty string; date("") is an error, which never grants."""
    other = ORDER.replace("order_date=2026-11-20/", "")
    assert decide_case(case(LAST_30_DAYS, resource=other), False)["decision"] == "implicit_deny"


# Every function and operator the attribute reference lists, each in a condition that is true at
# 2026-12-01T10:00:00.250Z (a Tuesday) for storage.objects.get on ORDER.
LISTED = [
    ('request.time > date("2023-02-01")', "date"),
    ('request.time < timestamp("2026-12-31T00:00:00Z") + duration("90s")', "duration, timestamp +"),
    ('request.time > timestamp("2026-12-31T00:00:00Z") - duration("2592000s")', "timestamp - duration"),
    ('request.time < timestamp("2026-12-01T23:20:50.52Z")', "timestamp with fraction"),
    ("request.time.getDate() == 1", "getDate"),
    ("request.time.getDayOfMonth() == 0", "getDayOfMonth"),
    ('request.time.getDayOfWeek("Europe/Berlin") == 2', "getDayOfWeek"),
    ("request.time.getDayOfYear() == 334", "getDayOfYear"),
    ('request.time.getFullYear("America/Los_Angeles") == 2026', "getFullYear"),
    ('request.time.getHours("+01:00") == 11', "getHours"),
    ("request.time.getMilliseconds() == 250", "getMilliseconds"),
    ("request.time.getMinutes() == 0", "getMinutes"),
    ("request.time.getMonth() == 11", "getMonth"),
    ("request.time.getSeconds() == 0", "getSeconds"),
    ('resource.name.startsWith("projects/_/buckets/acme-orders-aaa/")', "startsWith"),
    ('resource.name.endsWith("/aef87g87ae0876")', "endsWith"),
    ('resource.name.extract("buckets/{name}/") == "acme-orders-aaa"', "extract"),
    ('resource.service == "storage.googleapis.com"', "resource.service"),
    ('resource.type != "storage.googleapis.com/Bucket"', "resource.type"),
    ("!resource.hasTagKey('123456789012/env')", "hasTagKey"),
    ("!resource.hasTagKeyId('tagKeys/123456789012')", "hasTagKeyId"),
    ("!resource.matchTag('123456789012/env', 'prod')", "matchTag"),
    ("!resource.matchTagId('tagKeys/1', 'tagValues/2')", "matchTagId"),
    (
        "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/pubsub.editor'])",
        "api.getAttribute, hasOnly",
    ),
    ("!compute.isForwardingRuleCreationOperation()", "compute.isForwardingRuleCreationOperation"),
]


@pytest.mark.parametrize(("expression", "function"), LISTED, ids=[f for _, f in LISTED])
def test_every_listed_function_is_supported(expression: str, function: str) -> None:
    decided = decide_case(case(expression, request_time="2026-12-01T10:00:00.250Z"), True)
    assert decided["decision"] == "allow", decided


FORWARDING = "!compute.isForwardingRuleCreationOperation() || compute.matchLoadBalancingSchemes(['INTERNAL', 'INTERNAL_MANAGED'])"


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [("INTERNAL_MANAGED", "allow"), ("EXTERNAL", "implicit_deny"), (None, "implicit_deny")],
)
def test_forwarding_rule_schemes(scheme: str | None, expected: str) -> None:
    """ATTRS, Forwarding rule attributes: "If the request is creating a forwarding rule, returns true only
    if the forwarding rule affects an INTERNAL, INTERNAL_MANAGED, or INTERNAL_SELF_MANAGED load balancing
    scheme." A request that does not say which scheme cannot satisfy it."""
    changes: dict[str, Any] = {
        "permission": "compute.forwardingRules.create",
        "resource": "//compute.googleapis.com/projects/acme/regions/us-central1/forwardingRules/fr-1",
        "resource_type": "compute.googleapis.com/ForwardingRule",
        "custom_roles": {"projects/acme/roles/lbCreator": {"includedPermissions": ["compute.forwardingRules.create"]}},
        "allow_policies": {
            PROJECT: {
                "bindings": [
                    {
                        "role": "projects/acme/roles/lbCreator",
                        "members": ["user:ana@example.com"],
                        "condition": {"title": "internal only", "expression": FORWARDING},
                    }
                ]
            }
        },
    }
    if scheme is not None:
        changes["load_balancing_scheme"] = scheme
    assert decide_case(case("true", **changes), False)["decision"] == expected


INVALID_TIMESTAMPS = [
    'request.time < timestamp("next tuesday")',
    'request.time < timestamp("2026-01-01T00:00:00")',  # no offset: not RFC 3339
    'true || request.time < timestamp("2026-13-01T00:00:00Z")',  # the whole condition, not one branch
]


@pytest.mark.parametrize("expression", INVALID_TIMESTAMPS)
def test_invalid_timestamp_is_accepted_and_never_allows(expression: str) -> None:
    """ATTRS, timestamp(): "If the input parameter is invalid, then the condition will never allow access to
    any resource." GCP accepts the policy, so simulate decides and warns with the position."""
    decided = decide_case(case(expression), True)
    assert decided["decision"] == "implicit_deny"
    warnings = decided["explain"]["warnings"]
    assert any("line 1 column" in w and "never allows access" in w for w in warnings), warnings
    assert any("never allows access" in r["detail"] for r in decided["explain"]["reasons"])


def test_invalid_timestamp_is_an_error_finding() -> None:
    """lint keeps it an error: the binding can never grant anything."""
    bindings = parse_bindings(
        [{"role": "roles/storage.objectViewer", "members": ["user:ana@example.com"],
          "condition": {"title": "t", "expression": INVALID_TIMESTAMPS[0]}}],
        parse_resource_name(PROJECT, Loc()),
        Loc(),
        {},
    )
    found = [f for f in lint(bindings) if f.code == "GCP014"]
    assert found and found[0].severity is Severity.ERROR and "line 1 column 16" in found[0].message


ARTIFACTS = "//storage.googleapis.com/projects/_/buckets/ml-artifacts"


def test_policy_on_an_unrelated_resource_does_not_apply() -> None:
    """HIERARCHY: "The effective allow policy for a resource is the union of the allow policy set at that
    resource and the allow policy inherited from its parent." A binding on the artifacts bucket plays no part
    for an object in the datasets bucket: denied, with a warning and a reason naming the other bucket."""
    wrong = case(
        "true",
        resource="//storage.googleapis.com/projects/_/buckets/ml-datasets/objects/train.csv",
        allow_policies={ARTIFACTS: {"bindings": [{"role": "roles/storage.objectViewer", "members": ["user:ana@example.com"]}]}},
    )
    decided = decide_case(wrong, True)
    assert decided["decision"] == "implicit_deny"
    assert any(ARTIFACTS in w and "does not apply" in w for w in decided["explain"]["warnings"])
    assert any(
        r["effect"] == "not applicable" and f"this binding is on {ARTIFACTS}" in r["detail"]
        for r in decided["explain"]["reasons"]
    )


def test_unrelated_policy_in_a_batch_is_a_decision_not_an_error() -> None:
    import io

    wrong = case(
        "true",
        resource="//storage.googleapis.com/projects/_/buckets/ml-datasets/objects/train.csv",
        allow_policies={ARTIFACTS: {"bindings": [{"role": "roles/storage.objectViewer", "members": ["user:ana@example.com"]}]}},
    )
    out = io.StringIO()
    assert run_batch([json.dumps(wrong)], "gcp", False, out) == 0
    assert json.loads(out.getvalue()) == {"id": "c", "decision": "implicit_deny"}


PAB_DOC = "https://cloud.google.com/iam/docs/pab-blocked-permissions"
OTHER_PROJECT = "//cloudresourcemanager.googleapis.com/projects/other"

# (permission, enforcement version, blocked?, why) — each row is a table row of PAB_DOC.
PAB_ROWS = [
    ("dataflow.jobs.get", "1", True, "v1 Dataflow: dataflow.googleapis.com/jobs.*"),
    ("dataflow.jobs.snapshot", "1", False, "v1 Dataflow exception: jobs.snapshot"),
    ("dataflow.jobs.snapshot", "4", False, "no later version lists it"),
    ("storage.objects.get", "1", True, "v1 Cloud Storage: objects.get"),
    ("storage.objects.list", "1", False, "v1 lists objects.get/delete/setRetention only"),
    ("storage.objects.list", "2", True, "v2 Cloud Storage: objects.*"),
    ("pubsub.topics.getIamPolicy", "1", False, "v1 Pub/Sub exception: *.getIamPolicy"),
    ("pubsub.topics.getIamPolicy", "3", True, "v3 Pub/Sub: pubsub.googleapis.com/*.* with no exception"),
    ("orgpolicy.policy.get", "2", False, "Organization Policy Service first appears in v3"),
    ("orgpolicy.policy.get", "3", True, "v3 Organization Policy Service: orgpolicy.googleapis.com/*.*"),
    ("secretmanager.versions.access", "3", False, "Secret Manager first appears in v4"),
    ("secretmanager.versions.access", "latest", False, "latest is the default version, 3"),
    ("secretmanager.versions.access", "4", True, "v4 Secret Manager: secretmanager.googleapis.com/*.*"),
    ("iam.serviceAccounts.actAs", "3", True, "v3 IAM: serviceAccounts.*"),
    ("iam.serviceAccounts.listTagBindings", "3", False, "v3 IAM exception"),
    ("compute.instances.get", "4", False, "Compute Engine rows never list instances"),
    ("cloudkms.locations.get", "4", False, "v4 Cloud KMS exception: locations.get"),
]


def _placed(permission: str) -> dict[str, Any]:
    """Where the permission is checked (checker/gcp/services.py): Cloud Storage object permissions on an
    object, listing on its bucket, both below the project; every other row's permission on the project."""
    bucket = "//storage.googleapis.com/projects/_/buckets/acme-data"
    if permission == "storage.objects.list":
        return {"resource": bucket, "ancestors": [PROJECT]}
    if permission.startswith("storage.objects."):
        return {"resource": bucket + "/objects/a.csv", "ancestors": [bucket, PROJECT]}
    return {"resource": PROJECT}


@pytest.mark.parametrize(("permission", "version", "blocked", "why"), PAB_ROWS, ids=[r[3] for r in PAB_ROWS])
def test_pab_enforcement_versions(permission: str, version: str, blocked: bool, why: str) -> None:
    """PAB_DOC: "If a principal access boundary policy doesn't block a permission, then principal access
    boundary policies have no effect on whether principals can use the permission." The principal's boundary
    lists another project only; a project-level custom role grants the permission."""
    decided = decide_case(
        {
            "id": "pab",
            "principal": "user:ana@example.com",
            "permission": permission,
            **_placed(permission),
            "custom_roles": {"projects/acme/roles/r": {"includedPermissions": [permission]}},
            "allow_policies": {
                PROJECT: {"bindings": [{"role": "projects/acme/roles/r", "members": ["user:ana@example.com"]}]}
            },
            "principal_access_boundary_policies": [
                {
                    "name": "elsewhere",
                    "details": {
                        "rules": [{"resources": [OTHER_PROJECT], "effect": "ALLOW"}],
                        "enforcementVersion": version,
                    },
                }
            ],
        },
        False,
    )
    assert decided["decision"] == ("implicit_deny" if blocked else "allow")
