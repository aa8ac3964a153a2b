"""Who is calling, and whether a Principal / NotPrincipal element names them.

Principal forms (IAM User Guide, "AWS JSON policy elements: Principal"): an account id or its root ARN
names the account (a delegation to its identity policies); a role, user or session ARN names that
principal; `*` names everyone, anonymous callers included; Service and Federated name service
principals and identity providers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from checker.aws.policy import PrincipalSpec, Statement
from checker.aws.services.sts import WEB_IDENTITY_PROVIDERS


class CallerKind(StrEnum):
    ROOT = "root"
    USER = "user"
    ROLE = "role"  # a role named by its ARN (a request "as the role")
    SESSION = "session"  # arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
    FEDERATED_USER = "federated-user"  # arn:aws:sts::ACCOUNT:federated-user/NAME
    SERVICE = "service"  # sagemaker.amazonaws.com
    PROVIDER = "provider"  # an OIDC or SAML provider (AssumeRoleWithWebIdentity / WithSAML)
    ANONYMOUS = "anonymous"


AWS_KINDS = (CallerKind.ROOT, CallerKind.USER, CallerKind.ROLE, CallerKind.SESSION, CallerKind.FEDERATED_USER)


@dataclass(frozen=True)
class Caller:
    """The principal making a request, classified: its kind, account and ARNs."""

    arn: str
    kind: CallerKind
    account: str | None
    role_name: str | None = None  # for roles and their sessions
    user_name: str | None = None
    # Set from `kind` once: read on every request, and callers are parsed once and cached.
    is_aws_principal: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_aws_principal", self.kind in AWS_KINDS)

    @property
    def principal_arn(self) -> str:
        """aws:PrincipalArn: for a role session this is the role's ARN, not the session's."""
        if self.kind is CallerKind.SESSION and self.account and self.role_name:
            return f"arn:aws:iam::{self.account}:role/{self.role_name}"
        return self.arn


class Grant(IntEnum):
    """How a resource-based policy statement names the caller; higher values give more."""

    ACCOUNT = 1  # the caller's account: a delegation, identity policies must also allow
    LIMITED = 2  # the caller's role ARN, or everyone (`*`): limited by the boundary and the session policy
    DIRECT = 3  # the caller itself: a user, a role session, a service or an identity provider


def parse_caller(text: str) -> Caller:
    """Classify the request's principal string; ValueError with a plain message when it is not one."""
    if text in ("*", "anonymous", ""):
        return Caller("*", CallerKind.ANONYMOUS, None)
    if text.lower() in WEB_IDENTITY_PROVIDERS:
        return Caller(text, CallerKind.PROVIDER, None)  # a Federated principal, though it ends in amazonaws.com
    if text.endswith(".amazonaws.com") or text.endswith(".amazonaws.com.cn"):
        return Caller(text, CallerKind.SERVICE, None)
    if len(text) == 12 and text.isdigit():
        return Caller(f"arn:aws:iam::{text}:root", CallerKind.ROOT, text)
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        if "." in text and "/" not in text:
            return Caller(text, CallerKind.PROVIDER, None)  # accounts.google.com, graph.facebook.com
        raise ValueError(f"{text!r} is not a principal ARN, account id or service principal")
    _arn, _partition, service, _region, account, resource = parts
    if service == "iam":
        if resource == "root":
            return Caller(text, CallerKind.ROOT, account)
        if resource.startswith("user/"):
            return Caller(text, CallerKind.USER, account, user_name=resource.rsplit("/", 1)[-1])
        if resource.startswith("role/"):
            return Caller(text, CallerKind.ROLE, account, role_name=resource.rsplit("/", 1)[-1])
        if resource.startswith("oidc-provider/") or resource.startswith("saml-provider/"):
            return Caller(text, CallerKind.PROVIDER, account)
    if service == "sts":
        if resource.startswith("assumed-role/"):
            pieces = resource.split("/")
            if len(pieces) >= 3:
                return Caller(text, CallerKind.SESSION, account, role_name=pieces[1])
        if resource.startswith("federated-user/"):
            return Caller(text, CallerKind.FEDERATED_USER, account, user_name=resource.split("/", 1)[1])
    raise ValueError(f"{text!r} is not a user, role, session, root or provider ARN")


def _names_account(entry: str) -> str | None:
    if len(entry) == 12 and entry.isdigit():
        return entry
    parts = entry.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
        return parts[4]
    return None


def _role_of(entry: str) -> tuple[str, str] | None:
    parts = entry.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
        return parts[4], parts[5].rsplit("/", 1)[-1]
    return None


def grant_for(spec: PrincipalSpec, caller: Caller) -> Grant | None:
    """How strongly a Principal element names the caller, or None when it does not."""
    if spec.wildcard:
        return Grant.LIMITED
    best: Grant | None = None
    if caller.is_aws_principal:
        for entry in spec.aws:
            if entry == caller.arn:
                grant = Grant.LIMITED if caller.kind is CallerKind.ROLE else Grant.DIRECT
                if caller.kind is CallerKind.ROOT:
                    grant = Grant.ACCOUNT
            elif _names_account(entry) == caller.account and caller.account is not None:
                grant = Grant.ACCOUNT
            elif caller.kind is CallerKind.SESSION and _role_of(entry) == (caller.account, caller.role_name):
                grant = Grant.LIMITED
            else:
                continue
            best = grant if best is None else max(best, grant)
    elif caller.kind is CallerKind.SERVICE:
        if any(entry.lower() == caller.arn.lower() for entry in spec.service):
            best = Grant.DIRECT
    elif caller.kind is CallerKind.PROVIDER and any(entry == caller.arn for entry in spec.federated):
        best = Grant.DIRECT
    return best


def excluded_by_not_principal(spec: PrincipalSpec, caller: Caller) -> bool:
    """NotPrincipal excludes a caller named exactly (IAM User Guide, "AWS JSON policy elements: NotPrincipal").

    A role's ARN alone does not exclude its sessions; the session ARN must be listed too.
    """
    if spec.wildcard:
        return True
    if caller.is_aws_principal:
        if caller.arn in spec.aws:
            return True
        return caller.kind is CallerKind.ROOT and any(_names_account(e) == caller.account for e in spec.aws)
    if caller.kind is CallerKind.SERVICE:
        return any(entry.lower() == caller.arn.lower() for entry in spec.service)
    if caller.kind is CallerKind.PROVIDER:
        return caller.arn in spec.federated
    return False


# Operators that name principals through aws:PrincipalArn (a negated operator excludes, it names no one).
_NAMING_OPERATORS = frozenset(
    {"ArnEquals", "ArnLike", "StringEquals", "StringLike", "StringEqualsIgnoreCase"}
)


def grants_by_principal_arn(statement: Statement) -> bool:
    """A `Principal: "*"` statement that names its principals with the aws:PrincipalArn condition key.

    IAM User Guide ("Policy evaluation logic" and "AWS JSON policy elements: Principal"): "Permissions
    boundaries and session policies do not limit permissions granted using the aws:PrincipalArn condition
    key with a wildcard(*) in the Principal element, unless the identity-based policies contain an explicit
    deny". The statement has applied, so its aws:PrincipalArn clause held for this caller.
    """
    if statement.principal is None or not statement.principal.wildcard:
        return False
    return any(
        clause.key_lower == "aws:principalarn"
        and clause.set_operator is None
        and clause.operator.name in _NAMING_OPERATORS
        for clause in statement.conditions
    )
