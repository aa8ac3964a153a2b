"""One authorization request: who, what action, on which resource, with which context keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from checker.aws.principals import Caller, CallerKind, parse_caller


@dataclass(frozen=True)
class Request:
    """A request as given: principal, action, resource, the resource's account and context keys."""

    principal: str
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)  # not frozen: built for every request, and frozen dataclasses initialize slowly
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
    resource_head: str = ""  # the first five ARN fields joined, for patterns whose head is plain text

    def lookup(self, key_lower: str) -> Any:
        return self.context.get(key_lower)

    @property
    def cross_account(self) -> bool:
        return (
            self.caller.account is not None
            and self.resource_account is not None
            and self.caller.account != self.resource_account
        )


# Context key names repeat across requests; reusing one lowercased string per name also reuses its hash.
_LOWERED_KEYS: dict[str, str] = {}


def prepare_request(request: Request) -> PreparedRequest:
    """Classify the caller, normalize names, and add the context keys AWS always supplies.

    AWS adds aws:PrincipalArn, aws:PrincipalAccount and aws:PrincipalType to every request by an AWS
    principal, and aws:username for IAM users (IAM User Guide, "AWS global condition context keys").
    Keys given explicitly in the request win.
    """
    caller, implicit = _caller(request.principal)
    action_lower = request.action.lower()
    service = action_lower.partition(":")[0]
    resource = request.resource
    parts = resource.split(":", 5)
    resource_fields: list[str] | None = None
    resource_head = ""
    resource_account = request.resource_account
    if len(parts) == 6 and parts[0] == "arn":
        resource_fields = parts
        resource_head = resource[: len(resource) - len(parts[5]) - 1]
        if resource_account is None and parts[4]:
            resource_account = parts[4]
    if resource_account is None:
        resource_account = caller.account  # e.g. S3 ARNs carry no account: same account unless told
    context = implicit.copy()
    if request.context:
        lowered = _LOWERED_KEYS
        if len(lowered) > 4096:
            lowered.clear()  # keep the memo small whatever keys the input invents
        for key, value in request.context.items():
            name = lowered.get(key)
            if name is None:
                name = lowered[key] = key.lower()
            context[name] = value
    return PreparedRequest(
        request, caller, action_lower, service, resource, resource_fields, resource_account, context, resource_head
    )


PRINCIPAL_TYPES = {
    CallerKind.ROOT: "Account",
    CallerKind.USER: "User",
    CallerKind.ROLE: "AssumedRole",
    CallerKind.SESSION: "AssumedRole",
    CallerKind.FEDERATED_USER: "FederatedUser",
}


@lru_cache(maxsize=1024)
def _caller(principal: str) -> tuple[Caller, MappingProxyType[str, str]]:
    """The classified caller and the context keys AWS adds for it (cached: callers repeat across requests).

    The keys come read-only; each request takes its own copy."""
    caller = parse_caller(principal)
    return caller, MappingProxyType(dict(_implicit_context(caller)))


def _implicit_context(caller: Caller) -> tuple[tuple[str, str], ...]:
    """Keys AWS adds for this caller, lowercased."""
    keys: list[tuple[str, str]] = []
    if caller.is_aws_principal and caller.account:
        keys += [
            ("aws:principalarn", caller.principal_arn),
            ("aws:principalaccount", caller.account),
            ("aws:principaltype", PRINCIPAL_TYPES.get(caller.kind, "Anonymous")),
        ]
        if caller.kind is CallerKind.USER and caller.user_name:
            keys.append(("aws:username", caller.user_name))
    elif caller.kind is CallerKind.SERVICE:
        keys.append(("aws:principalservicename", caller.arn))
    return tuple(keys)
