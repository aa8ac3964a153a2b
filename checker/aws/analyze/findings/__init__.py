"""The AWS policy linter: one module per family of findings, codes listed in codes.py."""

from __future__ import annotations

from checker.aws.analyze.findings import actions, privilege, resources, structure, trust
from checker.aws.analyze.findings.codes import CODES, Code
from checker.aws.policy import Policy
from checker.core.findings import Finding


def lint(policy: Policy, *, account: str | None = None) -> list[Finding]:
    """Every finding for one parsed policy, most severe first, then in document order.

    `account` (the policy owner's account id) sharpens the trust findings: without it, a trusted
    account is reported as possibly foreign.
    """
    found = (
        actions.check(policy) + resources.check(policy) + privilege.check(policy) + structure.check(policy)
    )
    found += trust.check(policy, account)
    unique = list({(f.code, f.message, f.where.pointer if f.where else None): f for f in found}.values())
    return sorted(
        unique,
        key=lambda f: (-f.severity.rank, (f.where.line or 0) if f.where else 0, f.code),
    )


def catalog_findings(policy: Policy) -> list[Finding]:
    """Unknown actions and condition keys only: cheap enough to show next to every explained decision."""
    return actions.unknown(policy) + structure.unknown_condition_keys(policy)


__all__ = ["CODES", "Code", "catalog_findings", "lint"]
