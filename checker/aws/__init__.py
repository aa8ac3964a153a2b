"""The AWS policy engine: parse, validate, evaluate and explain requests the way AWS does.

Parse once, evaluate many:

    policy = parse_policy(document, name="permissions-policy.json", kind=PolicyKind.IDENTITY)
    decision = evaluate(Request(principal, action, resource, context=...), PolicySet(identity=[policy]))
"""

from typing import TYPE_CHECKING, Any

from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import Policy, PolicyKind, Statement, parse_policy
from checker.aws.request import Request

if TYPE_CHECKING:
    from checker.aws.engine import ENGINE

__all__ = ["ENGINE", "Policy", "PolicyKind", "PolicySet", "Request", "Statement", "evaluate", "parse_policy"]


def __getattr__(name: str) -> Any:
    """ENGINE (grading's face) on first use: it imports federation, roles and the catalog, which deciding a
    request (`iamlab simulate aws --batch`) never needs."""
    if name == "ENGINE":
        from checker.aws.engine import ENGINE

        return ENGINE
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
