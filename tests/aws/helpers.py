"""Small builders shared by the AWS engine tests."""

from __future__ import annotations

from typing import Any

from checker.aws import PolicyKind, PolicySet, Request, evaluate, parse_policy
from checker.aws.policy import Policy

ACCOUNT = "111122223333"
OTHER = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ml-train"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/ml-train/job-1"


def policy(*statements: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY, version: str = "2012-10-17") -> Policy:
    return parse_policy({"Version": version, "Statement": list(statements)}, name=f"{kind.value} policy", kind=kind)


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(
    identity: list[Policy] | None = None,
    *,
    principal: str = ROLE,
    action: str = "s3:GetObject",
    target: str = "arn:aws:s3:::bucket/key",
    context: dict[str, Any] | None = None,
    resource_account: str | None = None,
    **sets: Any,
) -> str:
    request = Request(principal, action, target, resource_account, context or {})
    return evaluate(request, PolicySet(identity=identity or [], **sets)).kind.value


def condition_allows(condition: dict[str, Any], context: dict[str, Any], version: str = "2012-10-17") -> bool:
    p = policy(allow(Condition=condition), version=version)
    return decide([p], context=context) == "allow"
