"""Build the model from JSON-shaped data, rejecting anything GCP would reject or we cannot read.

Shapes follow the API references: allow policy `Policy` / `Binding` / `Expr`
(https://cloud.google.com/iam/docs/reference/rest/v1/Policy), deny policy `Policy` / `PolicyRule` /
`DenyRule` (https://cloud.google.com/iam/docs/reference/rest/v2/policies), principal access boundary
`PrincipalAccessBoundaryPolicy` (https://cloud.google.com/iam/docs/reference/rest/v3/organizations.locations.principalAccessBoundaryPolicies)
and custom `Role` (https://cloud.google.com/iam/docs/reference/rest/v1/organizations.roles).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from checker.gcp import catalog
from checker.gcp.conditions import compile_condition
from checker.gcp.location import Loc, shown
from checker.gcp.members import MemberKind, parse_allow_member, parse_v2_principal
from checker.gcp.model import Binding, Condition, CustomRole, DenyRule, PabPolicy, PabRule
from checker.gcp.names import ResourceName, parse_resource_name
from checker.gcp.pab import enforcement_table
from checker.gcp.permissions import parse_v1_permission, parse_v2_pattern

CUSTOM_ROLE_NAME = re.compile(r"^(projects|organizations)/[^/\s]+/roles/[A-Za-z0-9_.]{1,64}$")
PREDEFINED_ROLE_NAME = re.compile(r"^roles/[A-Za-z0-9_.]+$")
MAX_ITEMS = 10_000


def expect_object(
    value: Any, loc: Loc, allowed: set[str], required: tuple[str, ...] = (), what: str = ""
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise loc.error(f"expected an object{' for ' + what if what else ''}, got {_kind(value)}")
    for key in value:
        if key not in allowed:
            raise loc.child(key).error(
                f"unknown field {shown(key)}{' in ' + what if what else ''}",
                "allowed fields: " + ", ".join(sorted(allowed)),
            )
    for key in required:
        if key not in value:
            raise loc.error(f"{what or 'the object'} needs the field {shown(key)}")
    return value


def expect_list(value: Any, loc: Loc, what: str, *, allow_empty: bool = True) -> list[Any]:
    if not isinstance(value, list):
        raise loc.error(f"{what} must be a list, got {_kind(value)}")
    if not value and not allow_empty:
        raise loc.error(f"{what} must not be empty")
    if len(value) > MAX_ITEMS:
        raise loc.error(f"{what} has {len(value):,} items, more than the {MAX_ITEMS:,} this checker reads")
    return value


def expect_string(value: Any, loc: Loc, what: str) -> str:
    if not isinstance(value, str):
        raise loc.error(f"{what} must be a string, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


def parse_condition(value: Any, loc: Loc, *, deny: bool = False) -> Condition | None:
    if value is None:
        return None
    data = expect_object(
        value, loc, {"title", "description", "expression", "location"}, ("expression",), "a condition"
    )
    title = expect_string(data.get("title", ""), loc.child("title"), "title")
    description = expect_string(data.get("description", ""), loc.child("description"), "description")
    compiled = compile_condition(data["expression"], loc.child("expression"), title, deny=deny)
    return Condition(title, description, compiled)


# --- roles ---------------------------------------------------------------------------------------------


def check_role_name(role: Any, loc: Loc, custom_roles: Mapping[str, CustomRole]) -> str:
    if not isinstance(role, str) or not role:
        raise loc.error(f"the role must be a role name such as roles/storage.objectViewer, got {shown(role)}")
    if role in custom_roles:
        return role
    if CUSTOM_ROLE_NAME.match(role):
        raise loc.error(
            f"custom role {shown(role)} is not defined",
            "define it in custom_roles (custom-roles.json) with its includedPermissions",
        )
    if not PREDEFINED_ROLE_NAME.match(role):
        raise loc.error(
            f"{shown(role)} is not a role name",
            "predefined roles look like roles/storage.objectViewer; custom roles like projects/P/roles/ID",
        )
    if catalog.lookup(role) is None:
        raise loc.error(
            f"the checker does not know the role {shown(role)}",
            "check the spelling; this checker ships the roles the labs use, and `iamlab catalog import --cloud gcp FILE` "
            "adds roles exported with `gcloud iam roles describe ROLE --format=json`",
        )
    return role


def parse_custom_role(name: str, value: Any, loc: Loc) -> CustomRole:
    if not CUSTOM_ROLE_NAME.match(name):
        raise loc.error(
            f"{shown(name)} is not a custom role name",
            "custom roles are named projects/PROJECT_ID/roles/ROLE_ID or organizations/ORG_ID/roles/ROLE_ID",
        )
    data = expect_object(
        value,
        loc,
        {"name", "title", "description", "includedPermissions", "stage", "etag", "deleted"},
        ("includedPermissions",),
        "a custom role",
    )
    permissions_loc = loc.child("includedPermissions")
    items = expect_list(data["includedPermissions"], permissions_loc, "includedPermissions")
    permissions = frozenset(parse_v1_permission(p, permissions_loc.child(i)) for i, p in enumerate(items))
    if data.get("deleted") is True or data.get("stage") == "DISABLED":
        # Bindings of a deleted or disabled custom role are inactive (doc: "Create and manage custom roles").
        permissions = frozenset()
    title = data.get("title", "")
    stage = data.get("stage", "")
    return CustomRole(
        name, permissions, title if isinstance(title, str) else "", stage if isinstance(stage, str) else ""
    )


def parse_custom_roles_map(value: Any, loc: Loc) -> dict[str, CustomRole]:
    """Batch form: {"projects/P/roles/ID": {"includedPermissions": [...]}}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise loc.error("custom_roles must be an object mapping role names to {includedPermissions: [...]}")
    return {name: parse_custom_role(name, entry, loc.child(name)) for name, entry in value.items()}


