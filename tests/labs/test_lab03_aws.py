"""Lab 03, AWS: realistic wrong answers fail exactly the checks that name their mistake, right answers
written differently still score full marks, and the isolation proof shows its counterexample."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.core.errors import InputError
from tests.labs.answers import grade_copy

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "03-multi-tenant-platform"
SOLUTION = REPO / "solutions" / "03-multi-tenant-platform" / "aws"
Doc = dict[str, Any]
Docs = dict[str, Doc]
FILES = (
    "team-boundary.json",
    "team-admin-policy.json",
    "job-session-policy.json",
    "elevation-trust.json",
    "elevation-role-request.json",
    "scps/regions.json",
    "scps/organization.json",
    "scps/cloudtrail.json",
    "scps/team-tags.json",
)


def submit(tmp_path: Path, change: Callable[[Docs], None]) -> Any:
    """Copy the reference answer, apply one change, grade it."""
    return grade_copy(LAB, SOLUTION, "aws", FILES, change, tmp_path)


def failing(result: Any) -> set[str]:
    return {c.id for c in result.checks if not c.passed}


def sid(doc: Doc, name: str) -> Doc:
    found: Doc = next(s for s in doc["Statement"] if s.get("Sid") == name)
    return found


def drop(doc: Doc, name: str) -> None:
    doc["Statement"] = [s for s in doc["Statement"] if s.get("Sid") != name]


def boundary(change: Callable[[Doc], None]) -> Callable[[Docs], None]:
    return lambda docs: change(docs["team-boundary.json"])


def session(change: Callable[[Doc], None]) -> Callable[[Docs], None]:
    return lambda docs: change(docs["job-session-policy.json"])


def trust(change: Callable[[Doc], None]) -> Callable[[Docs], None]:
    return lambda docs: change(docs["elevation-trust.json"])


def scp(name: str, change: Callable[[Doc], None]) -> Callable[[Docs], None]:
    return lambda docs: change(docs[f"scps/{name}.json"])


def trust_condition(docs: Docs) -> Doc:
    condition: Doc = docs["elevation-trust.json"]["Statement"][0]["Condition"]
    return condition


# (name, change, exactly the checks that must fail)
WRONG: list[tuple[str, Callable[[Docs], None], set[str]]] = [
    (
        "boundary grants both teams' objects (bucket-wide prefix)",
        boundary(
            lambda b: sid(b, "OwnTeamObjects").update(
                Resource=["arn:aws:s3:::acme-ml-datasets/*", "arn:aws:s3:::acme-ml-artifacts/*"]
            )
        ),
        {"tenant-isolation"},
    ),
    (
        "no deny on resources tagged for another team",
        boundary(lambda b: drop(b, "NothingTaggedForAnotherTeam")),
        {"tenant-isolation"},
    ),
    (
        "SageMaker on every resource of the account",
        boundary(lambda b: sid(b, "OwnTeamSageMaker").update(Resource="arn:aws:sagemaker:*:111122223333:*")),
        {"tenant-isolation"},
    ),
    (
        "role creation without the iam:PermissionsBoundary condition",
        boundary(lambda b: sid(b, "RolesOnlyUnderOwnPathWithThisBoundary").pop("Condition")),
        {"roles-only-with-boundary", "no-escalation-path"},
    ),
    (
        "roles under every team's path",
        boundary(
            lambda b: sid(b, "RolesOnlyUnderOwnPathWithThisBoundary").update(
                Resource="arn:aws:iam::111122223333:role/teams/*"
            )
        ),
        {"tenant-isolation"},
    ),
    (
        "iam:* on own roles and no deny on boundary changes",
        boundary(
            lambda b: (sid(b, "ManageOwnRoles").update(Action="iam:*"), drop(b, "NeverLoosenTheBoundary"))
        ),
        {"roles-only-with-boundary", "boundary-cannot-be-loosened", "pass-only-own-roles", "no-escalation-path"},
    ),
    (
        "new roles need not carry their own team's tag",
        boundary(lambda b: drop(b, "NewRolesCarryOwnTeamTag")),
        {"no-tag-escape"},
    ),
    (
        "PassRole to any service",
        boundary(lambda b: sid(b, "PassOnlyOwnRolesToSageMaker").pop("Condition")),
        {"pass-only-own-roles"},
    ),
    (
        "PassRole on every role",
        boundary(lambda b: sid(b, "PassOnlyOwnRolesToSageMaker").update(Resource="*")),
        {"tenant-isolation", "pass-only-own-roles", "no-escalation-path"},
    ),
    (
        "session template for the whole team, not the job",
        session(
            lambda s: sid(s, "ReadThisJobsDataset").update(
                Resource="arn:aws:s3:::acme-ml-datasets/{{team}}/*"
            )
        ),
        # run for real, each job reads the next job's data
        {"job-credentials-confined", "live-risk-job", "live-growth-job"},
    ),
    (
        "session template lets the job do anything to its artifacts",
        session(lambda s: sid(s, "WriteThisJobsArtifacts").update(Action="s3:*")),
        {"job-credentials-confined"},
    ),
    (
        "session template lists without the prefix condition",
        session(lambda s: sid(s, "ListThisJobsDataset").pop("Condition")),
        {"job-credentials-confined"},
    ),
    (
        "session template names the team twice (no job)",
        session(
            lambda s: sid(s, "ReadThisJobsDataset").update(
                Resource="arn:aws:s3:::acme-ml-datasets/{{team}}/{{team}}/*"
            )
        ),
        {"job-credentials-work", "job-credentials-confined", "live-risk-job", "live-growth-job"},
    ),
    (
        "region SCP without the NotAction exemption of global services",
        scp("regions", lambda d: (d["Statement"][0].pop("NotAction"), d["Statement"][0].update(Action="*"))),
        # IAM and STS are served from us-east-1: role creation, tagging and elevation all break.
        {
            "scp-regions-spare-global-services",
            "admin-creates-job-roles",
            "scp-platform-keeps-tags",
            "elevation-trust",
        },
    ),
    (
        "region SCP forgets eu-central-1",
        scp(
            "regions",
            lambda d: d["Statement"][0]["Condition"]["StringNotEquals"].update(
                {"aws:RequestedRegion": "eu-west-1"}
            ),
        ),
        {"scp-regions-spare-global-services"},
    ),
    (
        "region SCP exempts IAM but not STS (jobs cannot be launched)",
        scp("regions", lambda d: d["Statement"][0]["NotAction"].remove("sts:*")),
        {"scp-regions-spare-global-services", "elevation-trust"},
    ),
    (
        "CloudTrail SCP denies only DeleteTrail",
        scp("cloudtrail", lambda d: d["Statement"][0].update(Action="cloudtrail:DeleteTrail")),
        {"scp-organization-and-trail"},
    ),
    (
        "no SCP against leaving the organization",
        scp("organization", lambda d: d["Statement"][0].update(Action="organizations:DeleteOrganization")),
        {"scp-organization-and-trail"},
    ),
    (
        "team-tag SCP without the platform exemption",
        scp("team-tags", lambda d: d["Statement"][0]["Condition"].pop("ArnNotLike")),
        {"scp-platform-keeps-tags"},
    ),
    (
        "team-tag SCP covers roles only",
        scp("team-tags", lambda d: d["Statement"][0].update(Action=["iam:TagRole", "iam:UntagRole"])),
        {"scp-team-tags"},
    ),
    (
        "elevation without MFA",
        lambda docs: trust_condition(docs).pop("Bool"),
        {"elevation-trust"},
    ),
    (
        "elevation open to every team's approvers",
        lambda docs: trust_condition(docs)["ArnLike"].update(
            {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/approvers/*"}
        ),
        {"elevation-trust"},
    ),
    (
        "elevation without the caller's own name as source identity",
        lambda docs: trust_condition(docs).pop("StringEquals"),
        {"elevation-trust"},
    ),
    (
        "elevation trusts the whole account",
        trust(lambda t: t["Statement"][0].pop("Condition")),
        {"elevation-trust"},
    ),
    (
        "elevation sessions of twelve hours",
        lambda docs: docs["elevation-role-request.json"].update(MaxSessionDuration=43200),
        {"elevation-one-hour"},
    ),
    (
        "admin cannot create its job roles",
        lambda docs: drop(docs["team-admin-policy.json"], "CreateJobRolesWithTheBoundary"),
        {"admin-creates-job-roles"},
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), WRONG, ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_exactly_its_checks(
    tmp_path: Path, name: str, change: Callable[[Docs], None], expected: set[str]
) -> None:
    result = submit(tmp_path, change)
    assert failing(result) == expected
    assert not result.passed


def test_enough_wrong_answers() -> None:
    assert len(WRONG) >= 15


def test_reference_solution_full_marks(tmp_path: Path) -> None:
    result = submit(tmp_path, lambda docs: None)
    assert failing(result) == set()
    assert result.score == result.max_score


def test_isolation_failure_shows_principal_action_resource_context(tmp_path: Path) -> None:
    """The counterexample names who, what, where and with which context, and the evaluator confirms it."""
    result = submit(tmp_path, boundary(lambda b: drop(b, "NothingTaggedForAnotherTeam")))
    check = next(c for c in result.checks if c.id == "tenant-isolation")
    example = check.counterexample
    assert example is not None and example.principal is not None
    assert example.context.get("aws:ResourceTag/team") in ("risk", "growth")
    assert example.context.get("aws:PrincipalTag/team") != example.context.get("aws:ResourceTag/team")


def test_isolation_both_directions_are_cases(tmp_path: Path) -> None:
    """A boundary that only works for one team fails the other direction."""

    def risk_only(b: Doc) -> None:
        # A realistic slip: the tag guard hard-codes risk instead of the caller's own team.
        sid(b, "NothingTaggedForAnotherTeam")["Condition"]["StringNotEquals"]["aws:ResourceTag/team"] = "risk"

    result = submit(tmp_path, boundary(risk_only))
    check = next(c for c in result.checks if c.id == "tenant-isolation")
    assert not check.passed
    assert check.counterexample is not None
    assert "growth" in (check.counterexample.principal or "")


def test_unknown_placeholder_in_template_is_an_error_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        submit(
            tmp_path,
            session(
                lambda s: sid(s, "ReadThisJobsDataset").update(
                    Resource="arn:aws:s3:::acme-ml-datasets/{{team}}/{{jobname}}/*"
                )
            ),
        )
    error = caught.value
    assert "{{jobname}}" in error.message
    assert error.where is not None and error.where.file.endswith("job-session-policy.json")
    assert error.where.line is not None


def _variables_only(docs: Docs) -> None:
    """The template written with session-tag variables only (AWS resolves them), no placeholders."""
    s = docs["job-session-policy.json"]
    sid(s, "ReadThisJobsDataset")["Resource"] = (
        "arn:aws:s3:::acme-ml-datasets/${aws:PrincipalTag/team}/${aws:PrincipalTag/job}/*"
    )
    sid(s, "ListThisJobsDataset")["Condition"]["StringLike"]["s3:prefix"] = (
        "${aws:PrincipalTag/team}/${aws:PrincipalTag/job}/*"
    )


def _deny_style_boundary_guard(docs: Docs) -> None:
    """Role creation guarded by a Deny on a different boundary instead of a condition on the Allow."""
    b = docs["team-boundary.json"]
    sid(b, "RolesOnlyUnderOwnPathWithThisBoundary").pop("Condition")
    b["Statement"].append(
        {
            "Sid": "DenyRoleChangesWithoutTheBoundary",
            "Effect": "Deny",
            "Action": [
                "iam:CreateRole",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:AttachRolePolicy",
                "iam:DetachRolePolicy",
            ],
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {
                    "iam:PermissionsBoundary": "arn:aws:iam::111122223333:policy/team-boundary"
                }
            },
        }
    )


def _scp_variants(docs: Docs) -> None:
    """SCPs merged differently: one file holds two guardrails; the tag exemption uses StringNotLike."""
    org = docs["scps/organization.json"]
    org["Statement"].append(copy.deepcopy(docs["scps/cloudtrail.json"]["Statement"][0]))
    docs["scps/cloudtrail.json"]["Statement"][0]["Action"] = "cloudtrail:StopLogging"
    tags = docs["scps/team-tags.json"]["Statement"][0]["Condition"]
    tags["StringNotLike"] = {"aws:PrincipalArn": tags.pop("ArnNotLike")["aws:PrincipalArn"]}
    docs["scps/regions.json"]["Statement"][0]["NotAction"].append("a4b:*")


def _named_approvers(docs: Docs) -> None:
    """The trust names the approvers themselves instead of the account root narrowed by path."""
    statement = docs["elevation-trust.json"]["Statement"][0]
    statement["Principal"] = {
        "AWS": [
            "arn:aws:iam::111122223333:user/approvers/risk/alice",
            "arn:aws:iam::111122223333:user/approvers/risk/carol",
        ]
    }
    statement["Condition"].pop("ArnLike")


# --- the boundary cannot be escaped: wrong answers the escalation check (no-escalation-path) finds ------
ACCOUNT = "111122223333"
TEAM_ROLES = f"arn:aws:iam::{ACCOUNT}:role/teams/${{aws:PrincipalTag/team}}/*"
CREATE_WITH_BOUNDARY = (
    ("team-boundary.json", "RolesOnlyUnderOwnPathWithThisBoundary"),
    ("team-admin-policy.json", "CreateJobRolesWithTheBoundary"),
)


def allow(sid_: str, actions: list[str], resource: str) -> Doc:
    return {"Sid": sid_, "Effect": "Allow", "Action": actions, "Resource": resource}


def in_both(statement: Doc) -> Callable[[Docs], None]:
    """The same statement added to the admin policy and to the boundary (both must allow a call)."""

    def change(docs: Docs) -> None:
        for name in ("team-boundary.json", "team-admin-policy.json"):
            docs[name]["Statement"].append(copy.deepcopy(statement))

    return change


def never_loosen_without(*actions: str) -> Callable[[Docs], None]:
    def change(docs: Docs) -> None:
        statement = sid(docs["team-boundary.json"], "NeverLoosenTheBoundary")
        statement["Action"] = [a for a in statement["Action"] if a not in actions]

    return change


def _any_customer_boundary(docs: Docs) -> None:
    """ "Any boundary of ours": StringLike on every customer managed policy of the account. A role created
    with policy/team-admin as its boundary is not held to team-boundary's Denies. The requests of
    roles-only-with-boundary (no boundary, an AWS managed one) are still refused."""
    for name, statement in CREATE_WITH_BOUNDARY:
        sid(docs[name], statement)["Condition"] = {
            "StringLike": {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/*"}
        }


def _policy_versions(docs: Docs) -> None:
    """Admins may version "their" team-* policies; team-boundary is one of them."""
    never_loosen_without("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion")(docs)
    versions = ["iam:CreatePolicyVersion", "iam:DeletePolicyVersion"]
    in_both(allow("TeamPolicyVersions", versions, f"arn:aws:iam::{ACCOUNT}:policy/team-*"))(docs)


def _boundary_swap(docs: Docs) -> None:
    """Admins may fix the boundaries of their own roles: Put/DeleteRolePermissionsBoundary."""
    never_loosen_without(
        "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"
    )(docs)
    changes = ["iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"]
    in_both(allow("FixRoleBoundaries", changes, TEAM_ROLES))(docs)


def _detach_when_bounded(docs: Docs) -> None:
    """DeleteRolePermissionsBoundary put with the role writes "because the boundary condition guards it": but a
    request about a role carries the boundary the role has (iam:PermissionsBoundary "Filters access if the
    specified policy is set as the permissions boundary on the IAM entity", Service Authorization
    Reference), so every bounded team role can have its boundary removed."""
    never_loosen_without("iam:DeleteRolePermissionsBoundary")(docs)
    for name, statement in CREATE_WITH_BOUNDARY:
        sid(docs[name], statement)["Action"].append("iam:DeleteRolePermissionsBoundary")


def _trust_rewrite(docs: Docs) -> None:
    """ "Debug access" to team roles written without the team variable: any team's role's trust policy."""
    debug = ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]
    in_both(allow("DebugTeamRoles", debug, f"arn:aws:iam::{ACCOUNT}:role/teams/*"))(docs)


def _lambda_unbounded(docs: Docs) -> None:
    """Jobs on Lambda too, and the boundary condition dropped "because PassRole is scoped anyway"."""
    for name, statement in CREATE_WITH_BOUNDARY:
        sid(docs[name], statement).pop("Condition")
    for name, statement in (
        ("team-boundary.json", "PassOnlyOwnRolesToSageMaker"),
        ("team-admin-policy.json", "PassTeamRolesToSageMaker"),
    ):
        sid(docs[name], statement)["Condition"]["StringEquals"]["iam:PassedToService"] = [
            "sagemaker.amazonaws.com",
            "lambda.amazonaws.com",
        ]
    functions = f"arn:aws:lambda:*:{ACCOUNT}:function:${{aws:PrincipalTag/team}}-*"
    in_both(allow("TeamFunctions", ["lambda:CreateFunction", "lambda:InvokeFunction"], functions))(docs)


def _session_may_rewrite_boundary(docs: Docs) -> None:
    """The job session template lets a job manage policies (a "self-service" job) and the boundary's
    Deny forgets CreatePolicyVersion: a compromised job rewrites the boundary of every team role."""
    never_loosen_without("iam:CreatePolicyVersion")(docs)
    policies = f"arn:aws:iam::{ACCOUNT}:policy/*"
    docs["team-boundary.json"]["Statement"].append(allow("JobsManagePolicies", ["iam:CreatePolicyVersion"], policies))
    docs["job-session-policy.json"]["Statement"].append(allow("SelfService", ["iam:CreatePolicyVersion"], policies))


ESCALATION = "no-escalation-path"
ESCALATION_WRONG: list[tuple[str, Callable[[Docs], None], set[str], str]] = [
    # (name, change, exactly the checks that fail, a text the path shows)
    ("boundary condition accepts any customer managed policy", _any_customer_boundary, {ESCALATION}, "policy/team-admin as its boundary"),
    (
        "admins may create versions of team-* policies",
        _policy_versions,
        {"boundary-cannot-be-loosened", ESCALATION},
        "[iam-001]",
    ),
    (
        "admins may put or delete their roles' boundaries",
        _boundary_swap,
        {"boundary-cannot-be-loosened", ESCALATION},
        "RolePermissionsBoundary",
    ),
    (
        "boundary removal allowed on roles that carry the boundary",
        _detach_when_bounded,
        {"boundary-cannot-be-loosened", ESCALATION},
        "DeleteRolePermissionsBoundary",
    ),
    (
        "trust policies of every team's roles may be rewritten",
        _trust_rewrite,
        {"tenant-isolation", ESCALATION},
        "role/teams/growth/growth-admin",
    ),
    (
        "roles created without the boundary, passed to Lambda",
        _lambda_unbounded,
        {"roles-only-with-boundary", "pass-only-own-roles", ESCALATION},
        "without a permissions boundary",
    ),
    (
        "a job's session may create policy versions",
        _session_may_rewrite_boundary,
        {"job-credentials-confined", ESCALATION},
        "assumed-role/risk-job-runner/train-001 reaches",
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "expected", "shows"), ESCALATION_WRONG, ids=[w[0] for w in ESCALATION_WRONG]
)
def test_escalation_wrong_answer_shows_its_path(
    tmp_path: Path, name: str, change: Callable[[Docs], None], expected: set[str], shows: str
) -> None:
    result = submit(tmp_path, change)
    assert failing(result) == expected
    check = next(c for c in result.checks if c.id == ESCALATION)
    assert "step(s):" in check.message and shows in check.message, check.message


def _arn_equals_boundary(docs: Docs) -> None:
    """The boundary condition written with ArnEquals instead of StringEquals, in both files."""
    for name, statement in CREATE_WITH_BOUNDARY:
        condition = sid(docs[name], statement)["Condition"]
        condition["ArnEquals"] = condition.pop("StringEquals")


def _conditions_reordered(docs: Docs) -> None:
    """Statements and condition blocks in another order (the meaning is the same)."""
    for name in ("team-boundary.json", "team-admin-policy.json"):
        docs[name]["Statement"].reverse()
        for statement in docs[name]["Statement"]:
            if "Condition" in statement:
                statement["Condition"] = dict(reversed(list(statement["Condition"].items())))


def _writes_by_team_tag(docs: Docs) -> None:
    """ABAC: the admin writes policies to any role that carries the boundary and its own team's tag, rather
    than to roles under its path (a request about a role carries the role's tags, aws:ResourceTag/team)."""
    admin = docs["team-admin-policy.json"]
    statement = sid(admin, "CreateJobRolesWithTheBoundary")
    writes = [a for a in statement["Action"] if a != "iam:CreateRole"]
    statement["Action"] = ["iam:CreateRole"]
    admin["Statement"].append(
        {
            "Sid": "WriteOwnTeamsBoundedRoles",
            "Effect": "Allow",
            "Action": writes,
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/*",
            "Condition": {
                "StringEquals": {
                    "iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/team-boundary",
                    "aws:ResourceTag/team": "${aws:PrincipalTag/team}",
                }
            },
        }
    )


RIGHT: list[tuple[str, Callable[[Docs], None]]] = [
    ("policy writes scoped by the role's team tag (ABAC)", _writes_by_team_tag),
    ("session template with session-tag variables only", _variables_only),
    ("boundary guard written as a Deny", _deny_style_boundary_guard),
    ("SCPs merged and the exemption with StringNotLike", _scp_variants),
    ("elevation trust naming the approvers", _named_approvers),
    (
        "a shorter elevated session",
        lambda docs: docs["elevation-role-request.json"].update(MaxSessionDuration=1800),
    ),
    ("boundary condition written with ArnEquals", _arn_equals_boundary),
    ("statements and conditions in another order", _conditions_reordered),
]


@pytest.mark.parametrize(("name", "change"), RIGHT, ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently_passes(
    tmp_path: Path, name: str, change: Callable[[Docs], None]
) -> None:
    result = submit(tmp_path, change)
    assert failing(result) == set()


def test_undecidable_boundary_fails_isolation_naming_the_construct(tmp_path: Path) -> None:
    """ "unknown" is a failure naming the construct, never a pass."""

    def binary(b: Doc) -> None:
        b["Statement"].append(
            {
                "Sid": "Odd",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::acme-ml-datasets/*",
                "Condition": {
                    "BinaryEquals": {"s3:x-amz-server-side-encryption-customer-key-MD5": "QmluYXJ5"}
                },
            }
        )

    result = submit(tmp_path, boundary(binary))
    check = next(c for c in result.checks if c.id == "tenant-isolation")
    assert not check.passed
    assert "could not prove" in check.message and "BinaryEquals" in check.message


def test_an_unknown_isolation_answer_is_never_handed_to_another_learner(tmp_path: Path) -> None:
    """grade-class hands in identical files from many learners: a proof or a counterexample may be shared,
    but an "unknown" names the learner's own file, so each learner's must name theirs."""

    def binary(b: Doc) -> None:
        b["Statement"].append({"Sid": "Odd", "Effect": "Allow", "Action": "s3:GetObject",
                               "Resource": "arn:aws:s3:::acme-ml-datasets/*",
                               "Condition": {"BinaryEquals": {"s3:x-amz-server-side-encryption-customer-key-MD5": "QmluYXJ5"}}})

    messages = []
    for learner in ("ann", "ben"):
        (tmp_path / learner).mkdir()
        result = submit(tmp_path / learner, boundary(binary))
        messages.append(next(c for c in result.checks if c.id == "tenant-isolation").message)
    assert "/ann/" in messages[0] and "/ben/" not in messages[0], messages[0]
    assert "/ben/" in messages[1] and "/ann/" not in messages[1], messages[1]


def test_undecidable_step_fails_escalation_naming_the_construct(tmp_path: Path) -> None:
    """ "unknown" is never a pass: a role-creation Allow the prover cannot decide fails the escalation check."""

    def binary(docs: Docs) -> None:
        odd = allow("Odd", ["iam:CreateRole"], TEAM_ROLES)
        odd["Condition"] = {"BinaryEquals": {"iam:ResourceTag/x": "QmluYXJ5"}}
        in_both(odd)(docs)

    result = submit(tmp_path, binary)
    assert failing(result) == {ESCALATION}
    check = next(c for c in result.checks if c.id == ESCALATION)
    assert "could not decide" in check.message and "BinaryEquals" in check.message
    assert "team-boundary.json" in check.message


def _boundary_swap_blocked_by_an_scp(docs: Docs) -> None:
    """The admin policy and boundary allow Put/DeleteRolePermissionsBoundary (as `_boundary_swap`), but the
    organization SCP denies both to every principal except the platform's orchestrator. An SCP's Deny holds
    whatever the boundary allows ("How SCPs work": an action must be allowed at every level and denied at
    none), so no team principal can swap a boundary: a right answer written with the SCP."""
    _boundary_swap(docs)
    docs["scps/organization.json"]["Statement"].append({
        "Sid": "OnlyThePlatformChangesBoundaries", "Effect": "Deny",
        "Action": ["iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"], "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/ml-platform-orchestrator"}},
    })


def test_an_escalation_the_scps_block_is_no_escalation(tmp_path: Path) -> None:
    result = submit(tmp_path, _boundary_swap_blocked_by_an_scp)
    assert failing(result) == set(), {c.id: c.message[:300] for c in result.checks if not c.passed}
