"""AWS STS rules (IAM User Guide, "Roles terms and concepts" and the AWS STS API reference).

- A role's trust policy is the resource-based policy for sts:AssumeRole, AssumeRoleWithWebIdentity and
  AssumeRoleWithSAML, and it must allow the caller even within the same account.
- sts:TagSession and sts:SetSourceIdentity are checked against the same trust policy.
- sts:GetCallerIdentity needs no permission: an explicit deny does not stop it.
"""

from __future__ import annotations

TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithwebidentity",
        "sts:assumerolewithsaml",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)

# Web identity providers whose name ends like a service principal's. IAM User Guide, "Creating a role for
# web identity or OpenID Connect federation": a Cognito trust policy names
# `"Principal": {"Federated": "cognito-identity.amazonaws.com"}` with sts:AssumeRoleWithWebIdentity.
WEB_IDENTITY_PROVIDERS = frozenset({"cognito-identity.amazonaws.com"})


def is_trust_action(action_lower: str) -> bool:
    return action_lower in TRUST_ACTIONS


def always_allowed(action_lower: str) -> bool:
    return action_lower == "sts:getcalleridentity"
