"""Shared helpers for the finding rules: building a Finding at a JSON pointer, and expanding actions."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from checker.aws import catalog
from checker.aws.analyze.actions import WELL_KNOWN
from checker.aws.analyze.findings.codes import CODES
from checker.aws.policy import Effect, Policy, Statement
from checker.core.findings import Finding, Severity


def finding(
    code: str, policy: Policy, pointer: str, message: str, severity: Severity | None = None
) -> Finding:
    entry = CODES[code]
    return Finding(
        code=code,
        severity=severity or entry.severity,
        message=message,
        where=policy.document.locate(pointer),
        hint=entry.hint,
        doc=entry.doc,
    )


def raw(policy: Policy, pointer: str) -> Any:
    """The raw JSON value at a pointer inside the policy document (None when absent)."""
    value: Any = policy.document.data
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            value = value.get(token)
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return None
    return value


def element_pointers(policy: Policy, statement: Statement, element: str) -> list[str]:
    """Pointers of each value of Action/Resource/... in the order the parser read them."""
    base = f"{statement.pointer}/{element}"
    value = raw(policy, base)
    if isinstance(value, list):
        return [f"{base}/{i}" for i in range(len(value))]
    return [base]


@cache
def expand(pattern: str) -> frozenset[str]:
    """Catalog actions (lowercase) a pattern matches."""
    return frozenset(a.lower() for a in catalog.expand_action(pattern))


@cache
def _all_lower() -> frozenset[str]:
    return frozenset(a.lower() for a in catalog.all_actions())


def statement_actions(statement: Statement) -> frozenset[str]:
    if statement.actions is not None:
        result: set[str] = set()
        for pattern in statement.actions:
            result |= expand(pattern.text)
        return frozenset(result)
    excluded: set[str] = set()
    for pattern in statement.not_actions or ():
        excluded |= expand(pattern.text)
    return _all_lower() - excluded


def unrestricted_resource(statement: Statement) -> bool:
    """Resource "*" (or NotResource, which leaves almost everything)."""
    if statement.not_resources is not None:
        return True
    return statement.resources is not None and any(p.universal for p in statement.resources)


def allowed_actions(policy: Policy) -> dict[str, Statement]:
    """Actions some Allow grants and no unconditional Deny on every resource removes, with the first
    statement that grants each one."""
    granted: dict[str, Statement] = {}
    for statement in policy.statements:
        if statement.effect is Effect.ALLOW:
            for action in statement_actions(statement):
                granted.setdefault(action, statement)
    for statement in policy.statements:
        if statement.effect is Effect.DENY and not statement.conditions and unrestricted_resource(statement):
            if statement.not_resources is not None:
                continue  # a Deny with NotResource leaves some resources allowed
            for action in statement_actions(statement):
                granted.pop(action, None)
    return granted


COMMON_SERVICES = (
    "s3",
    "iam",
    "sagemaker",
    "bedrock",
    "kms",
    "secretsmanager",
    "ssm",
    "lambda",
    "ec2",
    "logs",
    "sts",
)


def _familiar(action: str) -> tuple[int, int, str]:
    """Well-known actions and services first, so a long list starts with what a learner recognises."""
    service = action.split(":", 1)[0]
    rank = COMMON_SERVICES.index(service) if service in COMMON_SERVICES else len(COMMON_SERVICES)
    return (0 if action in WELL_KNOWN else 1, rank, action)


def display(actions: Iterable[str], limit: int = 5) -> str:
    names = sorted(set(actions), key=_familiar)
    shown = []
    for name in names[:limit]:
        info = catalog.action_info(name)
        shown.append(info.full_name if info else name)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(shown) + more
