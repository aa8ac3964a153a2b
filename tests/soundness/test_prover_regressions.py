"""Findings of the prover soundness fuzzing (issue 13, section 4), each kept as a regression test.

The evaluator is the authority: a PROVED result must leave no request the evaluator allows outside the
envelope, and a counterexample must be allowed / denied by the evaluator exactly as shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checker.aws import PolicySet, Request, evaluate
from checker.aws.analyze import within
from checker.aws.policy import Policy, parse_policy
from checker.core.engine import WithinStatus
from tests.aws_analysis.helpers import allow, policy

LAB = Path(__file__).resolve().parents[2] / "labs" / "01-training-job"
ROLE = "arn:aws:iam::111122223333:role/fraud-training-role"


def _envelope() -> Policy:
    return parse_policy(json.loads((LAB / "envelope-aws.json").read_text()), name="envelope-aws.json")


def _decided_as_shown(policies: list[Policy], shown: dict[str, Any]) -> bool:
    """The shown JSON, every field as given, decided by the evaluator (identity policies alone)."""
    request = Request(
        shown["principal"], shown["action"], shown["resource"], shown.get("resource_account"), shown["context"]
    )
    return evaluate(request, PolicySet(identity=policies)).allowed


def test_arn_not_like_on_the_principal_account_is_not_proved_within_lab_01() -> None:
    # "Amazon Resource Name (ARN) condition operators": the value 111122223333 is not an ARN, so ArnNotLike
    # holds and the statement applies; the evaluator allows the read, so `within` must not be proved.
    granted = policy(
        allow(
            "s3:GetObject",
            "arn:aws:s3:::acme-ml-artifacts/*",
            Condition={"ArnNotLike": {"aws:PrincipalAccount": "111122223333"}},
        )
    )
    result = within(granted, _envelope(), principal=ROLE)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    shown = result.counterexamples[0].to_json()
    assert _decided_as_shown([granted], shown)
    assert not _decided_as_shown([_envelope()], shown)


def test_arn_like_with_fewer_than_six_fields_never_matches_a_free_key() -> None:
    # Without a principal the account key is free text; "ArnLike aws:PrincipalAccount *" still never
    # matches (the value is not an ARN), so the statement never applies and the policy is within anything.
    granted = policy(allow("s3:GetObject", "*", Condition={"ArnLike": {"aws:PrincipalAccount": "*"}}))
    assert within(granted, policy(allow("sts:GetCallerIdentity"))).status is WithinStatus.PROVED
    negated = policy(allow("s3:GetObject", "*", Condition={"ArnNotLike": {"aws:SourceArn": "a:b"}}))
    assert within(negated, policy(allow("sts:GetCallerIdentity"))).status is WithinStatus.COUNTEREXAMPLE


def test_a_counterexample_in_another_account_is_reproduced_exactly_as_shown() -> None:
    # A wildcard account in the policy is shown with another account in the ARN; the example carries the
    # resource account the prover decided it with, so deciding the shown JSON again gives the same answer
    # (without it, the evaluator reads account 444455556666 from the ARN and denies: cross-account).
    granted = policy(allow("logs:PutLogEvents", "arn:aws:logs:*:*:log-group:/aws/sagemaker/TrainingJobs:*"))
    result = within(granted, _envelope(), principal=ROLE)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    for example in result.counterexamples:
        shown = example.to_json()
        assert shown["resource_account"] == "111122223333"
        assert _decided_as_shown([granted], shown), shown
        assert not _decided_as_shown([_envelope()], shown), shown
