"""Microsoft Entra workload identity federation: which external tokens become a managed identity.

A federated identity credential names an issuer, a subject and audiences; Entra accepts a token for the
identity only when its `iss` and `sub` equal the credential's issuer and subject exactly (case-sensitive, no
wildcards) and its `aud` is one of the credential's audiences ("Workload identity federation" and
"Important considerations and restrictions for federated identity credentials", Microsoft Entra docs; the
recommended audience is `api://AzureADTokenExchange`).

Flexible federated identity credentials (a `claimsMatchingExpression` with wildcards instead of `subject`)
are not modelled: "Flexible federated identity credentials support is not yet available for managed
identities" (Microsoft Entra, "Set up a flexible federated identity credential"), and the azurerm
`azurerm_federated_identity_credential` resource has no such argument, so a user-assigned identity's
credential always names one exact subject.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.core.decision import Decision, DecisionKind, Reason

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


TOKEN_EXCHANGE = "token exchange through a federated identity credential"


def decide_token(identity: str, credentials: Sequence[Any], claims: Mapping[str, Any]) -> Decision:
    """Whether Entra exchanges a token with `claims` for `identity`'s token: some federated identity credential
    of the identity must match its issuer, subject and audience exactly ("Important considerations and
    restrictions for federated identity credentials": the subject "must exactly match" the workload's
    configuration, the issuer "must match the issuer claim of the external token"). `credentials` are
    checker.azure.actors.FederatedCredential (issuer, subject, audiences, name)."""
    reasons: list[Reason] = []
    for credential in credentials:
        label = f"federated identity credential {credential.name or credential.principal!r}"
        match = match_credential(credential.issuer, credential.subject, credential.audiences, claims)
        if match.accepted:
            return Decision(DecisionKind.ALLOW, f"{label} accepts the token for {identity}",
                            (Reason(label, None, "allow", "issuer, subject and audience match exactly"),))
        reasons.append(Reason(label, None, "not applicable", match.reason))
    if not reasons:
        reasons.append(Reason(identity, None, "missing", "the identity has no federated identity credential"))
    return Decision(DecisionKind.IMPLICIT_DENY, f"no federated identity credential of {identity} accepts the token",
                    tuple(reasons))
