"""Confirm a solver's counterexample with the evaluator, the authority on what AWS decides.

Identity-style policies are evaluated as the caller's identity policies. Services whose resource-based
policy must also allow (KMS keys, role trust for sts:AssumeRole) get a neutral resource policy that only
delegates to the caller's account, so that the identity policies alone decide, as the analysis assumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.aws.principals import parse_caller
from checker.aws.request import Request, prepare_request
from checker.core.errors import InputError
from checker.core.findings import Counterexample

DEFAULT_ACCOUNT = "111122223333"
DEFAULT_CALLER = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/example-role"


def caller_account(principal: str) -> str:
    try:
        caller = parse_caller(principal)
    except ValueError as exc:
        raise InputError(f"principal: {exc}") from None
    if not caller.is_aws_principal or caller.account is None:
        raise InputError(
            f"principal {principal!r} is not an IAM user, role, session or account",
            hint="identity-based policies belong to an IAM principal; give its ARN",
        )
    return caller.account


def principal_context(principal: str) -> dict[str, Any]:
    """The context keys AWS derives from the caller (aws:PrincipalArn, aws:username, ...)."""
    return dict(prepare_request(Request(principal, "sts:GetCallerIdentity")).context)


@cache
def delegation(account: str) -> Policy:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "*",
                    "Resource": "*",
                }
            ],
        },
        name=f"resource policy delegating to account {account}",
        kind=PolicyKind.RESOURCE,
    )


def allowed(policies: Sequence[Policy], example: Counterexample, principal: str | None) -> bool:
    """The request exactly as the example shows it (its resource account included) is allowed."""
    caller = example.principal or principal or DEFAULT_CALLER
    account = caller_account(caller)
    owner = example.resource_account or account
    request = Request(caller, example.action, example.resource, owner, dict(example.context))
    try:
        decision = evaluate(request, PolicySet(identity=list(policies), resource=delegation(account)))
    except InputError:
        return False
    return decision.allowed


def confirms(
    example: Counterexample, inside: Sequence[Policy], outside: Sequence[Policy], principal: str | None
) -> bool:
    """The first policy set allows the request and the second does not."""
    return allowed(inside, example, principal) and not allowed(outside, example, principal)
