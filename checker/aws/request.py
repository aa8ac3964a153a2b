"""One authorization request: who, what action, on which resource, with which context keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.aws.principals import Caller, CallerKind, parse_caller


@dataclass(frozen=True)
class Request:
    principal: str
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PreparedRequest:
    """A request with its caller classified and its context keys lowercased, ready for matching."""

    request: Request
    caller: Caller
    action_lower: str
    service: str
    resource: str
    resource_fields: list[str] | None
    resource_account: str | None
    context: dict[str, Any]

    def lookup(self, key_lower: str) -> Any:
        return self.context.get(key_lower)

    @property
    def cross_account(self) -> bool:
        return (
            self.caller.account is not None
            and self.resource_account is not None
            and self.caller.account != self.resource_account
        )


def prepare_request(request: Request) -> PreparedRequest:
    """Classify the caller, normalize names, and add the context keys AWS always supplies.

    AWS adds aws:PrincipalArn, aws:PrincipalAccount and aws:PrincipalType to every request by an AWS
    principal, and aws:username for IAM users (IAM User Guide, "AWS global condition context keys").
    Keys given explicitly in the request win.
    """
    caller = parse_caller(request.principal)
    action_lower = request.action.lower()
    service = action_lower.split(":", 1)[0]
    resource = request.resource
    parts = resource.split(":", 5)
    resource_fields = parts if len(parts) == 6 and parts[0] == "arn" else None
    resource_account = request.resource_account
    if resource_account is None:
        if resource_fields is not None and resource_fields[4]:
            resource_account = resource_fields[4]
        else:
            resource_account = caller.account  # e.g. S3 ARNs carry no account: same account unless told
    context: dict[str, Any] = {}
    if caller.is_aws_principal and caller.account:
        context["aws:principalarn"] = caller.principal_arn
        context["aws:principalaccount"] = caller.account
        context["aws:principaltype"] = _principal_type(caller.kind)
        if caller.kind is CallerKind.USER and caller.user_name:
            context["aws:username"] = caller.user_name
    elif caller.kind is CallerKind.SERVICE:
        context["aws:principalservicename"] = caller.arn
    for key, value in request.context.items():
        context[key.lower()] = value
    return PreparedRequest(
        request, caller, action_lower, service, resource, resource_fields, resource_account, context
    )


def _principal_type(kind: CallerKind) -> str:
    return {
        CallerKind.ROOT: "Account",
        CallerKind.USER: "User",
        CallerKind.ROLE: "AssumedRole",
        CallerKind.SESSION: "AssumedRole",
        CallerKind.FEDERATED_USER: "FederatedUser",
    }.get(kind, "Anonymous")
