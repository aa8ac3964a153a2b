"""Lab 04, GCP: realistic wrong answers fail exactly the checks that name their mistake, and right answers
written differently still score full marks. The GCP rules behind each case are in docs/genai-azure-gcp.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.grading.runner import grade
from checker.grading.spec import load_lab
from tests.labs.answers import Doc, assert_fails_exactly, failing, grade_changed

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "04-genai-inference"
SOLUTION = REPO / "solutions" / "04-genai-inference" / "gcp"
STARTER = LAB / ".starter" / "gcp"
PROJECT = "//cloudresourcemanager.googleapis.com/projects/acme-fraud"
SA = "serviceAccount:fraud-assistant@acme-fraud.iam.gserviceaccount.com"
ASSISTANT_SA = "//iam.googleapis.com/projects/acme-fraud/serviceAccounts/fraud-assistant@acme-fraud.iam.gserviceaccount.com"
RUNTIME_SA = (
    "//iam.googleapis.com/projects/acme-fraud/serviceAccounts/fraud-summarizer-runtime@acme-fraud.iam.gserviceaccount.com"
)
MODELS = "projects/acme-fraud/locations/us-central1/publishers/google/models/"
Change = Callable[[list[Doc], list[Doc]], None]  # (bindings, custom roles) -> None


def submit(tmp_path: Path, change: Change) -> dict[str, Any]:
    return grade_changed(LAB, SOLUTION, ("iam-bindings.json", "custom-roles.json"), change, tmp_path, cloud="gcp")


def bind(resource: str, role: str, member: str = SA) -> Doc:
    return {"resource": resource, "role": role, "members": [member]}


WRONG: list[tuple[str, Change, set[str], str | None]] = [
    (
        # "Vertex AI access control with IAM": roles/aiplatform.user holds hundreds of aiplatform permissions.
        "roles/aiplatform.user on the project (the starter's shortcut)",
        lambda b, r: b[0].update(role="roles/aiplatform.user"),
        {"least-privilege", "no-vertex-admin"},
        "aiplatform.",
    ),
    (
        "roles/editor on the project",
        lambda b, r: b.append(bind(PROJECT, "roles/editor")),
        {"least-privilege", "no-vertex-admin", "act-as-only-the-runtime"},
        None,
    ),
    (
        # "Resource attributes for IAM Conditions" (https://cloud.google.com/iam/docs/conditions-resource-attributes):
        # "Resource attributes are available for the Google Cloud services and resource types that are listed on
        # this page. Other services and resource types do not recognize resource attributes." The page's resource
        # service values (agentregistry.googleapis.com, apigee.googleapis.com, ...) do not include
        # aiplatform.googleapis.com, so the condition never holds and grants nothing: the lab's deviation from
        # the "IAM condition on the resource name" (README, GCP).
        "predict conditioned on the publisher models' resource.name",
        lambda b, r: b[0].update(
            condition={
                "title": "approved-models",
                "expression": f'resource.name == "{MODELS}gemini-2.0-flash-001" || resource.name == "{MODELS}text-embedding-005"',
            }
        ),
        {"calls-gemini"},
        None,
    ),
    (
        # "Use a custom service account": roles/iam.serviceAccountUser on the project reaches every account.
        "Service Account User on the project instead of the runtime account",
        lambda b, r: b[2].update(resource=PROJECT),
        {"least-privilege", "act-as-only-the-runtime"},
        "iam.serviceAccounts.actAs",
    ),
    (
        # Token Creator holds getAccessToken, not actAs.
        "Token Creator on the runtime account instead of Service Account User",
        lambda b, r: b[2].update(role="roles/iam.serviceAccountTokenCreator"),
        {"redeploys-summarizer", "least-privilege", "act-as-only-the-runtime"},
        None,
    ),
    (
        "no actAs on the runtime account",
        lambda b, r: b.pop(2) and None,
        {"redeploys-summarizer"},
        None,
    ),
    (
        "redeploy role bound on the project: every endpoint",
        lambda b, r: b[1].update(resource=PROJECT),
        {"least-privilege", "no-vertex-admin"},
        "aiplatform.endpoints.",
    ),
    (
        "every endpoint permission of roles/aiplatform.user in the redeploy role",
        lambda b, r: r[1].update(
            includedPermissions=[
                "aiplatform.endpoints.deploy", "aiplatform.endpoints.undeploy", "aiplatform.endpoints.get",
                "aiplatform.endpoints.update", "aiplatform.endpoints.delete", "aiplatform.endpoints.explain",
            ]
        ),
        {"least-privilege", "no-vertex-admin"},
        None,
    ),
    (
        "the team group may act as the assistant's service account",
        # The assistant's own account may be in that group, so the binding also widens what it may do.
        lambda b, r: b.append(bind(ASSISTANT_SA, "roles/iam.serviceAccountUser", "group:fraud-team@acme.example")),
        {"nobody-else-runs-as-the-assistant", "least-privilege"},
        None,
    ),
]


@pytest.mark.parametrize(("change", "expected", "shows"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_exactly_its_checks(tmp_path: Path, change: Change, expected: set[str], shows: str | None) -> None:
    assert_fails_exactly(submit(tmp_path, change), expected, shows)


def _one_role_per_permission(bindings: list[Doc], roles: list[Doc]) -> None:
    """The endpoint's redeploy role split into one custom role per permission, each bound on the endpoint."""
    endpoint = bindings.pop(1)["resource"]
    for verb in ("deploy", "undeploy"):
        roles.append({"name": f"projects/acme-fraud/roles/{verb}Only", "includedPermissions": [f"aiplatform.endpoints.{verb}"]})
        bindings.append(bind(endpoint, f"projects/acme-fraud/roles/{verb}Only"))


RIGHT: list[tuple[str, Change]] = [
    ("the redeploy role split into one role per permission", _one_role_per_permission),
    (
        "no endpoints.get in the redeploy role",
        lambda b, r: r[1].update(includedPermissions=["aiplatform.endpoints.deploy", "aiplatform.endpoints.undeploy"]),
    ),
]


@pytest.mark.parametrize("change", [r[1] for r in RIGHT], ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently_scores_full_marks(tmp_path: Path, change: Change) -> None:
    outcome = submit(tmp_path, change)
    result = outcome["result"]
    assert failing(outcome) == set(), {c.id: c.failures for c in result.checks if not c.passed}
    assert result.score == result.max_score


def test_the_starter_does_not_pass() -> None:
    result = grade(load_lab(LAB), "gcp", STARTER)
    assert not result.passed
    assert {c.id for c in result.checks if not c.passed} == {"least-privilege", "no-vertex-admin", "act-as-only-the-runtime"}
