"""Issue 14 §6: when several actions exceed the envelope, the counterexamples show the most dangerous first
(privilege escalation, data write/delete, policy changes, data read, read-only metadata), and each one is
still confirmed by the evaluator."""

from __future__ import annotations

from checker.aws import PolicySet, Request, evaluate, parse_policy
from checker.aws.analyze import within
from checker.core.danger import Danger, rank

ROLE = "arn:aws:iam::111122223333:role/fraud-training-role"
EXTRA = [
    "s3:ListAllMyBuckets", "ec2:DescribeInstances", "logs:DescribeLogGroups", "s3:GetBucketPolicy",
    "s3:GetObject", "s3:PutBucketPolicy", "s3:DeleteObject", "iam:PassRole",
]


def test_escalation_then_writes_then_policy_changes() -> None:
    inside = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": EXTRA, "Resource": "*"}]}, name="p")
    envelope = parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-ml-datasets/fraud/v3/*"}]},
        name="e",
    )
    result = within([inside], [envelope], principal=ROLE)
    actions = [example.action for example in result.counterexamples]
    assert actions[0] == "iam:PassRole"
    ranks = [rank(a) for a in actions]
    assert ranks == sorted(ranks) and ranks[0] is Danger.ESCALATION and Danger.METADATA not in ranks
    for example in result.counterexamples:
        request = Request(ROLE, example.action, example.resource, context=dict(example.context))
        assert evaluate(request, PolicySet(identity=[inside])).allowed
        assert not evaluate(request, PolicySet(identity=[envelope])).allowed
