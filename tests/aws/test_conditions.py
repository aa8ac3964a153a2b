"""Condition operators, one row per documented behaviour.

Doc pages (IAM User Guide):
  OPS  = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
  MULTI = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
  SINGLE = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
  VARS = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.helpers import condition_allows

K = "aws:PrincipalTag/team"

CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # --- String (OPS, String condition operators)
    ("StringEquals exact", {"StringEquals": {K: "ml"}}, {K: "ml"}, True),
    ("StringEquals is case-sensitive", {"StringEquals": {K: "ml"}}, {K: "ML"}, False),
    ("StringEquals has no wildcards", {"StringEquals": {K: "m*"}}, {K: "ml"}, False),
    ("StringEquals star literal", {"StringEquals": {K: "m*"}}, {K: "m*"}, True),
    ("StringNotEquals differs", {"StringNotEquals": {K: "ml"}}, {K: "web"}, True),
    ("StringNotEquals same", {"StringNotEquals": {K: "ml"}}, {K: "ml"}, False),
    ("StringEqualsIgnoreCase", {"StringEqualsIgnoreCase": {K: "ML"}}, {K: "ml"}, True),
    ("StringNotEqualsIgnoreCase", {"StringNotEqualsIgnoreCase": {K: "ML"}}, {K: "ml"}, False),
    ("StringLike star", {"StringLike": {K: "m*"}}, {K: "ml-ops"}, True),
    ("StringLike question", {"StringLike": {K: "m?"}}, {K: "ml"}, True),
    ("StringLike question is one char", {"StringLike": {K: "m?"}}, {K: "mlx"}, False),
    ("StringLike case-sensitive", {"StringLike": {K: "M*"}}, {K: "ml"}, False),
    ("StringNotLike", {"StringNotLike": {K: "m*"}}, {K: "web"}, True),
    ("StringNotLike match", {"StringNotLike": {K: "m*"}}, {K: "ml"}, False),
    # --- Missing keys (OPS, "Important": negated operators are true when the key is absent)
    ("missing key: positive operator false", {"StringEquals": {K: "ml"}}, {}, False),
    ("missing key: StringNotEquals true", {"StringNotEquals": {K: "ml"}}, {}, True),
    ("missing key: StringNotLike true", {"StringNotLike": {K: "m*"}}, {}, True),
    ("missing key: NumericNotEquals true", {"NumericNotEquals": {"s3:max-keys": "10"}}, {}, True),
    ("missing key: NotIpAddress true", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}, True),
    ("missing key: ArnNotLike true", {"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::x"}}, {}, True),
    # --- IfExists (OPS, ...IfExists condition operators)
    ("IfExists absent", {"StringEqualsIfExists": {K: "ml"}}, {}, True),
    ("IfExists present match", {"StringEqualsIfExists": {K: "ml"}}, {K: "ml"}, True),
    ("IfExists present mismatch", {"StringEqualsIfExists": {K: "ml"}}, {K: "web"}, False),
    ("NotIfExists absent", {"StringNotEqualsIfExists": {K: "ml"}}, {}, True),
    # --- Several values of a key are ORed; negated operators need no value to match (MULTI)
    ("values ORed", {"StringEquals": {K: ["ml", "data"]}}, {K: "data"}, True),
    ("values ORed none", {"StringEquals": {K: ["ml", "data"]}}, {K: "web"}, False),
    ("negated values NOR", {"StringNotEquals": {K: ["ml", "data"]}}, {K: "data"}, False),
    ("negated values NOR none", {"StringNotEquals": {K: ["ml", "data"]}}, {K: "web"}, True),
    # --- Several keys ANDed, several operators ANDed (MULTI)
    (
        "keys ANDed",
        {"StringEquals": {K: "ml", "aws:RequestedRegion": "us-east-1"}},
        {K: "ml", "aws:RequestedRegion": "eu-west-1"},
        False,
    ),
    (
        "operators ANDed",
        {"StringEquals": {K: "ml"}, "Bool": {"aws:SecureTransport": "true"}},
        {K: "ml", "aws:SecureTransport": "true"},
        True,
    ),
    # --- Condition key names are case-insensitive (OPS / Condition element)
    ("key name case-insensitive", {"StringEquals": {"AWS:principaltag/TEAM": "ml"}}, {K: "ml"}, True),
    # --- Numeric (OPS, Numeric condition operators)
    ("NumericEquals", {"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True),
    ("NumericEquals number forms", {"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.0"}, True),
    ("NumericNotEquals", {"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": 11}, True),
    ("NumericLessThan", {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": 9}, True),
    ("NumericLessThan equal", {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": 10}, False),
    ("NumericLessThanEquals", {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": 10}, True),
    ("NumericGreaterThan", {"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": 11}, True),
    ("NumericGreaterThanEquals", {"NumericGreaterThanEquals": {"s3:max-keys": 10}}, {"s3:max-keys": 9}, False),
    ("Numeric non-number request", {"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "ten"}, False),
    # --- Date (OPS, Date condition operators): ISO 8601 or epoch seconds
    (
        "DateLessThan",
        {"DateLessThan": {"aws:CurrentTime": "2026-12-01T00:00:00Z"}},
        {"aws:CurrentTime": "2026-11-28T10:00:00Z"},
        True,
    ),
    (
        "DateGreaterThan",
        {"DateGreaterThan": {"aws:CurrentTime": "2026-12-01T00:00:00Z"}},
        {"aws:CurrentTime": "2026-11-28T10:00:00Z"},
        False,
    ),
    (
        "Date epoch vs ISO",
        {"DateEquals": {"aws:EpochTime": "1767225600"}},
        {"aws:EpochTime": "2026-01-01T00:00:00Z"},
        True,
    ),
    (
        "DateNotEquals",
        {"DateNotEquals": {"aws:CurrentTime": "2026-01-01"}},
        {"aws:CurrentTime": "2026-01-02T00:00:00Z"},
        True,
    ),
    (
        "DateLessThanEquals",
        {"DateLessThanEquals": {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}},
        {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"},
        True,
    ),
    (
        "DateGreaterThanEquals",
        {"DateGreaterThanEquals": {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}},
        {"aws:TokenIssueTime": "2025-12-31T23:59:59Z"},
        False,
    ),
    # --- Bool (OPS, Boolean condition operators)
    ("Bool true", {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True}, True),
    ("Bool false", {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "false"}, False),
    ("Bool missing", {"Bool": {"aws:SecureTransport": "false"}}, {}, False),
    ("BoolIfExists missing", {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, {}, True),
    # --- Binary (OPS, Binary condition operators)
    ("BinaryEquals", {"BinaryEquals": {"key": "QmluYXJ5VmFsdWU="}}, {"key": "QmluYXJ5VmFsdWU="}, True),
    ("BinaryEquals differs", {"BinaryEquals": {"key": "QmluYXJ5VmFsdWU="}}, {"key": "T3RoZXI="}, False),
    # --- IP address (OPS, IP address condition operators), IPv4 and IPv6
    ("IpAddress v4 in", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.7"}, True),
    ("IpAddress v4 out", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.114.7"}, False),
    ("IpAddress single", {"IpAddress": {"aws:SourceIp": "203.0.113.7"}}, {"aws:SourceIp": "203.0.113.7"}, True),
    ("IpAddress v6 in", {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db8::1"}, True),
    ("IpAddress v6 vs v4", {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "10.0.0.1"}, False),
    ("NotIpAddress out", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "11.0.0.1"}, True),
    ("NotIpAddress in", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.9.0.1"}, False),
    # --- ARN (OPS, ARN condition operators): field by field, wildcards allowed in ArnEquals and ArnLike
    (
        "ArnLike",
        {"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-*"}},
        {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-7"},
        True,
    ),
    (
        "ArnEquals accepts wildcards too",
        {"ArnEquals": {"aws:SourceArn": "arn:aws:sagemaker:*:111122223333:training-job/*"}},
        {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/x"},
        True,
    ),
    (
        "Arn wildcard stays in its field",
        {"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:*:training-job/*"}},
        {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/x"},
        False,
    ),
    (
        "ArnNotLike",
        {"ArnNotLike": {"aws:SourceArn": "arn:aws:sagemaker:*:444455556666:*"}},
        {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/x"},
        True,
    ),
    (
        "ArnNotEquals match",
        {"ArnNotEquals": {"aws:SourceArn": "arn:aws:s3:::bucket"}},
        {"aws:SourceArn": "arn:aws:s3:::bucket"},
        False,
    ),
    # --- Null (OPS, Condition operator to check existence of condition keys)
    ("Null true absent", {"Null": {"aws:TokenIssueTime": "true"}}, {}, True),
    ("Null true present", {"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "x"}, False),
    ("Null false present", {"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "x"}, True),
    ("Null false absent", {"Null": {"aws:TokenIssueTime": "false"}}, {}, False),
    # --- Set operators (SINGLE / MULTI, "Set operators for multivalued context keys")
    ("ForAllValues subset", {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost"]}}, {"aws:TagKeys": ["team"]}, True),
    (
        "ForAllValues extra value",
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost"]}},
        {"aws:TagKeys": ["team", "owner"]},
        False,
    ),
    ("ForAllValues missing key is true", {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, {}, True),
    ("ForAllValues empty list is true", {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": []}, True),
    ("ForAnyValue one matches", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": ["x", "team"]}, True),
    ("ForAnyValue none", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": ["x"]}, False),
    ("ForAnyValue missing key is false", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, {}, False),
    (
        "ForAnyValue StringNotEquals",
        {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team"]}},
        {"aws:TagKeys": ["team", "x"]},
        True,
    ),
    (
        "ForAllValues StringNotEquals",
        {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}},
        {"aws:TagKeys": ["team", "secret"]},
        False,
    ),
    ("ForAllValues StringLike", {"ForAllValues:StringLike": {"aws:TagKeys": ["ml-*"]}}, {"aws:TagKeys": ["ml-a", "ml-b"]}, True),
    # --- Policy variables in condition values (VARS)
    (
        "variable in value",
        {"StringEquals": {"s3:prefix": "home/${aws:username}/"}},
        {"s3:prefix": "home/alice/", "aws:username": "alice"},
        True,
    ),
    (
        "variable missing: value cannot match",
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3:prefix": "home//x"},
        False,
    ),
    (
        "variable default",
        {"StringEquals": {K: "${aws:PrincipalTag/dept, 'none'}"}},
        {K: "none"},
        True,
    ),
    # VARS, "Policy variables with no value": a variable with no value is a null value; "Inverted condition
    # operators like StringNotEquals or StringNotLike do match against a null value", and IfExists with the
    # key absent is true before any variable is looked at (tests/aws/test_null_values.py has the full table).
    ("null value: negated operator matches", {"StringNotEquals": {K: "${aws:PrincipalTag/project}"}}, {K: "ml"}, True),
    ("null value: IfExists with the key absent is true", {"StringEqualsIfExists": {"s3:prefix": "${aws:username}/"}}, {}, True),
    # SINGLE: ForAnyValue is false on a missing key, with or without IfExists (see docs/aws-differences.md).
    ("ForAnyValue IfExists missing key is false", {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["team"]}}, {}, False),
    ("escape ${*} is a literal star", {"StringLike": {K: "a${*}"}}, {K: "a*"}, True),
    ("escape ${*} is not a wildcard", {"StringLike": {K: "a${*}"}}, {K: "ab"}, False),
    ("escape ${?}", {"StringLike": {K: "a${?}"}}, {K: "a?"}, True),
    ("escape ${$}", {"StringEquals": {K: "${$}5"}}, {K: "$5"}, True),
]


@pytest.mark.parametrize(("condition", "context", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_operator(condition: dict[str, Any], context: dict[str, Any], expected: bool) -> None:
    assert condition_allows(condition, context) is expected


def test_variables_are_literal_text_under_version_2008() -> None:
    # VARS: "policy variables ... only with Version 2012-10-17"; under 2008-10-17 ${...} is literal text.
    condition = {"StringEquals": {"s3:prefix": "home/${aws:username}/"}}
    context = {"s3:prefix": "home/${aws:username}/", "aws:username": "alice"}
    assert condition_allows(condition, context, version="2008-10-17")
    assert not condition_allows(condition, {"s3:prefix": "home/alice/", "aws:username": "alice"}, version="2008-10-17")


def test_substituted_value_is_literal_not_a_wildcard() -> None:
    # A user name containing '*' must not widen a StringLike pattern.
    condition = {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}
    assert not condition_allows(condition, {"s3:prefix": "home/bob/x", "aws:username": "*"})
