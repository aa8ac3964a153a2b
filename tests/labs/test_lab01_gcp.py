"""Lab 01, GCP: realistic wrong answers fail exactly the checks that name their mistake, and right answers
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
SOLUTION = REPO / "solutions" / "01-training-job" / "gcp"
SA = "serviceAccount:fraud-training@acme-ml.iam.gserviceaccount.com"
PROJECT = "//cloudresourcemanager.googleapis.com/projects/acme-ml"
Bindings = list[dict[str, Any]]


def submit(tmp_path: Path, change: Callable[[Bindings], None]) -> tuple[set[str], Any]:
    folder = tmp_path / "submission"
    shutil.copytree(SOLUTION, folder)
    bindings = json.loads((folder / "iam-bindings.json").read_text())
    change(bindings)
    (folder / "iam-bindings.json").write_text(json.dumps(bindings, indent=2))
    result = grade(load_lab(LAB), "gcp", folder)
    return {c.id for c in result.checks if not c.passed}, result


def expression(bindings: Bindings, index: int) -> str:
    value: str = bindings[index]["condition"]["expression"]
    return value


WRONG: list[tuple[str, Callable[[Bindings], None], set[str]]] = [
    (
        "project-level editor",
        lambda b: b.append({"resource": PROJECT, "role": "roles/editor", "members": [SA]}),
        {"least-privilege", "common-traps"},
    ),
    (
        "storage.admin on the dataset bucket",
        lambda b: b.append({"resource": b[0]["resource"], "role": "roles/storage.admin", "members": [SA]}),
        {"least-privilege", "common-traps"},
    ),
    (
        "prefix condition without its slash",
        lambda b: b[0]["condition"].update(expression=expression(b, 0).replace("fraud/v3/", "fraud/v3")),
        {"least-privilege", "common-traps"},
    ),
    (
        "no condition on reads",
        lambda b: b[0].pop("condition"),
        {"least-privilege", "common-traps"},
    ),
    (
        "objectUser on the artifacts bucket (can delete)",
        lambda b: b[1].update(role="roles/storage.objectUser"),
        {"least-privilege", "common-traps"},
    ),
    (
        "service account user at project level",
        lambda b: b.append({"resource": PROJECT, "role": "roles/iam.serviceAccountUser", "members": [SA]}),
        {"least-privilege", "common-traps"},
    ),
    (
        "prefix condition only, so listing is denied",
        lambda b: b[0]["condition"].update(
            expression='resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/fraud/v3/")'
        ),
        {"reads-dataset"},
    ),
]


@pytest.mark.parametrize(("change", "expected"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_the_check_that_names_it(tmp_path: Path, change: Callable[[Bindings], None], expected: set[str]) -> None:
    failing, _result = submit(tmp_path, change)
    assert failing == expected


RIGHT: list[tuple[str, Callable[[Bindings], None]]] = [
    (
        "conditions written in the other order",
        lambda b: b[0]["condition"].update(
            expression='resource.type == "storage.googleapis.com/Bucket" || '
            'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/fraud/v3/")'
        ),
    ),
    (
        "condition with another title and a description",
        lambda b: b[1]["condition"].update(title="models-prefix", description="only fraud/models/"),
    ),
    (
        "members listed twice",
        lambda b: b[0].update(members=[SA, SA]),
    ),
]


@pytest.mark.parametrize("change", [r[1] for r in RIGHT], ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently(tmp_path: Path, change: Callable[[Bindings], None]) -> None:
    failing, result = submit(tmp_path, change)
    assert failing == set(), {c.id: c.message for c in result.checks if not c.passed}
    assert result.score == result.max_score


# --- trust is proved, not sampled (issue 13) -------------------------------------------------------------
# "Service account impersonation" (cloud.google.com/iam/docs/service-account-impersonation) and "Roles for
# service account authentication": actAs (Service Account User), getAccessToken and friends (Token Creator,
# Workload Identity User), key creation and the account's IAM policy let their holder act as the account,
# whether granted on the account itself or inherited from its project. lab.yaml lists two example members;
# any other holder must fail too.
SA_RESOURCE = "//iam.googleapis.com/projects/acme-ml/serviceAccounts/fraud-training@acme-ml.iam.gserviceaccount.com"
POOL = "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/attribute.repository/acme/ml"
TAKERS: list[tuple[str, str, str, str]] = [
    ("Service Account User on the account", SA_RESOURCE, "roles/iam.serviceAccountUser", "user:intern@acme.example"),
    ("Token Creator on the project", PROJECT, "roles/iam.serviceAccountTokenCreator", "group:ml-team@acme.example"),
    ("Workload Identity User for a federated pool", SA_RESOURCE, "roles/iam.workloadIdentityUser", POOL),
    ("Service Account Key Admin on the project", PROJECT, "roles/iam.serviceAccountKeyAdmin", "domain:acme.example"),
    ("owner of the project", PROJECT, "roles/owner", "user:ops@acme.example"),
    ("editor for every authenticated user", PROJECT, "roles/editor", "allAuthenticatedUsers"),
]


@pytest.mark.parametrize(("resource", "role", "member"), [t[1:] for t in TAKERS], ids=[t[0] for t in TAKERS])
def test_anyone_else_who_can_act_as_the_account_fails_the_trust_check(
    tmp_path: Path, resource: str, role: str, member: str
) -> None:
    failing, result = submit(tmp_path, lambda b: b.append({"resource": resource, "role": role, "members": [member]}))
    assert "nobody-else-runs-as-the-job" in failing
    check = next(c for c in result.checks if c.id == "nobody-else-runs-as-the-job")
    assert check.counterexample is not None and check.counterexample.principal == member
    assert role in check.counterexample.context["granted_by"]


def test_the_account_acting_as_itself_is_allowed(tmp_path: Path) -> None:
    failing, _result = submit(
        tmp_path, lambda b: b.append({"resource": SA_RESOURCE, "role": "roles/iam.serviceAccountTokenCreator", "members": [SA]})
    )
    assert "nobody-else-runs-as-the-job" not in failing
