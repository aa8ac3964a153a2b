"""CI audit: every role the checker ships matches the public iam-dataset snapshot exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.gcp import catalog
from checker.gcp.catalog_build import SHIPPED_ROLES

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASET = REPO_ROOT.parent / "shared" / "data" / "iam-dataset" / "gcp-predefined-roles.json"
REQUIRED = (
    "roles/owner",
    "roles/editor",
    "roles/viewer",
    "roles/storage.admin",
    "roles/storage.objectViewer",
    "roles/storage.objectCreator",
    "roles/storage.objectUser",
    "roles/storage.objectAdmin",
    "roles/storage.legacyBucketReader",
    "roles/aiplatform.user",
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.workloadIdentityUser",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/artifactregistry.reader",
)


@pytest.fixture(scope="module")
def dataset() -> dict[str, Any]:
    if not DATASET.exists():
        pytest.skip(f"the iam-dataset snapshot is not present at {DATASET} (it is only needed in CI)")
    data: dict[str, Any] = json.loads(DATASET.read_text(encoding="utf-8"))
    return data


def test_required_roles_are_shipped() -> None:
    shipped = catalog.shipped_roles()
    missing = [role for role in REQUIRED if role not in shipped]
    assert not missing, f"roles the labs use are missing from data/roles.json: {missing}"


@pytest.mark.parametrize("role", SHIPPED_ROLES)
def test_shipped_role_matches_dataset(dataset: dict[str, Any], role: str) -> None:
    shipped = catalog.shipped_roles()
    if role not in dataset:
        assert role not in shipped, f"{role} is shipped but the dataset does not have it"
        pytest.skip(f"{role} is not in the dataset snapshot, so it is not shipped")
    assert role in shipped, (
        f"{role} is in the dataset but missing from data/roles.json; run python -m checker.gcp.catalog_build"
    )
    entry = dataset[role]
    assert shipped[role].permissions == frozenset(entry["includedPermissions"])
    assert shipped[role].title == entry["title"]
    assert shipped[role].stage == entry["stage"]


def test_only_the_subset_is_shipped(dataset: dict[str, Any]) -> None:
    shipped = catalog.shipped_roles()
    assert set(shipped) <= set(SHIPPED_ROLES)
    assert len(shipped) < len(dataset) / 10, "the checker ships a subset, never the whole dataset"
