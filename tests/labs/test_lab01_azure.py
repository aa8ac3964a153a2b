"""Lab 01, Azure: realistic wrong answers fail exactly the checks that name their mistake, and right answers
written differently still score full marks."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.grading.runner import grade
from checker.grading.spec import load_lab

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "01-training-job"
SOLUTION = REPO / "solutions" / "01-training-job" / "azure"
RG = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml-fraud"
DATASETS = f"{RG}/providers/Microsoft.Storage/storageAccounts/acmemldatasets"
ARTIFACTS = f"{RG}/providers/Microsoft.Storage/storageAccounts/acmemlartifacts"
IDENTITY = "11111111-1111-1111-1111-111111111111"
Assignments = list[dict[str, Any]]


def submit(tmp_path: Path, change: Callable[[Assignments, list[dict[str, Any]]], None]) -> tuple[set[str], Any]:
    folder = tmp_path / "submission"
    shutil.copytree(SOLUTION, folder)
    assignments = json.loads((folder / "role-assignments.json").read_text())
    roles = json.loads((folder / "custom-roles.json").read_text())
    change(assignments, roles)
    (folder / "role-assignments.json").write_text(json.dumps(assignments, indent=2))
    (folder / "custom-roles.json").write_text(json.dumps(roles, indent=2))
    result = grade(load_lab(LAB), "azure", folder)
    return {c.id for c in result.checks if not c.passed}, result


def reader(assignments: Assignments) -> dict[str, Any]:
    found: dict[str, Any] = assignments[0]
    return found


WRONG: list[tuple[str, Callable[[Assignments, list[dict[str, Any]]], None], set[str]]] = [
    (
        "reader assigned on the whole storage account",
        lambda a, r: reader(a).update(scope=DATASETS, condition=None, conditionVersion=None),
        {"least-privilege", "common-traps", "lists-nothing-else"},
    ),
    (
        "no path condition on reads",
        lambda a, r: reader(a).update(condition=None, conditionVersion=None),
        {"least-privilege", "common-traps", "lists-nothing-else"},
    ),
    (
        "path condition without its slash",
        lambda a, r: reader(a).update(condition=reader(a)["condition"].replace("'v3/'", "'v3'")),
        {"least-privilege"},
    ),
    (
        "Storage Blob Data Contributor for the model (can delete)",
        lambda a, r: a[1].update(role="Storage Blob Data Contributor"),
        {"least-privilege", "common-traps"},
    ),
    (
        "Storage Account Contributor (listKeys) on the dataset account",
        lambda a, r: a.append({"role": "Storage Account Contributor", "principalId": IDENTITY, "scope": DATASETS}),
        {"least-privilege", "common-traps"},
    ),
    (
        "Contributor on the resource group",
        lambda a, r: a.append({"role": "Contributor", "principalId": IDENTITY, "scope": RG}),
        {"least-privilege", "common-traps"},
    ),
    (
        "writer can also write the dataset container",
        lambda a, r: a.append(
            {
                "role": "Fraud Model Writer",
                "principalId": IDENTITY,
                "scope": f"{DATASETS}/blobServices/default/containers/fraud",
            }
        ),
        {"least-privilege", "common-traps"},
    ),
    (
        # The issue: reads narrowed by path, listing left open, scored full marks. List Blobs is authorized on
        # the container with the request's prefix (Azure ABAC: "List blobs" offers the request attribute
        # Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix, and no blob path).
        "listing left open by a path-only condition",
        lambda a, r: reader(a).update(condition=reader(a)["condition"].split(" AND ((")[0]),
        {"lists-nothing-else", "least-privilege"},
    ),
    (
        "no read at all",
        lambda a, r: a.pop(0),
        {"reads-dataset", "lists-dataset-prefix"},
    ),
]


@pytest.mark.parametrize(("change", "expected"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_the_check_that_names_it(
    tmp_path: Path, change: Callable[[Assignments, list[dict[str, Any]]], None], expected: set[str]
) -> None:
    failing, _result = submit(tmp_path, change)
    assert failing == expected


RIGHT: list[tuple[str, Callable[[Assignments, list[dict[str, Any]]], None]]] = [
    (
        "condition keywords in lower case",
        lambda a, r: reader(a).update(
            condition=reader(a)["condition"].replace("AND NOT", "and not").replace("StringStartsWith", "stringstartswith")
        ),
    ),
    (
        "built-in role referenced by its GUID",
        lambda a, r: reader(a).update(role="2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"),
    ),
]


@pytest.mark.parametrize("change", [r[1] for r in RIGHT], ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently(tmp_path: Path, change: Callable[[Assignments, list[dict[str, Any]]], None]) -> None:
    failing, result = submit(tmp_path, change)
    assert failing == set(), {c.id: c.message for c in result.checks if not c.passed}
    assert result.score == result.max_score
