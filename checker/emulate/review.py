"""An access review from the audit log: per declared principal, what it was granted but did not use,
the calls it tried on another tenant's resources and were denied, and a narrower policy.

Principals come from a declared account snapshot (checker.aws.analyze.snapshot). Tenants are the
`tenants` names: a principal belongs to tenant T when its path holds the segment T (`/teams/T/`) or its
name starts with `T-`; a resource belongs to T when one of its ARN's path segments is T or starts with
`T-` (`acme-ml-datasets/T/...`, `training-job/T-...`), or when the call's context carries
aws:ResourceTag/team = T. A tenant's principals carry the tag `tag_key`=T (the platform sets it), so
calls are replayed with aws:PrincipalTag/<tag_key> in their context, as AWS would have had it; a policy
written with ${aws:PrincipalTag/team} is then judged as AWS judged it. The recommended policy is `generate_policy` of the principal's allowed calls
(the same as `iamlab generate-policy`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from checker.aws.analyze.snapshot import Principal, Snapshot
from checker.emulate.audit import AuditRecord
from checker.emulate.policygen import UnusedReport, generate_policy, principal_matches, unused_grants


@dataclass
class PrincipalReview:
    arn: str
    tenant: str | None
    calls: int
    unused: list[UnusedReport] = field(default_factory=list)
    cross_tenant_denied: list[AuditRecord] = field(default_factory=list)
    recommended: dict[str, Any] | None = None

    @property
    def unused_actions(self) -> list[str]:
        found: list[str] = []
        for report in self.unused:
            for use in report.statements:
                found += [p for p in use.unused_action_patterns if p not in found]
        return found

    @property
    def unused_statements(self) -> list[str]:
        return [f"{r.policy} {u.label}" for r in self.unused for u in r.statements if u.calls == 0]

    def to_json(self) -> dict[str, Any]:
        return {
            "principal": self.arn,
            "tenant": self.tenant,
            "calls": self.calls,
            "unused_statements": self.unused_statements,
            "unused_actions": self.unused_actions,
            "cross_tenant_denied": [
                {"action": r.action, "resource": r.resource, "decision": r.decision, "time": r.time}
                for r in self.cross_tenant_denied
            ],
            "recommended_policy": self.recommended,
        }


def tenant_of_principal(principal: Principal, tenants: Sequence[str]) -> str | None:
    path = principal.arn.split(":", 5)[-1]
    segments = path.split("/")
    for tenant in tenants:
        if tenant in segments[1:-1] or principal.name.startswith(f"{tenant}-"):
            return tenant
    return None


def tenant_of_resource(record: AuditRecord, tenants: Sequence[str]) -> str | None:
    tag = record.context.get("aws:ResourceTag/team") if record.context else None
    if isinstance(tag, str) and tag in tenants:
        return tag
    resource = record.resource.split(":", 5)[-1]
    for segment in re.split(r"[/:]", resource):
        for tenant in tenants:
            if segment == tenant or segment.startswith(f"{tenant}-"):
                return tenant
    return None


def review(
    snapshot: Snapshot, records: Iterable[AuditRecord], tenants: Sequence[str], tag_key: str = "team"
) -> list[PrincipalReview]:
    logged = list(records)
    reviews: list[PrincipalReview] = []
    for principal in snapshot.principals:
        tenant = tenant_of_principal(principal, tenants)
        own = [r for r in logged if principal_matches(r.principal, principal.arn)]
        if tenant is not None:
            tag = {f"aws:PrincipalTag/{tag_key}": tenant}
            own = [replace(r, context={**tag, **dict(r.context or {})}) for r in own]
        result = PrincipalReview(principal.arn, tenant, len(own))
        for index, policy in enumerate(principal.policies):
            result.unused.append(
                unused_grants(own, policy, policy.name or f"policy {index + 1}", principal.arn)
            )
        if tenant is not None:
            result.cross_tenant_denied = [
                r
                for r in own
                if r.decision.endswith("deny") and tenant_of_resource(r, tenants) not in (None, tenant)
            ]
        if any(r.decision == "allow" for r in own):
            result.recommended = generate_policy(own, principal.arn)
        reviews.append(result)
    return reviews


def to_text(reviews: Sequence[PrincipalReview]) -> str:
    lines: list[str] = []
    for item in reviews:
        lines.append(f"{item.arn} ({item.tenant or 'no tenant'}): {item.calls} logged call(s)")
        for label in item.unused_statements:
            lines.append(f"  granted but unused: statement {label} (no call used it)")
        for action in item.unused_actions:
            lines.append(f"  granted but unused: action {action}")
        for record in item.cross_tenant_denied:
            lines.append(f"  denied across tenants: {record.action} on {record.resource} at {record.time}")
        if item.recommended is not None:
            lines.append("  recommended policy (from the calls it made):")
            lines += ["    " + line for line in json.dumps(item.recommended, indent=2).splitlines()]
    return "\n".join(lines) + "\n"


def to_html(reviews: Sequence[PrincipalReview]) -> str:
    """A self-contained page; every text from the log or the snapshot is escaped."""
    parts = ["<!doctype html><meta charset='utf-8'><title>Access review</title><h1>Access review</h1>"]
    for item in reviews:
        e = html.escape
        parts.append(
            f"<h2>{e(item.arn)}</h2><p>tenant: {e(item.tenant or 'none')}; {item.calls} logged call(s)</p>"
        )
        unused = [f"statement {s}" for s in item.unused_statements] + [
            f"action {a}" for a in item.unused_actions
        ]
        parts.append(
            "<h3>Granted but unused</h3><ul>" + "".join(f"<li>{e(u)}</li>" for u in unused) + "</ul>"
        )
        denied = [f"{r.action} on {r.resource} at {r.time}" for r in item.cross_tenant_denied]
        parts.append(
            "<h3>Denied across tenants</h3><ul>" + "".join(f"<li>{e(d)}</li>" for d in denied) + "</ul>"
        )
        if item.recommended is not None:
            parts.append(f"<h3>Recommended policy</h3><pre>{e(json.dumps(item.recommended, indent=2))}</pre>")
    return "".join(parts) + "\n"
