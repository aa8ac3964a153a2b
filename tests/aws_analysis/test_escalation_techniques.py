"""Every published escalation technique, one test each, named after it; conditions; lint and paths agree.

The cases are bench/escalation_cases.py: one snapshot per technique of the pathfinding.cloud catalog,
the iam-vulnerable privesc modules and the pathfinding-labs scenarios, written by us from their facts.
A case passes when `iamlab paths` finds a path from the attacker that ends as the catalog says and names
the technique; each negative control (one required permission removed) must find nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from checker.aws.analyze import escalation_paths, lint, load_snapshot
from checker.aws.analyze.escalation import Account, Holder
from checker.aws.analyze.findings.privilege import techniques_in_policy
from checker.aws.analyze.techniques import BY_ID, TECHNIQUES, all_techniques, passrole_actions
from checker.aws.policy import parse_policy
from checker.core.source import parse_json

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from escalation_cases import ACCOUNT, ATTACKER, TARGET, Case, cases, trust, trust_aws  # noqa: E402

CASES = cases()


def paths_of(data: dict[str, Any], start: str = ATTACKER) -> list[Any]:
    snapshot = load_snapshot(parse_json(json.dumps(data, indent=1), "snapshot.json"))
    return escalation_paths(snapshot, starts=[start])


@pytest.mark.parametrize("case", CASES, ids=[f"{c.id} {c.name}" for c in CASES])
def test_published_technique_is_found(case: Case) -> None:
    found = paths_of(case.snapshot(), case.start)
    fitting = [p for p in found if p.admin] if case.expect == "admin" else found
    assert fitting, f"{case.id} ({case.source}): no path from {case.start}"
    wanted = case.technique or case.id
    assert any(wanted == s.technique_id or wanted in s.also for p in fitting for s in p.steps)


CONTROLS = [(c, action) for c in CASES for action in c.controls()]


@pytest.mark.parametrize(
    ("case", "removed"), CONTROLS, ids=[f"{c.id} {c.name} without {a}" for c, a in CONTROLS]
)
def test_negative_control_finds_nothing(case: Case, removed: str) -> None:
    assert paths_of(case.snapshot(removed), case.start) == []


def test_the_knowledge_base_names_its_sources() -> None:
    assert all(t.sources and t.how for t in TECHNIQUES)
    assert len({t.id for t in TECHNIQUES}) == len(TECHNIQUES)
    published = {c.technique or c.id for c in CASES}
    assert published <= set(BY_ID)


def test_pass_role_actions_come_from_the_api_models() -> None:
    """Each published pass-role technique has an action that takes the role in AWS's API models."""
    derived = {a.lower() for a in passrole_actions()}
    assert len(derived) > 500
    for technique in TECHNIQUES:
        if technique.kind == "pass-role" and not technique.id.startswith("datapipeline"):
            assert any(a.lower() in derived for a in technique.actions), technique.id
    assert "states:createstatemachine" in derived and "scheduler:createschedule" in derived
    generic = [t for t in all_techniques() if t.id == "passrole:states:CreateStateMachine"]
    assert generic and generic[0].services == ("states.amazonaws.com",)


# --- conditions: decided by the prover, shown in the path ----------------------------------------------


def _training(condition: dict[str, Any], attacker_role: bool = False) -> tuple[dict[str, Any], str]:
    case = Case(
        "sagemaker-002",
        "iam:PassRole + sagemaker:CreateTrainingJob",
        "pathfinding.cloud",
        [("iam:PassRole", TARGET)],
        roles=[
            {"name": "target", "trust": trust("sagemaker.amazonaws.com"), "attached": ["AdministratorAccess"]}
        ],
        extra=[
            {
                "Effect": "Allow",
                "Action": "sagemaker:CreateTrainingJob",
                "Resource": "*",
                "Condition": condition,
            }
        ],
        attacker_role={"name": "worker", "trust": trust("ec2.amazonaws.com")} if attacker_role else None,
    )
    return case.snapshot(), case.start


