"""Shared helpers for the Azure engine tests."""

from __future__ import annotations

from typing import Any

SUB = "/subscriptions/00000000-0000-0000-0000-00000000aaaa"
RG = f"{SUB}/resourceGroups/ml-rg"
ACCOUNT = f"{RG}/providers/Microsoft.Storage/storageAccounts/mldata"
CONTAINER = f"{ACCOUNT}/blobServices/default/containers/datasets"
OTHER_CONTAINER = f"{ACCOUNT}/blobServices/default/containers/secrets"
BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
BLOB_WRITE = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"
PRINCIPAL = "11111111-1111-1111-1111-111111111111"
GROUP = "22222222-2222-2222-2222-222222222222"
OTHER = "33333333-3333-3333-3333-333333333333"


def blob(path: str, container: str = CONTAINER) -> str:
    return f"{container}/blobs/{path}"


def case(**overrides: Any) -> dict[str, Any]:
    """A batch case with a blob read by PRINCIPAL; override any field."""
    base: dict[str, Any] = {
        "id": "t",
        "principal": PRINCIPAL,
        "groups": [],
        "action": BLOB_READ,
        "data_action": True,
        "scope": blob("v3/a.csv"),
        "attributes": {},
        "sub_operation": None,
        "role_definitions": [],
        "role_assignments": [],
        "deny_assignments": [],
        "management_groups": {},
    }
    base.update(overrides)
    return base


def assign(role: str, scope: str, principal: str = PRINCIPAL, **extra: Any) -> dict[str, Any]:
    return {"principalId": principal, "roleDefinitionId": role, "scope": scope, **extra}
