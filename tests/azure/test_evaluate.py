"""Decisions, table-driven through the batch interface. Docs:
- "How Azure RBAC determines if a user has access to a resource"
  https://learn.microsoft.com/azure/role-based-access-control/overview#how-azure-rbac-determines-if-a-user-has-access-to-a-resource
- "Understand Azure role definitions" (NotActions, DataActions)
  https://learn.microsoft.com/azure/role-based-access-control/role-definitions
- "Understand Azure deny assignments" https://learn.microsoft.com/azure/role-based-access-control/deny-assignments
- "Understand scope for Azure RBAC" https://learn.microsoft.com/azure/role-based-access-control/scope-overview
- "Azure role assignment condition format and syntax" (How a condition is evaluated)
- "What is Microsoft Entra Privileged Identity Management?" (eligible assignments are active only when activated)
"""

from __future__ import annotations

from typing import Any

import pytest

from checker.azure.batch import decide_case

from .helpers import (
    ACCOUNT,
    BLOB_READ,
    BLOB_WRITE,
    CONTAINER,
    GROUP,
    OTHER,
    OTHER_CONTAINER,
    PRINCIPAL,
    RG,
    SUB,
    assign,
    blob,
    case,
)

EVERYONE = "00000000-0000-0000-0000-000000000000"
MG = "/providers/Microsoft.Management/managementGroups/ml-platform"
PATH_CONDITION = (
    "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} "
    "AND NOT SubOperationMatches{'Blob.List'})) OR "
    "(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'v3/'))"
)
CONTAINER_CONDITION = (
    "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR "
    "(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'datasets'))"
)
# The earlier syntax section of the format page wrote sub-operations as an attribute.
LIST_GUARD = (
    "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND "
    "@Request[subOperation] ForAnyOfAnyValues:StringEqualsIgnoreCase {'Blob.List'})) OR "
    "(@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix] StringStartsWith 'v3/'))"
)
PREFIX = "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix]"
CUSTOM_ROLE = {
    "id": "ml-reader-no-delete",
    "roleName": "ML blob reader",
    "permissions": [{
        "actions": ["*"],
        "notActions": ["Microsoft.Storage/storageAccounts/delete"],
        "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
        "notDataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"],
    }],
    "assignableScopes": [],
}

