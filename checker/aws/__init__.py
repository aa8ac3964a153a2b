"""The AWS policy engine: parse, validate, evaluate and explain requests the way AWS does.

Parse once, evaluate many:

    policy = parse_policy(document, name="permissions-policy.json", kind=PolicyKind.IDENTITY)
    decision = evaluate(Request(principal, action, resource, context=...), PolicySet(identity=[policy]))
"""

from checker.aws.engine import ENGINE
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import Policy, PolicyKind, Statement, parse_policy
from checker.aws.request import Request

__all__ = ["ENGINE", "Policy", "PolicyKind", "PolicySet", "Request", "Statement", "evaluate", "parse_policy"]
