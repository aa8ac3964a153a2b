"""The parsed form of Azure RBAC inputs: role definitions, role assignments, deny assignments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checker.azure.conditions.ast import Expr
from checker.azure.operations import OperationPattern
from checker.azure.scopes import ManagementGroups, Scope
from checker.core.errors import Where

EVERYONE = "00000000-0000-0000-0000-000000000000"  # the SystemDefined principal of deny assignments


@dataclass(frozen=True)
class Permission:
    """One entry of a role definition's `permissions` array."""

    actions: tuple[OperationPattern, ...] = ()
    not_actions: tuple[OperationPattern, ...] = ()
    data_actions: tuple[OperationPattern, ...] = ()
    not_data_actions: tuple[OperationPattern, ...] = ()

    def match(self, operation_lower: str, data: bool) -> tuple[str | None, str | None]:
        """(the pattern that grants, the NotActions pattern that removes it), either possibly None.

        Within one permission the effective set is Actions minus NotActions; control-plane requests
        are checked against Actions only and data requests against DataActions only, so `*` in
        Actions never reaches a data action ("Understand Azure role definitions", NotActions and
        DataActions sections).
        """
        grants, removes = (self.data_actions, self.not_data_actions) if data else (self.actions, self.not_actions)
        granted = next((p.text for p in grants if p.matches(operation_lower)), None)
        if granted is None:
            return None, None
        removed = next((p.text for p in removes if p.matches(operation_lower)), None)
        return granted, removed


@dataclass(frozen=True)
class RoleDefinition:
    id: str
    name: str
    guid: str | None
    permissions: tuple[Permission, ...]
    assignable_scopes: tuple[Scope, ...] = ()
    builtin: bool = False
    description: str = ""
    where: Where | None = None

    def grants(self, operation_lower: str, data: bool) -> tuple[str | None, str | None]:
        """(granting pattern, None) when the role grants the operation; else (pattern, remover) or (None, None)."""
        first_removed: tuple[str | None, str | None] = (None, None)
        for permission in self.permissions:
            granted, removed = permission.match(operation_lower, data)
            if granted is not None and removed is None:
                return granted, None
            if granted is not None and first_removed[0] is None:
                first_removed = (granted, removed)
        return first_removed


@dataclass(frozen=True)
class RoleAssignment:
    label: str
    principal_id: str  # lowercased object id
    role: RoleDefinition
    scope: Scope
    condition: Expr | None = None
    condition_text: str | None = None
    start: int | None = None  # activation window of an eligible (PIM) assignment, in ticks
    end: int | None = None
    where: Where | None = None

    @property
    def windowed(self) -> bool:
        return self.start is not None or self.end is not None

    def active_at(self, ticks: int) -> bool:
        return (self.start is None or self.start <= ticks) and (self.end is None or ticks < self.end)


@dataclass(frozen=True)
class DenyAssignment:
    label: str
    principals: frozenset[str]  # lowercased ids; EVERYONE means every principal
    exclude: frozenset[str]
    permissions: tuple[Permission, ...]
    scope: Scope
    children_excluded: bool = False  # doNotApplyToChildScopes
    where: Where | None = None

    def matches_principal(self, identities: frozenset[str]) -> bool:
        if identities & self.exclude:
            return False
        return EVERYONE in self.principals or bool(identities & self.principals)

    def denies(self, operation_lower: str, data: bool) -> str | None:
        for permission in self.permissions:
            granted, removed = permission.match(operation_lower, data)
            if granted is not None and removed is None:
                return granted
        return None


@dataclass(frozen=True)
class AzureModel:
    """Everything one decision needs besides the request."""

    assignments: tuple[RoleAssignment, ...]
    denies: tuple[DenyAssignment, ...] = ()
    groups: ManagementGroups = field(default_factory=ManagementGroups.empty)
    roles: tuple[RoleDefinition, ...] = ()  # custom roles supplied with the input
    principals: tuple[Any, ...] = ()  # the setting's platform principals (checker.azure.principals)
    policies: tuple[Any, ...] = ()  # Azure Policy assignments (checker.azure.policy)