ROWS: list[tuple[str, dict[str, Any], str]] = [
    # --- role definitions: Actions, NotActions, DataActions
    ("data reader at container reads a blob",
     case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER)]), "allow"),
    ("data reader cannot write",
     case(action=BLOB_WRITE, role_assignments=[assign("Storage Blob Data Reader", CONTAINER)]), "implicit_deny"),
    ("Owner's '*' in Actions never grants a data action",
     case(role_assignments=[assign("Owner", SUB)]), "implicit_deny"),
    ("Owner grants control-plane actions",
     case(action="Microsoft.Storage/storageAccounts/listKeys/action", data_action=False, scope=ACCOUNT,
          role_assignments=[assign("Owner", SUB)]), "allow"),
    ("Contributor's NotActions removes role assignment writes",
     case(action="Microsoft.Authorization/roleAssignments/write", data_action=False, scope=RG,
          role_assignments=[assign("Contributor", SUB)]), "implicit_deny"),
    ("NotActions is not a deny: another assignment still grants it",
     case(action="Microsoft.Authorization/roleAssignments/write", data_action=False, scope=RG,
          role_assignments=[assign("Contributor", SUB), assign("User Access Administrator", RG)]), "allow"),
    ("NotDataActions subtracts within a custom role",
     case(action="Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete", role_definitions=[CUSTOM_ROLE],
          role_assignments=[assign("ml-reader-no-delete", ACCOUNT)]), "implicit_deny"),
    ("custom role DataActions wildcard grants read",
     case(role_definitions=[CUSTOM_ROLE], role_assignments=[assign("ml-reader-no-delete", ACCOUNT)]), "allow"),
    ("operation names compare case-insensitively",
     case(action=BLOB_READ.upper(), role_assignments=[assign("Storage Blob Data Reader", CONTAINER)]), "allow"),
    ("a data role does not grant control-plane listKeys",
     case(action="Microsoft.Storage/storageAccounts/listKeys/action", data_action=False, scope=ACCOUNT,
          role_assignments=[assign("Storage Blob Data Owner", ACCOUNT)]), "implicit_deny"),
    ("built-in role by GUID",
     case(role_assignments=[assign("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", CONTAINER)]), "allow"),
    ("built-in role by full role definition id",
     case(role_assignments=[assign(f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", CONTAINER)]), "allow"),
    # --- scopes and inheritance
    ("assignment at the resource group is inherited by blobs",
     case(role_assignments=[assign("Storage Blob Data Reader", RG)]), "allow"),
    ("assignment on a sibling container does not apply",
     case(role_assignments=[assign("Storage Blob Data Reader", OTHER_CONTAINER)]), "implicit_deny"),
    ("assignment at a management group holding the subscription",
     case(role_assignments=[assign("Storage Blob Data Reader", MG)], management_groups={SUB: MG}), "allow"),
    ("management group that does not hold the subscription",
     case(role_assignments=[assign("Storage Blob Data Reader", MG)], management_groups={}), "implicit_deny"),
    ("assignment at root scope",
     case(role_assignments=[assign("Storage Blob Data Reader", "/")]), "allow"),
    # --- principals and groups
    ("assignment to a group the principal belongs to",
     case(groups=[GROUP], role_assignments=[assign("Storage Blob Data Reader", CONTAINER, GROUP)]), "allow"),
    ("assignment to another principal",
     case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER, OTHER)]), "implicit_deny"),
    ("object ids compare case-insensitively",
     case(principal=PRINCIPAL.upper(), role_assignments=[assign("Storage Blob Data Reader", CONTAINER)]), "allow"),
    # --- deny assignments
    ("deny assignment for everyone overrides an allow",
     case(role_assignments=[assign("Storage Blob Data Owner", SUB)],
          deny_assignments=[{"principals": [EVERYONE], "permissions": [{"dataActions": ["*"]}], "scope": ACCOUNT}]),
     "explicit_deny"),
    ("excludePrincipals exempts the principal",
     case(role_assignments=[assign("Storage Blob Data Owner", SUB)],
          deny_assignments=[{"principals": [EVERYONE], "excludePrincipals": [PRINCIPAL],
                             "permissions": [{"dataActions": ["*"]}], "scope": ACCOUNT}]), "allow"),
    ("excludePrincipals may name a group of the principal",
     case(groups=[GROUP], role_assignments=[assign("Storage Blob Data Owner", SUB)],
          deny_assignments=[{"principals": [{"id": EVERYONE, "type": "SystemDefined"}], "excludePrincipals": [{"id": GROUP, "type": "Group"}],
                             "permissions": [{"dataActions": ["*"]}], "scope": ACCOUNT}]), "allow"),
    ("deny for a group applies to its members",
     case(groups=[GROUP], role_assignments=[assign("Storage Blob Data Owner", SUB)],
          deny_assignments=[{"principals": [GROUP], "permissions": [{"dataActions": ["*"]}], "scope": ACCOUNT}]),
     "explicit_deny"),
    ("deny NotDataActions carve out of the deny",
     case(role_assignments=[assign("Storage Blob Data Owner", SUB)],
          deny_assignments=[{"principals": [EVERYONE], "permissions": [{"dataActions": ["*"], "notDataActions": [BLOB_READ]}],
                             "scope": ACCOUNT}]), "allow"),
    ("doNotApplyToChildScopes: deny at the account does not reach blobs",
     case(role_assignments=[assign("Storage Blob Data Owner", SUB)],
          deny_assignments=[{"principals": [EVERYONE], "permissions": [{"dataActions": ["*"]}], "scope": ACCOUNT,
                             "doNotApplyToChildScopes": True}]), "allow"),
    ("doNotApplyToChildScopes: deny applies at its own scope",
     case(action="Microsoft.Storage/storageAccounts/listKeys/action", data_action=False, scope=ACCOUNT,
          role_assignments=[assign("Owner", SUB)],
          deny_assignments=[{"principals": [EVERYONE], "permissions": [{"actions": ["*"]}], "scope": ACCOUNT,
                             "doNotApplyToChildScopes": True}]), "explicit_deny"),
    ("deny without an allow is still an explicit deny",
     case(deny_assignments=[{"principals": [EVERYONE], "permissions": [{"dataActions": ["*"]}], "scope": ACCOUNT}]),
     "explicit_deny"),
    ("deny at a sibling scope does not apply",
     case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER)],
          deny_assignments=[{"principals": [EVERYONE], "permissions": [{"dataActions": ["*"]}], "scope": OTHER_CONTAINER}]),
     "allow"),
    # --- conditions
    ("path condition true", case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER, condition=PATH_CONDITION,
                                                          conditionVersion="2.0")]), "allow"),
    ("path condition false", case(scope=blob("v2/a.csv"), role_assignments=[assign("Storage Blob Data Reader", CONTAINER,
                                                                                    condition=PATH_CONDITION)]), "implicit_deny"),
    ("path derived from the scope, not attributes",
     case(scope=blob("v3/deep/b.parquet"), attributes={}, role_assignments=[assign("Storage Blob Data Reader", ACCOUNT, condition=PATH_CONDITION)]),
     "allow"),
    ("explicit attribute wins over the derived one",
     case(scope=blob("v2/a.csv"), attributes={"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]": "v3/a.csv"},
          role_assignments=[assign("Storage Blob Data Reader", ACCOUNT, condition=PATH_CONDITION)]), "allow"),
    ("Blob.List passes the guard that excludes it",
     case(scope=CONTAINER, sub_operation="Blob.List", role_assignments=[assign("Storage Blob Data Reader", ACCOUNT, condition=PATH_CONDITION)]),
     "allow"),
    ("container name derived from the scope",
     case(role_assignments=[assign("Storage Blob Data Reader", ACCOUNT, condition=CONTAINER_CONDITION)]), "allow"),
    ("container name condition false on another container",
     case(scope=blob("a.csv", OTHER_CONTAINER), role_assignments=[assign("Storage Blob Data Reader", ACCOUNT, condition=CONTAINER_CONDITION)]),
     "implicit_deny"),
    ("condition does not target write: write passes",
     case(action=BLOB_WRITE, scope=blob("x", OTHER_CONTAINER),
          role_assignments=[assign("Storage Blob Data Contributor", ACCOUNT, condition=CONTAINER_CONDITION)]), "allow"),
    ("control-plane action passes a data-action guard",
     case(action="Microsoft.Storage/storageAccounts/blobServices/containers/read", data_action=False, scope=OTHER_CONTAINER,
          role_assignments=[assign("Storage Blob Data Reader", ACCOUNT, condition=CONTAINER_CONDITION)]), "allow"),
    ("one failing conditional assignment, another unconditional one grants",
     case(scope=blob("v2/a.csv"), role_assignments=[assign("Storage Blob Data Reader", CONTAINER, condition=PATH_CONDITION),
                                                    assign("Storage Blob Data Reader", ACCOUNT)]), "allow"),
    ("blob index tags given as an object",
     case(attributes={"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags]": {"Project": "Cascade"}},
          role_assignments=[assign("Storage Blob Data Reader", CONTAINER, condition=(
              "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] "
              "StringEquals 'Cascade'"))]), "allow"),
    ("@Request[subOperation]: listing with an allowed prefix",
     case(scope=CONTAINER, sub_operation="Blob.List", attributes={PREFIX: "v3/train/"},
          role_assignments=[assign("Storage Blob Data Reader", ACCOUNT, condition=LIST_GUARD)]), "allow"),
    ("@Request[subOperation]: listing with another prefix",
     case(scope=CONTAINER, sub_operation="blob.list", attributes={PREFIX: "v2/"},
          role_assignments=[assign("Storage Blob Data Reader", ACCOUNT, condition=LIST_GUARD)]), "implicit_deny"),
    ("@Request[subOperation]: reading a blob is not guarded",
     case(role_assignments=[assign("Storage Blob Data Reader", ACCOUNT, condition=LIST_GUARD)]), "allow"),
    # --- eligible (PIM) assignments
    ("eligible assignment inside its window",
     case(request_time="2026-11-28T10:00:00Z", role_assignments=[assign("Storage Blob Data Reader", CONTAINER,
          start="2026-11-28T09:00:00Z", end="2026-11-28T17:00:00Z")]), "allow"),
    ("eligible assignment before its window",
     case(request_time="2026-11-28T08:59:59Z", role_assignments=[assign("Storage Blob Data Reader", CONTAINER,
          start="2026-11-28T09:00:00Z", end="2026-11-28T17:00:00Z")]), "implicit_deny"),
    ("eligible assignment at the end of its window",
     case(request_time="2026-11-28T17:00:00Z", role_assignments=[assign("Storage Blob Data Reader", CONTAINER,
          start="2026-11-28T09:00:00Z", end="2026-11-28T17:00:00Z")]), "implicit_deny"),
    ("UtcNow attribute gives the request time",
     case(attributes={"@Environment[UtcNow]": "2026-11-28T10:00:00Z"}, role_assignments=[assign("Storage Blob Data Reader", CONTAINER,
          end="2026-11-29T00:00:00Z")]), "allow"),
]


