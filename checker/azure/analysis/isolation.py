"""The accesses that make up another tenant's resources, as a model the prover can ask about.

An `isolation` check lists what belongs to a team: scopes (its resource group, a blob-path prefix of a
shared container) and conditions on request attributes (a blob index tag `team`, a listing prefix). Each
access becomes a role assignment of a synthetic role for the principal under question, granting the
access's operations (control plane and data plane alike) at the access's scope, with the access's
condition. "The principal reaches team B" is then: some request is allowed both by the principal's real
assignments and by this model (checker.azure.analysis.within with `inside`), a question the prover
answers exactly, with a counterexample the evaluator re-checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.azure.catalog import builtin_catalog
from checker.azure.conditions import ConditionError, parse_condition
from checker.azure.model import AzureModel, Permission, RoleAssignment, RoleDefinition
from checker.azure.operations import OperationPattern, compile_pattern, operation_problem
from checker.azure.parse import field_locator, scope_at
from checker.azure.principals import PlatformPrincipal
from checker.core.errors import InputError, Where

ACCESS_FIELDS = frozenset({"action", "resource", "condition"})


def access_model(principal: PlatformPrincipal, accesses: Any, base: AzureModel, only: int | None = None) -> AzureModel:
    """The accesses (or only the one at index `only`) as role assignments of `principal`."""
    if not isinstance(accesses, list) or not accesses:
        raise InputError("the accesses of a team are a non-empty list", Where("<input>", pointer="/resources"))
    assignments: list[RoleAssignment] = []
    for index, access in enumerate(accesses):
        if only is None or index == only:
            assignments.extend(_assignments(principal, access, index))
    return AzureModel(tuple(assignments), (), base.groups, ())


def _assignments(principal: PlatformPrincipal, access: Any, index: int) -> list[RoleAssignment]:
    at = f"/resources/{index}"
    locate = field_locator("<input>")
    if not isinstance(access, Mapping) or not set(access) <= ACCESS_FIELDS or "action" not in access:
        raise InputError("an access is {action, resource, condition}", Where("<input>", pointer=at))
    actions = _texts(access["action"], f"{at}/action")
    for action in actions:
        problem = operation_problem(action) if action != "*" else None
        if problem:
            raise InputError(problem, Where("<input>", pointer=f"{at}/action"))
    patterns = tuple(compile_pattern(a) for a in actions)
    control = tuple(p for p in patterns if _plane(p, data=False))
    data = tuple(p for p in patterns if _plane(p, data=True))
    role = RoleDefinition(f"team-access-{index + 1}", f"the other team's resources (access {index + 1})", None,
                          (Permission(control, (), data, ()),))
    condition_text = access.get("condition")
    condition = None
    if condition_text is not None:
        if not isinstance(condition_text, str):
            raise InputError("an access's condition is a condition string", Where("<input>", pointer=f"{at}/condition"))
        try:
            condition = parse_condition(condition_text)
        except ConditionError as exc:
            raise exc.placed(Where("<input>", pointer=f"{at}/condition")) from None
    scopes = _texts(access.get("resource", "/"), f"{at}/resource")
    return [RoleAssignment(f"access {index + 1}", principal.id, role, scope_at(text, f"{at}/resource", locate),
                           condition, condition_text) for text in scopes]


def _plane(pattern: OperationPattern, data: bool) -> bool:
    """Whether the access names operations of this plane: `*` both; a pattern the catalog knows only on
    one plane (every blob operation is a DataAction) only that one; an unknown operation both."""
    if pattern.text == "*":
        return True
    known = [op for op in builtin_catalog().operations if pattern.matches(op.name.lower())]
    return not known or any(op.data is data for op in known)


def _texts(value: Any, pointer: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise InputError("expected a string or a list of strings", Where("<input>", pointer=pointer))
    return values
