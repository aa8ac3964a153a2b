"""Builders for GCP batch cases: a lab-shaped hierarchy (object < bucket < project < folder < org)."""

from __future__ import annotations

import copy
from typing import Any

ORG = "//cloudresourcemanager.googleapis.com/organizations/222"
FOLDER = "//cloudresourcemanager.googleapis.com/folders/111"
PROJECT = "//cloudresourcemanager.googleapis.com/projects/acme-ml"
BUCKET = "//storage.googleapis.com/projects/_/buckets/acme-ml-datasets"
OBJECT = BUCKET + "/objects/fraud/v3/a.csv"
SA = "serviceAccount:fraud-training@acme-ml.iam.gserviceaccount.com"
SA_V2 = (
    "principal://iam.googleapis.com/projects/-/serviceAccounts/fraud-training@acme-ml.iam.gserviceaccount.com"
)
GROUP = "group:ml@acme.example"
POOL = "iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github"
GITHUB_PRINCIPAL = f"principal://{POOL}/subject/repo:acme/train:ref:refs/heads/main"


def case(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "c",
        "principal": SA,
        "groups": [GROUP],
        "permission": "storage.objects.get",
        "resource": OBJECT,
        "resource_type": "storage.googleapis.com/Object",
        "ancestors": [BUCKET, PROJECT, FOLDER, ORG],
        "request_time": "2026-11-28T10:00:00Z",
        "allow_policies": {},
        "deny_policies": {},
        "custom_roles": {},
    }
    base.update(copy.deepcopy(overrides))
    return base


def grant(role: str, members: list[str], condition: str | None = None, title: str = "t") -> dict[str, Any]:
    binding: dict[str, Any] = {"role": role, "members": members}
    if condition is not None:
        binding["condition"] = {"title": title, "expression": condition}
    return binding


def allow(where: str, *bindings: dict[str, Any]) -> dict[str, Any]:
    return {where: {"bindings": list(bindings)}}


def deny_rule(
    principals: list[str],
    permissions: list[str],
    exception_principals: list[str] | None = None,
    exception_permissions: list[str] | None = None,
    condition: str | None = None,
) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "deniedPrincipals": principals,
        "exceptionPrincipals": exception_principals or [],
        "deniedPermissions": permissions,
        "exceptionPermissions": exception_permissions or [],
    }
    if condition is not None:
        rule["denialCondition"] = {"title": "tags", "expression": condition}
    return {"denyRule": rule}


def deny(where: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {where: [{"name": "guardrail", "rules": list(rules)}]}
