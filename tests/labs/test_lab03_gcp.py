"""Lab 03, GCP: realistic wrong answers fail exactly the checks that name their mistake, right answers
written differently still score full marks, and the isolation proof subtracts deny and boundary policies.

Docs each rule rests on:
- "Policy evaluation" (https://cloud.google.com/iam/docs/policy-evaluation): principal access boundary
  policies are checked first, then deny policies, then allow policies.
- "Deny policies" (https://cloud.google.com/iam/docs/deny-overview): "When a principal is denied a
  permission, they can't do anything that requires that permission, regardless of the IAM roles they've
  been granted."
- "Resource attributes for IAM Conditions" (https://cloud.google.com/iam/docs/conditions-resource-attributes):
  Cloud Storage supplies resource.name; a condition on it narrows a bucket-level binding to a prefix.
- "Tags and conditional access" (https://cloud.google.com/iam/docs/tags-access-control): resource.matchTag.
- "Configure temporary access" (https://cloud.google.com/iam/docs/configuring-temporary-access): an
  expiring grant is a condition on request.time.
- "Principal access boundary policies" (https://cloud.google.com/iam/docs/principal-access-boundary-policies).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.core.errors import InputError
from tests.labs.answers import grade_copy

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "03-multi-tenant-platform"
SOLUTION = REPO / "solutions" / "03-multi-tenant-platform" / "gcp"
FILES = (
    "iam-bindings.json",
    "custom-roles.json",
    "job-bindings-template.json",
    "deny-policies.json",
    "principal-access-boundaries.json",
    "org-policies.json",
)
FOLDER = "//cloudresourcemanager.googleapis.com/folders/4567"
PROJECT = "//cloudresourcemanager.googleapis.com/projects/acme-ml"
Docs = dict[str, Any]


def submit(tmp_path: Path, change: Callable[[Docs], None]) -> Any:
    return grade_copy(LAB, SOLUTION, "gcp", FILES, change, tmp_path)


def failing(result: Any) -> set[str]:
    return {c.id for c in result.checks if not c.passed}


def bindings(docs: Docs) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = docs["iam-bindings.json"]
    return found


def deny_policy(docs: Docs, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in docs["deny-policies.json"][FOLDER] if p["name"] == name)
    return found


def expression(docs: Docs, index: int, old: str, new: str) -> None:
    condition = bindings(docs)[index]["condition"]
    assert old in condition["expression"]
    condition["expression"] = condition["expression"].replace(old, new)


def drop_deny_policy(name: str) -> Callable[[Docs], None]:
    def change(docs: Docs) -> None:
        docs["deny-policies.json"][FOLDER] = [p for p in docs["deny-policies.json"][FOLDER] if p["name"] != name]

    return change


# (name, change, exactly the checks that must fail)
WRONG: list[tuple[str, Callable[[Docs], None], set[str]]] = [
    (
        "dataset condition also granting whatever is tagged for the team (a growth/ object tagged risk)",
        lambda d: expression(
            d, 0, ' || resource.type', ' || resource.matchTag("123456789012/team", "risk") || resource.type'
        ),
        {"gcp-tenant-isolation"},
    ),
    (
        "no deny rule on resources tagged for the other team",
        drop_deny_policy("team-isolation"),
        {"gcp-tenant-isolation"},
    ),
    (
        "Service Account User on the whole project instead of the team's own service account",
        lambda d: bindings(d)[2].update(resource=PROJECT),
        {"gcp-tenant-isolation"},
    ),
    (
        "tag deny rule that lists only the admins (job service accounts and approvers are not held to it)",
        lambda d: [
            rule["denyRule"].update(deniedPrincipals=rule["denyRule"]["deniedPrincipals"][:1])
            for rule in deny_policy(d, "team-isolation")["rules"]
        ],
        {"gcp-tenant-isolation"},
    ),
    (
        "storage.admin on the datasets bucket for the team admins (setIamPolicy on a shared bucket)",
        lambda d: bindings(d).append(
            {
                "resource": "//storage.googleapis.com/projects/_/buckets/acme-ml-datasets",
                "role": "roles/storage.admin",
                "members": ["group:risk-admins@acme.example"],
            }
        ),
        {"gcp-tenant-isolation", "gcp-admin-cannot-escalate", "gcp-elevation-time-bound"},
    ),
    (
        "Token Creator on the team's own service account (a minted token is a new way in)",
        lambda d: bindings(d)[2].update(role="roles/iam.serviceAccountTokenCreator"),
        {"gcp-admin-cannot-escalate", "gcp-admin-can-work"},
    ),
    (
        "keys left to the roles instead of a deny rule",
        lambda d: deny_policy(d, "platform-guardrails")["rules"].pop(0),
        {"gcp-no-service-account-keys"},
    ),
    (
        "tag guardrail without the platform's exception",
        lambda d: deny_policy(d, "platform-guardrails")["rules"][1]["denyRule"].pop("exceptionPrincipals"),
        {"gcp-platform-can-tag"},
    ),
    (
        "tag guardrail that names only the team groups (the folder's owner still retags)",
        lambda d: deny_policy(d, "platform-guardrails")["rules"][1]["denyRule"].update(
            deniedPrincipals=["principalSet://goog/group/risk-admins@acme.example"]
        ),
        {"gcp-tags-only-by-platform"},
    ),
    (
        "principal access boundary at enforcement version 1 (listing and folders are not blocked yet)",
        lambda d: [
            p["details"].update(enforcementVersion="1")
            for policies in d["principal-access-boundaries.json"].values()
            for p in policies
        ],
        {"gcp-tenant-isolation", "gcp-job-credentials-confined"},
    ),
    (
        "no principal access boundary for the job service accounts",
        lambda d: [
            d["principal-access-boundaries.json"].pop(k)
            for k in list(d["principal-access-boundaries.json"])
            if k.startswith("serviceAccount:")
        ],
        {"gcp-tenant-isolation", "gcp-boundary-keeps-teams-in-project", "gcp-job-credentials-confined"},
    ),
    (
        "locations allowed everywhere",
        lambda d: d["org-policies.json"]["spec"].update(rules=[{"allowAll": True}]),
        {"gcp-locations-restricted"},
    ),
    (
        "job template for the whole team prefix instead of one job",
        lambda d: [
            b["condition"].update(expression=b["condition"]["expression"].replace("/{{job}}/", "/"))
            for b in d["job-bindings-template.json"]
        ],
        {"gcp-job-credentials-confined"},
    ),
    (
        "job template grants objectUser on the artifacts (can delete other runs' models of its prefix)",
        lambda d: d["job-bindings-template.json"][1].update(role="roles/storage.objectUser"),
        {"gcp-job-credentials-confined"},
    ),
    (
        "elevation with no end time (standing access)",
        lambda d: expression(d, 8, ' && request.time < timestamp("2026-12-05T11:00:00Z")', ""),
        {"gcp-elevation-time-bound"},
    ),
    (
        "elevation ending with <= (one second too long)",
        lambda d: expression(d, 8, "request.time < timestamp", "request.time <= timestamp"),
        {"gcp-elevation-time-bound"},
    ),
    (
        "elevation for the whole datasets bucket",
        lambda d: expression(
            d, 8, ' && resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/risk/")', ""
        ),
        {"gcp-tenant-isolation"},
    ),
]


@pytest.mark.parametrize(("change", "expected"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_the_check_that_names_it(
    tmp_path: Path, change: Callable[[Docs], None], expected: set[str]
) -> None:
    result = submit(tmp_path, change)
    assert failing(result) == expected, {c.id: c.message for c in result.checks if not c.passed}
    assert not result.passed


RIGHT: list[tuple[str, Callable[[Docs], None]]] = [
    (
        "bucket condition written the other way round",
        lambda d: bindings(d)[0]["condition"].update(
            expression='resource.type == "storage.googleapis.com/Bucket" || '
            'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/risk/")'
        ),
    ),
    (
        "one deny rule per team with every team group listed in another order",
        lambda d: deny_policy(d, "team-isolation")["rules"][0]["denyRule"]["deniedPrincipals"].reverse(),
    ),
    (
        "elevation window written with the end first and an explicit timestamp comparison",
        lambda d: bindings(d)[8]["condition"].update(
            expression='resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/risk/") && '
            'request.time < timestamp("2026-12-05T11:00:00Z") && '
            '!(request.time < timestamp("2026-12-05T10:00:00Z"))'
        ),
    ),
    (
        "locations as single EU region groups",
        lambda d: d["org-policies.json"]["spec"]["rules"][0]["values"].update(
            allowedValues=["in:europe-west1-locations", "in:europe-west4-locations"]
        ),
    ),
    (
        "job template granting only object reads (a custom role) instead of objectViewer",
        lambda d: (
            d["custom-roles.json"].append(
                {"name": "projects/acme-ml/roles/jobReader", "includedPermissions": ["storage.objects.get"]}
            ),
            d["job-bindings-template.json"][0].update(role="projects/acme-ml/roles/jobReader"),
        ),
    ),
]


@pytest.mark.parametrize("change", [r[1] for r in RIGHT], ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently(tmp_path: Path, change: Callable[[Docs], None]) -> None:
    result = submit(tmp_path, change)
    assert failing(result) == set(), {c.id: c.message for c in result.checks if not c.passed}
    assert result.score == result.max_score


def test_the_isolation_counterexample_names_principal_permission_resource_and_tag(tmp_path: Path) -> None:
    result = submit(tmp_path, drop_deny_policy("team-isolation"))
    check = next(c for c in result.checks if c.id == "gcp-tenant-isolation")
    assert "resource_tags" in check.message and "123456789012/team" in check.message
    assert "user:risk-lead@acme.example (risk) can " in check.message


def test_a_condition_the_prover_does_not_model_is_unknown_and_fails(tmp_path: Path) -> None:
    """extract() is not modelled: the proof must say so and fail, never pass."""
    result = submit(
        tmp_path,
        lambda d: bindings(d)[0]["condition"].update(
            expression='resource.name.extract("objects/{team}/") == "risk" || '
            'resource.type == "storage.googleapis.com/Bucket"'
        ),
    )
    check = next(c for c in result.checks if c.id == "gcp-tenant-isolation")
    assert not check.passed
    assert "could not prove" in check.message and "extract()" in check.message


def test_a_template_placeholder_the_platform_does_not_fill_is_located(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        submit(
            tmp_path,
            lambda d: d["job-bindings-template.json"][0].update(
                members=["serviceAccount:{{tenant}}-{{job}}@acme-ml.iam.gserviceaccount.com"]
            ),
        )
    assert caught.value.where is not None and caught.value.where.file.endswith("job-bindings-template.json")
    assert "{{tenant}}" in caught.value.message
