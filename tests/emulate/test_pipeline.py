"""A pipeline's live run: each stage assumes its own role with a real RS256 token for its job's claims.

AWS STS API Reference, AssumeRoleWithWebIdentity: the role's trust policy decides, with the token's claims as
condition keys (IAM User Guide, "Available keys for OIDC federation": `token.actions.githubusercontent.com:sub`,
`:aud`); GitHub's subjects are those of its "OpenID Connect reference": `repo:ORG/REPO:ref:refs/heads/BRANCH`,
`repo:ORG/REPO:pull_request`.
"""

from __future__ import annotations

from typing import Any

import pytest

from checker.emulate.pipeline import Pipeline, Stage, StageRole, run_pipeline
from checker.emulate.workload import NOT_DECIDED, PolicyRefused, Step
from tests.emulate.conftest import TRAINING_POLICY

ACCOUNT = "123456789012"
HOST = "token.actions.githubusercontent.com"
MAIN = {"sub": "repo:acme/fraud-model:ref:refs/heads/main", "aud": "sts.amazonaws.com"}
PULL = {"sub": "repo:acme/fraud-model:pull_request", "aud": "sts.amazonaws.com"}


def trust(subject: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": subject}},
        }],
    }


PIPELINE = Pipeline(
    account=ACCOUNT,
    region="us-east-1",
    objects={"ml-data": {"datasets/train.csv": b"a,b\n", "secrets/other.csv": b"x"}},
    stages=(
        Stage("train", "ml-train", MAIN, (
            Step("read the dataset", "s3", "GetObject", {"Bucket": "ml-data", "Key": "datasets/train.csv"}),
            Step("read secrets", "s3", "GetObject", {"Bucket": "ml-data", "Key": "secrets/other.csv"}, rogue=True),
        )),
        Stage("a pull request", "ml-train", PULL, rogue=True),
    ),
)


def test_each_stage_assumes_its_role_and_its_trust_policy_decides_each_token() -> None:
    report = run_pipeline(PIPELINE, {"ml-train": StageRole(trust(MAIN["sub"]), [TRAINING_POLICY])})
    assert report.passed, report.render()
    assume, read, secrets, pull = report.results
    assert (assume.action, assume.allowed) == ("sts:AssumeRoleWithWebIdentity", True)
    assert read.allowed and not secrets.allowed
    assert (pull.allowed, pull.step.rogue) == (False, True)
    assert f"condition StringEquals on {HOST}:sub failed" in pull.why


def test_a_trust_policy_that_admits_pull_requests_fails_the_rogue_stage() -> None:
    loose = trust(MAIN["sub"])
    loose["Statement"][0]["Condition"] = {"StringLike": {f"{HOST}:sub": "repo:acme/fraud-model:*"}}
    report = run_pipeline(PIPELINE, {"ml-train": StageRole(loose, [TRAINING_POLICY])})
    assert [r.step.title for r in report.results if not r.passed] == [
        "assume ml-train with a pull request's token (sub repo:acme/fraud-model:pull_request)"
    ]


def test_a_job_whose_token_is_refused_makes_no_call_and_passes_nothing() -> None:
    report = run_pipeline(PIPELINE, {"ml-train": StageRole(trust("repo:acme/other:ref:refs/heads/main"), [TRAINING_POLICY])})
    assume, read, secrets, pull = report.results
    assert not assume.allowed and not assume.passed
    assert read.skipped == secrets.skipped == NOT_DECIDED  # a rogue step never ran: not counted as denied
    assert not read.passed and not secrets.passed
    assert pull.passed


def test_a_document_the_emulator_refuses_is_numbered_over_the_roles() -> None:
    empty = {"Version": "2012-10-17", "Statement": []}
    with pytest.raises(PolicyRefused) as refused:
        run_pipeline(PIPELINE, {"ml-train": StageRole(trust(MAIN["sub"]), [TRAINING_POLICY, empty])})
    assert refused.value.document == 2  # trust 0, the first policy 1, the empty one 2
