"""One access request: who asks, for which operation, on which scope, with which attributes."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.azure.catalog import Catalog, builtin_catalog
from checker.azure.conditions.attributes import (
    ACCOUNT_NAME,
    BLOB_PATH,
    CASE_SENSITIVE_MARKER,
    CONTAINER_NAME,
    SUB_OPERATION,
    UTC_NOW,
    attribute_key,
    split_attribute,
)
from checker.azure.operations import operation_problem
from checker.azure.parse import MAX_PATTERNS, Fields, Locate, scope_at
from checker.azure.scopes import Scope, ScopeError, parse_scope
from checker.azure.timeparse import DateTimeError, format_ticks, parse_ticks
from checker.core.errors import InputError
from checker.core.source import pointer_join

MAX_ATTRIBUTES = 200
MAX_VALUES = 200
MAX_GROUPS = 2000
TAGS = "@{source}[microsoft.storage/storageaccounts/blobservices/containers/blobs/tags]"


@dataclass(frozen=True)
class Request:
    principal: str  # lowercased object id
    action: str
    data_action: bool
    scope: Scope
    groups: frozenset[str] = frozenset()
    attributes: Mapping[str, Any] = field(default_factory=dict)  # normalized key -> value
    sub_operation: str | None = None
    time: int | None = None  # request time in ticks, for eligible assignments and @Environment[UtcNow]
    payload: Mapping[str, Any] | None = None  # a create/update request's body, for Azure Policy

    @property
    def identities(self) -> frozenset[str]:
        return self.groups | {self.principal}


REQUEST_FIELDS = ("principal", "groups", "action", "data_action", "scope", "attributes", "sub_operation",
                  "request_time", "payload")


def parse_request(fields: Fields, catalog: Catalog | None = None) -> Request:
    """Read the request fields of a batch case or a lab check; derive attributes that follow from the scope."""
    locate = fields.locate
    principal = fields.string("principal")
    action = fields.string("action")
    assert principal is not None and action is not None
    problem = _operation_problem(action)
    if problem or "*" in action:
        raise InputError(problem or "a request names one operation; '*' belongs in role definitions",
                         fields.where("action"))
    data = fields.get("data_action")
    if data is None:
        info = (catalog or builtin_catalog()).operation(action)
        if info is None:
            raise InputError("'data_action' is missing and the operation is not in the catalog",
                             fields.where("action"), "add \"data_action\": true for data-plane operations, false otherwise")
        data = info.data
    if not isinstance(data, bool):
        raise InputError("'data_action' must be true or false", fields.where("data_action"))
    listed = fields.get("groups")
    if type(listed) is list and len(listed) <= MAX_PATTERNS and all(type(g) is str for g in listed):
        groups = [g.lower() for g in listed]
    else:
        groups = [g.lower() for g, _ in fields.strings("groups")]  # null, or the error worded at its item
    if len(groups) > MAX_GROUPS:
        raise InputError(f"more than {MAX_GROUPS} groups", fields.where("groups"))
    scope_text = fields.string("scope")
    assert scope_text is not None  # required: string() raised otherwise
    try:
        scope = parse_scope(scope_text)
    except ScopeError:
        scope = scope_at(scope_text, fields.at("scope"), locate)  # words the error at the field
    sub = fields.get("sub_operation")
    if sub is not None and (not isinstance(sub, str) or not sub.strip()):
        raise InputError("'sub_operation' must be a string such as 'Blob.List', or null", fields.where("sub_operation"))
    time = None
    if fields.has("request_time"):
        try:
            time = parse_ticks(fields.get("request_time"))
        except DateTimeError as exc:
            raise InputError(str(exc), fields.where("request_time")) from None
    attributes = _attributes(fields.get("attributes"), fields, locate)
    _derive(attributes, scope)
    # Always supplied: the sub-operation, or no value at all, so that the earlier guard
    # `@Request[subOperation] ForAnyOfAnyValues:StringEqualsIgnoreCase {...}` is false without one.
    attributes.setdefault(SUB_OPERATION, sub if sub is not None else ())
    if time is not None:
        given = attributes.get(UTC_NOW)
        if given is not None and given != format_ticks(time) and _ticks_or_none(given) != time:
            raise InputError("@Environment[UtcNow] and request_time disagree; give only one",
                             fields.where("attributes"))
        attributes[UTC_NOW] = format_ticks(time)
    elif UTC_NOW in attributes:
        time = _ticks_or_none(attributes[UTC_NOW])
    payload = fields.get("payload")
    if payload is not None and not isinstance(payload, Mapping):
        raise InputError("'payload' is the resource's request body: an object such as "
                         "{\"location\": \"westeurope\", \"tags\": {\"team\": \"risk\"}}", fields.where("payload"))
    return Request(principal.lower(), action, data, scope, frozenset(groups), attributes, sub, time, payload)


# Whether an operation name is acceptable depends on its text only, and a batch repeats a few operations.
_operation_problem = functools.lru_cache(maxsize=4096)(operation_problem)


def _ticks_or_none(value: Any) -> int | None:
    try:
        return parse_ticks(value) if isinstance(value, str) else None
    except DateTimeError:
        return None


def _derive(attributes: dict[str, Any], scope: Scope) -> None:
    """Resource attributes that follow from the target's resource id, unless the request gave them."""
    for key, value in ((ACCOUNT_NAME, scope.account), (CONTAINER_NAME, scope.container), (BLOB_PATH, scope.blob_path)):
        if value is not None:
            attributes.setdefault(key, value)


