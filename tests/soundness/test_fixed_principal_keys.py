"""Every condition operator on every key the caller fixes: the prover decides it as the evaluator does.

AWS adds aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType to every request by an AWS principal
and aws:username to a user's (IAM User Guide, "AWS global condition context keys": "aws:PrincipalAccount
... This key is included in the request context for all signed requests"). For one principal, a statement
whose only condition is on such a key is either always or never applicable, so `within(policy, nothing)`
must be PROVED exactly when the evaluator denies the request and give a counterexample exactly when it
allows it: the grid below decides every operator family (String*, Arn*, Numeric*, Date*, Bool, IpAddress,
Null, Binary), plain, `...IfExists`, ForAllValues and ForAnyValue, with values that match and values that
do not, both ways. The one combination issue 13 found: "ArnNotLike aws:PrincipalAccount 111122223333"
("Amazon Resource Name (ARN) condition operators": the value is not an ARN, so it never matches, so the
negated operator holds and the statement applies) was proved `within` while the request was allowed.
"""

from __future__ import annotations

import base64
import os
from functools import cache

import pytest

from checker.aws import PolicySet, Request, evaluate
from checker.aws.analyze import within
from checker.aws.conditions import operator_names
from checker.aws.policy import Policy
from checker.aws.request import prepare_request
from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from tests.aws_analysis.helpers import allow, policy

ACCOUNT = "111122223333"
PRINCIPALS = (
    f"arn:aws:iam::{ACCOUNT}:user/alice",  # every fixed key present, aws:username included
    f"arn:aws:sts::{ACCOUNT}:assumed-role/fraud-training-role/job-1",  # aws:username absent
)
KEYS = ("aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType", "aws:username")
ACTION, RESOURCE = "s3:GetObject", "arn:aws:s3:::acme-ml-artifacts/model.tar.gz"
NOTHING = policy(allow("sts:GetCallerIdentity"))  # the envelope: nothing the grid's statement grants
FORMS = ("{op}", "{op}IfExists", "ForAllValues:{op}", "ForAnyValue:{op}")


def _values(principal: str, key: str) -> list[str]:
    """Policy values near the principal's own value for the key: equal, case-changed, wildcards, ARN-shaped,
    non-ARN, numbers, dates, booleans, addresses, base64 — each operator keeps those it accepts."""
    own = str(prepare_request(Request(principal, ACTION)).context.get(key.lower(), "absent"))
    return [
        own,
        own.upper(),
        own[:3] + "*",
        "*",
        "arn:aws:iam::*:*",
        "arn:aws:*:*:*:*",
        ACCOUNT,
        "0",
        "2020-01-01T00:00:00Z",
        "true",
        "false",
        "0.0.0.0/0",
        base64.b64encode(own.encode()).decode(),
        "no-match",
    ]


@cache
def _parsed(operator: str, key: str, value: str) -> Policy | None:
    try:
        return policy(allow(ACTION, "*", Condition={operator: {key: value}}))
    except InputError:
        return None  # the operator refuses this value (e.g. IpAddress "true"): the parser decides that


def _allowed(operator: str, key: str, value: str, principal: str) -> bool:
    granted = _parsed(operator, key, value)
    assert granted is not None
    return evaluate(Request(principal, ACTION, RESOURCE, ACCOUNT), PolicySet(identity=[granted])).allowed


def _grid(every_value: bool) -> list[tuple[str, str, str, str]]:
    """Every operator form x principal x fixed key; with `every_value` all values, else one value the
    evaluator allows and one it denies (each combination decided both ways, where both exist)."""
    cases = []
    for name in operator_names():
        for form in ("{op}",) if name == "Null" else FORMS:
            operator = form.format(op=name)
            for principal in PRINCIPALS:
                for key in KEYS:
                    if not every_value and principal != PRINCIPALS[0] and key != "aws:username":
                        continue  # the short run: the session only for the key it does not have
                    chosen: dict[bool, str] = {}
                    for value in _values(principal, key):
                        if _parsed(operator, key, value) is None:
                            continue
                        if every_value:
                            cases.append((operator, key, value, principal))
                        else:
                            chosen.setdefault(_allowed(operator, key, value, principal), value)
                    cases.extend((operator, key, value, principal) for value in chosen.values())
    return cases


# `make fuzz-prover` decides every value; `make test` one allowed and one denied value per combination.
GRID = _grid(every_value=os.environ.get("IAMLAB_FUZZ") == "long")


def test_the_grid_covers_every_family_and_form() -> None:
    operators = {case[0] for case in GRID}
    for name in operator_names():
        assert name in operators
    for family in ("Arn", "String", "Numeric", "Date", "Bool", "IpAddress", "Binary"):
        assert any(o.startswith(f"ForAllValues:{family}") for o in operators), family
        assert any(o.startswith(family) and o.endswith("IfExists") for o in operators), family


@pytest.mark.parametrize(("operator", "key", "value", "principal"), GRID)
def test_the_prover_decides_like_the_evaluator(operator: str, key: str, value: str, principal: str) -> None:
    granted = _parsed(operator, key, value)
    assert granted is not None
    result = within(granted, NOTHING, principal=principal, limit=1)
    if _allowed(operator, key, value, principal):
        assert result.status is WithinStatus.COUNTEREXAMPLE, result
        assert result.counterexamples[0].action.lower() == ACTION.lower()
    else:
        assert result.status is WithinStatus.PROVED, result
