"""A pipeline's live run: each stage assumes its own role with a real RS256 token for its job's claims.

AWS STS API Reference, AssumeRoleWithWebIdentity: the role's trust policy decides, with the token's claims as
condition keys (IAM User Guide, "Available keys for OIDC federation": `token.actions.githubusercontent.com:sub`,
`:aud`); GitHub's subjects are those of its "OpenID Connect reference": `repo:ORG/REPO:ref:refs/heads/BRANCH`,
`repo:ORG/REPO:pull_request`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from checker.emulate.pipeline import Pipeline, Stage, StageRole, run_pipeline
from checker.emulate.workload import NOT_DECIDED, Earlier, PolicyRefused, Step
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


LAYER = b"layer bytes\n"
LAYER_DIGEST = "sha256:" + hashlib.sha256(LAYER).hexdigest()
PUSH_STEPS = (
    Step("start the layer upload", "ecr", "InitiateLayerUpload", {"repositoryName": "fraud-train"}),
    Step("upload the layer", "ecr", "UploadLayerPart", {
        "repositoryName": "fraud-train", "uploadId": Earlier("uploadId"), "partFirstByte": 0,
        "partLastByte": len(LAYER) - 1, "layerPartBlob": LAYER}),
    Step("finish the layer upload", "ecr", "CompleteLayerUpload", {
        "repositoryName": "fraud-train", "uploadId": Earlier("uploadId"), "layerDigests": [LAYER_DIGEST]}),
    Step("ask for the layer", "ecr", "BatchCheckLayerAvailability",
         {"repositoryName": "fraud-train", "layerDigests": [LAYER_DIGEST]}),
)
PUSH = Pipeline(account=ACCOUNT, region="us-east-1", repositories=("fraud-train",),
                stages=(Stage("build", "ml-build", MAIN, PUSH_STEPS),))
REPOSITORY = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/fraud-train"


def _push_policy(*actions: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": REPOSITORY}]}


def test_a_layer_upload_hands_its_upload_id_to_the_next_steps() -> None:
    """ECR API Reference: InitiateLayerUpload answers an uploadId that UploadLayerPart and CompleteLayerUpload
    name. The steps run on moto with the id it answered, and the layer is then in the repository."""
    policy = _push_policy("ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
                          "ecr:BatchCheckLayerAvailability")
    report = run_pipeline(PUSH, {"ml-build": StageRole(trust(MAIN["sub"]), [policy])})
    assert report.passed, report.render()
    assert all(r.message == "" for r in report.results), [r.message for r in report.results]


def test_a_step_that_needs_a_refused_steps_answer_is_not_decided() -> None:
    report = run_pipeline(PUSH, {"ml-build": StageRole(trust(MAIN["sub"]), [_push_policy("ecr:UploadLayerPart")])})
    _assume, initiate, upload, complete, _check = report.results
    assert not initiate.allowed
    assert upload.skipped == complete.skipped == NOT_DECIDED and "needs uploadId" in upload.message
