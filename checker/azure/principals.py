"""A platform's principals (the setting `principals`): who they are, their groups and their attributes.

Lab 03 names many principals: each team's admin, a managed identity per job, the orchestrator. An entry
gives a readable `name`, the object `id`, the `groups` it belongs to and its principal attributes
(`@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:<set>_<name>]`: Microsoft Entra custom
security attributes, which role assignment conditions read and only an attribute administrator sets).
An entry may also name a `template`: a submitted file of role assignments with `{{name}}` placeholders
the orchestrator fills for one job (`fill`, plus `{{principal}}`, the entry's id) before it creates them
for that job's managed identity: the Azure form of per-job credentials.

A request made as such a principal (by name or id) carries its groups and attributes, so a condition on
`@Principal[...]` is decided with the values Microsoft Entra would supply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from checker.azure.conditions.attributes import attribute_key, split_attribute
from checker.azure.model import RoleAssignment
from checker.azure.parse import Fields, Locate, items
from checker.core.errors import InputError
from checker.core.source import LoadedDocument, pointer_join
from checker.core.templates import fill_template

PRINCIPAL_FIELDS = ("name", "id", "groups", "attributes", "template", "fill")
ParseAssignments = Callable[[LoadedDocument], list[RoleAssignment]]


@dataclass(frozen=True)
class PlatformPrincipal:
    name: str
    id: str  # lowercased object id
    groups: frozenset[str]
    attributes: tuple[tuple[str, Any], ...]  # normalized @principal[...] key -> value
    fill: tuple[tuple[str, str], ...] = ()
    assignments: tuple[RoleAssignment, ...] = ()  # created for it from a template

    @property
    def identities(self) -> frozenset[str]:
        return self.groups | {self.id}

    def attribute_map(self) -> dict[str, Any]:
        return dict(self.attributes)


def parse_principals(data: Any, locate: Locate, files: Mapping[str, Any],
                     assignments_of: ParseAssignments) -> tuple[PlatformPrincipal, ...]:
    found: list[PlatformPrincipal] = []
    seen: set[str] = set()
    for item, pointer in items(data, "", locate, "setting principals"):
        entry = _principal(item, pointer, locate, files, assignments_of)
        for key in (entry.name.lower(), entry.id):
            if key in seen:
                raise InputError(f"setting principals: {key!r} is listed twice", locate(pointer))
            seen.add(key)
        found.append(entry)
    return tuple(found)


def _principal(item: Any, pointer: str, locate: Locate, files: Mapping[str, Any],
               assignments_of: ParseAssignments) -> PlatformPrincipal:
    fields = Fields(item, pointer, locate, "a setting principal", PRINCIPAL_FIELDS)
    name = fields.string("name")
    object_id = fields.string("id")
    assert name is not None and object_id is not None
    groups = frozenset(g.lower() for g, _ in fields.strings("groups"))
    attributes = _attributes(fields, locate)
    fill = _fill(fields, locate)
    assignments: tuple[RoleAssignment, ...] = ()
    template = fields.get("template")
    if template is not None:
        document = files.get(template) if isinstance(template, str) else None
        if not isinstance(document, LoadedDocument):
            raise InputError(f"setting principals: {template!r} is not a submitted file", fields.where("template"),
                             "name the logical file of the role-assignment template (its name contains 'template')")
        filled = fill_template(document, {**dict(fill), "principal": object_id})
        assignments = tuple(assignments_of(filled))
        for assignment in assignments:
            if assignment.principal_id != object_id.lower():
                raise InputError(f"the template assigns a role to {assignment.principal_id!r}, not to the job's "
                                 "identity", assignment.where,
                                 "write \"principalId\": \"{{principal}}\": the platform fills in the job's identity")
    return PlatformPrincipal(name, object_id.lower(), groups, attributes, fill, assignments)


def _attributes(fields: Fields, locate: Locate) -> tuple[tuple[str, Any], ...]:
    data = fields.get("attributes")
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise InputError("'attributes' must be an object: \"@Principal[...]\" -> value", fields.where("attributes"))
    result = []
    for name, value in data.items():
        at = pointer_join(fields.at("attributes"), name)
        parts = split_attribute(name)
        if parts is None or parts[0] != "Principal":
            raise InputError(f"{name!r} is not a principal attribute", locate(at),
                             "write @Principal[Microsoft.Directory/CustomSecurityAttributes/Id:<set>_<attribute>]")
        if not isinstance(value, str | int | bool):
            raise InputError("a principal attribute value is a string, an integer or a boolean", locate(at))
        result.append((attribute_key(*parts), value))
    return tuple(result)


def _fill(fields: Fields, locate: Locate) -> tuple[tuple[str, str], ...]:
    data = fields.get("fill")
    if data is None:
        return ()
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InputError("'fill' must map placeholder names to strings", fields.where("fill"))
    return tuple((str(k), v) for k, v in data.items())


def find_principal(principals: tuple[PlatformPrincipal, ...], reference: str) -> PlatformPrincipal | None:
    key = reference.strip().lower()
    return next((p for p in principals if key in (p.name.lower(), p.id)), None)


def identities_of(principals: tuple[PlatformPrincipal, ...], reference: str) -> frozenset[str]:
    """The principal's object id and every group the setting says it belongs to: an assignment to any of them
    is its own ("Steps to assign an Azure role": a role can be assigned to a user, group, service principal or
    managed identity; a group's members hold what is assigned to the group)."""
    found = find_principal(principals, reference)
    return found.identities if found is not None else frozenset({reference.strip().lower()})


def as_principal(principals: tuple[PlatformPrincipal, ...], data: dict[str, Any]) -> None:
    """A request naming a platform principal carries its id, groups and attributes (given ones win)."""
    reference = data.get("principal")
    found = find_principal(principals, reference) if isinstance(reference, str) else None
    if found is None:
        return
    data["principal"] = found.id
    given = data.get("groups")
    data["groups"] = sorted(set(given if isinstance(given, list) else []) | found.groups)
    attributes = data.get("attributes")
    merged = dict(attributes) if isinstance(attributes, Mapping) else {}
    for key, value in found.attributes:
        if not any(isinstance(k, str) and k.lower() == key for k in merged):
            merged[_display(key)] = value
    data["attributes"] = merged


def _display(key: str) -> str:
    source, _, rest = key[1:].partition("[")
    return f"@{source.capitalize()}[{rest}"
