"""Builders shared by the analysis tests."""

from __future__ import annotations

from typing import Any

from checker.aws import PolicyKind, PolicySet, Request, evaluate, parse_policy
from checker.aws.policy import Policy
from checker.core.findings import Counterexample

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ml-train"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"


def policy(
    *statements: dict[str, Any], version: str = "2012-10-17", kind: PolicyKind = PolicyKind.IDENTITY
) -> Policy:
    return parse_policy({"Version": version, "Statement": list(statements)}, name="test policy", kind=kind)


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def allowed_by(policies: list[Policy], example: Counterexample, principal: str = ROLE) -> bool:
    """Independent re-check of a counterexample with the evaluator (same account, identity policies only)."""
    request = Request(
        example.principal or principal, example.action, example.resource, ACCOUNT, dict(example.context)
    )
    delegation = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "*", "Resource": "*"}],
        },
        kind=PolicyKind.RESOURCE,
    )
    return evaluate(request, PolicySet(identity=policies, resource=delegation)).allowed
