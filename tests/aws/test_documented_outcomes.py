"""Outcomes the AWS documentation states with a worked example, one table per rule (issue 14, §2).

Doc pages:
  EVAL      = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
              and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
  DENYALLOW = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
  FEDTOKEN  = https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getfederationtoken.html
"""

from __future__ import annotations

from typing import Any

import pytest

from checker.aws import PolicyKind, PolicySet, Request, evaluate
from checker.aws.batch import decide_case
from tests.aws.helpers import ACCOUNT, OTHER, ROLE, SESSION, USER, allow, decide, deny, policy

BUCKET_OBJ = "arn:aws:s3:::acme-ml-datasets/train.csv"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
OTHER_ROOT = f"arn:aws:iam::{OTHER}:root"
FEDERATED = f"arn:aws:sts::{ACCOUNT}:federated-user/bob"
NOTHING = policy(allow("ec2:DescribeInstances"), kind=PolicyKind.BOUNDARY)
NOTHING_SESSION = policy(allow("ec2:DescribeInstances"), kind=PolicyKind.SESSION)


def bucket_policy(*statements: dict[str, Any]) -> Any:
    return policy(*statements, kind=PolicyKind.RESOURCE)


def star_grant(condition: dict[str, Any] | None, principal: Any = "*") -> Any:
    extra: dict[str, Any] = {"Principal": principal}
    if condition is not None:
        extra["Condition"] = condition
    return bucket_policy(allow("s3:GetObject", BUCKET_OBJ, **extra))


# --- aws:PrincipalArn with a wildcard Principal (EVAL) ------------------------------------------------
PRINCIPAL_ARN = (
    "Permissions boundaries and session policies do not limit permissions granted using the aws:PrincipalArn "
    "condition key with a wildcard(*) in the Principal element, unless the identity-based policies contain an "
    "explicit deny"
)
NAMES_ROLE = {"ArnEquals": {"aws:PrincipalArn": ROLE}}

PRINCIPAL_ARN_ROWS: list[tuple[str, dict[str, Any], str]] = [
    ("session: boundary and session policy allow nothing", {"principal": SESSION, "boundary": NOTHING,
                                                             "session": NOTHING_SESSION}, "allow"),
    ("role: boundary allows nothing", {"principal": ROLE, "boundary": NOTHING}, "allow"),
    ('{"AWS": "*"} with ArnLike', {"principal": SESSION, "boundary": NOTHING, "session": NOTHING_SESSION,
                                   "resource": star_grant({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/ml-*"}},
                                                          {"AWS": "*"})}, "allow"),
    ("StringEquals on aws:PrincipalArn", {"principal": SESSION, "session": NOTHING_SESSION,
                                          "resource": star_grant({"StringEquals": {"aws:PrincipalArn": ROLE}})}, "allow"),
    ("unless an identity-based policy denies", {"principal": SESSION, "boundary": NOTHING,
                                                "identity": [policy(deny("s3:GetObject"))]}, "explicit_deny"),
    ("the condition names another role", {"principal": SESSION, "boundary": NOTHING,
                                          "resource": star_grant({"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/other"}})},
     "implicit_deny"),
    ("a bare * grant stays limited by the boundary", {"principal": SESSION, "boundary": NOTHING,
                                                      "resource": star_grant(None)}, "implicit_deny"),
    ("a bare * grant stays limited by the session policy", {"principal": SESSION, "session": NOTHING_SESSION,
                                                            "resource": star_grant(None)}, "implicit_deny"),
    ("ArnNotEquals names no one: still limited", {"principal": SESSION, "boundary": NOTHING,
                                                  "resource": star_grant({"ArnNotEquals": {"aws:PrincipalArn": USER}})},
     "implicit_deny"),
]


@pytest.mark.parametrize(("name", "setting", "expected"), PRINCIPAL_ARN_ROWS, ids=[r[0] for r in PRINCIPAL_ARN_ROWS])
def test_principal_arn_grant_with_wildcard_principal(name: str, setting: dict[str, Any], expected: str) -> None:
    """EVAL: "Permissions boundaries and session policies do not limit permissions granted using the
    aws:PrincipalArn condition key with a wildcard(*) in the Principal element, unless the identity-based
    policies contain an explicit deny"."""
    principal = setting["principal"]
    context = {"aws:PrincipalArn": ROLE if principal in (ROLE, SESSION) else principal}
    answer = decide(
        setting.get("identity", []),
        principal=principal,
        context=context,
        resource=setting.get("resource", star_grant(NAMES_ROLE)),
        boundary=setting.get("boundary"),
        session=setting.get("session"),
        target=BUCKET_OBJ,
        resource_account=ACCOUNT,
    )
    assert answer == expected, PRINCIPAL_ARN


