"""Findings AZ001-AZ005. Docs: "Best practices for Azure RBAC" (least privilege, narrow scope),
"Prevent Shared Key authorization for an Azure Storage account" (keys and SAS bypass RBAC),
"Delegate Azure role assignment management to others with conditions" (role assignment writes),
"Azure role assignment condition format and syntax" (how a condition is evaluated)."""

from __future__ import annotations

from typing import Any

import pytest

from checker.azure.analysis import findings
from checker.azure.batch import CASE_FIELDS, model_from_case
from checker.azure.parse import Fields, field_locator

from .helpers import ACCOUNT, CONTAINER, RG, SUB, assign, case

MG = "/providers/Microsoft.Management/managementGroups/ml"
PATH_GUARDED = ("(!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} "
                "AND NOT SubOperationMatches{'Blob.List'})) OR "
                "(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'v3/')")
WRONG_GUARD = ("(!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'})) OR "
               "(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'v3/')")
TAUTOLOGY = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringLike '*' OR NOT Exists @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]"
DELEGATION = ("(!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
              "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
              "{2a2b9908-6ea1-4ae2-8e65-a410df84e7d1})")


IDENTITY_ASSIGNER = {"id": "identity-assigner", "roleName": "Identity assigner", "permissions": [
    {"actions": ["Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"]}]}


PATH_ONLY = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'v3/'"
UNGUARDED_PATH = ("(!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR "
                  "(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'v3/')")
CONTAINER_ONLY = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'datasets'"
LIST_PREFIX = ("(!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND "
               "SubOperationMatches{'Blob.List'})) OR "
               "(@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix] StringStartsWith 'v3/')")


def codes(assignments: list[dict[str, Any]]) -> dict[str, str]:
    data = case(role_assignments=assignments, role_definitions=[IDENTITY_ASSIGNER])
    model = model_from_case(Fields(data, "", field_locator("t"), "case", CASE_FIELDS))
    return {f.code: f.severity.value for f in findings(model)}


ROWS = [
    ("Owner is broad", [assign("Owner", RG)], {"AZ001": "security", "AZ003": "security", "AZ004": "security"}),
    # Contributor's NotActions keep role assignment writes out, but '*' still assigns managed identities.
    ("Contributor is broad and reaches keys", [assign("Contributor", RG)],
     {"AZ001": "security", "AZ003": "security", "AZ004": "security"}),
    ("subscription scope", [assign("Storage Blob Data Reader", SUB)], {"AZ002": "warning"}),
    ("management group scope", [assign("Reader", MG)], {"AZ002": "warning"}),
    ("container scope data reader is clean", [assign("Storage Blob Data Reader", CONTAINER)], {}),
    ("key operator lists keys", [assign("Storage Account Key Operator Service Role", ACCOUNT)], {"AZ003": "security"}),
    ("account contributor lists keys and SAS", [assign("Storage Account Contributor", ACCOUNT)], {"AZ003": "security"}),
    ("user access administrator escalates", [assign("User Access Administrator", RG)], {"AZ004": "security"}),
    ("RBAC administrator with a delegation condition", [assign("Role Based Access Control Administrator", RG,
                                                               condition=DELEGATION)], {"AZ004": "warning"}),
    ("assigning a managed identity is escalation", [assign("identity-assigner", RG)], {"AZ004": "security"}),
    ("AzureML Data Scientist has listKeys removed", [assign("AzureML Data Scientist", RG)], {}),
    ("a useful path condition is clean", [assign("Storage Blob Data Reader", CONTAINER, condition=PATH_GUARDED)], {}),
    ("guard on an action the role lacks cannot narrow", [assign("Storage Blob Data Reader", CONTAINER, condition=WRONG_GUARD)],
     {"AZ005": "warning"}),
    # AZ006, per "Actions and attributes for Azure role assignment conditions for Azure Blob Storage":
    # List blobs supplies no blob path; Find blobs by tags supplies no container name.
    ("path condition that also guards Blob.List", [assign("Storage Blob Data Reader", CONTAINER, condition=UNGUARDED_PATH)],
     {"AZ006": "warning"}),
    ("path condition with no guard blocks listing", [assign("Storage Blob Data Reader", CONTAINER, condition=PATH_ONLY)],
     {"AZ006": "warning"}),
    ("container condition blocks Find blobs by tags for the Owner data role",
     [assign("Storage Blob Data Owner", CONTAINER, condition=CONTAINER_ONLY)], {"AZ006": "warning"}),
    ("container condition is fine for the reader", [assign("Storage Blob Data Reader", CONTAINER, condition=CONTAINER_ONLY)], {}),
    ("listing guarded by the prefix is fine", [assign("Storage Blob Data Reader", CONTAINER, condition=LIST_PREFIX)], {}),
    ("always-true condition cannot narrow", [assign("Storage Blob Data Reader", CONTAINER, condition=TAUTOLOGY)],
     {"AZ005": "warning"}),
]


@pytest.mark.parametrize(("name", "assignments", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_findings(name: str, assignments: list[dict[str, Any]], expected: dict[str, str]) -> None:
    assert codes(assignments) == expected


def test_finding_message_names_the_assignment_and_the_fix() -> None:
    model = model_from_case(Fields(case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER, condition=WRONG_GUARD)]),
                                   "", field_locator("t"), "case", CASE_FIELDS))
    (finding,) = findings(model)
    assert "role assignment #1" in finding.message and "never grants" in finding.message
    assert finding.hint and finding.doc and finding.where is not None


def test_blocked_listing_names_the_operation_and_attribute() -> None:
    model = model_from_case(Fields(case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER, condition=UNGUARDED_PATH)]),
                                   "", field_locator("t"), "case", CASE_FIELDS))
    (finding,) = findings(model)
    assert "List blobs" in finding.message and "Blob.List" in finding.message and "blobs:path" in finding.message
    assert "Read a blob" not in finding.message
