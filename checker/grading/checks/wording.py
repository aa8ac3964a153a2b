"""How messages name the learner's files on each cloud, so feedback uses the learner's own vocabulary."""

from __future__ import annotations

# What grants permissions: an AWS policy, Azure role assignments (with their role definitions), GCP bindings.
_ALLOWS = {"aws": "your policy allows", "azure": "your role assignments allow", "gcp": "your bindings allow"}
_DOES_NOT_ALLOW = {
    "aws": "your policy does not allow",
    "azure": "your role assignments do not allow",
    "gcp": "your bindings do not allow",
}
# What decides who may act as the identity: an AWS role's trust policy, the IAM policy on a GCP service
# account. Azure spreads this over assignments and federated credentials, so it gets neutral words.
_TRUST_LETS = {"aws": "your trust policy lets", "gcp": "your service account's IAM policy lets"}


def allows(cloud: str) -> str:
    """'your policy allows' (AWS), 'your bindings allow' (GCP)..."""
    return _ALLOWS.get(cloud, "your files allow")


def does_not_allow(cloud: str) -> str:
    return _DOES_NOT_ALLOW.get(cloud, "your files do not allow")


def trust_lets(cloud: str) -> str:
    return _TRUST_LETS.get(cloud, "your files let")