# --- the account root user (DENYALLOW) ----------------------------------------------------------------
ROOT_SENTENCE = (
    "By default, all requests are implicitly denied with the exception of the AWS account root user, which has "
    "full access"
)
ROOT_ROWS: list[tuple[str, dict[str, Any], str]] = [
    ("own account, no policy at all", {}, "allow"),
    ("own account, SCP allows everything", {"scps": [[policy(allow(), kind=PolicyKind.SCP)]]}, "allow"),
    # SCPs "limit permissions for ... the root user" of member accounts.
    ("own account, SCP does not allow the action", {"scps": [[policy(allow("ec2:*"), kind=PolicyKind.SCP)]]},
     "implicit_deny"),
    ("own account, SCP denies", {"scps": [[policy(allow(), deny("s3:*"), kind=PolicyKind.SCP)]]}, "explicit_deny"),
    ("own account, bucket policy denies", {"resource": bucket_policy(deny("s3:*", "*", Principal="*"))},
     "explicit_deny"),
    # Cross-account: the other account's resource-based policy decides.
    ("other account's bucket, no bucket policy", {"principal": OTHER_ROOT}, "implicit_deny"),
    ("other account's bucket grants the caller's account",
     {"principal": OTHER_ROOT, "resource": bucket_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": OTHER}))},
     "allow"),
    ("other account's bucket grants a different account",
     {"principal": OTHER_ROOT, "resource": bucket_policy(allow("s3:GetObject", BUCKET_OBJ, Principal={"AWS": "999988887777"}))},
     "implicit_deny"),
]


@pytest.mark.parametrize(("name", "setting", "expected"), ROOT_ROWS, ids=[r[0] for r in ROOT_ROWS])
def test_account_root_user(name: str, setting: dict[str, Any], expected: str) -> None:
    """DENYALLOW: "By default, all requests are implicitly denied with the exception of the AWS account root
    user, which has full access"."""
    answer = decide(
        [],
        principal=setting.get("principal", ROOT),
        resource=setting.get("resource"),
        scps=setting.get("scps", ()),
        target=BUCKET_OBJ,
        resource_account=ACCOUNT,
    )
    assert answer == expected, ROOT_SENTENCE


def test_root_user_still_needs_the_key_policy() -> None:
    # KMS key policies: "Unless the key policy explicitly allows it, you cannot use IAM policies to allow access
    # to a KMS key" - the root user's full access is on the identity side only.
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key_policy = policy(allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"}), kind=PolicyKind.RESOURCE)
    assert decide([], principal=ROOT, action="kms:Decrypt", target=key, resource=key_policy, resource_account=ACCOUNT) == "implicit_deny"


# --- federated user sessions from GetFederationToken (FEDTOKEN) ---------------------------------------
FEDERATION_SENTENCE = (
    "In most cases if you do not pass a policy with the GetFederationToken API call, the resulting temporary "
    "security credentials have no permissions. However, a resource-based policy can provide additional "
    "permissions for the session"
)
USER_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
FEDERATION_ROWS: list[tuple[str, dict[str, Any], str]] = [
    ("no policy passed: the user's policies grant nothing", {}, "implicit_deny"),
    ("a policy passed: the intersection",
     {"session_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}},
     "allow"),
    ("a policy passed that does not allow the action",
     {"session_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}},
     "implicit_deny"),
    ("no policy passed, a bucket policy names the session",
     {"resource_policy": {"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Principal": {"AWS": FEDERATED}, "Action": "s3:GetObject", "Resource": BUCKET_OBJ}]}},
     "allow"),
    ("no policy passed, a bucket policy names the account (a delegation to identity policies)",
     {"resource_policy": {"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:GetObject", "Resource": BUCKET_OBJ}]}},
     "implicit_deny"),
]


@pytest.mark.parametrize(("name", "fields", "expected"), FEDERATION_ROWS, ids=[r[0] for r in FEDERATION_ROWS])
def test_federated_user_session(name: str, fields: dict[str, Any], expected: str) -> None:
    """FEDTOKEN: the batch field `session_policy` says which policy was passed to GetFederationToken."""
    case = {
        "id": name,
        "principal": FEDERATED,
        "action": "s3:GetObject",
        "resource": BUCKET_OBJ,
        "resource_account": ACCOUNT,
        "identity_policies": [USER_POLICY],
        **fields,
    }
    assert decide_case(case, False)["decision"] == expected, FEDERATION_SENTENCE


def test_federated_user_without_a_policy_is_explained() -> None:
    case = {"principal": FEDERATED, "action": "s3:GetObject", "resource": BUCKET_OBJ, "identity_policies": [USER_POLICY]}
    result = decide_case(case, True)
    assert "GetFederationToken without a session policy" in result["explain"]["summary"]
    assert any("no policy was passed" in w for w in result["explain"]["warnings"])


def test_principal_arn_grant_is_explained() -> None:
    request = Request(SESSION, "s3:GetObject", BUCKET_OBJ, ACCOUNT, {})
    policies = PolicySet(resource=star_grant(NAMES_ROLE), boundary=NOTHING, session=NOTHING_SESSION)
    decision = evaluate(request, policies, explain=True)
    assert decision.kind.value == "allow"
    assert any("narrowed by aws:PrincipalArn" in reason.detail for reason in decision.reasons)
