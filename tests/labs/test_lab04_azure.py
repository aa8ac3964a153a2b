"""Lab 04, Azure: realistic wrong answers fail exactly the checks that name their mistake, and right answers
written differently still score full marks. The Azure rules behind each case are in docs/genai-azure-gcp.md."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.grading.runner import grade
from checker.grading.spec import load_lab
from tests.labs.answers import Doc, assert_fails_exactly, failing, grade_changed

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "04-genai-inference"
SOLUTION = REPO / "solutions" / "04-genai-inference" / "azure"
STARTER = LAB / ".starter" / "azure"
SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000001"
RG = f"{SUBSCRIPTION}/resourceGroups/rg-fraud-assistant"
AOAI = f"{RG}/providers/Microsoft.CognitiveServices/accounts/aoai-fraud-assistant"
FOUNDRY = f"{RG}/providers/Microsoft.CognitiveServices/accounts/aif-fraud"
PROJECT = f"{FOUNDRY}/projects/fraud-assistant"
IDENTITY = "44444444-4444-4444-4444-444444444444"
Change = Callable[[list[Doc], Doc], None]  # (role assignments, policy assignment) -> None


def submit(tmp_path: Path, change: Change) -> dict[str, Any]:
    names = ("role-assignments.json", "policy-assignment.json")
    return grade_changed(LAB, SOLUTION, names, change, tmp_path, cloud="azure")


def assign(role: str, scope: str) -> Doc:
    return {"role": role, "principalId": IDENTITY, "scope": scope}


def properties(policy: Doc) -> Doc:
    found: Doc = policy["properties"]
    return found


# (name, change, checks that must fail, text a counterexample or failure must show, or None)
WRONG: list[tuple[str, Change, set[str], str | None]] = [
    (
        # "Role-based access control for Azure OpenAI": Cognitive Services Contributor "permits creating new
        # resources, viewing and managing keys ... It doesn't allow ... making inference API calls."
        "Cognitive Services Contributor instead of OpenAI User",
        lambda a, p: a[0].update(role="Cognitive Services Contributor"),
        {"calls-the-deployments", "no-keys-or-management", "least-privilege"},
        "listKeys",
    ),
    (
        # Same page: OpenAI Contributor adds "the ability to create custom fine-tuned models, upload datasets,
        # and manage model deployments".
        "Cognitive Services OpenAI Contributor on the account",
        lambda a, p: a[0].update(role="Cognitive Services OpenAI Contributor"),
        {"no-keys-or-management", "least-privilege"},
        "Microsoft.CognitiveServices/accounts/",
    ),
    (
        # Cognitive Services User reads keys ("Lets you read and list keys of Cognitive Services").
        "Cognitive Services User: inference plus keys",
        lambda a, p: a[0].update(role="Cognitive Services User"),
        {"no-keys-or-management", "least-privilege"},
        "listKeys",
    ),
    (
        # Azure RBAC, "Understand scope": "When you assign a role at a parent scope, those permissions are
        # inherited to the child scopes."
        "OpenAI User on the resource group: the marketing account too",
        lambda a, p: a[0].update(scope=RG),
        {"only-this-account-and-project", "least-privilege"},
        "aoai-marketing",
    ),
    (
        "Owner on the resource group",
        lambda a, p: a.append(assign("Owner", RG)),
        {"no-keys-or-management", "least-privilege"},
        None,
    ),
    (
        # "Role-based access control for Microsoft Foundry": developers get Azure AI User "on Foundry project
        # scope"; on the resource it reaches every project of it.
        "Foundry User on the Foundry resource instead of the project",
        lambda a, p: a[1].update(scope=FOUNDRY),
        {"only-this-account-and-project", "no-keys-or-management", "least-privilege"},
        "marketing-copilot",
    ),
    (
        "Azure AI Developer on the Foundry resource (the hub-era role)",
        lambda a, p: a.__setitem__(1, assign("Azure AI Developer", FOUNDRY)),
        {"uses-its-project", "only-this-account-and-project", "least-privilege"},
        None,
    ),
    (
        "no Foundry assignment at all",
        lambda a, p: a.pop(1) and None,
        {"uses-its-project"},
        None,
    ),
    (
        # The definition's effect parameter: "allowedValues": ["Audit", "Deny", "Disabled"], default "Audit".
        "key-access policy left at Audit",
        lambda a, p: properties(p)["parameters"]["effect"].update(value="Audit"),
        {"key-access-disabled-by-policy"},
        '"Audit"',
    ),
    (
        # "Azure Policy assignment structure": enforcementMode DoNotEnforce - "The policy effect isn't enforced".
        "key-access policy with enforcementMode DoNotEnforce",
        lambda a, p: properties(p).update(enforcementMode="DoNotEnforce"),
        {"key-access-disabled-by-policy"},
        "DoNotEnforce",
    ),
    (
        "key-access policy excludes the team's account (notScopes)",
        lambda a, p: properties(p).update(notScopes=[AOAI]),
        {"key-access-disabled-by-policy"},
        "aoai-fraud-assistant",
    ),
    (
        # Two spellings of one property: read without regard to case, DoNotEnforce may be the one that counts.
        "key-access policy also says EnforcementMode DoNotEnforce",
        lambda a, p: properties(p).update(EnforcementMode="DoNotEnforce"),
        {"key-access-disabled-by-policy"},
        "differ only in case",
    ),
    (
        "key-access policy assigned on another resource group",
        lambda a, p: properties(p).update(scope=f"{SUBSCRIPTION}/resourceGroups/rg-marketing"),
        {"key-access-disabled-by-policy"},
        "rg-marketing",
    ),
]


@pytest.mark.parametrize(("change", "expected", "shows"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_exactly_its_checks(tmp_path: Path, change: Change, expected: set[str], shows: str | None) -> None:
    assert_fails_exactly(submit(tmp_path, change), expected, shows)


def _roles_by_id(assignments: list[Doc], policy: Doc) -> None:
    """Built-in roles named by their GUIDs (the `name` of each definition) instead of their display names."""
    assignments[0].update(role="5e0bd9bd-7b93-4f28-af87-19fc36ad61bd")  # Cognitive Services OpenAI User
    assignments[1].update(role="53ca6127-db72-4b80-b1b0-d745d6d5456d")  # Foundry User


RIGHT: list[tuple[str, Change]] = [
    ("role names written as their built-in ids", _roles_by_id),
    ("policy assigned on the subscription", lambda a, p: properties(p).update(scope=SUBSCRIPTION)),
    ("no notScopes field", lambda a, p: properties(p).pop("notScopes") and None),
    # "Resource and resource group names are case-insensitive unless specifically noted" (Azure Resource
    # Manager, "Naming rules and restrictions for Azure resources"): ids in another case name the same thing.
    ("policy and scope ids in lower case", lambda a, p: properties(p).update(
        policyDefinitionId=properties(p)["policyDefinitionId"].lower(), scope=properties(p)["scope"].lower())),
]


@pytest.mark.parametrize("change", [r[1] for r in RIGHT], ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently_scores_full_marks(tmp_path: Path, change: Change) -> None:
    outcome = submit(tmp_path, change)
    result = outcome["result"]
    assert failing(outcome) == set(), {c.id: c.failures for c in result.checks if not c.passed}
    assert result.score == result.max_score


def test_a_custom_inference_role_scores_full_marks(tmp_path: Path) -> None:
    """A custom role with only the two data actions the app calls (role definitions, "dataActions")."""
    folder = tmp_path / "submission"
    folder.mkdir()
    for name in ("role-assignments.json", "policy-assignment.json"):
        (folder / name).write_text((SOLUTION / name).read_text())
    assignments = json.loads((folder / "role-assignments.json").read_text())
    assignments[0]["role"] = "fraud-assistant-inference"
    (folder / "role-assignments.json").write_text(json.dumps(assignments))
    role = {
        "id": "fraud-assistant-inference",
        "roleName": "Fraud assistant inference",
        "permissions": [{
            "actions": [],
            "notActions": [],
            "dataActions": [
                "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
                "Microsoft.CognitiveServices/accounts/OpenAI/deployments/embeddings/action",
            ],
            "notDataActions": [],
        }],
        "assignableScopes": [AOAI],
    }
    (folder / "custom-roles.json").write_text(json.dumps([role]))
    lab = load_lab(LAB)
    result = grade(lab, "azure", folder)
    assert {c.id for c in result.checks if not c.passed} == set()
    assert result.score == result.max_score


def test_the_starter_does_not_pass() -> None:
    result = grade(load_lab(LAB), "azure", STARTER)
    assert not result.passed
    assert {c.id for c in result.checks if not c.passed} == {
        "least-privilege",
        "no-keys-or-management",
        "only-this-account-and-project",
        "key-access-disabled-by-policy",
    }
