"""Decide one request the way Azure Resource Manager does, and say why.

The documented flow ("How Azure RBAC determines if a user has access to a resource"):
1. deny assignments at the target's scope or above (for the principal or its groups) are checked
   first; one that covers the operation blocks access ("Understand Azure deny assignments");
2. role assignments at the target's scope or above, for the principal or any of its groups, are
   gathered; a role grants the operation when Actions (DataActions for a data request) match it and
   NotActions (NotDataActions) of the same permission do not;
3. an assignment with a condition grants only when the condition evaluates to true;
4. access is allowed when at least one assignment grants it.
Eligible (PIM) assignments count only inside their activation window.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from checker.azure.conditions import ConditionRequest, Truth, evaluate_condition
from checker.azure.conditions.ast import AttributeRef
from checker.azure.conditions.attributes import attribute_key
from checker.azure.model import AzureModel, DenyAssignment, RoleAssignment
from checker.azure.request import Request
from checker.azure.scopes import covers, same_scope
from checker.azure.timeparse import format_ticks
from checker.core.decision import Decision, DecisionKind, Reason
from checker.core.errors import InputError


def decide(model: AzureModel, request: Request, explain: bool = True) -> Decision:
    operation = request.action.lower()
    chain = model.groups.chain(request.scope)
    identities = request.identities
    kind_word = "data action" if request.data_action else "action"
    reasons: list[Reason] = []

    for deny in model.denies:
        if not _deny_reaches(deny, request, chain):
            continue
        pattern = deny.denies(operation, request.data_action)
        if pattern is None:
            continue
        if not deny.matches_principal(identities):
            if explain and identities & deny.exclude:
                reasons.append(Reason(deny.label, None, "not applicable",
                                      "this principal or one of its groups is in excludePrincipals"))
            continue
        detail = (f"blocks the {kind_word} {request.action} at {deny.scope.raw} (it matches {pattern!r}); "
                  "a deny assignment wins over every role assignment")
        reasons.append(Reason(deny.label, None, "deny", detail))
        return Decision(DecisionKind.EXPLICIT_DENY, f"{deny.label} blocks {request.action}", tuple(reasons))

    ticks = request.time
    for assignment in model.assignments:
        if assignment.principal_id not in identities:
            continue
        if not covers(assignment.scope, request.scope, chain):
            if explain:
                reasons.append(_reason(assignment, "not applicable",
                                       f"its scope {assignment.scope.raw} does not contain {request.scope.raw}"))
            continue
        if assignment.windowed:
            if ticks is None:
                raise InputError(f"{assignment.label} is an eligible assignment with an activation window; "
                                 "give request_time to decide it")
            if not assignment.active_at(ticks):
                if explain:
                    reasons.append(_reason(assignment, "not applicable", _window_text(assignment, ticks)))
                continue
        granted, removed = assignment.role.grants(operation, request.data_action)
        if granted is None or removed is not None:
            if explain:
                reasons.append(_reason(assignment, "not applicable", _no_grant_text(assignment, request, granted, removed)))
            continue
        if assignment.condition is not None:
            outcome = evaluate_condition(
                assignment.condition,
                ConditionRequest(operation, request.sub_operation.lower() if request.sub_operation else None,
                                 request.attributes),
            )
            if outcome.truth is not Truth.TRUE:
                if explain:
                    why = ("its condition is false for this request" + condition_values(assignment.condition, request)
                           if outcome.truth is Truth.FALSE
                           else "its condition cannot be evaluated, so it fails: " + "; ".join(outcome.missing[:3]))
                    reasons.append(_reason(assignment, "not applicable", why))
                continue
        how = f"{assignment.role.name} allows {granted!r}" + (" and its condition is true" if assignment.condition else "")
        reasons.append(_reason(assignment, "allow", how))
        summary = f"{assignment.label} ({assignment.role.name} at {assignment.scope.raw}) grants {request.action}"
        return Decision(DecisionKind.ALLOW, summary, tuple(reasons))

    summary = (f"no role assignment grants the {kind_word} {request.action} on {request.scope.raw} "
               "to this principal or its groups")
    if explain and not reasons:
        reasons.append(Reason("role assignments", None, "missing",
                              "no role assignment names this principal or one of its groups at this scope or above"))
    return Decision(DecisionKind.IMPLICIT_DENY, summary, tuple(reasons))


def _deny_reaches(deny: DenyAssignment, request: Request, chain: tuple[tuple[str, ...], ...]) -> bool:
    if deny.children_excluded:
        return same_scope(deny.scope, request.scope)
    return covers(deny.scope, request.scope, chain)


def condition_values(condition: Any, request: Request) -> str:
    """' (the request has @Resource[...:path] = 'v3/a.csv')': the values the condition compared, so the
    learner sees which clause the request fails."""
    seen: dict[str, str] = {}
    stack = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, AttributeRef):
            key = attribute_key(node.source, node.name)
            value = request.attributes.get(key)
            seen.setdefault(str(node), "no value" if value is None or value == () else repr(value))
        elif is_dataclass(node):
            stack.extend(getattr(node, f.name) for f in fields(node))
        elif isinstance(node, (tuple, list)):
            stack.extend(node)
    if not seen:
        return f" (operation {request.action})"
    return " (the request has " + ", ".join(f"{name} = {value}" for name, value in sorted(seen.items())) + ")"


def _reason(assignment: RoleAssignment, effect: str, detail: str) -> Reason:
    return Reason(f"{assignment.label} ({assignment.role.name} at {assignment.scope.raw})", None, effect, detail)


def _window_text(assignment: RoleAssignment, ticks: int) -> str:
    start = format_ticks(assignment.start) if assignment.start is not None else "any time"
    end = format_ticks(assignment.end) if assignment.end is not None else "no end"
    return f"it is eligible only from {start} until {end}, and the request is at {format_ticks(ticks)}"


def _no_grant_text(assignment: RoleAssignment, request: Request, granted: str | None, removed: str | None) -> str:
    role = assignment.role.name
    if removed is not None:
        listed = "NotDataActions" if request.data_action else "NotActions"
        return f"{role} allows {granted!r} but its {listed} removes {removed!r}"
    if not request.data_action and any(p.data_actions for p in assignment.role.permissions) and not any(
        p.actions for p in assignment.role.permissions
    ):
        return f"{role} has only data actions and {request.action} is a control-plane action"
    if request.data_action and not any(p.data_actions for p in assignment.role.permissions):
        return f"{role} has no DataActions, and Actions (even '*') never grant a data action"
    listed = "DataActions" if request.data_action else "Actions"
    return f"{role} has nothing in {listed} that matches {request.action}"
