"""Escalation paths of principals held to a permissions boundary, with principal tags (lab 03's platform).

IAM User Guide, "Permissions boundaries for IAM entities": "An entity's permissions boundary allows it to
perform only the actions that are allowed by both its identity-based policies and its permissions
boundaries." So a role a bounded admin creates with AdministratorAccess but held to the same boundary is
no way out of it, while a role created without the boundary, a boundary rewritten with
CreatePolicyVersion ("SetAsDefault ... Specifies whether to set this version as the policy's default
version", IAM API Reference, CreatePolicyVersion) or removed is. Policy variables on the caller's own tags
are resolved as AWS resolves them ("${aws:PrincipalTag/tag-key}", IAM User Guide, IAM policy elements:
Variables and tags).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from checker.aws.analyze import escalation_paths, load_snapshot
from checker.aws.analyze.substitute import substitute
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import parse_policy
from checker.aws.request import Request
from checker.core.source import parse_json

ACCOUNT = "111122223333"
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/team-boundary"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/teams/risk/risk-admin"
TEAM = "${aws:PrincipalTag/team}"


def _boundary() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::acme-ml-datasets/{TEAM}/*"},
            {
                "Sid": "RolesWithThisBoundary",
                "Effect": "Allow",
                "Action": ["iam:CreateRole", "iam:PutRolePolicy"],
                "Resource": f"arn:aws:iam::{ACCOUNT}:role/teams/{TEAM}/*",
                "Condition": {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}},
            },
            {
                "Sid": "PassOwnRoles",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": f"arn:aws:iam::{ACCOUNT}:role/teams/{TEAM}/*",
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            },
            {
                "Effect": "Allow",
                "Action": "sagemaker:CreateTrainingJob",
                "Resource": f"arn:aws:sagemaker:*:{ACCOUNT}:training-job/{TEAM}-*",
            },
        ],
    }


def _account(boundary: dict[str, Any], admin: dict[str, Any] | None = None) -> dict[str, Any]:
    sagemaker = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    people = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}],
    }
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    return {
        "account": ACCOUNT,
        "policies": {"team-boundary": boundary, "team-admin": admin or copy.deepcopy(boundary), "any": everything},
        "roles": [
            {
                "name": "risk-admin", "path": "/teams/risk/", "trust": people, "attached": ["team-admin"],
                "boundary": "team-boundary", "tags": {"team": "risk"}, "instance_profile": False,
            },
            {
                "name": "growth-training", "path": "/teams/growth/", "trust": sagemaker, "attached": ["any"],
                "boundary": "team-boundary", "tags": {"team": "growth"}, "instance_profile": False,
            },
        ],
    }


def _paths(data: dict[str, Any], beyond: str = "boundary") -> list[Any]:
    snapshot = load_snapshot(parse_json(json.dumps(data, indent=1), "platform.json"))
    return escalation_paths(snapshot, starts=[ADMIN], beyond=beyond)


def test_roles_created_under_the_same_boundary_are_no_way_out() -> None:
    # The admin may create a role with every action, pass it to SageMaker, and it stays inside the
    # boundary; the growth role is out of reach because ${aws:PrincipalTag/team} is risk.
    assert _paths(_account(_boundary())) == []


def test_judged_by_its_own_permissions_the_same_admin_gains_inside_the_boundary() -> None:
    admin = {
        "Version": "2012-10-17",
        "Statement": [s for s in _boundary()["Statement"] if s["Action"] != "s3:GetObject"],
    }
    found = _paths(_account(_boundary(), admin), beyond="permissions")
    assert found and not any(p.admin for p in found)
    assert found[0].steps[0].technique_id in ("create-role-put", "iam-005")


def test_a_role_created_without_the_boundary_is_a_path_to_admin() -> None:
    boundary = _boundary()
    del boundary["Statement"][1]["Condition"]
    found = _paths(_account(boundary))
    admin = [p for p in found if p.admin]
    assert admin, "creating a role without the boundary must be found"
    text = admin[0].describe()
    assert "create-role" in text and "without a permissions boundary" in text


def test_a_rewritable_boundary_is_a_path() -> None:
    boundary = _boundary()
    boundary["Statement"].append(
        {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": f"arn:aws:iam::{ACCOUNT}:policy/*"}
    )
    found = _paths(_account(boundary))
    assert found
    step = found[0].steps[0]
    assert step.technique_id == "iam-001" and "permissions boundary" in step.explanation
    assert "team-boundary" in found[0].describe()


def test_a_policy_written_to_a_bounded_role_reaches_its_boundary_not_admin() -> None:
    boundary = _boundary()
    boundary["Statement"][1]["Resource"] = f"arn:aws:iam::{ACCOUNT}:role/teams/*"
    boundary["Statement"][1].pop("Condition")
    admin = {"Version": "2012-10-17", "Statement": [boundary["Statement"][1]]}  # no s3:GetObject of its own
    found = _paths(_account(boundary, admin), beyond="permissions")
    written = [s for p in found for s in p.steps if s.technique_id == "iam-005"]
    assert written and all("held to its boundary" in s.target for s in written)


def test_a_filled_policy_is_decided_with_its_filled_statements() -> None:
    # The evaluator keeps each policy's statements by action; a filled copy must not reuse the original's.
    policy = parse_policy(_boundary())
    request = Request(ADMIN, "s3:GetObject", "arn:aws:s3:::acme-ml-datasets/growth/x.csv", ACCOUNT)
    assert not evaluate(request, PolicySet(identity=[policy])).allowed  # the original caches its statements
    growth = substitute(policy, {"aws:principaltag/team": "growth"})
    assert evaluate(request, PolicySet(identity=[growth])).allowed


def test_passing_the_other_teams_role_is_a_path_when_pass_role_is_open() -> None:
    boundary = _boundary()
    boundary["Statement"][2]["Resource"] = "*"
    found = _paths(_account(boundary))
    assert any(s.target.endswith("role/teams/growth/growth-training") for p in found for s in p.steps)


def _delegated_admin_account(admin_boundary: str | None) -> dict[str, Any]:
    """A delegated admin that may write policies only to roles that carry team-boundary (itself among them
    when it carries it), next to an orchestrator role that can do everything."""
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    people = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}],
    }
    delegated = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteOnlyRolesHeldToTheBoundary",
                "Effect": "Allow",
                "Action": ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary"],
                "Resource": f"arn:aws:iam::{ACCOUNT}:role/*",
                "Condition": {"ArnEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}},
            }
        ],
    }
    admin: dict[str, Any] = {
        "name": "risk-admin", "path": "/teams/risk/", "trust": people, "attached": ["delegated"],
        "tags": {"team": "risk"}, "instance_profile": False,
    }
    if admin_boundary:
        admin["boundary"] = admin_boundary
    return {
        "account": ACCOUNT,
        "policies": {"team-boundary": everything, "delegated": delegated, "any": everything, "other": everything},
        "roles": [
            admin,
            {
                "name": "ml-platform-orchestrator", "path": "/", "trust": people, "attached": ["any"],
                "tags": {}, "instance_profile": False,
            },
        ],
    }


def test_iam_permissions_boundary_on_a_write_to_an_existing_role_is_the_boundary_it_has() -> None:
    # Service Authorization Reference, IAM condition keys: iam:PermissionsBoundary "Filters access if the
    # specified policy is set as the permissions boundary on the IAM entity (user or role)". PutRolePolicy on
    # a role without a boundary (or with another one) carries no team-boundary: the delegated admin cannot
    # write to it, and the analysis must not let the attacker choose the key's value.
    assert _paths(_delegated_admin_account(None), beyond="permissions") == []
    assert _paths(_delegated_admin_account("other"), beyond="permissions") == []
    # Held to team-boundary itself, the same admin may write every action to its own role.
    found = _paths(_delegated_admin_account("team-boundary"), beyond="permissions")
    assert found
    requests = [r for p in found for s in p.steps for r in s.requests]
    assert any(r.context.get("iam:PermissionsBoundary") == BOUNDARY_ARN for r in requests)
