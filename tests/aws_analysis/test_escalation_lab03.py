"""Lab 03's platform through the escalation analysis: sessions, the cheap decisions before the prover, and
every step of a path shown decided again by the evaluator.

IAM User Guide, "Session policies": "The resulting session's permissions are the intersection of the
entity's identity-based policies and the session policies." "Permissions boundaries for IAM entities": "An
entity's permissions boundary allows it to perform only the actions that are allowed by both its
identity-based policies and its permissions boundaries." Conditions only narrow a statement, and "an
explicit deny in any of these policies overrides the allow" (IAM User Guide, "Policy evaluation logic"): a
policy type whose Allows, stripped of their conditions, do not reach a request allows it in no context.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from checker.aws.analyze import escalation_paths, load_snapshot
from checker.aws.analyze.escalation import Account, Holder, Session
from checker.aws.analyze.escalation_access import Access, Caller
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import PolicyKind, parse_policy
from checker.aws.request import Request
from checker.core.source import parse_json

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "03-multi-tenant-platform"
SOLUTION = REPO / "solutions" / "03-multi-tenant-platform" / "aws"
ACCOUNT = "111122223333"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/teams/risk/risk-admin"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/risk-job-runner/train-001"
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/team-boundary"


def _documents() -> dict[str, Any]:
    return {
        name: json.loads((SOLUTION / name).read_text())
        for name in ("team-boundary.json", "team-admin-policy.json", "job-session-policy.json")
    }


def _analyse(documents: dict[str, Any]) -> tuple[list[Any], Account]:
    data = json.loads((LAB / "platform" / "account.json").read_text())
    data["policies"]["team-boundary"] = documents["team-boundary.json"]
    data["policies"]["team-admin"] = documents["team-admin-policy.json"]
    snapshot = load_snapshot(parse_json(json.dumps(data, indent=1), "account.json"))
    filled = json.dumps(documents["job-session-policy.json"]).replace("{{team}}", "risk").replace("{{job}}", "train-001")
    session = parse_policy(json.loads(filled), name="job-session-policy.json", kind=PolicyKind.SESSION)
    account = Account(snapshot)
    paths = escalation_paths(
        snapshot,
        starts=[ADMIN, SESSION],
        account=account,
        beyond="boundary",
        sessions={SESSION: Session("train-001", session, {"team": "risk", "job": "train-001"})},
    )
    return paths, account


def test_reference_solution_has_no_path_and_nothing_undecided() -> None:
    paths, account = _analyse(_documents())
    assert paths == []
    assert account.access.unknown == []


def _actor(account: Account, label: str, documents: dict[str, Any]) -> Holder | None:
    """The holder a step's actor label names when it is a principal or the session as they are."""
    principal = account.snapshot.by_arn(label)
    if principal is not None:
        return account.holder(principal)
    if label == SESSION:
        return _session_holder(account, documents)
    return None


def _session_holder(account: Account, documents: dict[str, Any]) -> Holder:
    filled = json.dumps(documents["job-session-policy.json"]).replace("{{team}}", "risk").replace("{{job}}", "train-001")
    policy = parse_policy(json.loads(filled), name="session", kind=PolicyKind.SESSION)
    holder = account.session_holder(SESSION, Session("train-001", policy, {"team": "risk", "job": "train-001"}))
    assert holder is not None
    return holder


