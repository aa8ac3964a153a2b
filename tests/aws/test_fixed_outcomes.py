"""The evaluator keeps a policy's outcome by action only when nothing else of the request can change it.

A batch decides the same SCPs (the same parsed objects) in case after case; their outcome for an action is
kept when every statement admitting the action has no Condition, no NotResource and a "*" Resource. Each test
decides, in one batch and in both orders, requests that differ in one detail a kept outcome would ignore (a
context value, the resource, a key's case, the action's case), under a policy where that detail matters, and
checks each answer against the documented rule.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from checker.cli.simulate import run_batch

ROLE = "arn:aws:iam::111122223333:role/ml-train"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _case(scp: dict[str, Any], **request: Any) -> dict[str, Any]:
    return {
        "principal": ROLE,
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::acme-ml-datasets/train.csv",
        "identity_policies": [ALLOW_ALL],
        "scps": [[ALLOW_ALL], [ALLOW_ALL, scp]],
        **request,
    }


def _decisions(cases: list[dict[str, Any]]) -> list[str]:
    answers = []
    for ordered in (cases, cases[::-1]):
        out = io.StringIO()
        assert run_batch([json.dumps(c) for c in ordered], "aws", False, out) == 0, out.getvalue()
        answers.append([json.loads(line)["decision"] for line in out.getvalue().splitlines()])
    first, second = answers
    assert first == second[::-1], "a case was decided differently after the other cases were decided"
    return first


def _deny(**statement: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", **statement}]}


@pytest.mark.parametrize("value", ["us-east-1", "US-EAST-1", "us-east-1 "])
def test_a_condition_value_is_read_for_every_request(value: str) -> None:
    """IAM User Guide, "Condition operators": StringNotEquals is a "Negated matching" of case-sensitive
    strings: only the exact value us-east-1 escapes the Deny."""
    scp = _deny(Resource="*", Condition={"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}})
    same = _case(scp, context={"aws:RequestedRegion": "us-east-1"})
    other = _case(scp, context={"aws:RequestedRegion": value})
    expected = "allow" if value == "us-east-1" else "explicit_deny"
    assert _decisions([same, other, _case(scp)]) == ["allow", expected, "explicit_deny"]


def test_a_resource_is_read_for_every_request() -> None:
    """IAM User Guide, "IAM JSON policy elements: Resource": a statement applies to the resources it lists."""
    scp = _deny(Resource="arn:aws:s3:::acme-ml-datasets/*")
    inside = _case(scp)
    outside = _case(scp, resource="arn:aws:s3:::acme-ml-models/model.tar.gz")
    spaced = _case(scp, resource="arn:aws:s3:::acme-ml-datasets /train.csv")
    assert _decisions([inside, outside, spaced]) == ["explicit_deny", "allow", "allow"]


def test_not_resource_is_read_for_every_request() -> None:
    """IAM User Guide, "IAM JSON policy elements: NotResource": the statement matches every resource except
    those listed."""
    scp = _deny(NotResource="arn:aws:s3:::acme-ml-datasets/*")
    assert _decisions([_case(scp), _case(scp, resource="arn:aws:s3:::other/x")]) == ["allow", "explicit_deny"]


def test_an_unconditional_deny_is_kept_per_action_whatever_its_case() -> None:
    """IAM User Guide, "IAM JSON policy elements: Action": action names are case-insensitive; the kept
    outcome of one action is never another's."""
    scp = _deny(Resource="*")
    cases = [_case(scp), _case(scp, action="S3:GETOBJECT"), _case(scp, action="ec2:DescribeInstances")]
    assert _decisions(cases) == ["explicit_deny", "explicit_deny", "allow"]


def test_identity_policies_decided_once_are_freed_without_the_garbage_collector() -> None:
    """A batch whose identity policies never repeat (each case's copy with Sids of its own) reads them without
    keeping them, and keeps no outcome on them either: an outcome names its policy, so a kept one tied each
    policy to itself in a cycle, and a 2,500-case batch spent 4% of its time collecting them. The decisions
    are those of the documented rule: an explicit Deny of a copied policy wins, an Allow alone allows."""
    import gc

    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    lines = []
    for number in range(400):
        own = json.loads(json.dumps(ALLOW_ALL))
        own["Statement"][0]["Sid"] = f"Case{number}"
        extra = json.loads(json.dumps(deny if number % 2 else ALLOW_ALL))
        extra["Statement"][0]["Sid"] = f"Case{number}Extra"
        lines.append(json.dumps(_case({"Version": "2012-10-17", "Statement": []}, identity_policies=[own, extra],
                                      id=number)))
    out = io.StringIO()
    run_batch(lines[:200], "aws", False, out)  # the batch's caches filled; its identity reuse is resting
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        out = io.StringIO()
        assert run_batch(lines[200:], "aws", False, out) == 0
        found = gc.collect()
        garbage = [type(item).__name__ for item in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    assert found == 0, sorted(set(garbage))
    decisions = [json.loads(line)["decision"] for line in out.getvalue().splitlines()]
    assert decisions == ["allow" if number % 2 == 0 else "explicit_deny" for number in range(200, 400)]
