"""A policy copied with `dataclasses.replace` is decided by its own statements.

Policy keeps the statements that admit an action by action name (`statements_for`). The analysis derives
policies with `replace` (a resource policy's statements that name one caller, as an identity policy:
analyze/public.py and analyze/escalation_access.py); a copy that shared the original's memo would be decided
by the original's statements for every action the original had been asked about.
"""

from __future__ import annotations

from dataclasses import replace

from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import PolicyKind, parse_policy
from checker.aws.request import Request

OWNER = "arn:aws:iam::111122223333:role/owner"
OTHER = "arn:aws:iam::111122223333:role/other"


def test_a_copy_with_fewer_statements_grants_only_what_they_grant() -> None:
    bucket_policy = parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": OWNER},
                                                 "Action": "s3:GetObject", "Resource": "*"}]},
        kind=PolicyKind.RESOURCE,
    )
    request = Request(OTHER, "s3:GetObject", "arn:aws:s3:::data/a.csv")
    assert bucket_policy.statements_for("s3:getobject")  # the original has been asked about the action
    # The statements naming OTHER (none) as an identity-style policy, as the analysis derives it.
    naming_other = replace(bucket_policy, kind=PolicyKind.IDENTITY, statements=())
    assert naming_other.statements_for("s3:getobject") == ()
    assert evaluate(request, PolicySet(identity=[naming_other])).kind.value == "implicit_deny"