def test_a_condition_the_attacker_controls_counts_and_is_shown() -> None:
    # aws:RequestTag is what the request carries: the caller chooses it (IAM User Guide, global keys).
    data, start = _training({"StringEquals": {"aws:RequestTag/team": "ml"}})
    found = paths_of(data, start)
    assert found and found[0].admin
    request = next(r for r in found[0].steps[0].requests if r.action == "sagemaker:CreateTrainingJob")
    assert {k.lower(): v for k, v in request.context.items()}.get("aws:requesttag/team") == "ml"
    assert "aws:RequestTag/team=ml" in found[0].describe() or "aws:requesttag/team=ml" in found[0].describe()


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},  # only requests through that endpoint
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},  # the attacker holds no MFA device
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},  # the snapshot's account is in no organization
    ],
)
def test_a_condition_the_attacker_cannot_meet_stops_the_path(condition: dict[str, Any]) -> None:
    data, start = _training(condition)
    assert paths_of(data, start) == []


def test_a_role_session_always_has_token_issue_time() -> None:
    # "aws:TokenIssueTime ... This key is present in requests signed with temporary security credentials"
    # (IAM User Guide, AWS global condition context keys): a role session has it, with a value it cannot pick.
    present, start = _training({"Null": {"aws:TokenIssueTime": "false"}}, attacker_role=True)
    assert paths_of(present, start)
    absent, start = _training({"Null": {"aws:TokenIssueTime": "true"}}, attacker_role=True)
    assert paths_of(absent, start) == []


def test_passed_to_service_must_match_the_service_the_technique_passes_to() -> None:
    case = next(c for c in CASES if c.id == "lambda-001")
    data = case.snapshot()
    statement = data["policies"]["attack"]["Statement"][0]
    statement["Condition"] = {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    assert paths_of(data) == []
    statement["Condition"] = {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    found = paths_of(data)
    passing = found[0].steps[0].requests[0]
    assert (
        passing.action == "iam:PassRole" and passing.context["iam:PassedToService"] == "lambda.amazonaws.com"
    )


# --- one knowledge base: the linter and paths never disagree --------------------------------------------


def _rich_account(policy: dict[str, Any]) -> dict[str, Any]:
    """An account where every technique's prerequisites exist, the attacker (a user and a role) holding
    the policy: the techniques paths finds from them are exactly those the policy allows."""
    passed = sorted({s for t in TECHNIQUES if t.kind == "takeover" for s in t.passes_to})
    others = sorted({s for t in all_techniques() for s in t.services} - set(passed))
    services = passed + others  # the role existing resources hold must trust the services they pass it to
    target_trust = trust_aws(f"arn:aws:iam::{ACCOUNT}:root")
    target_trust["Statement"] += trust(*services[:30])["Statement"]
    # A trust policy holds 2,048 characters: more roles, each trusting some of the services.
    more = [
        {"name": f"target-{i}", "trust": trust(*services[i : i + 30]), "attached": ["target-policy"]}
        for i in range(30, len(services), 30)
    ]
    role = {"role": "target"}
    return {
        "account": ACCOUNT,
        "policies": {
            "AdministratorAccess": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            },
            "attack": policy,
            "target-policy": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
            },
        },
        "groups": [
            {"name": "team", "members": ["attacker"]},
            {"name": "admins", "attached": ["AdministratorAccess"]},
        ],
        "users": [
            {"name": "attacker", "attached": ["attack"], "boundary": "AdministratorAccess"},
            {"name": "victim-a", "attached": ["AdministratorAccess"]},
            {
                "name": "victim-b",
                "attached": ["AdministratorAccess"],
                "access_keys": 2,
                "login_profile": True,
            },
        ],
        "roles": [
            {"name": "target", "trust": target_trust, "attached": ["target-policy"]},
            *more,
            {
                "name": "attacker-role",
                "trust": trust("ec2.amazonaws.com"),
                "attached": ["attack"],
                "boundary": "AdministratorAccess",
            },
        ],
        "resources": {
            "lambda_functions": [
                {"name": "fn", **role, "event_sources": ["arn:aws:sqs:us-east-1:111122223333:q"]}
            ],
            "sagemaker_notebooks": [{"name": "nb", **role, "lifecycle_config": "lc"}],
            "sagemaker_lifecycle_configs": [{"name": "lc"}],
            "sagemaker_training_jobs": [{"name": "tj", **role}],
            "ec2_instances": [{"id": "i-1", **role, "ssm_managed": True, "instance_connect": True}],
            "ec2_launch_templates": [{"id": "lt-1", **role}],
            "ecs_clusters": [{"name": "c", "container_instances": True}],
            "ecs_services": [{"name": "s", "cluster": "c", "task_definition": "td:1"}],
            "ecs_task_definitions": [{"family": "td", "revision": "1", "task_role": "target"}],
            "ecs_tasks": [{"cluster": "c", "id": "t1", "task_role": "target", "execute_command": True}],
            "glue_jobs": [{"name": "j", **role}],
            "glue_triggers": [{"name": "tr", "jobs": ["j"]}],
            "glue_sessions": [{"id": "gs", **role}],
            "glue_dev_endpoints": [{"name": "de", **role}],
            "codebuild_projects": [{"name": "p", **role, "batch": True}],
            "cloudformation_stacks": [{"name": "st", "id": "1", **role}],
            "cloudformation_stacksets": [
                {
                    "name": "ss",
                    "id": "1",
                    "administration_role": "target",
                    "execution_role": "target",
                    "instances": ["x"],
                }
            ],
            "apprunner_services": [{"name": "ar", "id": "1", "instance_role": "target"}],
            "agentcore_runtimes": [{"id": "rt", **role}],
            "agentcore_code_interpreters": [{"id": "ci", **role}],
            "datapipeline_pipelines": [{"id": "dp", **role}],
        },
    }


