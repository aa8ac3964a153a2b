"""User-assigned managed identities by resource id: the principal Azure assigns each one.

Azure names a user-assigned identity two ways: its resource id
(/subscriptions/S/resourceGroups/G/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME), where
federated identity credentials and role assignments *over* it live, and the object id of its service
principal (`principalId`), which role assignments *to* it name ("Manage user-assigned managed identities":
the identity has a principal ID and a client ID). A lab writes its checks in the first terms; the learner's
role assignments use the second. The optional `managed_identities` submission file
(`[{id, name, principalId, clientId}]`, what `az identity show` prints, or what the Terraform reader derives
from `azurerm_user_assigned_identity`) links them, so a lab's request or envelope may name an identity by its
resource id. The learner's own assignments are never translated: an assignment whose principalId is a
resource id names no principal, as in Azure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from checker.azure.model import AzureModel
from checker.azure.parse import Fields, Locate, items
from checker.azure.principals import identities_of

IDENTITY_FIELDS = ("id", "name", "principalId", "clientId", "tenantId", "type", "location", "resourceGroup")


@dataclass(frozen=True)
class ManagedIdentities:
    principals: Mapping[str, str]  # lowercased resource id -> lowercased principal (object) id

    def principal(self, name: str) -> str:
        """The principal id an identity's resource id stands for; any other text is returned as it is."""
        return self.principals.get(name.strip().lower(), name)

    def knows(self, name: str | None) -> bool:
        return name is not None and name.strip().lower() in self.principals


NONE = ManagedIdentities({})


def parse_identities(data: Any, locate: Locate) -> ManagedIdentities:
    """managed-identities.json: a list of identities; those without a principalId are left out."""
    principals: dict[str, str] = {}
    for item, pointer in items(data, "", locate, "the managed identities"):
        fields = Fields(item, pointer, locate, "a managed identity", IDENTITY_FIELDS)
        resource = fields.string("id")
        principal = fields.string("principalId", required=False)
        assert resource is not None
        if principal is not None:
            principals[resource.strip().lower()] = principal.strip().lower()
    return ManagedIdentities(principals)


def named_by_resource_id(data: Any, identities: ManagedIdentities) -> Any:
    """A lab-written list of role assignments with each `principalId` that is an identity's resource id
    replaced by its principal id (positions stay: only values change)."""
    if not isinstance(data, list) or not identities.principals:
        return data
    renamed = []
    for entry in data:
        if isinstance(entry, dict):
            entry = {key: identities.principal(value) if key.lower() == "principalid" and isinstance(value, str)
                     else value for key, value in entry.items()}
        renamed.append(entry)
    return renamed


def focused(model: AzureModel, principal: str) -> AzureModel:
    """The model as one principal holds it: only the role assignments made to that principal or its groups.

    A lab with one identity per pipeline stage asks "what can *this* stage's identity do"; the other stages'
    assignments in the same file are not its permissions (deny assignments still apply to it)."""
    wanted = identities_of(model.principals, principal)  # its groups' assignments are its own too
    return replace(model, assignments=tuple(a for a in model.assignments if a.principal_id in wanted))
