"""CI audit: every built-in role the checker ships matches the public iam-dataset snapshot exactly.

The snapshot (`az role definition list` output for all built-in roles, MIT licence) lives outside the
repository at ../shared/data/iam-dataset/ and is never copied in.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from checker.azure.catalog import builtin_catalog

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASET = REPO_ROOT.parent / "shared" / "data" / "iam-dataset"
DATA = REPO_ROOT / "checker" / "azure" / "data"

pytestmark = pytest.mark.skipif(
    not (DATASET / "azure-built-in-roles.json").is_file(),
    reason=f"the iam-dataset snapshot is not at {DATASET} (it is provided in CI only)",
)


@cache
def dataset() -> dict[str, dict[str, Any]]:
    roles = json.loads((DATASET / "azure-built-in-roles.json").read_text(encoding="utf-8"))
    return {role["name"]: role for role in roles}


def shipped_roles() -> list[dict[str, Any]]:
    roles: list[dict[str, Any]] = json.loads((DATA / "builtin_roles.json").read_text(encoding="utf-8"))["roles"]
    return roles


def _permissions(role: dict[str, Any]) -> list[dict[str, list[str]]]:
    keys = ("actions", "notActions", "dataActions", "notDataActions")
    return [{key: list(p.get(key) or []) for key in keys} for p in role["permissions"]]


@pytest.mark.parametrize("role", shipped_roles(), ids=lambda r: r["roleName"])
def test_shipped_role_matches_dataset(role: dict[str, Any]) -> None:
    reference = dataset().get(role["name"])
    assert reference is not None, f"{role['roleName']} ({role['name']}) is not a built-in role in the dataset"
    assert reference["roleName"] == role["roleName"]
    assert _permissions(reference) == _permissions(role)
    assert reference["assignableScopes"] == role["assignableScopes"]
    assert all(p.get("condition") is None for p in reference["permissions"])


def test_labs_roles_are_all_shipped() -> None:
    needed = {
        "Owner", "Contributor", "Reader", "User Access Administrator", "Role Based Access Control Administrator",
        "Storage Blob Data Owner", "Storage Blob Data Contributor", "Storage Blob Data Reader",
        "Storage Account Contributor", "Storage Account Key Operator Service Role", "AzureML Data Scientist",
        "AzureML Compute Operator", "Managed Identity Operator", "AcrPush", "AcrPull",  # lab 02 (build stage)
    }
    assert needed <= {role["roleName"] for role in shipped_roles()}
    catalog = builtin_catalog()
    for role in shipped_roles():
        assert catalog.find(role["roleName"]) is catalog.find(role["name"])


def test_shipped_subset_only() -> None:
    assert len(shipped_roles()) < 50, "ship only the roles the labs use, never the whole dataset"


def test_operations_are_real() -> None:
    """Each shipped operation appears in some built-in role with the same plane, or names the doc it comes from."""
    seen: dict[str, bool] = {}
    for role in dataset().values():
        for permission in role["permissions"]:
            for key, data in (("actions", False), ("notActions", False), ("dataActions", True), ("notDataActions", True)):
                for operation in permission.get(key) or []:
                    seen[operation.lower()] = data
    operations = json.loads((DATA / "operations.json").read_text(encoding="utf-8"))["operations"]
    for operation in operations:
        if "documented_in" in operation:
            continue
        name = operation["name"].lower()
        assert name in seen, f"{operation['name']} does not appear in any built-in role"
        assert seen[name] is operation["data"], f"{operation['name']}: data flag differs from the dataset"
