"""Who can act as a user-assigned managed identity: every principal or external workload that can get its
tokens.

Two ways exist ("Managed identities for Azure resources" and "Workload identity federation" docs):
- a federated identity credential on the identity lets an external identity provider's token with that
  issuer and subject be exchanged for the identity's token;
- a role assignment over the identity's resource that grants
  Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action (Managed Identity Operator: attach the
  identity to a resource one controls and take its tokens there),
  .../federatedIdentityCredentials/write (add one's own federated credential), or
  Microsoft.Authorization/roleAssignments/write (grant oneself either) to its principal.

A federated credential is within the lab's allowed set when its issuer and subject are listed and, when the
lab lists audiences for them, each audience it accepts is listed too; otherwise each token it accepts that
the lab does not allow (issuer, subject, audience) is a counterexample.

Role assignments are the only grants and federated credentials the only trust, so listing those that
reach the identity lists everyone who can act as it. A condition or an activation window on an
assignment is taken to hold (a grant under some condition is still a grant) and deny assignments are
not subtracted: what is left over is more, never less, than what Azure lets act.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.azure.federation import TOKEN_EXCHANGE
from checker.azure.model import AzureModel, RoleDefinition
from checker.azure.operations import compile_pattern
from checker.azure.parse import Fields, Locate, field_locator, items, scope_at
from checker.azure.scopes import covers
from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample

TAKEOVER_OPERATIONS = (
    "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
    "Microsoft.Authorization/roleAssignments/write",
)
CREDENTIAL_FIELDS = ("name", "issuer", "subject", "audiences", "description")


@dataclass(frozen=True)
class FederatedCredential:
    name: str
    issuer: str
    subject: str
    audiences: tuple[str, ...] = ()

    @property
    def principal(self) -> str:
        return f"{self.issuer} subject {self.subject}"

    def token(self, audience: str | None) -> dict[str, str]:
        """The claims of a token this credential accepts (Entra compares iss, sub and aud)."""
        claims = {"iss": self.issuer, "sub": self.subject}
        if audience is not None:
            claims["aud"] = audience
        return claims


def parse_credentials(data: Any, locate: Locate) -> tuple[FederatedCredential, ...]:
    """federated-credentials.json: a list of {name, issuer, subject, audiences} (az identity federated-credential)."""
    found: list[FederatedCredential] = []
    for item, pointer in items(data, "", locate, "the federated identity credentials"):
        fields = Fields(item, pointer, locate, "a federated identity credential", CREDENTIAL_FIELDS)
        issuer = fields.string("issuer")
        subject = fields.string("subject")
        assert issuer is not None and subject is not None
        audiences = tuple(value for value, _ in fields.strings("audiences"))
        found.append(FederatedCredential(fields.string("name", required=False) or "", issuer, subject, audiences))
    return tuple(found)


@dataclass(frozen=True)
class AllowedSet:
    principals: frozenset[str]  # object ids, lowercased
    federated: Mapping[tuple[str, str], frozenset[str] | None]  # (issuer, subject) -> audiences (None: any)

    def refused_audiences(self, credential: FederatedCredential) -> tuple[str, ...] | None:
        """None when the credential's issuer and subject are not allowed at all; else its audiences the lab
        does not allow (empty: the credential is within the allowed set)."""
        key = (credential.issuer, credential.subject)
        if key not in self.federated:
            return None
        audiences = self.federated[key]
        return () if audiences is None else tuple(a for a in credential.audiences if a not in audiences)


def allowed_set(may_assume: Any) -> AllowedSet:
    """The lab's allowed set: principal object ids, and {issuer, subject, audiences?} federated credentials
    (without `audiences`, any audience is allowed for that issuer and subject)."""
    if not isinstance(may_assume, list):
        raise InputError("may_assume must be a list of principal ids or {issuer, subject} federated credentials")
    locate = field_locator("<input>")  # grading places it in lab.yaml
    principals: set[str] = set()
    federated: dict[tuple[str, str], frozenset[str] | None] = {}
    for item, pointer in items(may_assume, "", locate, "may_assume"):
        if isinstance(item, str) and item.strip():
            principals.add(item.strip().lower())
            continue
        fields = Fields(item, pointer, locate, "a federated credential in may_assume", ("issuer", "subject", "audiences"))
        issuer, subject = fields.string("issuer"), fields.string("subject")
        assert issuer is not None and subject is not None
        audiences = frozenset(value for value, _ in fields.strings("audiences")) if fields.has("audiences") else None
        federated[(issuer, subject)] = audiences
    return AllowedSet(frozenset(principals), federated)


def actors_within(
    model: AzureModel, credentials: Sequence[FederatedCredential], identity: str, may_assume: Any
) -> WithinResult:
    """PROVED when every principal and federated credential able to act as `identity` is allowed."""
    allowed = allowed_set(may_assume)
    target = scope_at(identity, "", field_locator("identity"))
    if "microsoft.managedidentity/userassignedidentities" not in target.raw.lower():
        raise InputError(
            f"the identity {identity!r} is not a user-assigned managed identity's resource id",
            hint="/subscriptions/S/resourceGroups/G/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME",
        )
    found: list[Counterexample] = []
    for credential in credentials:
        # The counterexample is a token the credential accepts: its issuer, subject and an audience it lists.
        refused = allowed.refused_audiences(credential)
        if refused is None:
            audience = credential.audiences[0] if credential.audiences else None
            found.append(Counterexample(TOKEN_EXCHANGE, identity, credential.token(audience), credential.principal))
        for audience in refused or ():
            found.append(Counterexample(TOKEN_EXCHANGE, identity, credential.token(audience), credential.principal))
    chain = model.groups.chain(target)
    seen: set[str] = set()
    for assignment in model.assignments:
        principal = assignment.principal_id
        if principal in allowed.principals or principal in seen:
            continue
        if not covers(assignment.scope, target, chain):
            continue
        for operation in TAKEOVER_OPERATIONS:
            if _may_grant(assignment.role, operation.lower()):
                seen.add(principal)
                context = {"granted_by": f"{assignment.label} ({assignment.role.name} at {assignment.scope.raw})"}
                found.append(Counterexample(operation, identity, context, principal))
                break
    if found:
        return WithinResult(WithinStatus.COUNTEREXAMPLE, tuple(found))
    return WithinResult(WithinStatus.PROVED)


def _may_grant(role: RoleDefinition, operation_lower: str) -> bool:
    """Whether some permission of the role grants the control-plane operation (Actions minus NotActions).

    The built-in Managed Identity Operator names `userAssignedIdentities/*/assign/action`, and Azure
    documents it as the role that assigns identities, whose operation is `userAssignedIdentities/assign/
    action`; so a `/*/` in Actions is also read as `/` here. That can only find more holders, never
    fewer: NotActions are read exactly."""
    for permission in role.permissions:
        granting = any(
            p.matches(operation_lower) or compile_pattern(p.text.replace("/*/", "/")).matches(operation_lower)
            for p in permission.actions
        )
        if granting and not any(p.matches(operation_lower) for p in permission.not_actions):
            return True
    return False
