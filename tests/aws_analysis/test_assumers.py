"""Who can assume a role (checker.aws.analyze.assumers): proofs over every caller and context.

Rules encoded (IAM User Guide, "AWS JSON policy elements: Principal": "You can specify ... AWS accounts,
IAM roles, role sessions, IAM users, federated user principals, AWS services, and anonymous users";
"NotPrincipal": everyone except the listed principals; "Roles terms and concepts": the trust policy is the
resource-based policy that decides sts:AssumeRole, AssumeRoleWithWebIdentity and AssumeRoleWithSAML, and
sts:TagSession / sts:SetSourceIdentity are decided by the same policy).

The differential part: random trust policies around the lab's traps; every PROVED result is probed with
concrete callers of every kind (those named anywhere, and others) and contexts, each decided by the
evaluator on both sides; every counterexample is re-decided exactly as shown.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.aws.analyze.assumers import ASSUME_ACTIONS, allowed_set_policy, assumers_within
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.aws.request import Request
from checker.core.engine import WithinStatus
from checker.core.errors import InputError

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/fraud-training-role"
SAGEMAKER = {"Service": "sagemaker.amazonaws.com"}
ONLY_SAGEMAKER = allowed_set_policy([{"principal": SAGEMAKER}])
FOR_THIS_ACCOUNT = allowed_set_policy(
    [
        {"principal": SAGEMAKER, "condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
        {"principal": SAGEMAKER, "condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:sagemaker:*:{ACCOUNT}:*"}}},
    ]
)
_CALLER_POLICY = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}
)
# A GetFederationToken user without a session policy has no permissions (evaluate.py, rule 7); the caller
# chooses its session policy, so the probes give it one that allows what it asks.
_CALLER_SESSION = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]},
    kind=PolicyKind.SESSION,
)


def trust(*statements: dict[str, Any]) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name="trust", kind=PolicyKind.TRUST)


def lets_in(policy: Policy, principal: str, action: str, context: dict[str, Any]) -> bool:
    request = Request(principal, action, ROLE, ACCOUNT, context)
    return evaluate(request, PolicySet(identity=[_CALLER_POLICY], resource=policy, session=_CALLER_SESSION)).allowed


# --- the allowed set ------------------------------------------------------------------------------------


def test_the_allowed_set_defaults_to_every_trust_action() -> None:
    (statement,) = ONLY_SAGEMAKER.statements
    assert statement.actions is not None
    assert {a.text for a in statement.actions} == set(ASSUME_ACTIONS)


def test_an_empty_allowed_set_lets_nobody_in() -> None:
    nobody = allowed_set_policy([])
    result = assumers_within(trust({"Effect": "Allow", "Principal": SAGEMAKER, "Action": "sts:AssumeRole"}), nobody, ROLE)
    assert result.status is WithinStatus.COUNTEREXAMPLE


@pytest.mark.parametrize(
    "entries",
    [{"principal": SAGEMAKER}, [{"service": "x"}], [{"principal": SAGEMAKER, "conditions": {}}], ["sagemaker"]],
    ids=["not a list", "no principal", "unknown field", "a bare string"],
)
def test_a_malformed_allowed_set_is_an_input_error(entries: Any) -> None:
    with pytest.raises(InputError):
        allowed_set_policy(entries)


def test_the_identity_must_be_a_role() -> None:
    with pytest.raises(InputError, match="not a role ARN"):
        assumers_within(trust({"Effect": "Allow", "Principal": SAGEMAKER, "Action": "sts:AssumeRole"}), ONLY_SAGEMAKER, "x")


# --- callers of every kind -------------------------------------------------------------------------------

KINDS = [
    ("a user", {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, "sts:AssumeRole"),
    ("a role (its sessions)", {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"}, "sts:AssumeRole"),
    ("a role session", {"AWS": f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/build-7"}, "sts:AssumeRole"),
    ("a federated user", {"AWS": f"arn:aws:sts::{ACCOUNT}:federated-user/bob"}, "sts:AssumeRole"),
    ("the own account", {"AWS": ACCOUNT}, "sts:AssumeRole"),
    ("another account", {"AWS": "arn:aws:iam::999988887777:root"}, "sts:AssumeRole"),
    ("another service", {"Service": "glue.amazonaws.com"}, "sts:AssumeRole"),
    ("an OIDC provider", {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"}, "sts:AssumeRoleWithWebIdentity"),
    ("Cognito", {"Federated": "cognito-identity.amazonaws.com"}, "sts:AssumeRoleWithWebIdentity"),
    ("a SAML provider", {"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"}, "sts:AssumeRoleWithSAML"),
    ("everyone", "*", "sts:AssumeRole"),
]


@pytest.mark.parametrize(("principal", "action"), [k[1:] for k in KINDS], ids=[k[0] for k in KINDS])
def test_every_kind_of_caller_is_found(principal: Any, action: str) -> None:
    policy = trust(
        {"Effect": "Allow", "Principal": SAGEMAKER, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": principal, "Action": action},
    )
    result = assumers_within(policy, ONLY_SAGEMAKER, ROLE)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    (example,) = result.counterexamples
    assert example.principal is not None and example.principal != "sagemaker.amazonaws.com"
    assert lets_in(policy, example.principal, example.action, dict(example.context))
    assert not lets_in(ONLY_SAGEMAKER, example.principal, example.action, dict(example.context))


def test_a_condition_on_the_callers_arn_is_decided_for_every_arn_it_matches() -> None:
    """No sampled principal carries the name `ml-` : the ARN is symbolic within its class."""
    policy = trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ml-*"}},
        }
    )
    (example,) = assumers_within(policy, ONLY_SAGEMAKER, ROLE).counterexamples
    assert example.principal is not None and ":role/ml-" in example.principal


def test_a_condition_on_the_callers_account_finds_that_account() -> None:
    policy = trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": "555566667777"}},
        }
    )
    (example,) = assumers_within(policy, ONLY_SAGEMAKER, ROLE).counterexamples
    assert example.principal is not None and ":555566667777:" in example.principal


def test_a_condition_on_the_service_name_finds_that_service() -> None:
    policy = trust(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"StringLike": {"aws:PrincipalServiceName": "ec2.*"}},
        }
    )
    (example,) = assumers_within(policy, ONLY_SAGEMAKER, ROLE).counterexamples
    assert example.principal is not None and example.principal.startswith("ec2.")


def test_conditions_no_caller_can_meet_are_proved() -> None:
    """`Principal: *` guarded by the caller's own ARN naming SageMaker's role: no AWS principal matches it
    and no other caller carries aws:PrincipalArn."""
    policy = trust(
        {"Effect": "Allow", "Principal": SAGEMAKER, "Action": "sts:AssumeRole"},
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalServiceName": "sagemaker.amazonaws.com"}},
        },
    )
    assert assumers_within(policy, ONLY_SAGEMAKER, ROLE).status is WithinStatus.PROVED


def test_a_named_principal_the_allowed_set_names_too_is_proved() -> None:
    allowed = allowed_set_policy([{"principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"}}])
    policy = trust({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"}, "Action": "sts:AssumeRole"})
    assert assumers_within(policy, allowed, ROLE).status is WithinStatus.PROVED
    # The same role by a condition on aws:PrincipalArn, with everyone as the Principal: sessions of ci.
    by_condition = trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/ci"}},
        }
    )
    assert assumers_within(by_condition, allowed, ROLE).status is WithinStatus.PROVED


# --- differential: proofs survive concrete probes, counterexamples are re-decided -------------------------

PRINCIPALS: list[Any] = [
    "*",
    SAGEMAKER,
    {"Service": "ec2.amazonaws.com"},
    {"AWS": ACCOUNT},
    {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"},
    {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
    {"AWS": "444455556666"},
    {"Federated": "cognito-identity.amazonaws.com"},
]
CONDITIONS: list[dict[str, Any] | None] = [
    None,
    {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    {"ArnLike": {"aws:SourceArn": f"arn:aws:sagemaker:*:{ACCOUNT}:training-job/fraud-*"}},
    {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}},
    {"StringNotEquals": {"aws:SourceAccount": "444455556666"}},
    {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/c*"}},
    {"StringEquals": {"aws:PrincipalAccount": "444455556666"}},
    {"Null": {"sts:ExternalId": "false"}},
    {"StringEquals": {"aws:username": "alice"}},
    {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:*"}},
    {"StringEquals": {"aws:PrincipalServiceName": "ec2.amazonaws.com"}},
]
ACTIONS = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:*"]
CALLERS = [
    "sagemaker.amazonaws.com",
    "ec2.amazonaws.com",
    "glue.amazonaws.com",
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    f"arn:aws:iam::{ACCOUNT}:root",
    f"arn:aws:iam::{ACCOUNT}:user/alice",
    f"arn:aws:iam::{ACCOUNT}:user/bob",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/s",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/cd/s",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/other/s",
    f"arn:aws:sts::{ACCOUNT}:federated-user/carol",
    "arn:aws:iam::444455556666:user/mallory",
    "arn:aws:sts::444455556666:assumed-role/ci/s",
    "arn:aws:iam::999988887777:root",
    "*",
]
CONTEXTS: list[dict[str, Any]] = [
    {},
    {"aws:SourceAccount": ACCOUNT},
    {"aws:SourceAccount": "444455556666"},
    {"aws:SourceArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/fraud-1"},
    {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:444455556666:training-job/fraud-1"},
    {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/x"},
    {"sts:ExternalId": "e"},
]
REQUEST_ACTIONS = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:TagSession"]


def _statement(effect: str, principal: Any, action: str, condition: dict[str, Any] | None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect, "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return statement


statements = st.builds(
    _statement,
    st.sampled_from(["Allow", "Allow", "Deny"]),
    st.sampled_from(PRINCIPALS),
    st.sampled_from(ACTIONS),
    st.sampled_from(CONDITIONS),
)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(statements, min_size=1, max_size=3), st.sampled_from([ONLY_SAGEMAKER, FOR_THIS_ACCOUNT]))
def test_proofs_survive_every_probe_and_counterexamples_are_real(raw: list[dict[str, Any]], allowed: Policy) -> None:
    policy = trust(*raw)
    result = assumers_within(policy, allowed, ROLE, limit=2)
    if result.status is WithinStatus.PROVED:
        for caller, action, context in itertools.product(CALLERS, REQUEST_ACTIONS, CONTEXTS):
            assert not (lets_in(policy, caller, action, context) and not lets_in(allowed, caller, action, context)), (
                raw,
                caller,
                action,
                context,
            )
    elif result.status is WithinStatus.COUNTEREXAMPLE:
        for example in result.counterexamples:
            assert example.principal is not None
            assert lets_in(policy, example.principal, example.action, dict(example.context))
            assert not lets_in(allowed, example.principal, example.action, dict(example.context))
    else:
        pytest.fail(f"undecided: {result.reason} for {raw}")


def test_a_caller_named_like_the_stand_in_for_unnamed_callers_does_not_hide_them() -> None:
    """The class "every other user of the account" needs a stand-in name no policy uses."""
    allowed = allowed_set_policy([{"principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/any-user"}}])
    policy = trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalType": "User", "aws:PrincipalAccount": ACCOUNT}},
        }
    )
    result = assumers_within(policy, allowed, ROLE)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    (example,) = result.counterexamples
    assert example.principal is not None and example.principal.startswith(f"arn:aws:iam::{ACCOUNT}:user/")
    assert example.principal != f"arn:aws:iam::{ACCOUNT}:user/any-user"


@pytest.mark.parametrize("trusted", [{"AWS": ACCOUNT}, {"AWS": "*"}], ids=["the account", "everyone"])
def test_a_condition_on_the_user_name_finds_that_user(trusted: dict[str, str]) -> None:
    policy = trust(
        {"Effect": "Allow", "Principal": trusted, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:username": "bob"}}}
    )
    result = assumers_within(policy, ONLY_SAGEMAKER, ROLE)
    assert result.status is WithinStatus.COUNTEREXAMPLE, result.reason
    (example,) = result.counterexamples
    assert example.principal is not None and example.principal.endswith(":user/bob")


def test_a_federated_user_with_a_session_policy_of_its_choice_is_found() -> None:
    """GetFederationToken: "a resource-based policy can provide additional permissions for the session"
    and the caller passes the session policy it likes, so `Principal: *` lets federated users in."""
    policy = trust(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalType": "FederatedUser"}},
        }
    )
    result = assumers_within(policy, ONLY_SAGEMAKER, ROLE)
    assert result.status is WithinStatus.COUNTEREXAMPLE, result.reason
    (example,) = result.counterexamples
    assert example.principal is not None and ":federated-user/" in example.principal
