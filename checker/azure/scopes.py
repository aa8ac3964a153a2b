"""Scopes: where a role assignment applies, and which scopes contain a request's target.

Azure RBAC scopes form a tree: management group > subscription > resource group > resource, and a
storage account contains containers whose blobs have paths. An assignment at a scope applies to that
scope and everything below it ("Understand scope for Azure RBAC", section Scope hierarchy).
Management groups sit above subscriptions; which group holds which subscription (or group) is an input,
the "management-group map" (child id -> parent group id).

Resource ids compare case-insensitively; blob paths are case-sensitive ("Naming and referencing
containers, blobs, and metadata": blob names are case-sensitive, container and account names are
lower case only).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

MAX_SCOPE_LENGTH = 4096

MG_PREFIX = ("providers", "microsoft.management", "managementgroups")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ScopeKind(StrEnum):
    ROOT = "root"
    MANAGEMENT_GROUP = "management group"
    SUBSCRIPTION = "subscription"
    RESOURCE_GROUP = "resource group"
    RESOURCE = "resource"
    BLOB = "blob"


class ScopeError(ValueError):
    """A scope string that is not a valid Azure scope; the message says why."""


@dataclass(frozen=True)
class Scope:
    raw: str
    kind: ScopeKind
    keys: tuple[str, ...]  # comparison keys: resource-id segments lowercased, blob path parts as written
    account: str | None = None  # storage account name, when the scope is at or below one
    container: str | None = None  # blob container name, when at or below one
    blob_path: str | None = None  # blob path without the container name, when the scope is a blob

    @property
    def subscription_keys(self) -> tuple[str, ...] | None:
        if self.kind in (ScopeKind.ROOT, ScopeKind.MANAGEMENT_GROUP):
            return None
        return self.keys[:2]

    def __str__(self) -> str:
        return self.raw


ROOT = Scope("/", ScopeKind.ROOT, ())


def parse_scope(raw: str) -> Scope:
    """Parse a scope or full resource id; raise ScopeError with a plain reason when it is malformed."""
    if not isinstance(raw, str):
        raise ScopeError("a scope must be a string such as /subscriptions/<id>/resourceGroups/<name>")
    return _parse_scope(raw)


@lru_cache(maxsize=8192)
def _parse_scope(raw: str) -> Scope:
    if len(raw) > MAX_SCOPE_LENGTH:
        raise ScopeError(f"the scope is {len(raw):,} characters long, more than {MAX_SCOPE_LENGTH:,}")
    if raw == "/":
        return ROOT
    if not raw.startswith("/"):
        raise ScopeError("a scope starts with '/', for example /subscriptions/<id>")
    parts = raw[1:].split("/")
    if any(part == "" for part in parts):
        raise ScopeError("the scope has an empty segment ('//' or a trailing '/')")
    if _CONTROL.search(raw):
        raise ScopeError("the scope contains control characters")
    lower = [p.lower() for p in parts]
    if lower[0] == "providers":
        if len(parts) == 4 and tuple(lower[:3]) == MG_PREFIX:
            return Scope(raw, ScopeKind.MANAGEMENT_GROUP, tuple(lower))
        raise ScopeError(
            "a scope under /providers must be a management group: "
            "/providers/Microsoft.Management/managementGroups/<group id>"
        )
    if lower[0] != "subscriptions":
        raise ScopeError(
            f"unknown scope level {parts[0]!r}: a scope is '/', a management group, or starts with /subscriptions/<id>"
        )
    if len(parts) == 1:
        raise ScopeError("the subscription id is missing after /subscriptions")
    if len(parts) == 2:
        return Scope(raw, ScopeKind.SUBSCRIPTION, tuple(lower))
    index = 2
    if lower[2] == "resourcegroups":
        if len(parts) == 3:
            raise ScopeError("the resource group name is missing after /resourceGroups")
        if len(parts) == 4:
            return Scope(raw, ScopeKind.RESOURCE_GROUP, tuple(lower))
        index = 4
    if lower[index] != "providers" or len(parts) < index + 3:
        raise ScopeError(
            "a resource id continues with /providers/<namespace>/<type>/<name>, for example "
            "/providers/Microsoft.Storage/storageAccounts/<account>"
        )
    return _parse_resource(raw, parts, lower, index + 2)


def _parse_resource(raw: str, parts: list[str], lower: list[str], index: int) -> Scope:
    """Parse the type/name pairs after /providers/<namespace>; a blob's path takes the rest."""
    account = container = None
    keys = list(lower[:index])
    while index < len(parts):
        kind = lower[index]
        if index + 1 >= len(parts):
            raise ScopeError(f"the resource id ends with the type {parts[index]!r} but no name after it")
        name = parts[index + 1]
        if kind == "blobs" and container is not None:
            path_parts = parts[index + 1 :]
            keys.append("blobs")
            keys.extend(path_parts)  # blob names are case-sensitive
            return Scope(raw, ScopeKind.BLOB, tuple(keys), account, container, "/".join(path_parts))
        if kind == "storageaccounts" and keys[-1] == "microsoft.storage":
            if name != name.lower():
                raise ScopeError(f"storage account names are lower case only; write {name.lower()!r}")
            account = name
        if kind == "containers" and account is not None:
            if name != name.lower():
                raise ScopeError(f"blob container names are lower case only; write {name.lower()!r}")
            container = name
        keys.extend((kind, name.lower()))
        index += 2
    return Scope(raw, ScopeKind.RESOURCE, tuple(keys), account, container)


class ManagementGroups:
    """The management-group tree: which group holds each subscription or group."""

    def __init__(self, parents: Mapping[tuple[str, ...], tuple[str, ...]]) -> None:
        self._parents = dict(parents)

    @classmethod
    def empty(cls) -> ManagementGroups:
        return cls({})

    @property
    def parents(self) -> Mapping[tuple[str, ...], tuple[str, ...]]:
        return self._parents

    def chain(self, target: Scope) -> tuple[tuple[str, ...], ...]:
        """Keys of the management groups containing `target` (itself included when it is a group)."""
        if target.kind is ScopeKind.MANAGEMENT_GROUP:
            start: tuple[str, ...] | None = target.keys
        elif target.kind is ScopeKind.ROOT:
            return ()
        else:
            start = self._parents.get(target.keys[:2])
        found: list[tuple[str, ...]] = []
        while start is not None and start not in found:
            found.append(start)
            start = self._parents.get(start)
        return tuple(found)


def covers(assigned: Scope, target: Scope, target_groups: tuple[tuple[str, ...], ...]) -> bool:
    """True when an assignment at `assigned` applies to a request on `target` (same scope or below)."""
    if assigned.kind is ScopeKind.ROOT:
        return True
    if assigned.kind is ScopeKind.MANAGEMENT_GROUP:
        return assigned.keys in target_groups
    size = len(assigned.keys)
    return size <= len(target.keys) and target.keys[:size] == assigned.keys


def same_scope(assigned: Scope, target: Scope) -> bool:
    return assigned.keys == target.keys