def _first_step_techniques(policy: dict[str, Any]) -> set[str]:
    snapshot = load_snapshot(parse_json(json.dumps(_rich_account(policy)), "rich.json"))
    account = Account(snapshot)
    found: set[str] = set()
    for name in ("user/attacker", "role/attacker-role"):
        principal = snapshot.by_arn(f"arn:aws:iam::{ACCOUNT}:{name}")
        assert principal is not None
        holder: Holder = account.holder(principal)
        for move in account.moves(holder, [holder]):
            found.add(move.step.technique_id)
            found.update(move.step.also)
    return found


def _agreement_policies() -> list[tuple[str, dict[str, Any]]]:
    policies = []
    for case in CASES:
        statements = [{"Effect": "Allow", "Action": a, "Resource": "*"} for a, _ in case.perms]
        policies.append((case.id, {"Version": "2012-10-17", "Statement": statements}))
    conditioned = {"StringEquals": {"aws:RequestTag/team": "ml"}}
    vpce = {"StringEquals": {"aws:SourceVpce": "vpce-1"}}
    for name, condition in (("request-tag", conditioned), ("source-vpce", vpce)):
        policies.append(
            (
                f"passrole-lambda-{name}",
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
                        {
                            "Effect": "Allow",
                            "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"],
                            "Resource": "*",
                            "Condition": condition,
                        },
                    ],
                },
            )
        )
    policies.append(
        (
            "iam-star-minus-deny",
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["iam:*", "sts:AssumeRole"], "Resource": "*"},
                    {
                        "Effect": "Deny",
                        "Action": ["iam:CreatePolicyVersion", "iam:PassRole"],
                        "Resource": "*",
                    },
                ],
            },
        )
    )
    policies.append(
        (
            "compute-writes",
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["iam:PassRole", "ecs:*", "glue:Create*", "states:CreateStateMachine"],
                        "Resource": "*",
                    }
                ],
            },
        )
    )
    return policies


AGREEMENT = _agreement_policies()


@pytest.mark.parametrize(("name", "policy"), AGREEMENT, ids=[n for n, _ in AGREEMENT])
def test_lint_and_paths_use_the_same_techniques(name: str, policy: dict[str, Any]) -> None:
    linted = {t.id for t in techniques_in_policy(parse_policy(policy))}
    assert linted == _first_step_techniques(policy)
    codes = {f.code for f in lint(parse_policy(policy))}
    assert bool(linted) == bool(codes & {"AWS-PRIVESC-ACTION", "AWS-PRIVESC-COMBO"})


@pytest.mark.parametrize(
    ("condition", "found"),
    [
        # The attacker creates and names the training job, so a SourceArn pattern over jobs is met.
        ({"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:*:111122223333:training-job/*"}}, True),
        # The service acts for the attacker's account: another account in aws:SourceAccount is never met.
        ({"StringEquals": {"aws:SourceAccount": "999999999999"}}, False),
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, True),
    ],
)
def test_service_trust_conditions_are_decided(condition: dict[str, Any], found: bool) -> None:
    """IAM User Guide, "The confused deputy problem": a service's request to assume a role carries
    aws:SourceArn and aws:SourceAccount of the resource it acts for."""
    case = next(c for c in CASES if c.id == "sagemaker-002")
    data = case.snapshot()
    data["roles"][0]["trust"]["Statement"][0]["Condition"] = condition
    assert bool(paths_of(data)) is found
