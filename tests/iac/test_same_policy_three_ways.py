"""Differential: one policy written as JSON, in Terraform and in CloudFormation decides every request alike.

The three files in data/same_policy/ say the same thing through different constructs (an
aws_iam_policy_document with variables, locals, a conditional and a resource reference; a template with
Parameters, Mappings, Fn::Sub both forms, Fn::Join, Fn::Select, Fn::If with Conditions and AWS::NoValue).
If a reader resolved any construct wrongly, some request below would be decided differently.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from checker.aws import PolicyKind, PolicySet, Request, evaluate, parse_policy
from checker.aws.policy import Policy
from checker.core.source import load_document
from checker.iac.cloudformation import Setting as CfnSetting
from checker.iac.cloudformation import read_cloudformation
from checker.iac.terraform import Setting, read_terraform

DATA = Path(__file__).parent / "data" / "same_policy"
ROLE = "arn:aws:iam::111122223333:role/fraud-training"

ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject",
           "s3:GetBucketPolicy", "s3:PutBucketPolicy", "kms:Decrypt"]
RESOURCES = [
    "arn:aws:s3:::acme-ml-datasets",
    "arn:aws:s3:::acme-ml-datasets/fraud/v3/train.csv",
    "arn:aws:s3:::acme-ml-datasets/fraud/v30/train.csv",
    "arn:aws:s3:::acme-ml-datasets-prod/fraud/v3/train.csv",
    "arn:aws:s3:::acme-ml-artifacts/fraud/model.tar.gz",
    "arn:aws:s3:::acme-ml-artifacts/other/model.tar.gz",
    "arn:aws:kms:us-east-1:111122223333:key/1",
]
CONTEXTS = [
    {},
    {"s3:prefix": "fraud/v3/"},
    {"s3:prefix": "fraud/v4/"},
    {"s3:x-amz-server-side-encryption": "aws:kms"},
    {"s3:x-amz-server-side-encryption": "AES256"},
    {"aws:SecureTransport": "false"},
]


def _three() -> dict[str, Policy]:
    json_policy = parse_policy(load_document(DATA / "policy.json"), name="json")
    terraform = read_terraform([DATA / "main.tf"], Setting(account="111122223333"))
    template = read_cloudformation(DATA / "template.yaml", CfnSetting(account="111122223333"))
    (tf_policy,) = terraform.policies
    (cfn_policy,) = template.policies
    return {
        "json": json_policy,
        "terraform": parse_policy(tf_policy.document, name=tf_policy.name, kind=PolicyKind.IDENTITY),
        "cloudformation": parse_policy(cfn_policy.document, name=cfn_policy.name, kind=PolicyKind.IDENTITY),
    }


@pytest.fixture(scope="module")
def three() -> dict[str, Policy]:
    return _three()


def test_every_request_is_decided_alike(three: dict[str, Policy]) -> None:
    outcomes: dict[str, list[str]] = {name: [] for name in three}
    for action, resource, context in itertools.product(ACTIONS, RESOURCES, CONTEXTS):
        request = Request(ROLE, action, resource, None, dict(context))
        for name, policy in three.items():
            outcomes[name].append(evaluate(request, PolicySet(identity=[policy])).kind.value)
    assert outcomes["terraform"] == outcomes["json"]
    assert outcomes["cloudformation"] == outcomes["json"]
    # The cases are not all alike: the policy allows, denies implicitly and denies explicitly somewhere.
    assert set(outcomes["json"]) == {"allow", "implicit_deny", "explicit_deny"}


def test_statements_point_into_each_source(three: dict[str, Policy]) -> None:
    tf = read_terraform([DATA / "main.tf"], Setting(account="111122223333")).policies[0].document
    cfn = read_cloudformation(DATA / "template.yaml", CfnSetting(account="111122223333")).policies[0].document
    assert (tf.locate("/Statement/3").line, tf.locate("/Statement/3").column) == (35, 3)
    assert (cfn.locate("/Statement/3").line, cfn.locate("/Statement/3").column) == (49, 13)
    assert Path(cfn.locate("/Statement/1/Condition/StringLike/s3:prefix/0").file).name == "template.yaml"
    assert cfn.locate("/Statement/1/Condition/StringLike/s3:prefix/0").line == 41
