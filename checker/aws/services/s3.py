"""S3 Block Public Access, RestrictPublicBuckets (Amazon S3 User Guide, "Blocking public access").

When RestrictPublicBuckets is on and the bucket policy is public, access granted by that policy is
limited to AWS service principals and principals in the bucket owner's account. A statement is public
unless it names specific principals or fixes one of the keys S3 treats as narrowing ("The meaning of
'public'").
"""

from __future__ import annotations

from checker.aws.policy import Effect, Policy, Statement

NARROWING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:sourceip",
        "s3:dataaccesspointarn",
        "s3:dataaccesspointaccount",
    }
)
FIXED_VALUE_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "ArnEquals", "IpAddress"})


def statement_is_public(statement: Statement) -> bool:
    if statement.effect is not Effect.ALLOW:
        return False
    spec = statement.principal
    opens_to_all = statement.not_principal is not None or (spec is not None and spec.wildcard)
    if not opens_to_all:
        return False
    for clause in statement.conditions:
        if clause.key_lower in NARROWING_KEYS and clause.set_operator is None and not clause.if_exists:
            fixed = clause.operator.name in FIXED_VALUE_OPERATORS and not any(
                "*" in v or "?" in v for v in clause.raw_values
            )
            if fixed and (clause.key_lower != "aws:sourceip" or _narrow_cidrs(clause.raw_values)):
                return False
    return True


def _narrow_cidrs(values: tuple[str, ...]) -> bool:
    # S3 treats a CIDR as narrowing when it is fixed and not too wide (at least /8 for IPv4, /32 for IPv6).
    for value in values:
        if "/" in value:
            bits = int(value.rsplit("/", 1)[1])
            if (":" in value and bits < 32) or (":" not in value and bits < 8):
                return False
    return True


def policy_is_public(policy: Policy) -> bool:
    return any(statement_is_public(s) for s in policy.statements)
