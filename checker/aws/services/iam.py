"""IAM rules: AWS managed policies and service-linked roles cannot be changed by anyone in the account.

(IAM User Guide, "AWS managed policies": "You cannot change the permissions defined in AWS managed
policies"; "Using service-linked roles": only the service can edit or delete its service-linked role's
permissions and trust, and deletion goes through iam:DeleteServiceLinkedRole.)
"""

from __future__ import annotations

MANAGED_POLICY_WRITES = frozenset(
    {
        "iam:createpolicyversion",
        "iam:deletepolicy",
        "iam:deletepolicyversion",
        "iam:setdefaultpolicyversion",
    }
)
SERVICE_LINKED_ROLE_WRITES = frozenset(
    {
        "iam:attachrolepolicy",
        "iam:detachrolepolicy",
        "iam:putrolepolicy",
        "iam:deleterolepolicy",
        "iam:updateassumerolepolicy",
        "iam:putrolepermissionsboundary",
        "iam:deleterolepermissionsboundary",
        "iam:deleterole",
        "iam:updaterole",
    }
)


def immutable_target(action_lower: str, resource: str) -> str | None:
    """A plain reason when the action would modify something AWS does not let anyone modify."""
    if action_lower in MANAGED_POLICY_WRITES and resource.startswith("arn:aws:iam::aws:policy/"):
        return "AWS managed policies cannot be modified or deleted"
    if action_lower in SERVICE_LINKED_ROLE_WRITES and ":role/aws-service-role/" in resource:
        return "service-linked roles can be changed only by their service"
    return None
