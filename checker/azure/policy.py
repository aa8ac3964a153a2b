"""Azure Policy assignments with the `deny` effect: what may be created, whoever asks.

Azure Policy and Azure RBAC answer different questions: RBAC decides *who* may call an operation,
Azure Policy decides *what* a resource may look like ("Azure Policy definition structure policy rule":
conditions evaluate "the values of properties in the resource request payload"). A create or update
request that RBAC allows is still refused when a policy assigned at its scope or above matches the
payload with the effect `deny` ("Azure Policy definitions deny effect"). A policy never names the caller,
so a guardrail that depends on who asks (only the platform may change a tag) is RBAC's job.

Supported, as documented on the policy-rule page: the logical operators `not`, `allOf`, `anyOf`; `field`
conditions on `name`, `type`, `location` (normalized: "East US 2" equals "eastus2"), `tags`,
`tags['<name>']` / `tags.<name>` / `tags[<name>]`, with `equals`, `notEquals`, `in`, `notIn`, `like`,
`notLike`, `contains`, `notContains`, `containsKey`, `notContainsKey`, `exists`; string comparisons are
case-insensitive ("all other conditions that evaluate a stringValue are case-insensitive"); parameter
values as `[parameters('name')]`. A property the payload does not carry compares as an empty value, so
`notEquals` holds for a missing tag (the built-in "Require a tag and its value on resources" denies with
`notEquals` exactly when the tag is absent or different). Anything else (other effects than deny, audit
and disabled, template functions, aliases, `count`) is refused with its place, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker.azure.parse import Fields, Locate, items, scope_at
from checker.azure.scopes import ManagementGroups, Scope, covers
from checker.core.errors import InputError
from checker.core.source import pointer_join

ASSIGNMENT_FIELDS = ("name", "displayName", "scope", "notScopes", "parameters", "definition", "enforcementMode")
DEFINITION_FIELDS = ("displayName", "description", "mode", "parameters", "policyRule", "policyType", "metadata")
EFFECTS = ("deny", "audit", "disabled")
OPERATORS = ("equals", "notEquals", "in", "notIn", "like", "notLike", "contains", "notContains",
             "containsKey", "notContainsKey", "exists")
_PARAMETER = re.compile(r"^\[parameters\('([A-Za-z0-9_.-]+)'\)\]$")
_TAG = re.compile(r"^tags(?:\['(.+)'\]|\[([^\]']+)\]|\.(.+))$")
MAX_DEPTH = 32


@dataclass(frozen=True)
class PolicyAssignment:
    name: str
    scope: Scope
    not_scopes: tuple[Scope, ...]
    rule: Any  # the `if` block, parameters resolved
    effect: str
    enforced: bool


def parse_policy_assignments(data: Any, locate: Locate) -> tuple[PolicyAssignment, ...]:
    return tuple(_assignment(item, pointer, locate) for item, pointer in items(data, "", locate,
                                                                               "the policy assignments"))


def _assignment(data: Any, pointer: str, locate: Locate) -> PolicyAssignment:
    fields = Fields(data, pointer, locate, "a policy assignment", ASSIGNMENT_FIELDS)
    name = fields.string("name")
    assert name is not None
    scope = scope_at(fields.string("scope"), fields.at("scope"), locate)
    not_scopes = tuple(scope_at(text, at, locate) for text, at in fields.strings("notScopes"))
    mode = fields.get("enforcementMode")
    if mode is not None and mode not in ("Default", "DoNotEnforce"):
        raise InputError("enforcementMode is 'Default' or 'DoNotEnforce'", fields.where("enforcementMode"))
    definition = Fields(fields.get("definition"), fields.at("definition"), locate, "a policy definition",
                        DEFINITION_FIELDS)
    values = _parameter_values(fields, definition, locate)
    rule = Fields(definition.get("policyRule"), definition.at("policyRule"), locate, "a policy rule", ("if", "then"))
    then = Fields(rule.get("then"), rule.at("then"), locate, "a policy rule's 'then'", ("effect", "details"))
    effect = _resolve(then.get("effect"), then.at("effect"), values, locate)
    if not isinstance(effect, str) or effect.lower() not in EFFECTS:
        raise InputError(f"the effect {effect!r} is not supported here", then.where("effect"),
                         f"this checker decides {', '.join(EFFECTS)}")
    condition = _condition(rule.get("if"), rule.at("if"), values, locate, 0)
    return PolicyAssignment(name, scope, not_scopes, condition, effect.lower(), mode != "DoNotEnforce")


def _parameter_values(fields: Fields, definition: Fields, locate: Locate) -> dict[str, Any]:
    declared = definition.get("parameters") or {}
    given = fields.get("parameters") or {}
    if not isinstance(declared, dict) or not isinstance(given, dict):
        raise InputError("parameters must be an object", definition.where("parameters"))
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if isinstance(spec, dict) and "defaultValue" in spec:
            values[name.lower()] = spec["defaultValue"]
    for name, entry in given.items():
        at = pointer_join(fields.at("parameters"), name)
        if name not in declared:
            raise InputError(f"the definition declares no parameter {name!r}", locate(at))
        if not isinstance(entry, dict) or set(entry) != {"value"}:
            raise InputError("an assignment's parameter is {\"value\": ...}", locate(at))
        values[name.lower()] = entry["value"]
    return values


def _resolve(value: Any, pointer: str, values: Mapping[str, Any], locate: Locate) -> Any:
    if isinstance(value, str) and value.startswith("["):
        match = _PARAMETER.match(value)
        if match is None:
            raise InputError(f"the expression {value!r} is not supported", locate(pointer),
                             "write a literal or [parameters('name')]")
        name = match.group(1).lower()
        if name not in values:
            raise InputError(f"the parameter {match.group(1)!r} has no value", locate(pointer),
                             "give it in the assignment's parameters or as the definition's defaultValue")
        return values[name]
    return value


def _condition(data: Any, pointer: str, values: Mapping[str, Any], locate: Locate, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise InputError("the policy rule nests too deeply", locate(pointer))
    if not isinstance(data, dict) or len(data) == 0:
        raise InputError("a policy condition must be an object", locate(pointer))
    if len(data) == 1:
        (key, value), = data.items()
        at = pointer_join(pointer, key)
        if key == "not":
            return ("not", _condition(value, at, values, locate, depth + 1))
        if key in ("allOf", "anyOf"):
            parts = [_condition(v, p, values, locate, depth + 1) for v, p in items(value, at, locate, f"'{key}'")]
            return (key, tuple(parts))
    if "field" not in data:
        raise InputError("this checker decides 'field' conditions only", locate(pointer),
                         "'value' and 'count' conditions are not supported")
    fields = Fields(data, pointer, locate, "a policy condition", ("field", *OPERATORS))
    field = fields.string("field")
    assert field is not None
    operators = [o for o in OPERATORS if fields.has(o)]
    if len(operators) != 1:
        raise InputError("a condition has exactly one operator", fields.where("field"),
                         f"one of {', '.join(OPERATORS)}")
    operator = operators[0]
    if operator in ("like", "notLike") and str(fields.get(operator)).count("*") > 1:
        raise InputError("a like pattern holds at most one '*'", fields.where(operator),
                         "the policy-rule page: \"The value shouldn't have more than one wildcard character\"")
    return ("field", _field(field, fields.where("field")), operator,
            _resolve(fields.get(operator), fields.at(operator), values, locate))


def _field(text: str, where: Any) -> tuple[str, str | None]:
    lowered = text.lower()
    if lowered in ("name", "type", "location", "tags", "kind"):
        return lowered, None
    match = _TAG.match(text)
    if match is not None:
        return "tag", next(g for g in match.groups() if g is not None)
    raise InputError(f"the field {text!r} is not supported", where,
                     "use name, type, kind, location, tags or tags['<name>']")


# ------------------------------------------------------------------ evaluation
def blocking(policies: tuple[PolicyAssignment, ...], groups: ManagementGroups, target: Scope,
             payload: Mapping[str, Any]) -> PolicyAssignment | None:
    """The first enforced deny policy whose scope holds the target and whose rule matches the payload."""
    chain = groups.chain(target)
    for policy in policies:
        if policy.effect != "deny" or not policy.enforced or not covers(policy.scope, target, chain):
            continue
        if any(covers(excluded, target, chain) for excluded in policy.not_scopes):
            continue
        if _holds(policy.rule, payload):
            return policy
    return None


def _holds(rule: Any, payload: Mapping[str, Any]) -> bool:
    kind = rule[0]
    if kind == "not":
        return not _holds(rule[1], payload)
    if kind == "allOf":
        return all(_holds(part, payload) for part in rule[1])
    if kind == "anyOf":
        return any(_holds(part, payload) for part in rule[1])
    _, (field, tag), operator, expected = rule
    present, value = _value(payload, field, tag)
    return _compare(operator, present, value, expected, field == "location")


def _value(payload: Mapping[str, Any], field: str, tag: str | None) -> tuple[bool, Any]:
    lowered = {str(k).lower(): v for k, v in payload.items()}
    if field == "tag":
        tags = lowered.get("tags")
        if not isinstance(tags, Mapping):
            return False, None
        found = [v for k, v in tags.items() if str(k).lower() == (tag or "").lower()]
        return (True, found[0]) if found else (False, None)
    return (field in lowered and lowered[field] is not None), lowered.get(field)


def _norm(value: Any, location: bool) -> str:
    text = "" if value is None else str(value)
    return text.replace(" ", "").lower() if location else text.lower()


def _compare(operator: str, present: bool, value: Any, expected: Any, location: bool) -> bool:
    if operator == "exists":
        return present is (str(expected).lower() == "true")
    if operator in ("containsKey", "notContainsKey"):
        keys = {str(k).lower() for k in value} if isinstance(value, Mapping) else set()
        return (str(expected).lower() in keys) is (operator == "containsKey")
    text = _norm(value, location)
    if operator in ("in", "notIn"):
        options = expected if isinstance(expected, list) else [expected]
        inside = present and text in {_norm(o, location) for o in options}
        return inside is (operator == "in")
    wanted = _norm(expected, location)
    if operator in ("equals", "notEquals"):
        return (present and text == wanted) is (operator == "equals")
    if operator in ("like", "notLike"):
        return (present and _like(text, wanted)) is (operator == "like")
    return (present and wanted in text) is (operator == "contains")


def _like(text: str, pattern: str) -> bool:
    head, star, tail = pattern.partition("*")
    if not star:
        return text == pattern
    return len(text) >= len(head) + len(tail) and text.startswith(head) and text.endswith(tail)
