"""Differential check of `within` against the evaluator on random small policies.

A proof must survive every request of a concrete request vocabulary (all action / resource / context
combinations below, evaluated with checker.aws.evaluate); a counterexample must be confirmed by the
evaluator independently. Small on purpose (the suite stays fast); the vocabulary is built around the
traps: prefixes with and without slashes, Get*, variables, IfExists, ForAllValues, Deny.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.aws.analyze import within
from checker.core.engine import WithinStatus
from checker.core.findings import Counterexample
from tests.aws_analysis.helpers import ROLE, USER, allowed_by, policy

ACTIONS = ["s3:GetObject", "s3:Get*", "s3:*", "s3:PutObject", "s3:ListBucket", "iam:PassRole", "*"]
RESOURCES = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b*",
    "arn:aws:s3:::b/x/*",
    "arn:aws:s3:::b/x*",
    "arn:aws:s3:::b/${aws:username}/*",
    "arn:aws:s3:::b",
    "arn:aws:s3:*:*:b/*",
]
CONDITIONS: list[dict[str, Any] | None] = [
    None,
    {"StringLike": {"s3:prefix": "x/*"}},
    {"StringEqualsIfExists": {"s3:prefix": "x/"}},
    {"Null": {"s3:prefix": "false"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}},
    {"NumericLessThan": {"s3:max-keys": "10"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"StringNotEquals": {"aws:username": "bob"}},
]

PRINCIPAL = ROLE  # a role: aws:username is absent unless the context sends it
REQUEST_ACTIONS = [
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteBucket",
    "iam:PassRole",
    "ec2:RunInstances",
]
REQUEST_RESOURCES = [
    "arn:aws:s3:::b/x/1",
    "arn:aws:s3:::b/xy",
    "arn:aws:s3:::b/alice/1",
    "arn:aws:s3:::b/bob/1",
    "arn:aws:s3:::b-prod",
    "arn:aws:s3:::b",
    "arn:aws:s3:us-east-1:111122223333:b/1",
    "*",
]
REQUEST_CONTEXTS: list[dict[str, Any]] = [
    {},
    {"s3:prefix": "x/"},
    {"s3:prefix": "y/"},
    {"aws:TagKeys": ["team"]},
    {"aws:TagKeys": ["team", "cost"]},
    {"s3:max-keys": "5", "aws:SourceIp": "10.1.2.3"},
    {"s3:max-keys": "50", "aws:SourceIp": "192.0.2.1"},
    {"aws:username": "alice"},
    {"aws:username": "bob"},
]

statement = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Allow", "Deny"]),
        "Action": st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True),
        "Resource": st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2, unique=True),
        "Condition": st.sampled_from(CONDITIONS),
    }
).map(lambda s: {k: v for k, v in s.items() if v is not None})


def _allowed(policies: list[Any], example: Counterexample) -> bool:
    return allowed_by(policies, example, principal=PRINCIPAL)


# Derandomized: one random draw in a full run (session 5) sat for over 15 minutes inside z3's `push` in
# `_enter_most_dangerous`, where the CPU budget does not reach; until that is found, `make test` draws the same
# examples every time (the long prover fuzzing, `make fuzz-prover`, still explores).
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.lists(statement, min_size=1, max_size=3), st.lists(statement, min_size=1, max_size=3))
def test_within_agrees_with_the_evaluator(
    inside_raw: list[dict[str, Any]], outside_raw: list[dict[str, Any]]
) -> None:
    inside, outside = policy(*inside_raw), policy(*outside_raw)
    result = within(inside, outside)
    if result.status is WithinStatus.COUNTEREXAMPLE:
        for example in result.counterexamples:
            assert _allowed([inside], example) and not _allowed([outside], example), example
    if result.status is WithinStatus.PROVED:
        for action, resource, context in itertools.product(
            REQUEST_ACTIONS, REQUEST_RESOURCES, REQUEST_CONTEXTS
        ):
            probe = Counterexample(action, resource, context)
            assert not (_allowed([inside], probe) and not _allowed([outside], probe)), (
                probe,
                inside_raw,
                outside_raw,
            )
            as_user = allowed_by([inside], probe, principal=USER) and not allowed_by(
                [outside], probe, principal=USER
            )
            assert not as_user, (probe, "as a user", inside_raw, outside_raw)
