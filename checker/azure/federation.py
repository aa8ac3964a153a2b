"""Microsoft Entra workload identity federation: which external tokens become a managed identity.

A federated identity credential names an issuer, a subject and audiences; Entra accepts a token for the
identity only when its `iss` and `sub` equal the credential's issuer and subject exactly (case-sensitive, no
wildcards) and its `aud` is one of the credential's audiences ("Workload identity federation" and
"Important considerations and restrictions for federated identity credentials", Microsoft Entra docs; the
recommended audience is `api://AzureADTokenExchange`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_AUDIENCE = "api://AzureADTokenExchange"


@dataclass(frozen=True)
class CredentialMatch:
    accepted: bool
    reason: str  # the claim that did not match, with both values, or "" when accepted


def match_credential(issuer: str, subject: str, audiences: Sequence[str], claims: Mapping[str, Any]) -> CredentialMatch:
    """Whether a token with `claims` is accepted by one federated identity credential."""
    token_issuer, token_subject, token_audience = claims.get("iss"), claims.get("sub"), claims.get("aud")
    if token_issuer != issuer:
        return CredentialMatch(False, f"the token's iss {token_issuer!r} is not the credential's issuer {issuer!r}")
    if token_subject != subject:
        return CredentialMatch(False, f"the token's sub {token_subject!r} is not the credential's subject {subject!r}")
    presented: list[Any] = token_audience if isinstance(token_audience, list) else [token_audience]
    if not any(a in audiences for a in presented):
        return CredentialMatch(False, f"the token's aud {token_audience!r} is none of the credential's audiences "
                                      f"{list(audiences)!r}")
    return CredentialMatch(True, "")