def parse_custom_roles_list(value: Any, loc: Loc) -> dict[str, CustomRole]:
    """File form (custom-roles.json): [{"name": "projects/P/roles/ID", "includedPermissions": [...]}]."""
    roles: dict[str, CustomRole] = {}
    for index, entry in enumerate(expect_list(value, loc, "the custom roles file")):
        item_loc = loc.child(index)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise item_loc.error("each custom role needs a name such as projects/P/roles/ID")
        name = entry["name"]
        if name in roles:
            raise item_loc.child("name").error(f"custom role {shown(name)} is defined twice")
        roles[name] = parse_custom_role(name, entry, item_loc)
    return roles


def check_custom_role_scope(
    role: str, attached: ResourceName, chain: tuple[ResourceName, ...], loc: Loc
) -> None:
    """A custom role can be granted only inside the project or organization that defines it (doc: "Custom roles")."""
    if not CUSTOM_ROLE_NAME.match(role):
        return
    kind, owner = role.split("/")[0], role.split("/")[1]
    container_kind = "project" if kind == "projects" else "organization"
    names = [n for n in chain]
    if attached not in names:
        names = [attached]
    start = names.index(attached)
    above = names[start:]
    containers = [n for n in above if n.kind == container_kind]
    if not containers:
        if attached.kind in ("organization", "folder", "project"):
            raise loc.error(
                f"{role} is defined in {kind[:-1]} {owner} and cannot be granted on {attached.full}",
                f"grant it on {kind[:-1]} {owner} or on resources inside it",
            )
        return  # the resource's project is not known here, so the rule cannot be checked
    if containers[0].relative.split("/", 1)[1] != owner:
        raise loc.error(
            f"{role} is defined in {kind[:-1]} {owner} and cannot be granted on {attached.full}",
            f"grant it on {kind[:-1]} {owner} or on resources inside it",
        )


# --- allow policies ------------------------------------------------------------------------------------

MAX_PRINCIPALS = 1_500  # principal occurrences in one allow policy's bindings (Policy.bindings reference)


