"""Azure resources of a Terraform configuration, in the Azure engine's lab format.

Read (azurerm provider documentation): `azurerm_role_definition` (name, role_definition_id, scope,
permissions blocks, assignable_scopes), `azurerm_role_assignment` (scope, role_definition_name or
role_definition_id, principal_id, condition, condition_version), `azurerm_user_assigned_identity` (name,
resource_group_name; its id is /subscriptions/SUB/resourceGroups/RG/providers/Microsoft.ManagedIdentity/
userAssignedIdentities/NAME; principal_id and client_id are assigned by Azure when it is created, so a lab
gives them by the identity's name, `Setting.azure_identities`, or a reference), and
`azurerm_federated_identity_credential` (parent_id, issuer, subject, audience). Each identity also becomes an
entry of `azure_managed_identities` ({id, name, principalId, clientId}: the ids the lab knows), which lets the
engine name an identity by its resource id where Azure names its principal.
"""

from __future__ import annotations

from typing import Any

from checker.core.errors import InputError
from checker.core.source import Position
from checker.iac.model import FederatedCredential, IacModel
from checker.iac.terraform.config import Configuration, Located
from checker.iac.terraform.expressions import Positions

_ASSIGNMENT_ARGUMENTS = {"scope": "scope", "principal_id": "principalId", "condition": "condition",
                         "condition_version": "conditionVersion", "role_definition_name": "role",
                         "role_definition_id": "roleDefinitionId"}
_PERMISSION_ARGUMENTS = {"actions": "actions", "not_actions": "notActions", "data_actions": "dataActions",
                         "not_data_actions": "notDataActions"}


def register(config: Configuration) -> None:
    computed = config.computed
    computed[("azurerm_user_assigned_identity", "id")] = _identity_id
    computed[("azurerm_user_assigned_identity", "principal_id")] = lambda c, b: _assigned(c, b, "principal_id")
    computed[("azurerm_user_assigned_identity", "client_id")] = lambda c, b: _assigned(c, b, "client_id")
    computed[("azurerm_role_definition", "role_definition_resource_id")] = _role_resource_id
    computed[("data.azurerm_subscription", "subscription_id")] = lambda c, b: _subscription(c, b)
    computed[("data.azurerm_subscription", "id")] = lambda c, b: f"/subscriptions/{_subscription(c, b)}"
    computed[("data.azurerm_client_config", "subscription_id")] = lambda c, b: _subscription(c, b)


def read(config: Configuration, model: IacModel) -> None:
    for address, located in config.resources.items():
        kind = located.block.labels[0]
        if kind == "azurerm_role_definition":
            entry, positions = _role_definition(config, located)
            model.clouds.add("azure_custom_roles", entry, positions)
        elif kind == "azurerm_role_assignment":
            entry, positions = _fields(config, located, _ASSIGNMENT_ARGUMENTS)
            if "role" not in entry and "roleDefinitionId" not in entry:
                raise InputError(f"{address} needs role_definition_name or role_definition_id", located.block.where)
            model.clouds.add("azure_role_assignments", entry, positions)
        elif kind == "azurerm_user_assigned_identity" and config.setting.azure_subscription is not None:
            # Without the subscription there is no id to name it by (iamlab lint without --azure-subscription).
            model.clouds.add("azure_managed_identities", _identity(config, located),
                             {"": _at(located.block.where, located.path)})
        elif kind == "azurerm_federated_identity_credential":
            credential = _credential(config, address, located)
            model.clouds.federated_credentials.append(credential)
            # The Azure engine's federated_credentials document (az identity federated-credential list shape).
            at = _at(located.block.where, located.path)
            model.clouds.add("azure_federated_credentials", {
                "name": located.block.labels[1], "issuer": credential.issuer, "subject": credential.subject,
                "audiences": list(credential.audiences), "identity": credential.identity,
            }, {"": at})


def _fields(config: Configuration, located: Located, names: dict[str, str]) -> tuple[dict[str, Any], Positions]:
    entry: dict[str, Any] = {}
    positions: Positions = {"": _at(located.block.where, located.path)}
    for argument, field in names.items():
        found = config.argument(located, argument)
        if found is None or found[0] is None:
            continue
        entry[field] = found[0]
        positions[f"/{field}"] = _at(located.block.body.attributes[argument].where, located.path)
        for key, position in found[1].items():
            if key:
                positions[f"/{field}{key}"] = position
    return entry, positions


