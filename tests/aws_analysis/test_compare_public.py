"""compare, grants_any and is_public: known answers.

is_public follows the IAM User Guide ("AWS JSON policy elements: Principal": `*` includes anonymous
callers; cross-account access needs the other account's identity policy too) and the S3 User Guide's
"The meaning of 'public'" for what an outside caller can and cannot supply.
"""

from __future__ import annotations

import pytest

from checker.aws import PolicyKind
from checker.aws.analyze import Relation, compare, grants_any, is_public
from checker.core.errors import InputError
from tests.aws_analysis.helpers import ACCOUNT, allow, deny, policy

OBJECTS = "arn:aws:s3:::bucket/*"


def test_compare_equivalent_policies_written_differently() -> None:
    a = policy(allow(["s3:GetObject", "s3:PutObject"], OBJECTS))
    b = policy(allow("s3:GetObject", OBJECTS), allow("S3:PUTOBJECT", OBJECTS))
    assert compare(a, b).relation is Relation.EQUIVALENT


def test_compare_within_with_witness_the_other_way() -> None:
    a = policy(allow("s3:GetObject", OBJECTS))
    b = policy(allow("s3:Get*", OBJECTS))
    result = compare(a, b)
    assert result.relation is Relation.A_WITHIN_B
    assert result.b_not_a.counterexamples and not result.a_not_b.counterexamples
    assert compare(b, a).relation is Relation.B_WITHIN_A


def test_compare_incomparable_has_a_witness_each_way() -> None:
    a = policy(allow("s3:GetObject", OBJECTS))
    b = policy(allow("s3:PutObject", OBJECTS))
    result = compare(a, b)
    assert result.relation is Relation.INCOMPARABLE
    assert result.a_not_b.counterexamples[0].action == "s3:GetObject"
    assert result.b_not_a.counterexamples[0].action == "s3:PutObject"


def test_grants_any_finds_an_example_or_proves_none() -> None:
    p = policy(allow("s3:*", OBJECTS), deny("s3:Delete*"))
    granted = grants_any(p, [{"action": "s3:PutObject", "resource": "arn:aws:s3:::bucket/models/*"}])
    assert granted.granted is True and granted.example is not None
    assert granted.example.resource.startswith("arn:aws:s3:::bucket/models/")
    assert grants_any(p, [{"action": "s3:DeleteObject"}]).granted is False
    assert grants_any(p, [{"action": "iam:PassRole"}, {"action": "s3:DeleteBucket"}]).granted is False


def test_grants_any_rejects_malformed_accesses() -> None:
    with pytest.raises(InputError):
        grants_any(policy(allow()), [{"resource": "*"}])


def bucket_policy(**statement: object) -> object:
    return policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS, **statement},
        kind=PolicyKind.RESOURCE,
    )


def test_principal_star_is_public_even_for_anonymous_callers() -> None:
    result = is_public(bucket_policy(Principal="*"), ACCOUNT)  # type: ignore[arg-type]
    assert result.public is True
    assert any(e.principal == "*" for e in result.examples)


def test_organization_condition_is_not_public() -> None:
    p = bucket_policy(Principal="*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
    assert is_public(p, ACCOUNT).public is False  # type: ignore[arg-type]


def test_own_account_only_is_not_public() -> None:
    p = bucket_policy(Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert is_public(p, ACCOUNT).public is False  # type: ignore[arg-type]


def test_another_account_is_exposure_with_its_principal() -> None:
    p = bucket_policy(Principal={"AWS": "999988887777"})
    result = is_public(p, ACCOUNT)  # type: ignore[arg-type]
    assert result.public is True
    assert any(e.principal == "arn:aws:iam::999988887777:root" for e in result.examples)


def test_source_ip_condition_is_shown_in_the_example() -> None:
    p = bucket_policy(Principal="*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    result = is_public(p, ACCOUNT)  # type: ignore[arg-type]
    assert result.public is True
    assert result.examples[0].context["aws:SourceIp"].startswith("203.0.113.")


def test_is_public_rejects_identity_policies() -> None:
    with pytest.raises(InputError):
        is_public(policy(allow()), ACCOUNT)


def test_not_principal_allow_is_public() -> None:
    p = policy(
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"},
            "Action": "s3:GetObject",
            "Resource": OBJECTS,
        },
        kind=PolicyKind.RESOURCE,
    )
    assert is_public(p, ACCOUNT).public is True


def test_trust_policy_open_to_everyone_is_public() -> None:
    trust = policy(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}, kind=PolicyKind.TRUST
    )
    result = is_public(trust, ACCOUNT)
    assert result.public is True
    assert result.examples[0].action == "sts:AssumeRole"
    external_id = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
        },
        kind=PolicyKind.TRUST,
    )
    assert is_public(external_id, ACCOUNT).public is False
