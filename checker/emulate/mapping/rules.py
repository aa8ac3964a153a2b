"""Building blocks for per-service mapping tables.

A service module declares, for each operation it supports, which IAM action(s) the call needs and
how to name the resource from the call's parameters. Operations absent from a table are not mapped,
and the gateway denies them (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.catalog import build_arn

# A template variable's value: the name of a top-level parameter, or a function of the call.
NameSource = str | Callable[[ApiCall], str]
ContextBuilder = Callable[[ApiCall], dict[str, Any]]
Expander = Callable[[ApiCall], list[AuthorizationCheck]]


@dataclass(frozen=True)
class Check:
    """A declarative check: action, the reference's resource type, and where each ARN part comes from."""

    action: str
    resource_type: str | None = None  # None: the action takes no resource, so the resource is "*"
    names: tuple[tuple[str, NameSource], ...] = ()
    context: ContextBuilder | None = None
    template: int = 0  # which of several ARN templates the reference lists

    def build(self, call: ApiCall) -> AuthorizationCheck:
        context = self.context(call) if self.context else {}
        if self.resource_type is None:
            return AuthorizationCheck(self.action, "*", context)
        prefix = self.action.split(":", 1)[0]
        values = {"Partition": call.partition, "Region": call.region, "Account": call.account}
        for variable, source in self.names:
            values[variable] = _resolve(call, source)
        try:
            arn = build_arn(prefix, self.resource_type, values, self.template)
        except KeyError as exc:  # a table bug, surfaced as a clear denial rather than a crash
            raise UnmappedOperation(call.service, call.operation, str(exc)) from None
        return AuthorizationCheck(self.action, arn, context)


def check(
    action: str,
    resource_type: str | None = None,
    context: ContextBuilder | None = None,
    template: int = 0,
    **names: NameSource,
) -> Check:
    return Check(action, resource_type, tuple(names.items()), context, template)


@dataclass(frozen=True)
class Rule:
    """How one operation maps: a list of checks (all needed), or a function for calls that vary."""

    checks: tuple[Check, ...] = ()
    expand: Expander | None = None
    note: str = ""

    def apply(self, call: ApiCall) -> list[AuthorizationCheck]:
        if self.expand is not None:
            return self.expand(call)
        return [item.build(call) for item in self.checks]


def rule(*checks: Check, note: str = "") -> Rule:
    return Rule(checks=checks, note=note)


def custom(expand: Expander, note: str = "") -> Rule:
    return Rule(expand=expand, note=note)


NO_PERMISSION = Rule(note="AWS documents that this operation needs no IAM permission")


def param(call: ApiCall, name: str) -> Any:
    return call.params.get(name)


def required(call: ApiCall, name: str) -> str:
    value = call.params.get(name)
    if value is None or value == "":
        raise UnmappedOperation(call.service, call.operation, f"the parameter {name} is missing")
    return str(value)


def _resolve(call: ApiCall, source: NameSource) -> str:
    if callable(source):
        return source(call)
    return required(call, source)


def tags_context(tags: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """aws:RequestTag/<key> for each tag and aws:TagKeys listing them (IAM global condition keys)."""
    context: dict[str, Any] = {}
    keys: list[str] = []
    for key, value in tags:
        context[f"aws:RequestTag/{key}"] = value
        keys.append(key)
    if keys:
        context["aws:TagKeys"] = keys
    return context


def tag_pairs(value: Any, key_field: str = "Key", value_field: str = "Value") -> list[tuple[str, str]]:
    """Tags as (key, value) pairs from a list of {Key, Value} objects or from a plain mapping."""
    if isinstance(value, Mapping):
        return [(str(k), str(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [
            (str(item.get(key_field)), str(item.get(value_field, "")))
            for item in value
            if isinstance(item, Mapping) and item.get(key_field) is not None
        ]
    return []


def request_tags(param_name: str, key_field: str = "Key", value_field: str = "Value") -> ContextBuilder:
    def build(call: ApiCall) -> dict[str, Any]:
        return tags_context(tag_pairs(call.params.get(param_name), key_field, value_field))

    return build


def merge(*builders: ContextBuilder) -> ContextBuilder:
    def build(call: ApiCall) -> dict[str, Any]:
        context: dict[str, Any] = {}
        for builder in builders:
            context.update(builder(call))
        return context

    return build


def present(keys: Mapping[str, str]) -> ContextBuilder:
    """Condition keys copied from top-level parameters when the call sets them: {key: parameter}."""

    def build(call: ApiCall) -> dict[str, Any]:
        return {key: call.params[name] for key, name in keys.items() if call.params.get(name) is not None}

    return build


def pass_role(role_param: str | Callable[[ApiCall], str | None], service_principal: str) -> Expander:
    """iam:PassRole on the role a call hands to a service, with iam:PassedToService set.

    Doc: "Grant a user permissions to pass a role to an AWS service" (IAM User Guide).
    """

    def build(call: ApiCall) -> list[AuthorizationCheck]:
        role = role_param(call) if callable(role_param) else call.params.get(role_param)
        if not role:
            return []
        return [AuthorizationCheck("iam:PassRole", str(role), {"iam:PassedToService": service_principal})]

    return build


def with_extra(main: Rule, *extras: Expander, note: str = "") -> Rule:
    """A rule whose call also needs other checks (a passed role, a second object...)."""

    def build(call: ApiCall) -> list[AuthorizationCheck]:
        checks = main.apply(call)
        for extra in extras:
            checks.extend(extra(call))
        return checks

    return Rule(expand=build, note=note or main.note)
