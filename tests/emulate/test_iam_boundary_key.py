"""iam:PermissionsBoundary on requests about an existing role, enforced on moto: the key "Filters access if the
specified policy is set as the permissions boundary on the IAM entity (user or role)" (Service Authorization
Reference, IAM condition keys). The documented delegation pattern lets an admin write policies only to roles
held to a boundary; the gateway reads the role's boundary from the backend."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from checker.emulate.backends import Backend
from tests.emulate.conftest import doc, enforced_role_client

ACCOUNT = "123456789012"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/team-boundary"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _delegated_admin(backend: Backend) -> Any:
    iam = backend.admin_client("iam")
    iam.create_policy(PolicyName="team-boundary", PolicyDocument=doc(EVERYTHING))
    iam.create_role(RoleName="job", AssumeRolePolicyDocument=doc(TRUST), PermissionsBoundary=BOUNDARY)
    iam.create_role(RoleName="orchestrator", AssumeRolePolicyDocument=doc(TRUST))
    iam.create_role(RoleName="delegated-admin", AssumeRolePolicyDocument=doc(TRUST))
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["iam:PutRolePolicy", "iam:DeleteRolePermissionsBoundary"],
        "Resource": f"arn:aws:iam::{ACCOUNT}:role/*",
        "Condition": {"ArnEquals": {"iam:PermissionsBoundary": BOUNDARY}}}]}
    iam.put_role_policy(RoleName="delegated-admin", PolicyName="only-bounded", PolicyDocument=doc(policy))
    return enforced_role_client(backend, f"arn:aws:iam::{ACCOUNT}:role/delegated-admin", "iam", "delegate")


def test_a_write_is_allowed_only_on_the_role_that_carries_the_boundary(moto_backend: Backend) -> None:
    iam = _delegated_admin(moto_backend)
    iam.put_role_policy(RoleName="job", PolicyName="read", PolicyDocument=doc(EVERYTHING))  # holds the boundary
    with pytest.raises(ClientError) as raised:
        iam.put_role_policy(RoleName="orchestrator", PolicyName="admin", PolicyDocument=doc(EVERYTHING))
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert "iam:PutRolePolicy" in raised.value.response["Error"]["Message"]
    # Once the boundary is gone, the role no longer carries it: the same admin can no longer write to it.
    iam.delete_role_permissions_boundary(RoleName="job")
    with pytest.raises(ClientError):
        iam.put_role_policy(RoleName="job", PolicyName="admin", PolicyDocument=doc(EVERYTHING))
