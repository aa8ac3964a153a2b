"""IAM state read from moto through its API: entities, boundaries, resource policies, SCP levels, lookups."""

from __future__ import annotations

import json

from checker.emulate.backends import Backend
from checker.emulate.mapping import ApiCall, map_call
from tests.emulate.conftest import doc

DENY_DELETE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}],
}


def test_entities_paths_tags_and_boundaries(moto_backend: Backend) -> None:
    iam = moto_backend.admin_client("iam")
    boundary = iam.create_policy(PolicyName="b", PolicyDocument=doc(DENY_DELETE))["Policy"]["Arn"]
    # moto keeps no permissions boundary for users (only for roles), so the user here has none.
    iam.create_user(UserName="ana", Path="/ml/", Tags=[{"Key": "team", "Value": "vision"}])
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="ana")
    iam.create_role(
        RoleName="job",
        AssumeRolePolicyDocument=doc({"Version": "2012-10-17", "Statement": []}),
        PermissionsBoundary=boundary,
    )
    state = moto_backend.state
    user = state.user("ana")
    assert user is not None
    assert (user.arn, user.path, dict(user.tags), user.groups) == (
        "arn:aws:iam::123456789012:user/ml/ana",
        "/ml/",
        {"team": "vision"},
        ("readers",),
    )
    role = state.role("job")
    assert role is not None and role.boundary_arn == boundary
    assert state.managed_policy(boundary) == DENY_DELETE
    # The mapping asks the backend for paths it cannot see in the call.
    call = ApiCall("iam", "GetUser", {"UserName": "ana"}, account="123456789012", lookups=state)
    assert map_call(call).checks[0].resource == "arn:aws:iam::123456789012:user/ml/ana"


def test_changes_seen_by_the_enforcer_drop_cached_state(moto_backend: Backend) -> None:
    state = moto_backend.state
    assert state.role("late") is None
    moto_backend.admin_client("iam").create_role(
        RoleName="late", AssumeRolePolicyDocument=doc({"Version": "2012-10-17", "Statement": []})
    )
    assert state.role("late") is None  # still the cached snapshot
    state.note_call("iam", "CreateRole")
    assert state.role("late") is not None


def test_resource_policies_and_kms_lookups(moto_backend: Backend) -> None:
    s3 = moto_backend.admin_client("s3")
    s3.create_bucket(Bucket="pol-bucket")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::pol-bucket/*"}
        ],
    }
    s3.put_bucket_policy(Bucket="pol-bucket", Policy=json.dumps(policy))
    state = moto_backend.state
    assert state.resource_policy("s3:GetObject", "arn:aws:s3:::pol-bucket/k") == policy
    assert state.resource_policy("s3:GetObject", "arn:aws:s3:::no-such-bucket/k") is None
    kms = moto_backend.admin_client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/models", TargetKeyId=key_id)
    assert state.kms_key_id("alias/models", "us-east-1", "123456789012") == key_id
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    assert state.kms_key_of_ciphertext(blob) == key_id
    key_policy = state.resource_policy("kms:Decrypt", f"arn:aws:kms:us-east-1:123456789012:key/{key_id}")
    assert key_policy is not None and key_policy["Statement"]


def test_scps_by_level_and_not_for_the_management_account(moto_backend: Backend) -> None:
    """Organizations User Guide: SCPs do not affect the management account; levels run root to account."""
    org = moto_backend.admin_client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = org.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]["Id"]
    status = org.create_account(Email="ml@example.com", AccountName="ml")["CreateAccountStatus"]
    member = status["AccountId"]
    org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
    scp = org.create_policy(
        Name="no-delete", Description="", Type="SERVICE_CONTROL_POLICY", Content=doc(DENY_DELETE)
    )
    org.attach_policy(PolicyId=scp["Policy"]["PolicySummary"]["Id"], TargetId=ou)
    state = moto_backend.state
    state.invalidate()
    levels = state.service_control_policies(member)
    assert len(levels) == 3  # root, OU, account
    assert any(document == DENY_DELETE for _name, document in levels[1])
    assert state.service_control_policies("123456789012") == []
    # Organizations ARNs resolve for the mapping.
    assert state.organizations_arn(ou) is not None and ou in str(state.organizations_arn(ou))