@pytest.mark.parametrize(("name", "data", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_decisions(name: str, data: dict[str, Any], expected: str) -> None:
    assert decide_case(data, explain=False) == {"id": "t", "decision": expected}


def test_explanation_names_the_assignment_and_the_reason() -> None:
    result = decide_case(case(scope=blob("v2/a.csv"), role_assignments=[
        assign("Storage Blob Data Reader", CONTAINER, condition=PATH_CONDITION)]), explain=True)
    assert result["decision"] == "implicit_deny"
    reasons = result["explain"]["reasons"]
    assert reasons[0]["policy"].startswith("role assignment #1 (Storage Blob Data Reader")
    assert "condition is false" in reasons[0]["detail"]


def test_explanation_of_missing_attribute() -> None:
    condition = ("@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:versionId] "
                 "DateTimeEquals '2022-06-01T00:00:00.0Z'")
    result = decide_case(case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER, condition=condition)]), True)
    assert result["decision"] == "implicit_deny"
    assert "cannot be evaluated" in result["explain"]["reasons"][0]["detail"]
    assert "versionId" in result["explain"]["reasons"][0]["detail"]


def test_explanation_of_owner_and_data() -> None:
    result = decide_case(case(role_assignments=[assign("Owner", SUB)]), True)
    assert "never grant a data action" in result["explain"]["reasons"][0]["detail"]


def test_explanation_of_deny() -> None:
    result = decide_case(case(deny_assignments=[{"denyAssignmentName": "managed-app-lock", "principals": [EVERYONE],
                                                  "permissions": [{"dataActions": ["*"]}], "scope": ACCOUNT}]), True)
    assert result["explain"]["summary"].startswith("deny assignment 'managed-app-lock' blocks")
