"""Decide one request the way IAM does: principal access boundary, then deny, then allow.

Doc: "Policy evaluation" (https://cloud.google.com/iam/docs/policy-evaluation): IAM first checks the
principal access boundary policies bound to the principal, then the deny policies on the resource and
its ancestors, then the allow policies on the resource and its ancestors (allow policies are inherited
down the hierarchy, "Resource hierarchy", https://cloud.google.com/iam/docs/resource-hierarchy-access-control).
A permission is allowed only if some binding's role contains it, a member names the principal and its
condition (if any) is true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from checker.core.decision import Decision, DecisionKind, Reason
from checker.core.errors import InputError
from checker.gcp import catalog
from checker.gcp.conditions import Facts
from checker.gcp.conditions.attributes import request_facts, supplies_resource_attributes
from checker.gcp.location import shown
from checker.gcp.members import Member, MemberKind, Principal
from checker.gcp.model import Binding, Condition, DenyRule, PolicySet, Request
from checker.gcp.names import CRM, ResourceName
from checker.gcp.pab import enforcement_table
from checker.gcp.services import Target, effective_target, misplaced


def role_permissions(role: str, policies: PolicySet) -> frozenset[str]:
    cached = policies.role_cache.get(role)
    if cached is not None:
        return cached
    custom = policies.custom_roles.get(role)
    if custom is not None:
        permissions = custom.permissions
    else:
        known = catalog.lookup(role)
        permissions = known.permissions if known is not None else frozenset()
    policies.role_cache[role] = permissions
    return permissions


@dataclass
class _Context:
    request: Request
    policies: PolicySet
    target: Target
    chain: tuple[ResourceName, ...]
    explain: bool
    reasons: list[Reason] = field(default_factory=list)
    _facts: Facts | None = None

    def facts(self) -> Facts:
        if self._facts is None:
            self._facts = request_facts(
                self.target.name,
                self.target.resource_type,
                self.request.request_time,
                dict(self.request.tags),
                dict(self.request.tag_ids),
                self.request.permission,
                self.request.load_balancing_scheme,
            )
        return self._facts

    def values_read(self, condition: Condition) -> str:
        """' (for this request resource.name is 'projects/_/buckets/b/objects/x')': what the condition saw."""
        facts = self.facts().values
        shown_values = []
        for name in ("resource.name", "resource.type", "resource.service", "request.time"):
            if name in condition.compiled.uses:
                value = facts.get(name)
                raw = value.isoformat() if isinstance(value, datetime) else str(value)
                text = "not supplied" if value is None else repr(raw if len(raw) <= 300 else raw[:297] + "...")
                shown_values.append(f"{name} is {text}")
        return f" (for this request {', '.join(shown_values)})" if shown_values else ""

    def condition_holds(self, condition: Condition) -> tuple[bool, str]:
        if "request.time" in condition.compiled.uses and self.request.request_time is None:
            raise InputError(
                f"the condition {shown(condition.title or condition.expression)} reads request.time, but the request has no time",
                None,
                'add "request_time": "2026-11-28T10:00:00Z" (RFC 3339) to the request',
            )
        if (
            "resource.type" in condition.compiled.uses
            and self.target.resource_type is None
            and supplies_resource_attributes(self.target.name.service)
        ):
            raise InputError(
                f"the condition {shown(condition.title or condition.expression)} reads resource.type, but the request "
                f"does not say what type {shown(self.target.name.full)} is",
                None,
                'add "resource_type" to the request, e.g. "compute.googleapis.com/Instance"',
            )
        result = condition.compiled.evaluate(self.facts(), dict(self.request.api_attributes))
        return result.applies, result.detail


def target_chain(request: Request, target: Target) -> tuple[ResourceName, ...]:
    """The target and everything above it, in order (bucket-level checks start at the bucket)."""
    if target.name == request.resource:
        return request.chain
    ancestors = list(request.ancestors)
    if target.name in ancestors:
        return tuple(ancestors[ancestors.index(target.name) :])
    return (target.name, *ancestors)


def decide(policies: PolicySet, request: Request, explain: bool = True) -> Decision:
    wrong = misplaced(request.permission, request.resource, request.resource_type)
    if wrong is not None:
        raise InputError(wrong[0], None, wrong[1])
    target = effective_target(request.permission, request.resource, request.resource_type)
    ctx = _Context(request, policies, target, target_chain(request, target), explain)
    if target.note:
        ctx.reasons.append(Reason("Cloud Storage", None, "note", target.note))
    blocked = _check_boundary(ctx)
    if blocked is not None:
        return blocked
    denied = _check_deny(ctx)
    if denied is not None:
        return denied
    return _check_allow(ctx)


# --- principal access boundary -------------------------------------------------------------------------


def _check_boundary(ctx: _Context) -> Decision | None:
    policies = ctx.policies.pab_policies
    if not policies:
        return None
    table = enforcement_table()
    permission = ctx.request.permission
    enforcing = []
    for policy in policies:
        if table.blocks(permission, policy.enforcement_version):
            enforcing.append(policy)
        elif ctx.explain:
            ctx.reasons.append(
                Reason(
                    f"principal access boundary policy {policy.name}",
                    None,
                    "not applicable",
                    f"enforcement version {policy.version_text} does not block {permission}",
                )
            )
    if not enforcing:
        return None
    chain = set(ctx.chain)
    for policy in enforcing:
        for rule in policy.rules:
            inside = [r for r in rule.resources if r in chain]
            if inside:
                if ctx.explain:
                    ctx.reasons.append(
                        Reason(
                            f"principal access boundary policy {policy.name}",
                            f"rule {rule.index}",
                            "eligible",
                            f"{ctx.target.name.full} is inside {inside[0].full}, so the principal may use {permission} there",
                        )
                    )
                return None
    ctx.reasons.append(
        Reason(
            "principal access boundary",
            None,
            "deny",
            f"{ctx.request.principal.text} is bound to principal access boundary policies "
            f"({', '.join(p.name for p in enforcing)}) that block {permission} and list none of "
            f"{', '.join(n.full for n in ctx.chain)}",
        )
    )
    return Decision(
        DecisionKind.IMPLICIT_DENY,
        f"the principal's access boundary does not include {ctx.target.name.full}, so {permission} is blocked "
        "before any allow policy is read",
        tuple(ctx.reasons),
    )


# --- deny ------------------------------------------------------------------------------------------------


def _principal_in(members: tuple[Member, ...], principal: Principal) -> Member | None:
    for member in members:
        if member.matches(principal):
            return member
    return None


def _check_deny(ctx: _Context) -> Decision | None:
    permission = ctx.request.permission
    principal = ctx.request.principal
    rules = [rule for node in ctx.chain for rule in ctx.policies.deny_rules_on(node)]
    for rule in rules:
        reason = _deny_rule_applies(ctx, rule, permission, principal)
        if reason is None:
            continue
        ctx.reasons.append(reason)
        return Decision(
            DecisionKind.EXPLICIT_DENY,
            f"{rule.label} denies {permission} to {principal.text}; deny policies are checked before allow policies, "
            "so no role can grant it",
            tuple(ctx.reasons),
        )
    return None


def _deny_rule_applies(ctx: _Context, rule: DenyRule, permission: str, principal: Principal) -> Reason | None:
    denied = _principal_in(rule.denied_principals, principal)
    if denied is None:
        return None
    pattern = next((p for p in rule.denied_permissions if p.matches(permission)), None)
    if pattern is None:
        return None
    statement = f"rule {rule.index}" + (f" ({rule.description})" if rule.description else "")
    excepted = _principal_in(rule.exception_principals, principal)
    if excepted is not None:
        if ctx.explain:
            ctx.reasons.append(
                Reason(
                    rule.label,
                    statement,
                    "not applicable",
                    f"{principal.text} is an exception principal ({excepted.text})",
                )
            )
        return None
    exception = next((p for p in rule.exception_permissions if p.matches(permission)), None)
    if exception is not None:
        if ctx.explain:
            ctx.reasons.append(
                Reason(
                    rule.label,
                    statement,
                    "not applicable",
                    f"{permission} is an exception permission ({exception.text})",
                )
            )
        return None
    if rule.condition is not None:
        holds, detail = ctx.condition_holds(rule.condition)
        if not holds:
            if ctx.explain:
                ctx.reasons.append(
                    Reason(rule.label, statement, "not applicable", f"denial condition: {detail}")
                )
            return None
    return Reason(
        rule.label,
        statement,
        "deny",
        f"{denied.text} names {principal.text} and {pattern.text} covers {permission}"
        + (" and the denial condition is true" if rule.condition is not None else ""),
    )


# --- allow -----------------------------------------------------------------------------------------------


def _member_matches(ctx: _Context, member: Member, depth: int = 0) -> bool:
    if member.kind is MemberKind.CONVENIENCE:
        return depth == 0 and _holds_basic_role(ctx, member.attribute, member.value)
    return member.matches(ctx.request.principal)


def _holds_basic_role(ctx: _Context, role: str, project: str) -> bool:
    """projectOwner:/projectEditor:/projectViewer: members: the principal holds that basic role on the project."""
    project_name = ResourceName(f"//{CRM}/projects/{project}", CRM, f"projects/{project}")
    scopes = {project_name}
    if project_name in ctx.chain:
        scopes.update(ctx.chain[ctx.chain.index(project_name) :])
    for binding in ctx.policies.bindings:
        if binding.role != role or binding.attached not in scopes or binding.condition is not None:
            continue
        if any(_member_matches(ctx, m, depth=1) for m in binding.members):
            return True
    return False


def _check_allow(ctx: _Context) -> Decision:
    permission = ctx.request.permission
    chain = ctx.chain
    found_role = False
    for binding in [b for node in chain for b in ctx.policies.bindings_on(node)]:
        if permission not in role_permissions(binding.role, ctx.policies):
            continue
        found_role = True
        statement = f"binding {binding.index} ({binding.role})"
        member = next((m for m in binding.members if _member_matches(ctx, m)), None)
        if member is None:
            if ctx.explain:
                ctx.reasons.append(
                    Reason(
                        binding.label,
                        statement,
                        "not applicable",
                        f"{binding.role} includes {permission}, but no member names {ctx.request.principal.text} "
                        f"(members: {', '.join(m.text for m in binding.members)})",
                    )
                )
            continue
        if binding.condition is not None:
            holds, detail = ctx.condition_holds(binding.condition)
            if not holds:
                if ctx.explain:
                    title = binding.condition.title or binding.condition.expression
                    ctx.reasons.append(
                        Reason(
                            binding.label,
                            statement,
                            "not applicable",
                            f"condition {shown(title)}: {detail}{ctx.values_read(binding.condition)}",
                        )
                    )
                continue
        inherited = (
            "" if binding.attached == ctx.target.name else f" (inherited from {binding.attached.full})"
        )
        ctx.reasons.append(
            Reason(
                binding.label,
                statement,
                "allow",
                f"{member.text} names {ctx.request.principal.text} and {binding.role} includes {permission}"
                + (" and the condition is true" if binding.condition is not None else "")
                + inherited,
            )
        )
        return Decision(
            DecisionKind.ALLOW,
            f"{binding.role} on {binding.attached.full} grants {permission} to {ctx.request.principal.text}",
            tuple(ctx.reasons),
        )
    elsewhere = bindings_elsewhere(ctx.policies, chain, permission)
    if not found_role:
        where = ", ".join(n.full for n in chain)
        ctx.reasons.append(
            Reason(
                "allow policies",
                None,
                "missing",
                f"no role bound on {where} includes {permission}",
            )
        )
    for binding in elsewhere:
        ctx.reasons.append(
            Reason(
                binding.label,
                f"binding {binding.index} ({binding.role})",
                "not applicable",
                f"this binding is on {binding.attached.full}, which is neither {ctx.target.name.full} nor one of "
                f"its ancestors; IAM reads only the allow policies of the resource and its ancestors, so it "
                f"does not grant {permission} here",
            )
        )
    return Decision(
        DecisionKind.IMPLICIT_DENY,
        f"no binding on {ctx.target.name.full} or its ancestors grants {permission} to {ctx.request.principal.text}",
        tuple(ctx.reasons),
    )


def bindings_elsewhere(
    policies: PolicySet, chain: tuple[ResourceName, ...], permission: str
) -> list[Binding]:
    """Bindings whose role includes the permission but that sit on a resource outside the chain.

    Doc: "Resource hierarchy" (https://cloud.google.com/iam/docs/resource-hierarchy-access-control): "The
    effective allow policy for a resource is the union of the allow policy set at that resource and the
    allow policy inherited from its parent"; a policy on any other resource plays no part.
    """
    inside = set(chain)
    return [
        b
        for b in policies.bindings
        if b.attached not in inside and permission in role_permissions(b.role, policies)
    ]


__all__ = ["Binding", "bindings_elsewhere", "decide", "role_permissions"]
