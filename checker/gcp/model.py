"""The engine's parsed form of allow, deny and principal access boundary policies, roles and requests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from checker.core.errors import Where
from checker.gcp.conditions import CompiledCondition
from checker.gcp.members import Member, Principal
from checker.gcp.names import ResourceName
from checker.gcp.permissions import PermissionPattern


@dataclass(frozen=True)
class Condition:
    title: str
    description: str
    compiled: CompiledCondition

    @property
    def expression(self) -> str:
        return self.compiled.expression


@dataclass(frozen=True)
class Binding:
    """One role binding of an allow policy, attached to `attached`."""

    attached: ResourceName
    index: int
    role: str
    members: tuple[Member, ...]
    condition: Condition | None
    where: Where | None = None

    @property
    def label(self) -> str:
        return f"allow policy on {self.attached.full}"


@dataclass(frozen=True)
class DenyRule:
    attached: ResourceName
    policy_name: str
    index: int
    description: str
    denied_principals: tuple[Member, ...]
    exception_principals: tuple[Member, ...]
    denied_permissions: tuple[PermissionPattern, ...]
    exception_permissions: tuple[PermissionPattern, ...]
    condition: Condition | None
    where: Where | None = None

    @property
    def label(self) -> str:
        return f"deny policy {self.policy_name} on {self.attached.full}"


@dataclass(frozen=True)
class PabRule:
    index: int
    description: str
    resources: tuple[ResourceName, ...]


@dataclass(frozen=True)
class PabPolicy:
    name: str
    enforcement_version: int
    version_text: str
    rules: tuple[PabRule, ...]


@dataclass(frozen=True)
class CustomRole:
    name: str  # projects/P/roles/ID or organizations/O/roles/ID
    permissions: frozenset[str]
    title: str = ""
    stage: str = ""


@dataclass(frozen=True)
class PolicySet:
    """Everything that can bear on a decision, keyed by where it is attached."""

    bindings: tuple[Binding, ...] = ()
    deny_rules: tuple[DenyRule, ...] = ()
    pab_policies: tuple[PabPolicy, ...] = ()
    custom_roles: Mapping[str, CustomRole] = field(default_factory=dict)
    # role name -> permissions, filled on first use (roles are looked up for every decision)
    role_cache: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    index_cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def bindings_on(self, attached: ResourceName) -> tuple[Binding, ...]:
        """Bindings attached to one resource, from an index built on first use."""
        index = self.index_cache.get("bindings")
        if index is None:
            index = {}
            for binding in self.bindings:
                index.setdefault(binding.attached, []).append(binding)
            index = {key: tuple(value) for key, value in index.items()}
            self.index_cache["bindings"] = index
        found: tuple[Binding, ...] = index.get(attached, ())
        return found

    def deny_rules_on(self, attached: ResourceName) -> tuple[DenyRule, ...]:
        index = self.index_cache.get("deny")
        if index is None:
            index = {}
            for rule in self.deny_rules:
                index.setdefault(rule.attached, []).append(rule)
            index = {key: tuple(value) for key, value in index.items()}
            self.index_cache["deny"] = index
        found: tuple[DenyRule, ...] = index.get(attached, ())
        return found


@dataclass(frozen=True)
class Request:
    principal: Principal
    permission: str
    resource: ResourceName
    resource_type: str | None
    ancestors: tuple[ResourceName, ...]
    request_time: datetime | None
    tags: Mapping[str, str] = field(default_factory=dict)
    tag_ids: Mapping[str, str] = field(default_factory=dict)
    api_attributes: Mapping[str, Any] = field(default_factory=dict)
    # the scheme a forwarding rule creation affects, for compute.matchLoadBalancingSchemes()
    load_balancing_scheme: str | None = None

    @property
    def chain(self) -> tuple[ResourceName, ...]:
        return (self.resource, *self.ancestors)
