"""sts:AssumeRoleWithWebIdentity: an OIDC token's claims as the request IAM evaluates against a trust policy.

IAM User Guide, "Available keys for OIDC federation": a trust policy reads a token's claims as condition keys
named `<provider URL without https://>:<claim>`; `aud`, `sub`, `amr`, `azp`, `email` and `oaud` exist for
every OIDC provider. Provider-specific claims are keys only where the Service Authorization Reference
lists them for sts:AssumeRoleWithWebIdentity (for GitHub: actor, actor_id, enterprise_id, environment,
job_workflow_ref, ref, repository, repository_id, repository_owner_id, workflow); other claims
(`repository_owner`, `event_name`, ...) never reach the policy, so a condition on them never matches.
The caller is the IAM OIDC provider (`arn:aws:iam::ACCOUNT:oidc-provider/HOST`), named in the trust
policy's `Principal: {"Federated": ...}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from checker.aws.catalog import OIDC_GENERIC_KEYS, action_info
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import Policy
from checker.aws.request import Request
from checker.core.decision import Decision
from checker.core.errors import InputError

ACTION = "sts:AssumeRoleWithWebIdentity"


def provider_host(issuer_or_url: str) -> str:
    """`https://token.actions.githubusercontent.com` -> `token.actions.githubusercontent.com` (IAM's key prefix)."""
    return issuer_or_url.removeprefix("https://").rstrip("/")


@cache
def _provider_keys() -> tuple[str, ...]:
    """Condition keys the catalog lists for AssumeRoleWithWebIdentity (placeholders kept, e.g. ${SubPath})."""
    info = action_info(ACTION)
    return tuple(k.lower() for k in info.condition_keys) if info else ()


def claim_keys(host: str) -> frozenset[str]:
    """The claim names IAM exposes as `<host>:<claim>` keys for this provider."""
    prefix = host.lower() + ":"
    specific = {key[len(prefix):] for key in _provider_keys() if key.startswith(prefix)}
    return frozenset(OIDC_GENERIC_KEYS | specific)


def token_context(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The request context IAM builds from a token: `<host>:<claim>` for the claims it exposes."""
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise InputError("the token has no iss claim, so no provider can be named")
    host = provider_host(issuer)
    exposed = claim_keys(host)
    context: dict[str, Any] = {}
    for claim, value in claims.items():
        if claim in exposed and isinstance(value, str | list):
            context[f"{host}:{claim}"] = value
    return context


def provider_arn(issuer: str, account: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:oidc-provider/{provider_host(issuer)}"


def web_identity_request(role_arn: str, claims: Mapping[str, Any], account: str) -> Request:
    """The request STS evaluates when a token for `claims` is presented to assume `role_arn`."""
    issuer = str(claims.get("iss", ""))
    return Request(provider_arn(issuer, account), ACTION, role_arn, None, token_context(claims))


def decide_web_identity(trust: Policy, role_arn: str, claims: Mapping[str, Any], account: str) -> Decision:
    """Whether the role's trust policy lets a holder of this token assume the role."""
    request = web_identity_request(role_arn, claims, account)
    return evaluate(request, PolicySet(resource=trust), explain=True)
