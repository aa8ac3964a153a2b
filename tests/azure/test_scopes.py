"""Scopes and inheritance. Doc: "Understand scope for Azure RBAC"
https://learn.microsoft.com/azure/role-based-access-control/scope-overview (Scope levels, Scope format)."""

from __future__ import annotations

import pytest

from checker.azure.scopes import ManagementGroups, ScopeError, ScopeKind, covers, parse_scope

from .helpers import ACCOUNT, CONTAINER, RG, SUB, blob

MG = "/providers/Microsoft.Management/managementGroups/ml-platform"
ROOT_MG = "/providers/Microsoft.Management/managementGroups/tenant-root"
GROUPS = ManagementGroups({
    parse_scope(SUB).keys: parse_scope(MG).keys,
    parse_scope(MG).keys: parse_scope(ROOT_MG).keys,
})

KINDS = [
    ("/", ScopeKind.ROOT),
    (MG, ScopeKind.MANAGEMENT_GROUP),
    (SUB, ScopeKind.SUBSCRIPTION),
    (RG, ScopeKind.RESOURCE_GROUP),
    (ACCOUNT, ScopeKind.RESOURCE),
    (CONTAINER, ScopeKind.RESOURCE),
    (blob("v3/a.csv"), ScopeKind.BLOB),
]


@pytest.mark.parametrize(("text", "kind"), KINDS)
def test_scope_kinds(text: str, kind: ScopeKind) -> None:
    assert parse_scope(text).kind is kind


def test_derived_names() -> None:
    scope = parse_scope(blob("v3/train/a.csv"))
    assert (scope.account, scope.container, scope.blob_path) == ("mldata", "datasets", "v3/train/a.csv")


COVERS = [
    # (assigned, target, covered, why)
    ("/", blob("x"), True, "root scope contains everything"),
    (ROOT_MG, blob("x"), True, "management group above the subscription (transitive)"),
    (MG, RG, True, "management group holding the subscription"),
    ("/providers/Microsoft.Management/managementGroups/other", RG, False, "unrelated management group"),
    (SUB, blob("x"), True, "subscription contains its resources"),
    (RG, ACCOUNT, True, "resource group contains its resources"),
    (ACCOUNT, CONTAINER, True, "storage account contains containers"),
    (CONTAINER, blob("v3/a.csv"), True, "container contains blobs"),
    (CONTAINER, ACCOUNT, False, "an assignment never applies above its scope"),
    (f"{ACCOUNT}/blobServices/default/containers/secrets", blob("v3/a.csv"), False, "sibling container"),
    (RG.upper().replace("SUBSCRIPTIONS", "subscriptions"), ACCOUNT, True, "resource ids compare case-insensitively"),
    (blob("v3"), blob("v3/a.csv"), True, "blob path prefix by whole segments"),
    (blob("v3"), blob("v30/a.csv"), False, "no partial segment match"),
    (blob("V3"), blob("v3/a.csv"), False, "blob names are case-sensitive"),
    (f"{SUB}/resourceGroups/ml", RG, False, "rg 'ml' is not a prefix of 'ml-rg'"),
]


@pytest.mark.parametrize(("assigned", "target", "expected", "why"), COVERS, ids=[c[3] for c in COVERS])
def test_inheritance(assigned: str, target: str, expected: bool, why: str) -> None:
    target_scope = parse_scope(target)
    assert covers(parse_scope(assigned), target_scope, GROUPS.chain(target_scope)) is expected


BAD = [
    ("subscriptions/x", "starts with '/'"),
    ("/subscriptions", "subscription id is missing"),
    ("/subscriptions/x//resourceGroups/y", "empty segment"),
    ("/subscriptions/x/resourceGroups", "resource group name is missing"),
    ("/tenants/x", "unknown scope level"),
    ("/providers/Microsoft.Compute/virtualMachines/vm", "must be a management group"),
    (f"{RG}/providers/Microsoft.Storage/storageAccounts", "no name after it"),
    (f"{RG}/providers/Microsoft.Storage/storageAccounts/MyData", "lower case only"),
    (f"{RG}/resources/x", "continues with /providers"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_malformed_scopes_explain(text: str, message: str) -> None:
    with pytest.raises(ScopeError, match=message):
        parse_scope(text)