def _scalar_ok(value: Any) -> bool:
    return isinstance(value, str | int | bool) and not (isinstance(value, str) and len(value) > 4096)


@functools.lru_cache(maxsize=4096)
def _attribute_name(name: str) -> tuple[str, str, str] | None:
    """(source, name, normalized key) of an attribute as a request names it; names repeat over a batch."""
    parts = split_attribute(name)
    return None if parts is None else (*parts, attribute_key(*parts))


def _attributes(data: Any, fields: Fields, locate: Locate) -> dict[str, Any]:
    if data is None:
        return {}
    pointer = fields.at("attributes")
    if not isinstance(data, dict):
        raise InputError("'attributes' must be an object: \"@Resource[...]\" -> value", locate(pointer))
    if len(data) > MAX_ATTRIBUTES:
        raise InputError(f"more than {MAX_ATTRIBUTES} attributes", locate(pointer))
    result: dict[str, Any] = {}
    for name, value in data.items():
        parts = _attribute_name(name) if isinstance(name, str) else None
        if parts is None:
            raise InputError(f"{name!r} is not an attribute name", locate(pointer_join(pointer, name)),
                             "write it as in conditions: @Resource[...], @Request[...], @Principal[...] or @Environment[...]")
        source, attr, key = parts
        if isinstance(value, dict) and attr.lower().endswith("/blobs/tags"):
            _expand_tags(result, source, value, pointer_join(pointer, name), locate)
            continue
        if isinstance(value, list):
            if len(value) > MAX_VALUES or not all(_scalar_ok(v) for v in value):
                raise InputError("a multi-valued attribute is a list of strings, integers or booleans",
                                 locate(pointer_join(pointer, name)))
            value = tuple(value)
        elif isinstance(value, str) and len(value) > 4096:
            raise InputError("an attribute value is at most 4,096 characters long", locate(pointer_join(pointer, name)))
        elif not _scalar_ok(value):
            raise InputError("an attribute value is a string, an integer, a boolean or a list of them",
                             locate(pointer_join(pointer, name)))
        result[key] = value
    return result


def _expand_tags(result: dict[str, Any], source: str, tags: dict[str, Any], at: str, locate: Locate) -> None:
    """Blob index tags given as an object become the per-key attributes and the key list."""
    for key, value in tags.items():
        if not isinstance(value, str):
            raise InputError("blob index tag values are strings", locate(pointer_join(at, key)))
        exact, folded = _tag_keys(source, key)
        result[exact] = value
        result.setdefault(folded, value)
    result[_tag_list_key(source)] = tuple(tags)


@functools.lru_cache(maxsize=4096)
def _tag_keys(source: str, key: str) -> tuple[str, str]:
    """The attribute keys of one blob index tag: as written (case-sensitive) and folded; tags repeat."""
    base = TAGS.format(source=source.lower())[:-1]
    return f"{base}:{key}{CASE_SENSITIVE_MARKER}]", f"{base}:{key.lower()}]"


@functools.lru_cache(maxsize=16)
def _tag_list_key(source: str) -> str:
    return TAGS.format(source=source.lower())[:-1] + "&$keys$&]"
