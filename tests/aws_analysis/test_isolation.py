"""Tenant isolation and confinement with the prover (checker.aws.analyze.isolation).

Permissions are the intersection of the policy types, as the IAM User Guide's evaluation logic states:
"If a permissions boundary ... is present, the identity-based policy and the boundary must both allow"
and "an SCP ... must allow" (Policy evaluation logic, "Determining whether a request is allowed or
denied within an account"). These cases pin that the isolation question uses each type as one layer.
"""

from __future__ import annotations

from typing import Any

from checker.aws.analyze.isolation import confined, reaches
from checker.aws.evaluate import PolicySet
from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.core.engine import WithinStatus

ADMIN = "arn:aws:iam::111122223333:role/teams/risk/risk-admin"
GROWTH = [
    {"action": "*", "resource": "arn:aws:s3:::acme-ml-datasets/growth/*"},
    {"action": "*", "resource": "*", "condition": {"StringEquals": {"aws:ResourceTag/team": "growth"}}},
]


def policy(*statements: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name="test", kind=kind)


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


EVERYTHING = policy(allow("*", "*"))
OWN_PREFIX = policy(
    allow("s3:*", "arn:aws:s3:::acme-ml-datasets/${aws:PrincipalTag/team}/*"),
    {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "Null": {"aws:ResourceTag/team": "false"},
            "StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"},
        },
    },
    kind=PolicyKind.BOUNDARY,
)


def test_boundary_on_own_prefix_proves_isolation() -> None:
    result = reaches(PolicySet(identity=[EVERYTHING], boundary=OWN_PREFIX), ADMIN, {"team": "risk"}, GROWTH)
    assert result.status is WithinStatus.PROVED


def test_identity_alone_is_not_the_permission_the_boundary_cuts_it() -> None:
    """Without the boundary layer, Allow * reaches growth; with it, nothing does (intersection, not union)."""
    without = reaches(PolicySet(identity=[EVERYTHING]), ADMIN, {"team": "risk"}, GROWTH)
    assert without.status is WithinStatus.COUNTEREXAMPLE
    example = without.counterexamples[0]
    assert example.principal == ADMIN
    assert example.context["aws:PrincipalTag/team"] == "risk"


def test_the_tag_value_decides_which_prefix_is_own() -> None:
    """The same boundary for a growth principal reaches growth's prefix: that is its own data."""
    result = reaches(
        PolicySet(identity=[EVERYTHING], boundary=OWN_PREFIX), ADMIN, {"team": "growth"}, GROWTH[:1]
    )
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert "acme-ml-datasets/growth/" in result.counterexamples[0].resource


def test_resource_tag_of_the_other_team_is_a_counterexample_without_the_deny() -> None:
    boundary = policy(
        allow("sagemaker:*", "arn:aws:sagemaker:*:111122223333:training-job/risk-*"), kind=PolicyKind.BOUNDARY
    )
    result = reaches(PolicySet(identity=[EVERYTHING], boundary=boundary), ADMIN, {"team": "risk"}, GROWTH)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert result.counterexamples[0].context["aws:ResourceTag/team"] == "growth"


def test_an_scp_level_without_an_allow_denies_everything() -> None:
    """ "an SCP ... must allow": a level holding only Deny statements allows nothing."""
    deny_only = policy({"Effect": "Deny", "Action": "iam:*", "Resource": "*"}, kind=PolicyKind.SCP)
    result = reaches(PolicySet(identity=[EVERYTHING], scps=[[deny_only]]), ADMIN, {"team": "risk"}, GROWTH)
    assert result.status is WithinStatus.PROVED


def test_undecidable_construct_is_unknown_naming_it_never_a_pass() -> None:
    odd = policy(
        allow(
            "s3:GetObject",
            "arn:aws:s3:::acme-ml-datasets/growth/*",
            Condition={"BinaryEquals": {"s3:x-amz-server-side-encryption-customer-key-MD5": "QmluYXJ5"}},
        )
    )
    result = reaches(PolicySet(identity=[odd]), ADMIN, {"team": "risk"}, GROWTH)
    assert result.status is WithinStatus.UNKNOWN
    assert "BinaryEquals on s3:x-amz-server-side-encryption-customer-key-MD5" in result.reason


def test_confined_resolves_the_envelope_variables_per_principal() -> None:
    session = policy(
        allow("s3:GetObject", "arn:aws:s3:::acme-ml-datasets/risk/train-001/*"), kind=PolicyKind.SESSION
    )
    envelope = policy(
        allow(
            "s3:GetObject", "arn:aws:s3:::acme-ml-datasets/${aws:PrincipalTag/team}/${aws:PrincipalTag/job}/*"
        )
    )
    job = "arn:aws:sts::111122223333:assumed-role/risk-job-runner/train-001"
    ok = confined(
        PolicySet(identity=[EVERYTHING], session=session), job, {"team": "risk", "job": "train-001"}, envelope
    )
    assert ok.status is WithinStatus.PROVED
    other = confined(
        PolicySet(identity=[EVERYTHING], session=session), job, {"team": "risk", "job": "train-002"}, envelope
    )
    assert other.status is WithinStatus.COUNTEREXAMPLE
