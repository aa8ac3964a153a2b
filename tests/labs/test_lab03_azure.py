"""Lab 03, Azure: realistic wrong answers fail exactly the checks that name their mistake, and right
answers written differently still pass.

Each case changes a copy of solutions/03-multi-tenant-platform/azure/. The request checks are instant;
the proofs (isolation, confinement) take seconds each, so a case runs the request checks and the proofs
it names (tests/grading/test_labs.py grades the reference answer and the starter with every check).

Vendor rules behind the cases:
- "Delegate Azure role assignment management to others with conditions" (learn.microsoft.com/azure/
  role-based-access-control/delegate-role-assignments-portal): constrain roleAssignments/write and
  /delete by RoleDefinitionId and PrincipalType, or the delegate can assign Owner (to itself too).
- "Understand scope for Azure RBAC": an assignment applies to its scope and everything below it.
- "Actions and attributes for Azure role assignment conditions for Azure Blob Storage": List blobs
  (Blob.List) supplies only the request's prefix, not a blob path; "Write to a blob with blob index tags"
  (Blob.Write.WithTagHeaders) carries the tags of an upload.
- "Azure Policy pattern: field properties": Allowed locations denies `location notIn [...]` except `global`.
- "Azure Policy definition structure policy rule": conditions on the request payload; `not`, `allOf`.
- Azure RBAC eligible assignments (PIM): active only between their start and end.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.grading.runner import grade
from checker.grading.spec import load_lab

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "03-multi-tenant-platform"
SOLUTION = REPO / "solutions" / "03-multi-tenant-platform" / "azure"
FILES = ("role-assignments.json", "custom-roles.json", "job-assignments-template.json", "policy-assignments.json")
PROOFS = {"azure-tenant-isolation", "azure-admin-template", "azure-job-credentials-confined", "azure-elevation-window"}
Docs = dict[str, Any]
BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000003"


def failing(tmp_path: Path, change: Callable[[Docs], None], proofs: tuple[str, ...] = ()) -> set[str]:
    """Copy the reference answer, apply one change, grade the request checks and the named proofs."""
    folder = tmp_path / "submission"
    shutil.copytree(SOLUTION, folder)
    docs = {name: json.loads((folder / name).read_text()) for name in FILES}
    change(docs)
    for name, doc in docs.items():
        (folder / name).write_text(json.dumps(doc, indent=2))
    lab = load_lab(LAB)
    spec = lab.clouds["azure"]
    checks = tuple(c for c in spec.checks if c.id not in PROOFS or c.id in proofs)
    lab = dataclasses.replace(lab, clouds={"azure": dataclasses.replace(spec, checks=checks, pass_mark=0)})
    result = grade(lab, "azure", folder)
    return {c.id for c in result.checks if not c.passed}


def assignment(docs: Docs, role: str, team: str | None = None) -> dict[str, Any]:
    """The first assignment of `role` (for `team`'s admins when given)."""
    group = {"risk": "1a000000-0000-4000-8000-000000000001", "growth": "2b000000-0000-4000-8000-000000000001"}
    found: dict[str, Any] = next(a for a in docs["role-assignments.json"] if a["role"] == role
                                 and (team is None or a["principalId"] == group[team]))
    return found


# ------------------------------------------------------------------ wrong answers
def contributor_on_the_subscription(docs: Docs) -> None:
    """The quick start: admins get Contributor where it is easiest to assign, the subscription."""
    assignment(docs, "Contributor", "risk")["scope"] = SUB


def unconditioned_delegation(docs: Docs) -> None:
    """User Access Administrator on the team's resource group 'so admins can give their jobs access'."""
    entry = assignment(docs, "Role Based Access Control Administrator", "risk")
    entry["role"] = "User Access Administrator"
    del entry["condition"], entry["conditionVersion"]


def delegation_without_principal_type(docs: Docs) -> None:
    """Only the role is constrained: the admin can give AzureML Data Scientist to itself (a User)."""
    entry = assignment(docs, "Role Based Access Control Administrator", "risk")
    entry["condition"] = entry["condition"].replace(
        " AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:"
        "StringEqualsIgnoreCase {'ServicePrincipal'}", "")


def reader_without_list_condition(docs: Docs) -> None:
    """The path condition guards reads, but List Blobs supplies no path: listing is wide open."""
    entry = assignment(docs, "Storage Blob Data Reader", "growth")
    entry["condition"] = entry["condition"].split(" AND ((!(ActionMatches")[0]


def prefix_without_slash(docs: Docs) -> None:
    """'risk' instead of 'risk/': also every path of a team whose name starts with risk (riskops/...)."""
    for entry in docs["role-assignments.json"]:
        if entry["role"] == "Storage Blob Data Reader" and entry["principalId"].startswith("1a"):
            entry["condition"] = entry["condition"].replace("'risk/'", "'risk'")


def job_template_for_the_whole_team(docs: Docs) -> None:
    """One job's identity gets the team's prefix: every job reads every other job's data."""
    for entry in docs["job-assignments-template.json"]:
        entry["condition"] = entry["condition"].replace("{{team}}/{{job}}/", "{{team}}/")


def job_writes_with_blob_data_owner(docs: Docs) -> None:
    """Storage Blob Data Owner for the artifacts: delete and tag writes come along (blobs/*)."""
    writer = docs["job-assignments-template.json"][1]
    writer["role"] = "Storage Blob Data Owner"


def job_uploads_with_tag_headers(docs: Docs) -> None:
    """The writer condition forgot Put Blob with x-ms-tags: a job can label its output as growth's."""
    writer = docs["job-assignments-template.json"][1]
    writer["condition"] = writer["condition"].replace(" AND !(SubOperationMatches{'Blob.Write.WithTagHeaders'})", "")


def region_policy_without_global(docs: Docs) -> None:
    """Allowed locations written from memory: 'global' resources are now refused too."""
    docs["policy-assignments.json"][0]["definition"]["policyRule"]["if"] = {
        "field": "location", "notIn": "[parameters('listOfAllowedLocations')]"}


def region_policy_as_audit(docs: Docs) -> None:
    """The region policy left at audit while testing: nothing is refused."""
    docs["policy-assignments.json"][0]["definition"]["policyRule"]["then"]["effect"] = "audit"


def no_team_tag_policy(docs: Docs) -> None:
    docs["policy-assignments.json"] = docs["policy-assignments.json"][:1]


def standing_elevation(docs: Docs) -> None:
    """The approvers' assignment made active instead of eligible: elevation that never ends."""
    entry = assignment(docs, "Storage Blob Data Contributor")
    del entry["start"], entry["end"]


def elevation_for_a_day(docs: Docs) -> None:
    entry = assignment(docs, "Storage Blob Data Contributor")
    entry["end"] = "2026-12-08T09:00:00Z"


WRONG: list[tuple[str, Callable[[Docs], None], tuple[str, ...], set[str]]] = [
    ("contributor-on-subscription", contributor_on_the_subscription, ("azure-tenant-isolation", "azure-admin-template"),
     {"azure-tenant-isolation", "azure-admin-template"}),
    ("unconditioned-delegation", unconditioned_delegation, ("azure-admin-template",),
     {"azure-admin-template", "azure-admin-cannot-escalate"}),
    ("delegation-without-principal-type", delegation_without_principal_type, ("azure-admin-template",),
     {"azure-admin-template", "azure-admin-cannot-escalate"}),
    ("reader-without-list-condition", reader_without_list_condition, ("azure-tenant-isolation",),
     {"azure-tenant-isolation"}),
    ("prefix-without-slash", prefix_without_slash, ("azure-admin-template",), {"azure-admin-template"}),
    ("job-template-for-the-team", job_template_for_the_whole_team, ("azure-job-credentials-confined",),
     {"azure-job-credentials-confined"}),
    ("job-writes-as-owner", job_writes_with_blob_data_owner, ("azure-job-credentials-confined",),
     {"azure-job-credentials-confined", "azure-tags-only-by-platform"}),
    ("job-uploads-with-tags", job_uploads_with_tag_headers, (), {"azure-tags-only-by-platform"}),
    ("region-policy-without-global", region_policy_without_global, (), {"azure-policy-spares"}),
    ("region-policy-audit", region_policy_as_audit, (), {"azure-policy-regions"}),
    ("no-team-tag-policy", no_team_tag_policy, (), {"azure-policy-team-tag"}),
    ("standing-elevation", standing_elevation, ("azure-elevation-window",), {"azure-elevation-window"}),
    ("elevation-for-a-day", elevation_for_a_day, ("azure-elevation-window",), {"azure-elevation-window"}),
]


@pytest.mark.parametrize(("change", "proofs", "expected"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_exactly_its_checks(tmp_path: Path, change: Callable[[Docs], None],
                                               proofs: tuple[str, ...], expected: set[str]) -> None:
    assert failing(tmp_path, change, proofs) == expected


# ------------------------------------------------------------------ right answers written differently
def elevation_as_utc_now_condition(docs: Docs) -> None:
    """The window as an @Environment[UtcNow] condition instead of PIM's start and end."""
    entry = assignment(docs, "Storage Blob Data Contributor")
    start, end = entry.pop("start"), entry.pop("end")
    del start, end
    entry["condition"] = (f"({entry['condition']}) AND "
                          "(@Environment[UtcNow] DateTimeGreaterThanEquals '2026-12-07T09:00:00.0Z' AND "
                          "@Environment[UtcNow] DateTimeLessThan '2026-12-07T10:00:00.0Z')")


def region_policy_with_not_in(docs: Docs) -> None:
    """`not` + `in` instead of `notIn`, and the global exemption as anyOf."""
    docs["policy-assignments.json"][0]["definition"]["policyRule"]["if"] = {"allOf": [
        {"not": {"field": "location", "in": "[parameters('listOfAllowedLocations')]"}},
        {"not": {"anyOf": [{"field": "location", "equals": "global"},
                           {"field": "type", "equals": "Microsoft.AzureActiveDirectory/b2cDirectories"}]}}]}


def readers_split_by_operation(docs: Docs) -> None:
    """Two assignments per container, one for reads and one for listing, instead of one combined condition."""
    split = []
    for entry in docs["role-assignments.json"]:
        if entry["role"] != "Storage Blob Data Reader":
            split.append(entry)
            continue
        prefix = "risk/" if entry["principalId"].startswith("1a") else "growth/"
        reads = dict(entry, condition=(f"((!(ActionMatches{{'{BLOBS}/read'}} AND NOT SubOperationMatches{{'Blob.List'}})) "
                                       f"OR (@Resource[{BLOBS}:path] StringStartsWith '{prefix}')) AND "
                                       f"(!(ActionMatches{{'{BLOBS}/read'}} AND SubOperationMatches{{'Blob.List'}}))"))
        lists = dict(entry, condition=(f"(!(ActionMatches{{'{BLOBS}/read'}} AND NOT SubOperationMatches{{'Blob.List'}})) "
                                       f"AND (@Request[{BLOBS}:prefix] StringStartsWith '{prefix}')"))
        split.extend([reads, lists])
    docs["role-assignments.json"] = split


def roles_by_definition_id(docs: Docs) -> None:
    """Roles named by roleDefinitionId (as `az role assignment list` prints them) instead of by name."""
    ids = {"Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
           "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168"}
    for entry in docs["role-assignments.json"]:
        if entry["role"] in ids:
            guid = ids[entry.pop("role")]
            entry["roleDefinitionId"] = f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


RIGHT: list[tuple[str, Callable[[Docs], None], tuple[str, ...]]] = [
    ("elevation-as-utc-now", elevation_as_utc_now_condition, ("azure-elevation-window",)),
    ("region-policy-not-in", region_policy_with_not_in, ()),
    ("readers-split", readers_split_by_operation, ("azure-tenant-isolation", "azure-admin-template")),
    ("roles-by-definition-id", roles_by_definition_id, ("azure-admin-template",)),
]


@pytest.mark.parametrize(("change", "proofs"), [r[1:] for r in RIGHT], ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently_passes(tmp_path: Path, change: Callable[[Docs], None],
                                                 proofs: tuple[str, ...]) -> None:
    assert failing(tmp_path, change, proofs) == set()
