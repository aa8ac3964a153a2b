"""Action and resource matching and policy variables in Resource.

ACTION = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
NOTACT = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
RES    = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
NOTRES = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
VARS   = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.helpers import USER, allow, decide, deny, policy

CASES: list[tuple[str, dict[str, Any], str, str, dict[str, Any], str]] = [
    # name, statement, action, resource, context, expected
    ("action case-insensitive (ACTION)", allow("S3:getobject"), "s3:GetObject", "arn:aws:s3:::b/k", {}, "allow"),
    ("action wildcard", allow("s3:Get*"), "s3:GetObjectTagging", "arn:aws:s3:::b/k", {}, "allow"),
    ("action wildcard other", allow("s3:Get*"), "s3:PutObject", "arn:aws:s3:::b/k", {}, "implicit_deny"),
    ("action question mark", allow("s3:?etObject"), "s3:GetObject", "arn:aws:s3:::b/k", {}, "allow"),
    ("action star alone", allow("*"), "ec2:RunInstances", "*", {}, "allow"),
    ("NotAction allow is everything else (NOTACT)", {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "s3:GetObject", "arn:aws:s3:::b/k", {}, "allow"),
    ("NotAction excludes listed", {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "iam:CreateUser", "*", {}, "implicit_deny"),
    ("resource case-sensitive (RES)", allow("s3:*", "arn:aws:s3:::Bucket/*"), "s3:GetObject", "arn:aws:s3:::bucket/k", {}, "implicit_deny"),
    ("resource wildcard spans slash", allow("s3:*", "arn:aws:s3:::bucket/*"), "s3:GetObject", "arn:aws:s3:::bucket/a/b/c", {}, "allow"),
    ("resource wildcard spans colon", allow("*", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/sagemaker/*"), "logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/sagemaker/TrainingJobs:log-stream:x", {}, "allow"),
    ("bucket* trap matches look-alike", allow("s3:*", "arn:aws:s3:::acme-ml-datasets*"), "s3:ListBucket", "arn:aws:s3:::acme-ml-datasets-prod", {}, "allow"),
    ("prefix without slash trap", allow("s3:*", "arn:aws:s3:::b/fraud/v3*"), "s3:GetObject", "arn:aws:s3:::b/fraud/v30/x", {}, "allow"),
    ("prefix with slash is tight", allow("s3:*", "arn:aws:s3:::b/fraud/v3/*"), "s3:GetObject", "arn:aws:s3:::b/fraud/v30/x", {}, "implicit_deny"),
    ("region field wildcard stays in field", allow("*", "arn:aws:sagemaker:*:111122223333:training-job/*"), "sagemaker:DescribeTrainingJob", "arn:aws:sagemaker:us-east-1:111122223333:training-job/x", {}, "allow"),
    ("account field compared alone", allow("*", "arn:aws:sagemaker:*:111122223333:*"), "sagemaker:DescribeTrainingJob", "arn:aws:sagemaker:us-east-1:444455556666:training-job/x", {}, "implicit_deny"),
    ("NotResource allow (NOTRES)", {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}, "s3:GetObject", "arn:aws:s3:::public/k", {}, "allow"),
    ("NotResource excludes", {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}, "s3:GetObject", "arn:aws:s3:::secret/k", {}, "implicit_deny"),
    ("variable in resource (VARS)", allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"), "s3:GetObject", "arn:aws:s3:::home/alice/x", {}, "allow"),
    ("variable in resource other user", allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"), "s3:GetObject", "arn:aws:s3:::home/bob/x", {}, "implicit_deny"),
    ("variable missing key never matches", allow("s3:*", "arn:aws:s3:::home/${aws:PrincipalTag/team}/*"), "s3:GetObject", "arn:aws:s3:::home//x", {}, "implicit_deny"),
    ("variable default", allow("s3:*", "arn:aws:s3:::home/${aws:PrincipalTag/team, 'shared'}/*"), "s3:GetObject", "arn:aws:s3:::home/shared/x", {}, "allow"),
    ("escape star is literal", allow("s3:*", "arn:aws:s3:::b/${*}"), "s3:GetObject", "arn:aws:s3:::b/x", {}, "implicit_deny"),
    ("escape star matches star", allow("s3:*", "arn:aws:s3:::b/${*}"), "s3:GetObject", "arn:aws:s3:::b/*", {}, "allow"),
]


@pytest.mark.parametrize(
    ("statement", "action", "target", "context", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_matching(statement: dict[str, Any], action: str, target: str, context: dict[str, Any], expected: str) -> None:
    assert decide([policy(statement)], principal=USER, action=action, target=target, context=context) == expected


def test_version_2008_makes_variables_literal() -> None:
    p = policy(allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"), version="2008-10-17")
    assert decide([p], principal=USER, target="arn:aws:s3:::home/alice/x") == "implicit_deny"
    assert decide([p], principal=USER, target="arn:aws:s3:::home/${aws:username}/x") == "allow"


def test_deny_with_not_resource_narrows() -> None:
    p = policy(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::ok/*"})
    assert decide([p], target="arn:aws:s3:::ok/1") == "allow"
    assert decide([p], target="arn:aws:s3:::other/1") == "explicit_deny"


def test_deny_narrows_allow() -> None:
    p = policy(allow("s3:*", "arn:aws:s3:::b/*"), deny("s3:DeleteObject", "arn:aws:s3:::b/*"))
    assert decide([p], action="s3:DeleteObject", target="arn:aws:s3:::b/x") == "explicit_deny"
