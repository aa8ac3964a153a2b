"""Resource findings: Resource "*" where the actions support resource-level permissions, and Allow with
NotAction or NotResource."""

from __future__ import annotations

from checker.aws import catalog
from checker.aws.analyze.findings.base import display, element_pointers, finding, statement_actions
from checker.aws.policy import Effect, Policy, PolicyKind
from checker.aws.services import s3 as s3_rules
from checker.core.findings import Finding

# In a key policy, a bucket policy or a trust policy, "*" names the resource the policy is attached to.
RESOURCE_IS_ATTACHED = (PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP)


def check(policy: Policy) -> list[Finding]:
    found: list[Finding] = _public(policy)
    for statement in policy.statements:
        if statement.effect is not Effect.ALLOW:
            continue
        if statement.not_actions is not None:
            found.append(
                finding(
                    "AWS-ALLOW-NOT-ACTION",
                    policy,
                    f"{statement.pointer}/NotAction",
                    f"statement {statement.label} allows every action except the ones listed, "
                    "including actions of every other service and actions AWS adds later",
                )
            )
        if statement.not_resources is not None:
            found.append(
                finding(
                    "AWS-ALLOW-NOT-RESOURCE",
                    policy,
                    f"{statement.pointer}/NotResource",
                    f"statement {statement.label} allows the actions on every resource except the ones listed",
                )
            )
        if policy.kind in RESOURCE_IS_ATTACHED or statement.resources is None:
            continue
        for pattern, pointer in zip(
            statement.resources, element_pointers(policy, statement, "Resource"), strict=False
        ):
            if not pattern.universal:
                continue
            scoped = [a for a in statement_actions(statement) if _has_resource_types(a)]
            if scoped:
                found.append(
                    finding(
                        "AWS-RESOURCE-STAR",
                        policy,
                        pointer,
                        f'Resource "*" in statement {statement.label}, but {display(scoped)} '
                        "can be limited to specific resources",
                    )
                )
    return found


def _public(policy: Policy) -> list[Finding]:
    """A resource-based policy statement open to everyone (S3 User Guide, "The meaning of 'public'")."""
    if policy.kind is not PolicyKind.RESOURCE:
        return []
    found = []
    for statement in policy.statements:
        if s3_rules.statement_is_public(statement):
            element = "Principal" if statement.principal is not None else "NotPrincipal"
            found.append(
                finding(
                    "AWS-RESOURCE-PUBLIC",
                    policy,
                    f"{statement.pointer}/{element}",
                    f"statement {statement.label} grants {', '.join(p.text for p in statement.actions or ())} to "
                    "everyone, anonymous callers included, with no condition that narrows who",
                )
            )
    return found


def _has_resource_types(action: str) -> bool:
    info = catalog.action_info(action)
    return info is not None and bool(info.resource_types)
