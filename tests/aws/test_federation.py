"""sts:AssumeRoleWithWebIdentity decided by the AWS engine from an OIDC token's claims.

IAM User Guide, "Available keys for OIDC federation": claims become keys named
`<provider URL>:<claim>`; aud and sub exist for every provider. The Service Authorization Reference lists
the GitHub claims IAM exposes for sts:AssumeRoleWithWebIdentity (actor, environment, job_workflow_ref, ref,
repository, repository_id, repository_owner_id, workflow, ...); `repository_owner` and `event_name` are not
among them. "If the key that you specify in a policy condition is not present in the request context, the
values do not match" (IAM User Guide, "Condition element").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from checker.aws import PolicyKind, parse_policy
from checker.aws.analyze.federated import tokens_within
from checker.aws.engine import ENGINE
from checker.aws.federation import decide_web_identity, token_context
from checker.core.engine import WithinStatus
from checker.core.source import LoadedDocument
from checker.iac.terraform import Setting, read_terraform
from checker.iac.workflows import Setting as WorkflowSetting
from checker.iac.workflows import read_workflow

ACCOUNT = "111122223333"
HOST = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/fraud-deploy"
IAC = Path(__file__).parent.parent / "iac" / "data"


def trust(condition: dict[str, Any]) -> Any:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": PROVIDER},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": condition,
                }
            ],
        },
        kind=PolicyKind.TRUST,
    )


def token(**claims: str) -> dict[str, str]:
    return {"iss": f"https://{HOST}", "aud": "sts.amazonaws.com", **claims}


def test_claims_become_the_keys_iam_names() -> None:
    context = token_context(token(sub="repo:acme/x:ref:refs/heads/main", repository="acme/x",
                                  repository_owner="acme", event_name="push", job_workflow_ref="acme/x/w.yml@main"))
    assert context == {
        f"{HOST}:aud": "sts.amazonaws.com",
        f"{HOST}:sub": "repo:acme/x:ref:refs/heads/main",
        f"{HOST}:repository": "acme/x",
        f"{HOST}:job_workflow_ref": "acme/x/w.yml@main",
    }


def test_a_condition_on_a_claim_iam_does_not_expose_never_matches() -> None:
    policy = trust({"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:repository_owner": "acme"}})
    decision = decide_web_identity(policy, ROLE, token(sub="repo:acme/x:pull_request", repository_owner="acme"), ACCOUNT)
    assert not decision.allowed


def test_the_provider_must_be_the_federated_principal() -> None:
    policy = trust({"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com"}})
    assert decide_web_identity(policy, ROLE, token(sub="repo:acme/x:pull_request"), ACCOUNT).allowed
    other_issuer = {"iss": "https://gitlab.com", "aud": "sts.amazonaws.com", "sub": "project_path:acme/x"}
    assert not decide_web_identity(policy, ROLE, other_issuer, ACCOUNT).allowed


def test_workflow_tokens_against_the_terraform_trust_policy() -> None:
    """The Terraform role trusts only the production environment; the workflow's deploy job uses it."""
    model = read_terraform([IAC / "tf_github_oidc"], Setting(account=ACCOUNT))
    role = model.roles[0]
    assert role.trust is not None
    policy = parse_policy(role.trust.document, name=role.trust.name, kind=PolicyKind.TRUST)
    workflow = read_workflow(IAC / "repo" / ".github" / "workflows" / "deploy.yml",
                             WorkflowSetting(repository="acme/fraud-model"))
    jobs = {job.job_id: job for job in workflow.jobs}
    deploy = [t for t in jobs["deploy"].tokens if t["aud"] == "sts.amazonaws.com"]
    assert deploy and all(decide_web_identity(policy, ROLE, t, ACCOUNT).allowed for t in deploy)
    # The Azure audience is not the one the trust policy names.
    azure = [t for t in jobs["deploy"].tokens if t["aud"] == "api://AzureADTokenExchange"]
    assert azure and not any(decide_web_identity(policy, ROLE, t, ACCOUNT).allowed for t in azure)
    # The plan job has no environment: push, tag, pull_request and dispatch tokens are all refused.
    assert jobs["plan"].tokens
    assert not any(decide_web_identity(policy, ROLE, t, ACCOUNT).allowed for t in jobs["plan"].tokens)