def parse_bindings(
    value: Any,
    attached: ResourceName,
    loc: Loc,
    custom_roles: Mapping[str, CustomRole],
    chain: tuple[ResourceName, ...] = (),
    version: Any = None,
) -> list[Binding]:
    bindings: list[Binding] = []
    occurrences = 0
    for index, entry in enumerate(expect_list(value, loc, "bindings")):
        item_loc = loc.child(index)
        data = expect_object(
            entry, item_loc, {"role", "members", "condition"}, ("role", "members"), "a binding"
        )
        role = check_role_name(data["role"], item_loc.child("role"), custom_roles)
        check_custom_role_scope(role, attached, chain, item_loc.child("role"))
        members_loc = item_loc.child("members")
        listed = expect_list(data["members"], members_loc, "members", allow_empty=False)
        if occurrences + len(listed) > MAX_PRINCIPALS:
            raise members_loc.child(MAX_PRINCIPALS - occurrences).error(
                f"this allow policy names more than {MAX_PRINCIPALS:,} principals",
                "Google Cloud refuses it: 'The bindings in a Policy can refer to up to 1,500 principals ... "
                "Each occurrence of a principal counts towards these limits' (Policy reference); "
                "grant the role to a group instead",
            )
        occurrences += len(listed)
        members = tuple(parse_allow_member(m, members_loc.child(i)) for i, m in enumerate(listed))
        condition = parse_condition(data.get("condition"), item_loc.child("condition"))
        if condition is not None and version is not None and version != 3:
            raise loc.error(
                f"this policy has version {shown(version)} but a binding has a condition",
                "policies with conditional role bindings must use version 3 (doc: 'Policy versions')",
            )
        bindings.append(Binding(attached, index, role, members, condition, item_loc.where()))
    return bindings


def parse_allow_policy(
    value: Any,
    attached: ResourceName,
    loc: Loc,
    custom_roles: Mapping[str, CustomRole],
    chain: tuple[ResourceName, ...] = (),
) -> list[Binding]:
    data = expect_object(value, loc, {"bindings", "version", "etag", "auditConfigs"}, (), "an allow policy")
    version = data.get("version")
    if version is not None and version not in (1, 2, 3):
        raise loc.child("version").error(f"policy version must be 1, 2 or 3, got {shown(version)}")
    return parse_bindings(
        data.get("bindings", []), attached, loc.child("bindings"), custom_roles, chain, version
    )


# --- deny policies -------------------------------------------------------------------------------------


def parse_deny_policies(value: Any, attached: ResourceName, loc: Loc) -> list[DenyRule]:
    if not attached.is_container:
        raise loc.error(
            f"deny policies attach to organizations, folders and projects, not to {attached.full}",
            "attach the deny policy to the project (or folder/organization) that holds the resource",
        )
    policies = value if isinstance(value, list) else [value]
    rules: list[DenyRule] = []
    for p_index, policy in enumerate(policies):
        policy_loc = loc.child(p_index) if isinstance(value, list) else loc
        data = expect_object(
            policy,
            policy_loc,
            {
                "name",
                "displayName",
                "rules",
                "etag",
                "kind",
                "uid",
                "annotations",
                "createTime",
                "updateTime",
                "deleteTime",
                "managingAuthority",
            },
            ("rules",),
            "a deny policy",
        )
        name = data.get("name") or data.get("displayName") or f"#{p_index + 1}"
        if not isinstance(name, str):
            raise policy_loc.child("name").error("the policy name must be a string")
        rules_loc = policy_loc.child("rules")
        for r_index, rule in enumerate(expect_list(data["rules"], rules_loc, "rules")):
            rule_loc = rules_loc.child(r_index)
            rule_data = expect_object(
                rule, rule_loc, {"description", "denyRule"}, ("denyRule",), "a policy rule"
            )
            rules.append(_deny_rule(rule_data, attached, name, r_index, rule_loc))
    return rules


