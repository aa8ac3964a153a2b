"""Each step of AWS's evaluation flow.

EVAL  = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
XACCT = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
BOUND = https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
SESS  = https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
SCP   = https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
RCP   = https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
KMS   = https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
TRUST = https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_compare-resource-policies.html
STSID = https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
S3BPA = https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

from checker.aws import PolicyKind
from tests.aws.helpers import ACCOUNT, OTHER, ROLE, SESSION, USER, allow, decide, deny, policy

BUCKET_OBJ = "arn:aws:s3:::bucket/key"
S3_ALL = policy(allow("s3:*"))


def resource_policy(*statements: dict[str, object]) -> object:
    return policy(*statements, kind=PolicyKind.RESOURCE)


# --- EVAL: default deny, explicit allow, explicit deny wins -----------------------------------------


def test_no_policy_is_implicit_deny() -> None:
    assert decide([]) == "implicit_deny"


def test_identity_allow() -> None:
    assert decide([S3_ALL]) == "allow"


def test_explicit_deny_overrides_allow_in_another_policy() -> None:
    assert decide([S3_ALL, policy(deny("s3:GetObject"))]) == "explicit_deny"


def test_deny_in_boundary_is_explicit() -> None:
    assert decide([S3_ALL], boundary=policy(deny("s3:*"), kind=PolicyKind.BOUNDARY)) == "explicit_deny"


def test_deny_in_resource_policy_is_explicit() -> None:
    rp = resource_policy(deny("s3:*", Principal="*"))
    assert decide([S3_ALL], resource=rp) == "explicit_deny"


# --- BOUND: the boundary caps identity-based permissions ---------------------------------------------


def test_boundary_must_also_allow() -> None:
    boundary = policy(allow("s3:ListBucket"), kind=PolicyKind.BOUNDARY)
    assert decide([S3_ALL], boundary=boundary) == "implicit_deny"
    assert decide([S3_ALL], boundary=policy(allow("s3:Get*"), kind=PolicyKind.BOUNDARY)) == "allow"


def test_boundary_alone_grants_nothing() -> None:
    assert decide([], boundary=policy(allow("s3:*"), kind=PolicyKind.BOUNDARY)) == "implicit_deny"


# --- SESS: the session policy caps the session ------------------------------------------------------


def test_session_policy_must_also_allow() -> None:
    session = policy(allow("s3:ListBucket"), kind=PolicyKind.SESSION)
    assert decide([S3_ALL], principal=SESSION, session=session) == "implicit_deny"


# --- SCP: every level of the organization path must allow; none given means no organization ----------


def test_scp_every_level_must_allow() -> None:
    full = policy(allow("*"), kind=PolicyKind.SCP)
    s3_only = policy(allow("s3:*"), kind=PolicyKind.SCP)
    ec2_only = policy(allow("ec2:*"), kind=PolicyKind.SCP)
    assert decide([S3_ALL], scps=[[full], [s3_only], [full]]) == "allow"
    assert decide([S3_ALL], scps=[[full], [ec2_only], [full]]) == "implicit_deny"


def test_scp_allow_does_not_grant_by_itself() -> None:
    full = policy(allow("*"), kind=PolicyKind.SCP)
    assert decide([], scps=[[full]]) == "implicit_deny"


def test_scp_deny_is_explicit() -> None:
    full = policy(allow("*"), kind=PolicyKind.SCP)
    no_delete = policy(deny("s3:DeleteObject"), kind=PolicyKind.SCP)
    assert decide([S3_ALL], action="s3:DeleteObject", scps=[[full, no_delete]]) == "explicit_deny"


def test_scps_do_not_limit_service_principals() -> None:
    # SCP: "SCPs don't affect service-linked roles ... or AWS service principals".
    trust = policy(
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"},
        kind=PolicyKind.TRUST,
    )
    nothing = policy(allow("ec2:*"), kind=PolicyKind.SCP)
    verdict = decide(
        principal="sagemaker.amazonaws.com", action="sts:AssumeRole", target=ROLE, resource=trust, scps=[[nothing]]
    )
    assert verdict == "allow"


# --- RCP: resource control policies, for the services that support them -----------------------------


def test_rcp_levels_never_deny_implicitly() -> None:
    # RCP: RCPFullAWSAccess is attached to every root, OU and account and cannot be detached, so a level
    # holding only a narrower Allow (or only Denies) still leaves the request to the other policies.
    full = policy(allow("*", Principal="*"), kind=PolicyKind.RCP)
    no_s3 = policy(allow("kms:*", Principal="*"), kind=PolicyKind.RCP)
    assert decide([S3_ALL], rcps=[[full], [no_s3]]) == "allow"
    assert decide([], rcps=[[full]]) == "implicit_deny"  # an RCP Allow grants nothing by itself


def test_rcp_deny_is_explicit() -> None:
    deny_outside = policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}},
        },
        kind=PolicyKind.RCP,
    )
    full = policy(allow("*", Principal="*"), kind=PolicyKind.RCP)
    assert decide([S3_ALL], rcps=[[full, deny_outside]]) == "allow"
    outsider = f"arn:aws:iam::{OTHER}:role/x"
    rp = resource_policy(allow("s3:*", Principal="*"))
    assert decide([S3_ALL], principal=outsider, resource_account=ACCOUNT, resource=rp, rcps=[[full, deny_outside]]) == "explicit_deny"


# --- EVAL: resource-based policies within one account -----------------------------------------------


def test_same_account_resource_policy_alone_allows_user() -> None:
    rp = resource_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": USER}))
    assert decide([], principal=USER, resource=rp) == "allow"


def test_resource_policy_naming_user_not_limited_by_boundary() -> None:
    rp = resource_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": USER}))
    boundary = policy(allow("ec2:*"), kind=PolicyKind.BOUNDARY)
    assert decide([], principal=USER, resource=rp, boundary=boundary) == "allow"


def test_resource_policy_naming_role_is_limited_by_boundary() -> None:
    rp = resource_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": ROLE}))
    boundary = policy(allow("ec2:*"), kind=PolicyKind.BOUNDARY)
    assert decide([], principal=SESSION, resource=rp) == "allow"
    assert decide([], principal=SESSION, resource=rp, boundary=boundary) == "implicit_deny"


def test_resource_policy_naming_role_is_limited_by_session_policy() -> None:
    rp = resource_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": ROLE}))
    session = policy(allow("ec2:*"), kind=PolicyKind.SESSION)
    assert decide([], principal=SESSION, resource=rp, session=session) == "implicit_deny"


def test_resource_policy_naming_session_is_not_limited() -> None:
    rp = resource_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": SESSION}))
    session = policy(allow("ec2:*"), kind=PolicyKind.SESSION)
    boundary = policy(allow("ec2:*"), kind=PolicyKind.BOUNDARY)
    assert decide([], principal=SESSION, resource=rp, session=session, boundary=boundary) == "allow"


def test_resource_policy_naming_account_delegates_to_identity_policies() -> None:
    rp = resource_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    assert decide([], resource=rp) == "implicit_deny"
    assert decide([S3_ALL], resource=rp) == "allow"


def test_resource_policy_for_someone_else_does_not_apply() -> None:
    rp = resource_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/bob"}))
    assert decide([], principal=USER, resource=rp) == "implicit_deny"


# --- XACCT: both sides must allow --------------------------------------------------------------------


def test_cross_account_needs_both_sides() -> None:
    outsider = f"arn:aws:iam::{OTHER}:role/reader"
    rp = resource_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": OTHER}))
    assert decide([S3_ALL], principal=outsider, resource_account=ACCOUNT) == "implicit_deny"
    assert decide([], principal=outsider, resource_account=ACCOUNT, resource=rp) == "implicit_deny"
    assert decide([S3_ALL], principal=outsider, resource_account=ACCOUNT, resource=rp) == "allow"


def test_cross_account_resource_policy_naming_principal_still_needs_identity_allow() -> None:
    outsider = f"arn:aws:iam::{OTHER}:user/carol"
    rp = resource_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": outsider}))
    assert decide([], principal=outsider, resource_account=ACCOUNT, resource=rp) == "implicit_deny"


# --- KMS: the key policy must allow ------------------------------------------------------------------

KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_kms_identity_policy_alone_is_not_enough() -> None:
    assert decide([policy(allow("kms:*"))], action="kms:Decrypt", target=KEY) == "implicit_deny"


def test_kms_key_policy_delegating_to_account_enables_identity_policies() -> None:
    key_policy = resource_policy(allow("kms:*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    assert decide([], action="kms:Decrypt", target=KEY, resource=key_policy) == "implicit_deny"
    assert decide([policy(allow("kms:Decrypt"))], action="kms:Decrypt", target=KEY, resource=key_policy) == "allow"


def test_kms_key_policy_naming_role_allows_alone() -> None:
    key_policy = resource_policy(allow("kms:Decrypt", Principal={"AWS": ROLE}))
    assert decide([], action="kms:Decrypt", target=KEY, resource=key_policy) == "allow"


# --- TRUST: the trust policy is the resource policy for sts:AssumeRole* ------------------------------


def trust(*statements: dict[str, object]) -> object:
    return policy(*statements, kind=PolicyKind.TRUST)


SAGEMAKER_TRUST = trust(
    {
        "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
)


def test_service_principal_assumes_role_when_trusted() -> None:
    verdict = decide(
        principal="sagemaker.amazonaws.com",
        action="sts:AssumeRole",
        target=ROLE,
        resource=SAGEMAKER_TRUST,
        context={"aws:SourceAccount": ACCOUNT},
    )
    assert verdict == "allow"


def test_confused_deputy_is_denied_by_source_account() -> None:
    verdict = decide(
        principal="sagemaker.amazonaws.com",
        action="sts:AssumeRole",
        target=ROLE,
        resource=SAGEMAKER_TRUST,
        context={"aws:SourceAccount": OTHER},
    )
    assert verdict == "implicit_deny"


def test_same_account_identity_policy_cannot_assume_role_without_trust() -> None:
    assume_anything = policy(allow("sts:AssumeRole"))
    assert decide([assume_anything], principal=USER, action="sts:AssumeRole", target=ROLE, resource=SAGEMAKER_TRUST) == "implicit_deny"


def test_trust_naming_account_delegates_to_identity_policy() -> None:
    account_trust = trust({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"})
    assert decide([], principal=USER, action="sts:AssumeRole", target=ROLE, resource=account_trust) == "implicit_deny"
    assume = policy(allow("sts:AssumeRole", ROLE))
    assert decide([assume], principal=USER, action="sts:AssumeRole", target=ROLE, resource=account_trust) == "allow"


def test_web_identity_with_github_sub_condition() -> None:
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    oidc_trust = trust(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/ml-pipeline:ref:refs/heads/main"},
            },
        }
    )
    good = {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/ml-pipeline:ref:refs/heads/main",
    }
    fork = dict(good, **{"token.actions.githubusercontent.com:sub": "repo:evil/ml-pipeline:ref:refs/heads/main"})
    kwargs = {"principal": provider, "action": "sts:AssumeRoleWithWebIdentity", "target": ROLE, "resource": oidc_trust}
    assert decide(context=good, **kwargs) == "allow"  # type: ignore[arg-type]
    assert decide(context=fork, **kwargs) == "implicit_deny"  # type: ignore[arg-type]


def test_get_caller_identity_is_always_allowed() -> None:
    # STSID: "No permissions are required ... even if you are explicitly denied".
    assert decide([policy(deny("*"))], action="sts:GetCallerIdentity", target="*") == "allow"


# --- IAM: AWS managed policies and service-linked roles cannot be modified ----------------------------


def test_aws_managed_policy_cannot_be_modified() -> None:
    admin = policy(allow("*"))
    verdict = decide([admin], action="iam:CreatePolicyVersion", target="arn:aws:iam::aws:policy/AdministratorAccess")
    assert verdict == "implicit_deny"


def test_service_linked_role_cannot_be_edited() -> None:
    admin = policy(allow("*"))
    slr = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForAmazonSageMaker"
    assert decide([admin], action="iam:PutRolePolicy", target=slr) == "implicit_deny"
    assert decide([admin], action="iam:GetRole", target=slr) == "allow"


# --- S3BPA: RestrictPublicBuckets ----------------------------------------------------------------------


def test_restrict_public_buckets_blocks_public_grant_to_outsiders() -> None:
    public = resource_policy(allow("s3:GetObject", "arn:aws:s3:::bucket/*", Principal="*"))
    outsider = f"arn:aws:iam::{OTHER}:role/x"
    anyone = policy(allow("s3:GetObject"))
    assert decide([anyone], principal=outsider, resource_account=ACCOUNT, resource=public) == "allow"
    assert (
        decide([anyone], principal=outsider, resource_account=ACCOUNT, resource=public, restrict_public_buckets=True)
        == "implicit_deny"
    )
    assert decide([], principal=USER, resource=public, restrict_public_buckets=True) == "allow"


def test_anonymous_caller_needs_public_resource_policy() -> None:
    public = resource_policy(allow("s3:GetObject", "arn:aws:s3:::bucket/*", Principal="*"))
    assert decide([], principal="*", resource=public) == "allow"
    assert decide([], principal="*", resource=public, restrict_public_buckets=True) == "implicit_deny"


# --- NotPrincipal with Deny and a permissions boundary -----------------------------------------------


def test_deny_not_principal_always_denies_a_principal_with_a_boundary() -> None:
    # BOUND / https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html:
    # "NotPrincipal with a Deny effect will always deny any IAM principal that has a permissions boundary".
    rp = resource_policy(
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", ROLE]},
            "Action": "s3:GetObject",
            "Resource": BUCKET_OBJ,
        }
    )
    assert decide([S3_ALL], resource=rp) == "allow"
    assert decide([S3_ALL], resource=rp, boundary=policy(allow("s3:*"), kind=PolicyKind.BOUNDARY)) == "explicit_deny"


def test_star_principal_is_limited_by_the_session_policy() -> None:
    # SESS: only a resource-based policy naming the session ARN escapes the session policy; "*" names no one.
    rp = resource_policy(allow("s3:GetObject", BUCKET_OBJ, Principal="*"))
    session = policy(allow("ec2:*"), kind=PolicyKind.SESSION)
    assert decide([], principal=SESSION, resource=rp) == "allow"
    assert decide([], principal=SESSION, resource=rp, session=session) == "implicit_deny"
