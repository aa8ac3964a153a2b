"""Member and principal identifiers (doc: "Principal identifiers", https://cloud.google.com/iam/docs/principal-identifiers)."""

from __future__ import annotations

import pytest

from checker.core.errors import InputError
from checker.gcp.location import Loc
from checker.gcp.members import parse_allow_member, parse_principal, parse_v2_principal
from tests.gcp.helpers import GITHUB_PRINCIPAL, POOL

LOC = Loc(label="test")
ALICE = parse_principal("user:Alice@Example.com", ["group:ml@example.com"], None, LOC)
SA = parse_principal("serviceAccount:train@p.iam.gserviceaccount.com", [], None, LOC)
ANON = parse_principal("allUsers", [], None, LOC)
GKE = parse_principal("serviceAccount:acme-ml.svc.id.goog[training/trainer]", [], None, LOC)
GITHUB = parse_principal(GITHUB_PRINCIPAL, [], {"attribute.repository": "acme/train"}, LOC)

ALLOW_ROWS = [
    ("user:alice@example.com", ALICE, True),
    ("user:bob@example.com", ALICE, False),
    ("group:ml@example.com", ALICE, True),
    ("group:ml@example.com", SA, False),
    ("domain:example.com", ALICE, True),
    ("domain:example.com", SA, False),
    ("serviceAccount:train@p.iam.gserviceaccount.com", SA, True),
    ("allUsers", ANON, True),
    ("allAuthenticatedUsers", ANON, False),
    ("allAuthenticatedUsers", SA, True),
    ("deleted:user:alice@example.com?uid=1", ALICE, False),
    (GITHUB_PRINCIPAL, GITHUB, True),
    (f"principalSet://{POOL}/attribute.repository/acme/train", GITHUB, True),
    (f"principalSet://{POOL}/attribute.repository/acme/other", GITHUB, False),
    (f"principalSet://{POOL}/attribute.ref/refs/heads/main", GITHUB, False),
    (f"principalSet://{POOL}/*", GITHUB, True),
    (f"principalSet://{POOL}/*", SA, False),
    ("serviceAccount:acme-ml.svc.id.goog[training/trainer]", GKE, True),
    ("serviceAccount:acme-ml.svc.id.goog[training/other]", GKE, False),
]


@pytest.mark.parametrize(
    ("member", "principal", "expected"),
    ALLOW_ROWS,
    ids=[f"{r[0][:60]}-{i}" for i, r in enumerate(ALLOW_ROWS)],
)
def test_allow_member_matching(member: str, principal: object, expected: bool) -> None:
    assert parse_allow_member(member, LOC).matches(principal) is expected  # type: ignore[arg-type]


V2_ROWS = [
    ("principal://goog/subject/alice@example.com", ALICE, True),
    ("principalSet://goog/group/ml@example.com", ALICE, True),
    ("principal://iam.googleapis.com/projects/-/serviceAccounts/train@p.iam.gserviceaccount.com", SA, True),
    ("principalSet://goog/public:all", ANON, True),
    ("deleted:principal://goog/subject/alice@example.com?uid=1", ALICE, False),
]


@pytest.mark.parametrize(("member", "principal", "expected"), V2_ROWS, ids=[r[0][:60] for r in V2_ROWS])
def test_deny_principal_matching(member: str, principal: object, expected: bool) -> None:
    # DenyRule reference (https://cloud.google.com/iam/docs/reference/rest/v2/policies#DenyRule)
    assert parse_v2_principal(member, LOC).matches(principal) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("alice@example.com", "needs a type prefix"),
        ("user:not-an-email", "needs an email"),
        ("robot:r2d2", "unknown member type"),
        ("principal://goog/subject/alice@example.com", "deny-policy identifier"),
        (
            "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/attribute.x",
            "principal set",
        ),
        ("", "non-empty"),
    ],
)
def test_bad_allow_members(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        parse_allow_member(text, LOC)


@pytest.mark.parametrize(
    ("text", "fragment", "exception"),
    [
        ("user:alice@example.com", "principal://goog/subject/alice@example.com", False),
        ("group:ml@example.com", "principalSet://goog/group/ml@example.com", False),
        ("allUsers", "principalSet://goog/public:all", False),
        ("principalSet://goog/public:all", "cannot be an exception principal", True),
    ],
)
def test_deny_rules_need_v2_identifiers(text: str, fragment: str, exception: bool) -> None:
    with pytest.raises(InputError) as caught:
        parse_v2_principal(text, LOC, exception=exception)
    assert fragment in str(caught.value)


def test_group_cannot_be_the_requester() -> None:
    with pytest.raises(InputError, match="one identity"):
        parse_principal("group:ml@example.com", [], None, LOC)
