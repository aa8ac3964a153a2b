"""`within` / `compare`: exact proofs and re-checked counterexamples (never sampling)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from checker.core.decision import DecisionKind
from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from checker.gcp.analyze.within import compare, within
from checker.gcp.evaluate import decide
from checker.gcp.hierarchy import parse_hierarchy
from checker.gcp.location import Loc
from checker.gcp.model import Binding, PolicySet
from checker.gcp.names import parse_resource_name
from checker.gcp.parse import parse_bindings, parse_custom_roles_map
from checker.gcp.request import parse_request
from tests.gcp.helpers import BUCKET, FOLDER, ORG, POOL, PROJECT, SA

HIERARCHY = parse_hierarchy({BUCKET: PROJECT, PROJECT: FOLDER, FOLDER: ORG}, Loc())
FRAUD = 'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/fraud/")'
BUCKET_OR_FRAUD = 'resource.type == "storage.googleapis.com/Bucket" || ' + FRAUD
CUSTOM = parse_custom_roles_map(
    {"projects/acme-ml/roles/objectReader": {"includedPermissions": ["storage.objects.get"]}}, Loc()
)


def bindings(where: str, *items: dict[str, Any]) -> list[Binding]:
    return parse_bindings(list(items), parse_resource_name(where, Loc()), Loc(), CUSTOM)


def grant(role: str, members: list[str], condition: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"role": role, "members": members}
    if condition is not None:
        item["condition"] = {"title": "c", "expression": condition}
    return item


ENVELOPE = bindings(BUCKET, grant("roles/storage.objectViewer", [SA], BUCKET_OR_FRAUD))

PROVED = [
    ("identical", bindings(BUCKET, grant("roles/storage.objectViewer", [SA], BUCKET_OR_FRAUD))),
    (
        "narrower-prefix",
        bindings(
            BUCKET,
            grant(
                "roles/storage.objectViewer",
                [SA],
                'resource.type == "storage.googleapis.com/Bucket" || '
                'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/fraud/v3/")',
            ),
        ),
    ),
    (
        "fewer-permissions-custom-role",
        bindings(BUCKET, grant("projects/acme-ml/roles/objectReader", [SA], FRAUD)),
    ),
    (
        "time-bound-on-top",
        bindings(
            BUCKET,
            grant(
                "roles/storage.objectViewer",
                [SA],
                f'({BUCKET_OR_FRAUD}) && request.time < timestamp("2027-01-01T00:00:00Z")',
            ),
        ),
    ),
    (
        "deleted-member-grants-nothing",
        bindings(BUCKET, grant("roles/storage.admin", ["deleted:" + SA + "?uid=1"])),
    ),
    ("empty", []),
]


@pytest.mark.parametrize("submission", [p[1] for p in PROVED], ids=[p[0] for p in PROVED])
def test_proved(submission: list[Binding]) -> None:
    result = within(submission, ENVELOPE, CUSTOM, HIERARCHY)
    assert result.status is WithinStatus.PROVED, result


COUNTER = [
    ("unconditional", bindings(BUCKET, grant("roles/storage.objectViewer", [SA])), "storage.objects.get", SA),
    (
        "project-scope",
        bindings(PROJECT, grant("roles/storage.objectViewer", [SA], BUCKET_OR_FRAUD)),
        "storage.objects.list",
        SA,
    ),
    (
        "wider-prefix",
        bindings(
            BUCKET,
            grant(
                "roles/storage.objectViewer",
                [SA],
                'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/")',
            ),
        ),
        "storage.objects.get",
        SA,
    ),
    (
        "more-permissions",
        bindings(BUCKET, grant("roles/storage.objectAdmin", [SA], FRAUD)),
        "storage.objects.delete",
        SA,
    ),
    (
        "other-principal-group",
        bindings(BUCKET, grant("roles/storage.objectViewer", ["group:ml@acme.example"], FRAUD)),
        "storage.objects.get",
        "user:member-of-group@example.com",
    ),
    (
        "public",
        bindings(BUCKET, grant("roles/storage.objectViewer", ["allUsers"], FRAUD)),
        "storage.objects.get",
        "allUsers",
    ),
    ("basic-role", bindings(PROJECT, grant("roles/editor", [SA])), None, SA),
    (
        "wif-pool",
        bindings(BUCKET, grant("roles/storage.objectViewer", [f"principalSet://{POOL}/*"], FRAUD)),
        "storage.objects.get",
        None,
    ),
]


@pytest.mark.parametrize(
    ("submission", "permission", "principal"), [c[1:] for c in COUNTER], ids=[c[0] for c in COUNTER]
)
def test_counterexamples_recheck(
    submission: list[Binding], permission: str | None, principal: str | None
) -> None:
    result = within(submission, ENVELOPE, CUSTOM, HIERARCHY)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    if permission is not None:
        assert permission in {c.action for c in result.counterexamples}
    if principal is not None:
        assert result.counterexamples[0].principal == principal
    # Independent re-check: the evaluator allows it under the submission and not under the envelope.
    for counter in result.counterexamples:
        case = {
            "principal": counter.principal,
            "permission": counter.action,
            "resource": counter.resource,
            **counter.context,
        }
        request = parse_request(case, Loc())
        assert decide(PolicySet(tuple(submission), custom_roles=CUSTOM), request).kind is DecisionKind.ALLOW
        assert decide(PolicySet(tuple(ENVELOPE), custom_roles=CUSTOM), request).kind is not DecisionKind.ALLOW


def test_prefix_counterexample_lands_outside_the_prefix() -> None:
    wider = bindings(
        BUCKET,
        grant(
            "roles/storage.objectViewer",
            [SA],
            'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/")',
        ),
    )
    example = within(wider, ENVELOPE, CUSTOM, HIERARCHY).counterexamples[0]
    assert example.resource.startswith(BUCKET + "/objects/")
    assert not example.resource.startswith(BUCKET + "/objects/fraud/")


def test_time_counterexample_after_expiry() -> None:
    envelope = bindings(
        BUCKET, grant("roles/storage.objectViewer", [SA], 'request.time < timestamp("2027-01-01T00:00:00Z")')
    )
    longer = bindings(
        BUCKET, grant("roles/storage.objectViewer", [SA], 'request.time < timestamp("2028-01-01T00:00:00Z")')
    )
    result = within(longer, envelope, CUSTOM, HIERARCHY)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert result.counterexamples[0].context["request_time"] >= "2027-01-01"


def test_unsupported_construct_is_unknown_not_proved() -> None:
    # getHours() is not modelled in z3: when no concrete request settles it, the answer is UNKNOWN.
    hours = bindings(BUCKET, grant("roles/storage.objectViewer", [SA], 'request.time.getHours("UTC") >= 0'))
    unconditional = bindings(BUCKET, grant("roles/storage.objectViewer", [SA]))
    assert (
        within(hours, unconditional, CUSTOM, HIERARCHY).status is WithinStatus.PROVED
    )  # the envelope covers all
    result = within(unconditional, hours, CUSTOM, HIERARCHY)
    assert result.status is WithinStatus.UNKNOWN and "getHours" in result.reason


def test_concrete_counterexample_with_unmodelled_construct() -> None:
    # A concrete request at noon UTC already shows the difference, so no z3 model of getHours is needed.
    morning = bindings(BUCKET, grant("roles/storage.objectViewer", [SA], 'request.time.getHours("UTC") < 12'))
    unconditional = bindings(BUCKET, grant("roles/storage.objectViewer", [SA]))
    result = within(unconditional, morning, CUSTOM, HIERARCHY)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert result.counterexamples[0].context["request_time"].startswith("2026-01-01T12:00")


def test_compare_both_ways() -> None:
    viewer = bindings(BUCKET, grant("roles/storage.objectViewer", [SA]))
    admin = bindings(BUCKET, grant("roles/storage.objectAdmin", [SA]))
    result = compare(viewer, admin, CUSTOM, HIERARCHY)
    assert result.left_only.status is WithinStatus.PROVED
    assert result.right_only.status is WithinStatus.COUNTEREXAMPLE
    assert not result.equivalent
    assert compare(viewer, list(viewer), CUSTOM, HIERARCHY).equivalent


def test_hierarchy_inheritance_proves_bucket_inside_project() -> None:
    on_project = bindings(PROJECT, grant("roles/storage.objectViewer", [SA]))
    on_bucket = bindings(BUCKET, grant("roles/storage.objectViewer", [SA]))
    assert within(on_bucket, on_project, CUSTOM, HIERARCHY).status is WithinStatus.PROVED
    assert within(on_project, on_bucket, CUSTOM, HIERARCHY).status is WithinStatus.COUNTEREXAMPLE


def test_long_members_lists_are_proved_quickly() -> None:
    """50 conditional bindings of 30 principals each, Google's limit of 1,500 principal occurrences.

    Before, each member was proved on its own: 20 bindings of 51 members took 43 s. Members that the
    envelope's bindings cover alike ask the same question, so they share one proof."""
    members = [f"user:u{i}@example.com" for i in range(29)] + [SA]
    items = [
        grant("roles/storage.objectViewer", members, f'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/fraud/p{i}/")')
        for i in range(50)
    ]
    envelope = bindings(BUCKET, grant("roles/storage.objectViewer", members, BUCKET_OR_FRAUD))
    started = time.monotonic()
    assert within(bindings(BUCKET, *items), envelope, CUSTOM, HIERARCHY).status is WithinStatus.PROVED
    assert time.monotonic() - started < 15
    # One member the envelope does not name still shows, among identical members, as a counterexample.
    items[-1] = grant("roles/storage.objectViewer", [*members[1:], "user:mallory@example.com"], FRAUD)
    result = within(bindings(BUCKET, *items), envelope, CUSTOM, HIERARCHY)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert {example.principal for example in result.counterexamples} == {"user:mallory@example.com"}


def test_more_than_1500_principals_are_refused_as_input() -> None:
    """Policy reference: "The bindings in a Policy can refer to up to 1,500 principals ... Each occurrence
    of a principal counts towards these limits"."""
    members = [f"user:u{i}@example.com" for i in range(500)]
    items = [grant("roles/storage.objectViewer", members) for _ in range(3)]
    assert len(bindings(BUCKET, *items)) == 3  # exactly 1,500: accepted
    with pytest.raises(InputError, match="more than 1,500 principals"):
        bindings(BUCKET, *items, grant("roles/storage.objectViewer", ["user:one-more@example.com"]))
