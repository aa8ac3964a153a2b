"""Grammar and validation errors carry a location and never a traceback.

GRAMMAR = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
QUOTAS  = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
SCPQ    = https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
"""

from __future__ import annotations

import json

import pytest

from checker.aws import PolicyKind, parse_policy
from checker.core.errors import InputError
from checker.core.source import parse_json

BAD = [
    ("unknown element", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Actions": "s3:*", "Resource": "*"}]}', "unknown statement element 'Actions'", 1),
    ("missing Effect", '{"Version": "2012-10-17",\n "Statement": [\n  {"Action": "s3:*", "Resource": "*"}]}', "no Effect", 3),
    ("Effect case", '{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]}', "Effect must be", 1),
    ("Action and NotAction", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}]}', "both Action and NotAction", 1),
    ("bad Version", '{"Version": "2024-01-01", "Statement": []}', "Version must be", 1),
    ("no service prefix", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}', "no service prefix", 1),
    ("malformed ARN", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:bucket"}]}', "not a complete ARN", 1),
    ("not an ARN", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "my-bucket"}]}', "not an ARN", 1),
    ("duplicate key", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}', "duplicate key", 1),
    ("unknown operator", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqual": {"a:b": "c"}}}]}', "unknown condition operator", 1),
    ("bad numeric value", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": "ten"}}}]}', "not a number", 1),
    ("bad cidr", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}}]}', "not an IP", 1),
    ("principal in identity policy", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}', "not allowed in identity", 1),
    ("unterminated variable", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username"}]}', "no closing", 1),
    ("statement not object", '{"Version": "2012-10-17", "Statement": ["s3:*"]}', "must be a JSON object", 1),
]


@pytest.mark.parametrize(("text", "needle", "line"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_policy_reports_location(text: str, needle: str, line: int) -> None:
    with pytest.raises(InputError) as caught:
        parse_policy(parse_json(text, "policy.json"), name="policy.json")
    error = caught.value
    assert needle in str(error)
    assert error.where is not None and error.where.file == "policy.json"
    assert error.where.line == line and error.where.column is not None


def test_missing_effect_points_at_the_statement_line_and_column() -> None:
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Action": "s3:*", "Resource": "*"}\n  ]\n}'
    with pytest.raises(InputError) as caught:
        parse_policy(parse_json(text, "p.json"))
    assert (caught.value.where.line, caught.value.where.column) == (4, 5)  # type: ignore[union-attr]
    assert caught.value.where.pointer == "/Statement/0"  # type: ignore[union-attr]


def big_policy(size: int) -> dict[str, object]:
    resources = [f"arn:aws:s3:::bucket/{'x' * 40}{i}" for i in range(size // 60)]
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resources}]}


@pytest.mark.parametrize(
    ("kind", "limit"),
    [(PolicyKind.IDENTITY, 6144), (PolicyKind.TRUST, 2048), (PolicyKind.SCP, 5120), (PolicyKind.SESSION, 2048)],
)
def test_size_limits_count_characters_without_whitespace(kind: PolicyKind, limit: int) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    if kind in (PolicyKind.TRUST,):
        statement = {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
    small = {"Version": "2012-10-17", "Statement": [statement]}
    parse_policy(json.dumps(small, indent=8), kind=kind)  # whitespace does not count
    too_big = big_policy(limit + 200)
    if kind is PolicyKind.TRUST:
        too_big = {"Version": "2012-10-17", "Statement": [dict(statement, Sid="x" * limit)]}
    with pytest.raises(InputError, match=f"at most {limit:,}"):
        parse_policy(too_big, kind=kind)


def test_inline_role_policy_limit_can_be_given() -> None:
    parse_policy(big_policy(9000), size_limit=10240)
    with pytest.raises(InputError):
        parse_policy(big_policy(9000))


def test_statement_as_object_and_no_version_means_2008() -> None:
    p = parse_policy({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}})
    assert p.version == "2008-10-17" and len(p.statements) == 1
