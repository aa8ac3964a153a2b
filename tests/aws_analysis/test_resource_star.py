"""AWS-RESOURCE-STAR and actions whose only resource type is optional.

Service Authorization Reference, "Actions table": "If the resource type is optional (not indicated as
required), then you can choose to use one of the optional resource types." cloudwatch:PutMetricData lists
one optional type (dataset) and the condition key cloudwatch:namespace, so `Resource: "*"` narrowed by
cloudwatch:namespace is a correct least-privilege grant (lab 01, task 4) and must lint clean.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from checker.aws.analyze import lint
from tests.aws_analysis.helpers import allow, policy

REPO = Path(__file__).resolve().parents[2]
NAMESPACE = {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}}


def _star(statement: dict[str, object]) -> list[str]:
    return [f.message for f in lint(policy(statement)) if f.code == "AWS-RESOURCE-STAR"]


def test_an_optional_only_resource_type_narrowed_by_its_condition_key_is_not_flagged() -> None:
    assert _star(allow("cloudwatch:PutMetricData", "*", Condition=NAMESPACE)) == []


@pytest.mark.parametrize(
    "condition",
    [
        None,
        {"StringEqualsIfExists": {"cloudwatch:namespace": "x"}},  # holds when the key is absent
        {"StringNotEquals": {"cloudwatch:namespace": "x"}},  # everything but one namespace
        {"Null": {"cloudwatch:namespace": "false"}},
        {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},  # a global key narrows no namespace
    ],
)
def test_without_a_narrowing_condition_the_finding_says_how_to_narrow(condition: dict[str, object] | None) -> None:
    extra = {"Condition": condition} if condition else {}
    (message,) = _star(allow("cloudwatch:PutMetricData", "*", **extra))
    assert "cloudwatch:PutMetricData can be limited to dataset resources" in message
    assert 'or keep "*" and narrow it with a condition on cloudwatch:namespace' in message


def test_a_condition_does_not_excuse_an_action_with_alternative_resource_types() -> None:
    """s3:ListBucket acts on a bucket (or an access point): name it; s3:prefix narrows keys, not buckets."""
    (message,) = _star(allow("s3:ListBucket", "*", Condition={"StringLike": {"s3:prefix": "fraud/v3/*"}}))
    assert "s3:ListBucket can be limited to accesspoint, bucket resources" in message and "keep" not in message


def test_lab_01_reference_solution_lints_clean_at_the_default_level() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "checker.cli.main", "lint", "solutions/01-training-job/aws/permissions-policy.json"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert done.returncode == 0 and "no findings" in done.stdout, done.stdout + done.stderr