def _role_definition(config: Configuration, located: Located) -> tuple[dict[str, Any], Positions]:
    entry, positions = _fields(config, located, {"name": "roleName", "role_definition_id": "name",
                                                 "assignable_scopes": "assignableScopes", "description": "description"})
    scope = config.argument(located, "scope")
    if "assignableScopes" not in entry and scope is not None:
        entry["assignableScopes"] = [scope[0]]  # the provider defaults assignable_scopes to [scope]
        positions["/assignableScopes"] = _at(located.block.body.attributes["scope"].where, located.path)
    permissions = []
    for index, block in enumerate(located.block.body.blocks_of("permissions")):
        permission: dict[str, Any] = {}
        positions[f"/permissions/{index}"] = _at(block.where, located.path)
        for argument, field in _PERMISSION_ARGUMENTS.items():
            found = config.argument(located, argument, block.body)
            if found is not None:
                permission[field] = found[0]
                positions[f"/permissions/{index}/{field}"] = _at(block.body.attributes[argument].where, located.path)
        permissions.append(permission)
    entry["permissions"] = permissions
    if "name" not in entry:
        entry["name"] = entry.get("roleName")
    return entry, positions


def _credential(config: Configuration, address: str, located: Located) -> FederatedCredential:
    values = {}
    for argument in ("parent_id", "issuer", "subject"):
        found = config.argument(located, argument)
        if found is None or not isinstance(found[0], str):
            raise InputError(f"{address} needs {argument} (text)", located.block.where)
        values[argument] = found[0]
    audience = config.argument(located, "audience")
    if audience is None or not isinstance(audience[0], list):
        raise InputError(f"{address} needs audience (a list)", located.block.where)
    return FederatedCredential(address, values["parent_id"], values["issuer"], values["subject"],
                               tuple(str(a) for a in audience[0]), located.block.where)


def _identity_id(config: Configuration, located: Located) -> str:
    name = config.argument(located, "name")
    group = config.argument(located, "resource_group_name")
    if name is None or group is None:
        raise InputError("the identity needs name and resource_group_name for its id", located.block.where)
    return (f"/subscriptions/{_subscription(config, located)}/resourceGroups/{group[0]}/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/{name[0]}")


def _identity(config: Configuration, located: Located) -> dict[str, Any]:
    """The identity's resource id and the ids Azure assigned it, when the lab knows them."""
    name = config.argument(located, "name")
    entry: dict[str, Any] = {"id": _identity_id(config, located), "name": name[0] if name else None}
    known = (config.setting.azure_identities or {}).get(str(entry["name"])) or {}
    for argument, field in (("principal_id", "principalId"), ("client_id", "clientId")):
        if argument in known:
            entry[field] = known[argument]
    return entry


def _assigned(config: Configuration, located: Located, attribute: str) -> str:
    """principal_id / client_id: Azure assigns them at creation; the lab gives them by the identity's name."""
    name = config.argument(located, "name")
    address = ".".join(located.block.labels)
    given = config.setting.azure_identities
    if given is None:
        return f"(known after apply: {address}.{attribute})"  # what `terraform plan` shows; grants nobody
    known = given.get(str(name[0]) if name else "") or {}
    if attribute in known:
        return str(known[attribute])
    names = ", ".join(sorted(given)) or "none"
    raise InputError(
        f"{address}.{attribute} is assigned by Azure when the identity is created, and the lab knows it only for "
        f"the identities named {names}",
        located.block.where,
        f"name the identity as the lab does, or give the value with --ref {address}.{attribute}=GUID",
    )


def _role_resource_id(config: Configuration, located: Located) -> str:
    """The definition's resource id. Without `role_definition_id` the provider generates a GUID ("one will be
    generated if not specified", azurerm_role_definition); the definition's name stands for it here, which
    the engine resolves to the same custom role (its id is its name when it has no GUID)."""
    guid = config.argument(located, "role_definition_id") or config.argument(located, "name")
    scope = config.argument(located, "scope")
    if guid is None or scope is None:
        raise InputError("the role definition's resource id needs a name (or role_definition_id) and scope",
                         located.block.where)
    return f"{scope[0]}/providers/Microsoft.Authorization/roleDefinitions/{guid[0]}"


def _subscription(config: Configuration, located: Located) -> str:
    return str(config.require(config.setting.azure_subscription, "the Azure subscription id", located.block.where))


def _at(where: Any, path: str) -> Position:
    return Position(where.line or 1, where.column or 1, where.file or path)