def test_engine_decides_a_token_request() -> None:
    document = LoadedDocument("trust.json", trust({"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com",
                                                                     f"{HOST}:sub": "repo:acme/x:ref:refs/heads/main"}})
                              .document.data, {})
    submission = ENGINE.load_submission({"trust": document}, {"identity": ROLE, "account": ACCOUNT})
    good = {"action": "sts:AssumeRoleWithWebIdentity", "resource": ROLE, "token": token(sub="repo:acme/x:ref:refs/heads/main")}
    bad = {**good, "token": token(sub="repo:acme/x:pull_request")}
    assert ENGINE.decide(submission, good).allowed
    assert not ENGINE.decide(submission, bad).allowed


@pytest.mark.parametrize(
    ("loose", "tight", "expected_sub"),
    [
        # A wildcard after the repository admits pull requests (and so forks' pull_request_target runs).
        ("repo:acme/x:*", "repo:acme/x:ref:refs/heads/main", "repo:acme/x:pull_request"),
        # A wildcard in the repository name admits every repository of the owner.
        ("repo:acme/*", "repo:acme/x:*", "repo:acme/another-repo:ref:refs/heads/main"),
    ],
)
def test_which_tokens_can_assume_the_role(loose: str, tight: str, expected_sub: str) -> None:
    aud = {f"{HOST}:aud": "sts.amazonaws.com"}
    wide = trust({"StringEquals": aud, "StringLike": {f"{HOST}:sub": loose}})
    narrow = trust({"StringEquals": aud, "StringLike": {f"{HOST}:sub": tight}})
    answer = tokens_within(wide, narrow, PROVIDER, ROLE)
    assert answer.result.status is WithinStatus.COUNTEREXAMPLE
    assert answer.tokens[0]["sub"] == expected_sub
    for claims in answer.tokens:  # each counterexample token really is admitted by one and not the other
        assert decide_web_identity(wide, ROLE, claims, ACCOUNT).allowed
        assert not decide_web_identity(narrow, ROLE, claims, ACCOUNT).allowed
    assert tokens_within(narrow, wide, PROVIDER, ROLE).result.status is WithinStatus.PROVED


def test_missing_audience_condition_admits_tokens_for_other_audiences() -> None:
    sub = {f"{HOST}:sub": "repo:acme/x:ref:refs/heads/main"}
    without_aud = trust({"StringEquals": sub})
    with_aud = trust({"StringEquals": {**sub, f"{HOST}:aud": "sts.amazonaws.com"}})
    answer = tokens_within(without_aud, with_aud, PROVIDER, ROLE)
    assert answer.result.status is WithinStatus.COUNTEREXAMPLE
    assert all(t.get("aud") != "sts.amazonaws.com" for t in answer.tokens)


def test_compare_two_trust_policies() -> None:
    from checker.aws.analyze.compare import Relation
    from checker.aws.analyze.federated import compare_tokens

    aud = {f"{HOST}:aud": "sts.amazonaws.com"}
    main_only = trust({"StringEquals": {**aud, f"{HOST}:sub": "repo:acme/x:ref:refs/heads/main"}})
    production = trust({"StringEquals": {**aud, f"{HOST}:sub": "repo:acme/x:environment:production"}})
    any_ref = trust({"StringEquals": aud, "StringLike": {f"{HOST}:sub": "repo:acme/x:ref:*"}})
    assert compare_tokens(main_only, any_ref, PROVIDER, ROLE).relation is Relation.A_WITHIN_B
    assert compare_tokens(any_ref, main_only, PROVIDER, ROLE).relation is Relation.B_WITHIN_A
    assert compare_tokens(main_only, main_only, PROVIDER, ROLE).relation is Relation.EQUIVALENT
    both = compare_tokens(main_only, production, PROVIDER, ROLE)
    assert both.relation is Relation.INCOMPARABLE
    assert both.only_a.tokens[0]["sub"] == "repo:acme/x:ref:refs/heads/main"
    assert both.only_b.tokens[0]["sub"] == "repo:acme/x:environment:production"
