"""The AWS engine's `attached_policies` setting: identity policies the lab attaches to the learner's role
(a platform team's baseline). IAM, "Policy evaluation logic": the role's identity-based policies are all
evaluated together, so an Allow in any of them grants and an explicit Deny in any of them overrides it."""

from __future__ import annotations

from typing import Any

from checker.aws import ENGINE
from checker.core.source import LoadedDocument

ROLE = "arn:aws:iam::111122223333:role/app"
MODEL = "arn:aws:bedrock:us-east-2::foundation-model/amazon.titan-text-express-v1"
BASELINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": MODEL}]}


def policy(*statements: dict[str, Any]) -> LoadedDocument:
    return LoadedDocument("permissions.json", {"Version": "2012-10-17", "Statement": list(statements)}, {})


def test_an_attached_policy_grants_beside_the_learners() -> None:
    learner = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    without = ENGINE.load_submission({"permissions": learner}, {"identity": ROLE})
    with_baseline = ENGINE.load_submission({"permissions": learner}, {"identity": ROLE, "attached_policies": [BASELINE]})
    request = {"action": "bedrock:InvokeModel", "resource": MODEL}
    assert not ENGINE.decide(without, request).allowed
    assert ENGINE.decide(with_baseline, request).allowed


def test_the_learners_deny_overrides_an_attached_allow_in_decisions_and_proofs() -> None:
    learner = policy({"Effect": "Deny", "Action": "bedrock:InvokeModel", "Resource": "*"})
    submission = ENGINE.load_submission({"permissions": learner}, {"identity": ROLE, "attached_policies": [BASELINE]})
    assert not ENGINE.decide(submission, {"action": "bedrock:InvokeModel", "resource": MODEL}).allowed
    nothing = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"}]}
    assert ENGINE.within(submission, nothing).proved
    open_submission = ENGINE.load_submission({"permissions": policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"})}, {"identity": ROLE, "attached_policies": [BASELINE]})
    assert not ENGINE.within(open_submission, nothing).proved