def test_each_step_shown_is_decided_again_by_the_evaluator() -> None:
    """A job session that may create policy versions, with a boundary that allows it: the path rewrites
    team-boundary. Every request of every step whose actor is a principal as it stands is allowed by the
    evaluator, exactly as shown, with that actor's policies, boundary, session policy and tags."""
    documents = _documents()
    boundary = documents["team-boundary.json"]
    never = next(s for s in boundary["Statement"] if s["Sid"] == "NeverLoosenTheBoundary")
    never["Action"].remove("iam:CreatePolicyVersion")
    grant = {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": f"arn:aws:iam::{ACCOUNT}:policy/*"}
    boundary["Statement"].append(copy.deepcopy(grant))
    documents["job-session-policy.json"]["Statement"].append(copy.deepcopy(grant))
    paths, account = _analyse(documents)
    from_session = [p for p in paths if p.start == SESSION]
    assert from_session and from_session[0].admin
    assert from_session[0].steps[0].technique_id == "iam-001"
    decided = 0
    for path in paths:
        for step in path.steps:
            actor = _actor(account, step.actor, documents)
            if actor is None:
                continue
            caller = actor.caller(ACCOUNT)
            for granted in step.requests:
                context = {**dict(granted.context), **caller.tag_context()}
                request = Request(caller.arn, granted.action, granted.resource, ACCOUNT, context)
                assert evaluate(request, caller.policy_set()).allowed, (step.explanation, granted)
                decided += 1
    assert decided > 0


def test_session_policy_limits_a_session_start() -> None:
    """Without the session policy's grant, the same boundary gives the job session no path."""
    documents = _documents()
    boundary = documents["team-boundary.json"]
    never = next(s for s in boundary["Statement"] if s["Sid"] == "NeverLoosenTheBoundary")
    never["Action"].remove("iam:CreatePolicyVersion")
    boundary["Statement"].append(
        {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": f"arn:aws:iam::{ACCOUNT}:policy/*"}
    )
    paths, _ = _analyse(documents)
    assert [p for p in paths if p.start == SESSION] == []


def _caller(*statements: dict[str, Any], boundary: list[dict[str, Any]] | None = None) -> Caller:
    identity = parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, kind=PolicyKind.IDENTITY)
    bound = (
        parse_policy({"Version": "2012-10-17", "Statement": boundary}, kind=PolicyKind.BOUNDARY)
        if boundary is not None
        else None
    )
    return Caller(f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/s", ACCOUNT, (identity,), bound, True, tags=(("team", "risk"),))


def _with_boundary(action: str) -> Caller:
    """A caller allowed `action` on its team's roles only with team-boundary as iam:PermissionsBoundary."""
    return _caller(
        {
            "Effect": "Allow",
            "Action": action,
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/teams/risk/*",
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}},
        }
    )


def test_a_clause_false_on_a_key_the_question_fixes_asks_no_prover() -> None:
    """CreateRole without a boundary, where every Allow requires iam:PermissionsBoundary: no context helps."""
    caller = _with_boundary("iam:CreateRole")
    access = Access()
    pattern = f"arn:aws:iam::{ACCOUNT}:role/*"
    assert access.permits(caller, "iam:CreateRole", pattern, where={"Null": {"iam:PermissionsBoundary": "true"}}) is None
    assert access.questions == 0
    # With the boundary the request carries, the same Allow is reached (and shown with the key's value).
    granted = access.permits(caller, "iam:CreateRole", pattern, where={"ArnEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}})
    assert granted is not None and granted.context.get("iam:PermissionsBoundary") == BOUNDARY_ARN


def test_a_conditional_allow_on_another_resource_asks_no_prover() -> None:
    caller = _with_boundary("iam:PutRolePolicy")
    access = Access()
    assert access.permits(caller, "iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/ml-platform-orchestrator") is None
    assert access.questions == 0


def test_a_trust_policy_without_resource_is_not_pruned() -> None:
    """A trust policy has no Resource element: its statements apply to the role itself."""
    caller = _caller({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    trust = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "risk"}},
                }
            ],
        },
        kind=PolicyKind.TRUST,
    )
    role = f"arn:aws:iam::{ACCOUNT}:role/teams/risk/risk-training"
    assert Access().permits(caller, "sts:AssumeRole", role, resource_policy=trust) is not None


def test_every_policy_type_is_one_layer_of_one_question() -> None:
    """Identity and boundary each allow two values of a request tag; only the shared one is allowed by both."""
    def allow(values: list[str]) -> dict[str, Any]:
        return {
            "Effect": "Allow",
            "Action": "sagemaker:CreateTrainingJob",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestTag/project": values}},
        }

    caller = _caller(allow(["alpha", "beta"]), boundary=[allow(["beta", "gamma"])])
    access = Access()
    resource = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/x"
    granted = access.permits(caller, "sagemaker:CreateTrainingJob", resource)
    assert granted is not None and granted.context == {"aws:RequestTag/project": "beta"}
    request = Request(caller.arn, granted.action, granted.resource, ACCOUNT, {**granted.context, **caller.tag_context()})
    assert evaluate(request, PolicySet(identity=list(caller.policies), boundary=caller.boundary)).allowed
    # Disjoint values: proved impossible, not undecided.
    disjoint = _caller(allow(["alpha"]), boundary=[allow(["gamma"])])
    assert access.permits(disjoint, "sagemaker:CreateTrainingJob", resource) is None
    assert access.unknown == []
