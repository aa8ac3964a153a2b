"""Lab 03's hand-written AWS requests carry what AWS adds from the state of an existing role.

A request about a role that exists carries its tags and its permissions boundary whatever the caller sends:
- the role resource type lists `aws:ResourceTag/${TagKey}` and `iam:ResourceTag/${TagKey}` (Service
  Authorization Reference, IAM resource types; STS lists `aws:ResourceTag/${TagKey}` for the role);
- `iam:PermissionsBoundary` "Filters access if the specified policy is set as the permissions boundary on the
  IAM entity (user or role)" (IAM condition keys), except on a request that sets one (CreateRole,
  PutRolePermissionsBoundary), where it is the boundary the request sets.
A request that left them out would decide differently from AWS: an answer conditioned on the role's tag (ABAC)
would fail `allows` checks it passes in AWS, and an Allow conditioned on the role's boundary would pass
`denies` checks AWS fails. The roles that exist are those of platform/account.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.aws import catalog

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "03-multi-tenant-platform"
SETS_BOUNDARY = {"iam:createrole", "iam:putrolepermissionsboundary"}


def _existing_roles() -> dict[str, dict[str, Any]]:
    account = json.loads((LAB / "platform" / "account.json").read_text())
    number = account["account"]
    return {
        f"arn:aws:iam::{number}:role{role.get('path', '/')}{role['name']}": role
        for role in account["roles"]
    }


def _requests(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if {"action", "resource"} <= node.keys():
            yield node
        for value in node.values():
            yield from _requests(value)
    elif isinstance(node, list):
        for item in node:
            yield from _requests(item)


def _filled(text: Any, values: dict[str, str]) -> Any:
    if not isinstance(text, str):
        return text
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def _expected_state(action: str, role: dict[str, Any], boundary_arn: str) -> dict[str, str]:
    lowered = action.lower()
    if lowered.startswith("iam:create"):
        return {}  # the role is being made: no state yet
    expected = {f"aws:ResourceTag/{k}": v for k, v in (role.get("tags") or {}).items()}
    if lowered.startswith("iam:"):
        expected.update({f"iam:ResourceTag/{k}": v for k, v in (role.get("tags") or {}).items()})
        info = catalog.action_info(action)
        lists_key = info is not None and "iam:PermissionsBoundary" in info.condition_keys
        if lists_key and lowered not in SETS_BOUNDARY and role.get("boundary"):
            expected["iam:PermissionsBoundary"] = boundary_arn
    return expected


def _cases() -> list[Any]:
    spec = yaml.safe_load((LAB / "lab.yaml").read_text())
    values = {k: str(v) for k, v in spec["parameters"].items()}
    aws = spec["clouds"]["aws"]
    roles = _existing_roles()
    cases = []
    for request in _requests(aws):
        resource = _filled(request["resource"], values)
        if isinstance(resource, str) and resource in roles:
            cases.append(pytest.param(request, roles[resource], values, id=f"{request['action']} on {resource}"))
    return cases


@pytest.mark.parametrize(("request_data", "role", "values"), _cases())
def test_a_request_about_an_existing_role_carries_its_tags_and_boundary(
    request_data: dict[str, Any], role: dict[str, Any], values: dict[str, str]
) -> None:
    context = {k: _filled(v, values) for k, v in (request_data.get("context") or {}).items()}
    expected = _expected_state(request_data["action"], role, values["boundary_arn"])
    missing = {k: v for k, v in expected.items() if context.get(k) != v}
    assert not missing, f"add {missing} to the context of {request_data['action']} on {request_data['resource']}"


def test_the_lab_has_requests_about_existing_roles() -> None:
    assert len(_cases()) >= 10  # the test above must not pass by finding nothing
