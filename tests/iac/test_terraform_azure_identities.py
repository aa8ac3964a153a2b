"""The Terraform reader's user-assigned identities (issue 18, Azure): the ids Azure assigns an identity at
creation, given by the lab by the identity's name, and the `managed_identities` document linking a resource id
to its principal.

azurerm provider, `azurerm_user_assigned_identity`: "principal_id - The ID of the Service Principal object
associated with the created Identity", "client_id - The ID of the app associated with the Identity" (both
attributes exported after creation, not arguments); `azurerm_role_definition`: "role_definition_id - (Optional)
A unique UUID/GUID which identifies this role - one will be generated if not specified".
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.iac.terraform import Setting, read_terraform

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
IDS = {"id-build": {"principal_id": "b1111111-1111-4111-8111-111111111111",
                    "client_id": "c1111111-1111-4111-8111-111111111111"}}
IDENTITY = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
            "userAssignedIdentities/id-build")


def read(tmp_path: Path, text: str, identities: dict[str, dict[str, str]] | None = None) -> object:
    (tmp_path / "main.tf").write_text(textwrap.dedent(text))
    return read_terraform([tmp_path], Setting(azure_subscription=SUBSCRIPTION,
                                              azure_identities=IDS if identities is None else identities))


IDENTITY_TF = """
    resource "azurerm_user_assigned_identity" "build" {
      name                = "id-build"
      resource_group_name = "rg"
      location            = "eastus"
    }
"""


def test_principal_id_comes_from_the_lab_by_the_identity_name(tmp_path: Path) -> None:
    model = read(tmp_path, IDENTITY_TF + """
    resource "azurerm_role_assignment" "push" {
      scope                = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg"
      role_definition_name = "AcrPush"
      principal_id         = azurerm_user_assigned_identity.build.principal_id
    }
    """)
    (assignment,) = model.clouds.azure_role_assignments  # type: ignore[attr-defined]
    assert assignment["principalId"] == IDS["id-build"]["principal_id"]
    (identity,) = model.clouds.azure_managed_identities  # type: ignore[attr-defined]
    assert identity == {"id": IDENTITY, "name": "id-build", "principalId": IDS["id-build"]["principal_id"],
                        "clientId": IDS["id-build"]["client_id"]}


def test_an_unknown_identity_s_principal_id_is_a_located_error(tmp_path: Path) -> None:
    text = IDENTITY_TF + """
    resource "azurerm_role_assignment" "push" {
      scope                = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg"
      role_definition_name = "AcrPush"
      principal_id         = azurerm_user_assigned_identity.build.principal_id
    }
    """
    with pytest.raises(InputError, match="principal_id is assigned by Azure") as info:
        read(tmp_path, text, identities={})
    assert info.value.where is not None and info.value.where.file is not None
    assert Path(info.value.where.file).name == "main.tf" and info.value.where.line == 2


def test_an_identity_nobody_references_is_listed_without_ids(tmp_path: Path) -> None:
    model = read(tmp_path, IDENTITY_TF, identities={})
    (identity,) = model.clouds.azure_managed_identities  # type: ignore[attr-defined]
    assert identity == {"id": IDENTITY, "name": "id-build"}


def test_a_role_definition_without_a_guid_is_referenced_by_its_name(tmp_path: Path) -> None:
    model = read(tmp_path, IDENTITY_TF + """
    resource "azurerm_role_definition" "jobs" {
      name  = "mlops-jobs"
      scope = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg"
      permissions {
        actions = ["Microsoft.MachineLearningServices/workspaces/jobs/write"]
      }
    }
    resource "azurerm_role_assignment" "jobs" {
      scope              = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg"
      role_definition_id = azurerm_role_definition.jobs.role_definition_resource_id
      principal_id       = azurerm_user_assigned_identity.build.principal_id
    }
    """)
    (assignment,) = model.clouds.azure_role_assignments  # type: ignore[attr-defined]
    assert assignment["roleDefinitionId"].endswith("/providers/Microsoft.Authorization/roleDefinitions/mlops-jobs")


def test_without_a_lab_the_ids_read_as_known_after_apply(tmp_path: Path) -> None:
    """`iamlab lint` of a configuration not yet applied: Terraform shows the id as "(known after apply)"."""
    (tmp_path / "main.tf").write_text(textwrap.dedent(IDENTITY_TF + """
    resource "azurerm_role_assignment" "push" {
      scope                = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg"
      role_definition_name = "AcrPush"
      principal_id         = azurerm_user_assigned_identity.build.principal_id
    }
    """))
    model = read_terraform([tmp_path], Setting(azure_subscription=SUBSCRIPTION))
    (assignment,) = model.clouds.azure_role_assignments
    assert assignment["principalId"] == "(known after apply: azurerm_user_assigned_identity.build.principal_id)"
