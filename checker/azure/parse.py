"""Turn JSON data into the model, with errors that name the file, line and column (or the field).

Field names follow Azure's JSON (`az role definition list`, `az role assignment list`, the REST API).
Azure treats property names case-insensitively, so this does too; unknown properties are errors so
that a typo (`notaction`) cannot silently widen or narrow access.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from checker.azure.conditions import ConditionError, parse_condition
from checker.azure.model import DenyAssignment, Permission, RoleAssignment, RoleDefinition
from checker.azure.operations import OperationPattern, compile_pattern, operation_problem
from checker.azure.scopes import ManagementGroups, Scope, ScopeError, ScopeKind, covers, parse_scope
from checker.azure.timeparse import DateTimeError, parse_ticks
from checker.core.errors import InputError, Where
from checker.core.source import pointer_join

Locate = Callable[[str], Where]
FindRole = Callable[[str], RoleDefinition | None]

MAX_ITEMS = 5000
MAX_PATTERNS = 2000

_METADATA = {"id", "name", "type", "description", "createdon", "updatedon", "createdby", "updatedby"}


def field_locator(label: str) -> Locate:
    """A locator for data without a file, e.g. one batch case: it names the field."""
    return lambda pointer: Where(label, pointer=pointer or "/")


@functools.lru_cache(maxsize=64)
def _lowered(known: tuple[str, ...]) -> dict[str, str]:
    """Known field names by their lowercase form: the same few tuples are read for every case of a batch.
    (Callers only read the mapping.)"""
    return {k.lower(): k for k in known}


class Fields:
    """A JSON object read with case-insensitive keys, rejecting unknown ones with a suggestion."""

    def __init__(self, data: Any, pointer: str, locate: Locate, what: str, known: Iterable[str]) -> None:
        if not isinstance(data, dict):
            raise InputError(f"{what} must be a JSON object", locate(pointer))
        self.pointer, self.locate, self.what = pointer, locate, what
        self.values: dict[str, tuple[str, Any]] = {}
        known_lower = _lowered(known) if isinstance(known, tuple) else {k.lower(): k for k in known}
        for key, value in data.items():
            lower = key.lower()
            if lower not in known_lower:
                close = difflib.get_close_matches(lower, list(known_lower), n=1)
                hint = f"did you mean {known_lower[close[0]]!r}?" if close else f"known fields: {', '.join(sorted(known_lower.values()))}"
                raise InputError(f"unknown field {key!r} in {what}", locate(pointer_join(pointer, key)), hint)
            if lower in self.values:
                raise InputError(f"the field {key!r} appears twice (names are case-insensitive)",
                                 locate(pointer_join(pointer, key)))
            self.values[lower] = (key, value)

    def has(self, name: str) -> bool:
        return name.lower() in self.values and self.values[name.lower()][1] is not None

    def at(self, name: str) -> str:
        key = self.values.get(name.lower(), (name, None))[0]
        return pointer_join(self.pointer, key)

    def where(self, name: str) -> Where:
        return self.locate(self.at(name) if name.lower() in self.values else self.pointer)

    def get(self, name: str) -> Any:
        found = self.values.get(name.lower())
        return None if found is None else found[1]

    def string(self, name: str, required: bool = True) -> str | None:
        value = self.get(name)
        if value is None:
            if required:
                raise InputError(f"{self.what} needs the field {name!r}", self.locate(self.pointer))
            return None
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{name!r} must be a non-empty string", self.where(name))
        return value

    def strings(self, name: str) -> list[tuple[str, str]]:
        """A list of strings as (value, pointer); missing or null means empty."""
        value = self.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InputError(f"{name!r} must be a list of strings", self.where(name))
        if len(value) > MAX_PATTERNS:
            raise InputError(f"{name!r} has {len(value):,} entries, more than {MAX_PATTERNS:,}", self.where(name))
        result = []
        for index, item in enumerate(value):
            pointer = pointer_join(self.at(name), index)
            if not isinstance(item, str):
                raise InputError(f"each entry of {name!r} must be a string", self.locate(pointer))
            result.append((item, pointer))
        return result

    def boolean(self, name: str) -> bool:
        value = self.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise InputError(f"{name!r} must be true or false", self.where(name))
        return value


def items(data: Any, pointer: str, locate: Locate, what: str) -> list[tuple[Any, str]]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise InputError(f"{what} must be a JSON list", locate(pointer))
    if len(data) > MAX_ITEMS:
        raise InputError(f"{what} has {len(data):,} entries, more than {MAX_ITEMS:,}", locate(pointer))
    return [(item, pointer_join(pointer, index)) for index, item in enumerate(data)]


def scope_at(text: Any, pointer: str, locate: Locate) -> Scope:
    try:
        return parse_scope(text)
    except ScopeError as exc:
        raise InputError(f"invalid scope {text!r}: {exc}" if isinstance(text, str) else str(exc),
                         locate(pointer)) from None


def _patterns(fields: Fields, name: str) -> tuple[OperationPattern, ...]:
    result = []
    for text, pointer in fields.strings(name):
        problem = operation_problem(text)
        if problem:
            raise InputError(f"{problem}: {text!r}", fields.locate(pointer))
        result.append(compile_pattern(text))
    return tuple(result)


_PERMISSION_FIELDS = ("actions", "notActions", "dataActions", "notDataActions", "condition", "conditionVersion")


def _permission(fields: Fields) -> Permission:
    if fields.has("condition"):
        raise InputError("conditions inside role definitions are not supported by this checker",
                         fields.where("condition"), "put the condition on the role assignment instead")
    return Permission(_patterns(fields, "actions"), _patterns(fields, "notActions"),
                      _patterns(fields, "dataActions"), _patterns(fields, "notDataActions"))


_ROLE_FIELDS = _METADATA | {"roleName", "permissions", "assignableScopes", "roleType", "isCustom",
                            "actions", "notActions", "dataActions", "notDataActions"}


def parse_role_definition(data: Any, pointer: str, locate: Locate, builtin: bool = False) -> RoleDefinition:
    """One role definition, in the `az role definition list` shape or the flat `az role definition create`
    shape (Name, Actions, NotActions, DataActions, NotDataActions, AssignableScopes)."""
    fields = Fields(data, pointer, locate, "a role definition", _ROLE_FIELDS)
    flat = any(fields.has(k) for k in ("actions", "notActions", "dataActions", "notDataActions"))
    if flat and fields.has("permissions"):
        raise InputError("give either 'permissions' or top-level Actions/DataActions lists, not both",
                         fields.where("permissions"))
    if flat:
        permissions: tuple[Permission, ...] = (_permission(fields),)
        display = fields.string("roleName", required=False) or fields.string("name")
        guid = fields.string("id", required=False)
    else:
        entries = items(fields.get("permissions"), fields.at("permissions"), locate, "'permissions'")
        permissions = tuple(
            _permission(Fields(item, ptr, locate, "a permission", _PERMISSION_FIELDS)) for item, ptr in entries
        )
        display = fields.string("roleName", required=False) or fields.string("name")
        guid = fields.string("name", required=False) if fields.has("roleName") else None
    role_id = fields.string("id", required=False) or guid or display
    assert display is not None and role_id is not None
    scopes = tuple(scope_at(text, ptr, locate) for text, ptr in fields.strings("assignableScopes"))
    description = fields.get("description")
    return RoleDefinition(
        id=role_id,
        name=display,
        guid=_guid_of(guid or role_id),
        permissions=permissions,
        assignable_scopes=scopes,
        builtin=builtin,
        description=description if isinstance(description, str) else "",
        where=locate(pointer),
    )


def _guid_of(text: str) -> str | None:
    last = text.rstrip("/").rsplit("/", 1)[-1].lower()
    parts = last.split("-")
    if [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdef" for c in last.replace("-", "")):
        return last
    return None


def parse_role_definitions(data: Any, pointer: str, locate: Locate) -> list[RoleDefinition]:
    roles = [parse_role_definition(item, ptr, locate) for item, ptr in items(data, pointer, locate, "the role definitions")]
    seen: dict[str, str] = {}
    for role, (_item, ptr) in zip(roles, items(data, pointer, locate, "the role definitions"), strict=True):
        for key in {role.id.lower(), *( [role.guid] if role.guid else [])}:
            if key in seen and seen[key] != ptr:
                raise InputError(f"two role definitions share the id {key!r}", locate(ptr))
            seen[key] = ptr
    return roles


_ASSIGNMENT_FIELDS = _METADATA | {
    "principalId", "principalType", "roleDefinitionId", "roleDefinitionName", "role", "scope", "condition",
    "conditionVersion", "start", "end", "delegatedManagedIdentityResourceId", "canDelegate", "principalName",
    "resourceGroup",
}


def parse_assignment(
    data: Any, pointer: str, locate: Locate, find_role: FindRole, label: str,
    groups: ManagementGroups | None = None,
) -> RoleAssignment:
    fields = Fields(data, pointer, locate, "a role assignment", _ASSIGNMENT_FIELDS)
    principal = fields.string("principalId")
    assert principal is not None
    given = [k for k in ("role", "roleDefinitionId", "roleDefinitionName") if fields.has(k)]
    if not given:
        raise InputError("a role assignment needs 'role' (a built-in role name or a custom role id) "
                         "or 'roleDefinitionId'", locate(pointer))
    if len(given) > 1:
        raise InputError(f"give only one of {', '.join(repr(g) for g in given)}", fields.where(given[1]))
    reference = fields.string(given[0])
    assert reference is not None
    role = find_role(reference)
    if role is None:
        raise InputError(f"unknown role {reference!r}", fields.where(given[0]),
                         "use a built-in role name such as 'Storage Blob Data Reader', a built-in role GUID, "
                         "or the id of a custom role defined alongside")
    scope = scope_at(fields.string("scope"), fields.at("scope"), locate)
    chain = (groups or ManagementGroups.empty()).chain(scope)
    if role.assignable_scopes and not any(covers(s, scope, chain) for s in role.assignable_scopes):
        listed = ", ".join(s.raw for s in role.assignable_scopes)
        raise InputError(f"the role {role.name!r} cannot be assigned at {scope.raw}: its assignableScopes are {listed}",
                         fields.where("scope"), "assign it inside one of its assignable scopes, or widen them")
    if scope.kind is ScopeKind.BLOB:
        raise InputError("roles cannot be assigned to a single blob; the narrowest scope is a container",
                         fields.where("scope"), "assign at the container and add a condition on the blob path")
    condition_text = fields.get("condition")
    condition = None
    if condition_text is not None:
        if not isinstance(condition_text, str):
            raise InputError("'condition' must be a string", fields.where("condition"))
        version = fields.get("conditionVersion")
        if version is not None and version != "2.0":
            raise InputError(f"conditionVersion {version!r} is not supported; use \"2.0\"",
                             fields.where("conditionVersion"))
        try:
            condition = parse_condition(condition_text)
        except ConditionError as exc:
            raise exc.placed(fields.where("condition")) from None
    elif fields.has("conditionVersion") and fields.get("conditionVersion") != "2.0":
        raise InputError("conditionVersion must be \"2.0\"", fields.where("conditionVersion"))
    start = _time(fields, "start")
    end = _time(fields, "end")
    if start is not None and end is not None and end <= start:
        raise InputError("the activation window ends before it starts", fields.where("end"))
    return RoleAssignment(label, principal.lower(), role, scope, condition, condition_text, start, end, locate(pointer))


def _time(fields: Fields, name: str) -> int | None:
    value = fields.get(name)
    if value is None:
        return None
    try:
        return parse_ticks(value)
    except DateTimeError as exc:
        raise InputError(str(exc), fields.where(name)) from None


def parse_assignments(
    data: Any, pointer: str, locate: Locate, find_role: FindRole, groups: ManagementGroups | None = None
) -> list[RoleAssignment]:
    return [
        parse_assignment(item, ptr, locate, find_role, f"role assignment #{index + 1}", groups)
        for index, (item, ptr) in enumerate(items(data, pointer, locate, "the role assignments"))
    ]


_DENY_FIELDS = _METADATA | {"denyAssignmentName", "principals", "excludePrincipals", "permissions", "scope",
                            "doNotApplyToChildScopes", "isSystemProtected", "condition", "conditionVersion"}


def _principal_ids(fields: Fields, name: str) -> frozenset[str]:
    value = fields.get(name)
    found: set[str] = set()
    for item, ptr in items(value, fields.at(name), fields.locate, f"'{name}'"):
        if isinstance(item, dict):
            item_fields = Fields(item, ptr, fields.locate, "a principal", ("id", "type", "displayName"))
            item = item_fields.string("id")
        if not isinstance(item, str) or not item.strip():
            raise InputError(f"each entry of {name!r} must be an object id", fields.locate(ptr))
        found.add(item.lower())
    return frozenset(found)


def parse_deny_assignment(data: Any, pointer: str, locate: Locate, label: str) -> DenyAssignment:
    fields = Fields(data, pointer, locate, "a deny assignment", _DENY_FIELDS)
    if fields.has("condition"):
        raise InputError("conditions on deny assignments are not supported by this checker", fields.where("condition"))
    principals = _principal_ids(fields, "principals")
    if not principals:
        raise InputError("a deny assignment needs at least one entry in 'principals'", fields.where("principals"),
                         "use 00000000-0000-0000-0000-000000000000 for everyone")
    entries = items(fields.get("permissions"), fields.at("permissions"), locate, "'permissions'")
    if not entries:
        raise InputError("a deny assignment needs 'permissions'", fields.where("permissions"))
    permissions = tuple(_permission(Fields(i, p, locate, "a permission", _PERMISSION_FIELDS)) for i, p in entries)
    scope = scope_at(fields.string("scope"), fields.at("scope"), locate)
    name = fields.get("denyAssignmentName")
    shown = f"deny assignment '{name}'" if isinstance(name, str) and name else label
    return DenyAssignment(shown, principals, _principal_ids(fields, "excludePrincipals"), permissions, scope,
                          fields.boolean("doNotApplyToChildScopes"), locate(pointer))


def parse_deny_assignments(data: Any, pointer: str, locate: Locate) -> list[DenyAssignment]:
    return [
        parse_deny_assignment(item, ptr, locate, f"deny assignment #{index + 1}")
        for index, (item, ptr) in enumerate(items(data, pointer, locate, "the deny assignments"))
    ]


def parse_management_groups(data: Any, pointer: str, locate: Locate) -> ManagementGroups:
    """A map from a subscription or management group id to the management group that holds it."""
    if data is None:
        return ManagementGroups.empty()
    if not isinstance(data, Mapping):
        raise InputError("the management-group map must be an object: child id -> parent group id", locate(pointer))
    parents: dict[tuple[str, ...], tuple[str, ...]] = {}
    for child_text, parent_text in data.items():
        at = pointer_join(pointer, child_text)
        child = scope_at(child_text, at, locate)
        if child.kind not in (ScopeKind.SUBSCRIPTION, ScopeKind.MANAGEMENT_GROUP):
            raise InputError(f"{child_text!r} must be a subscription or a management group", locate(at))
        parent = scope_at(parent_text, at, locate)
        if parent.kind is not ScopeKind.MANAGEMENT_GROUP:
            raise InputError(f"the parent {parent_text!r} must be a management group "
                             "(/providers/Microsoft.Management/managementGroups/<id>)", locate(at))
        if child.keys in parents:
            raise InputError(f"{child_text!r} is listed twice", locate(at))
        parents[child.keys] = parent.keys
    for start in parents:
        seen = {start}
        node = parents.get(start)
        while node is not None:
            if node in seen:
                raise InputError("the management-group map has a cycle", locate(pointer),
                                 "each group has one parent and the tree ends at the root group")
            seen.add(node)
            node = parents.get(node)
    return ManagementGroups(parents)