def _deny_rule(rule: dict[str, Any], attached: ResourceName, name: str, index: int, loc: Loc) -> DenyRule:
    deny_loc = loc.child("denyRule")
    data = expect_object(
        rule["denyRule"],
        deny_loc,
        {
            "deniedPrincipals",
            "exceptionPrincipals",
            "deniedPermissions",
            "exceptionPermissions",
            "denialCondition",
        },
        ("deniedPrincipals", "deniedPermissions"),
        "a deny rule",
    )

    def principals(key: str, exception: bool) -> tuple[Any, ...]:
        items_loc = deny_loc.child(key)
        items = expect_list(data.get(key, []), items_loc, key, allow_empty=exception)
        return tuple(
            parse_v2_principal(p, items_loc.child(i), exception=exception) for i, p in enumerate(items)
        )

    def permissions(key: str, required: bool) -> tuple[Any, ...]:
        items_loc = deny_loc.child(key)
        items = expect_list(data.get(key, []), items_loc, key, allow_empty=not required)
        return tuple(parse_v2_pattern(p, items_loc.child(i)) for i, p in enumerate(items))

    description = rule.get("description", "")
    return DenyRule(
        attached,
        name,
        index,
        description if isinstance(description, str) else "",
        principals("deniedPrincipals", False),
        principals("exceptionPrincipals", True),
        permissions("deniedPermissions", True),
        permissions("exceptionPermissions", False),
        parse_condition(data.get("denialCondition"), deny_loc.child("denialCondition"), deny=True),
        loc.where(),
    )


# --- principal access boundary policies ----------------------------------------------------------------


def parse_pab_policies(value: Any, loc: Loc) -> tuple[PabPolicy, ...]:
    if value is None:
        return ()
    table = enforcement_table()
    policies: list[PabPolicy] = []
    for index, entry in enumerate(expect_list(value, loc, "principal_access_boundary_policies")):
        item_loc = loc.child(index)
        data = expect_object(
            entry,
            item_loc,
            {"name", "displayName", "details", "etag", "uid", "annotations", "createTime", "updateTime"},
            ("details",),
            "a principal access boundary policy",
        )
        details_loc = item_loc.child("details")
        details = expect_object(
            data["details"], details_loc, {"rules", "enforcementVersion"}, ("rules",), "details"
        )
        version_text = details.get("enforcementVersion", "latest")
        if not isinstance(version_text, str) or not (version_text == "latest" or version_text.isdigit()):
            raise details_loc.child("enforcementVersion").error(
                f'enforcementVersion must be a version number such as "3" or "latest", got {shown(version_text)}'
            )
        version = table.default_version if version_text == "latest" else int(version_text)
        if version not in table.versions:
            raise details_loc.child("enforcementVersion").error(
                f"enforcement version {version_text} is not one this checker knows (1 to {max(table.versions)})"
            )
        rules: list[PabRule] = []
        rules_loc = details_loc.child("rules")
        for r_index, rule in enumerate(expect_list(details["rules"], rules_loc, "rules")):
            rule_loc = rules_loc.child(r_index)
            rule_data = expect_object(
                rule, rule_loc, {"description", "resources", "effect"}, ("resources", "effect"), "a rule"
            )
            if rule_data["effect"] != "ALLOW":
                raise rule_loc.child("effect").error(
                    "a principal access boundary rule's effect must be ALLOW"
                )
            resources_loc = rule_loc.child("resources")
            resources: list[ResourceName] = []
            for i, text in enumerate(
                expect_list(rule_data["resources"], resources_loc, "resources", allow_empty=False)
            ):
                name = parse_resource_name(text, resources_loc.child(i))
                if not name.is_container:
                    raise resources_loc.child(i).error(
                        f"{text} is not an organization, folder or project",
                        "principal access boundary rules list //cloudresourcemanager.googleapis.com/ organizations, folders or projects",
                    )
                resources.append(name)
            description = rule_data.get("description", "")
            rules.append(
                PabRule(r_index, description if isinstance(description, str) else "", tuple(resources))
            )
        policy_name = data.get("name") or data.get("displayName") or f"#{index + 1}"
        policies.append(PabPolicy(str(policy_name), version, version_text, tuple(rules)))
    return tuple(policies)


def member_kinds(bindings: list[Binding]) -> set[MemberKind]:
    return {m.kind for b in bindings for m in b.members}
