"""Read the request part of a case: who asks for which permission on which resource, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from checker.core.valuekey import value_key
from checker.gcp.location import Loc, shown
from checker.gcp.members import Principal, parse_principal
from checker.gcp.model import Request
from checker.gcp.names import ResourceName, parse_resource_name
from checker.gcp.parse import expect_list
from checker.gcp.permissions import parse_v1_permission

REQUEST_FIELDS = {
    "principal",
    "groups",
    "principal_attributes",
    "customer_id",
    "permission",
    "resource",
    "resource_type",
    "ancestors",
    "request_time",
    "resource_tags",
    "resource_tag_ids",
    "api_attributes",
    "load_balancing_scheme",
}


def parse_time(value: Any, loc: Loc) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise loc.error("request_time must be an RFC 3339 string such as 2026-11-28T10:00:00Z")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise loc.error(
            f"{shown(value)} is not an RFC 3339 time", "write e.g. 2026-11-28T10:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise loc.error(f"{shown(value)} has no time zone", "end it with Z for UTC")
    return moment


def _string_map(value: Any, loc: Loc, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise loc.error(f'{what} must be an object of strings, e.g. {{"123456789012/env": "prod"}}')
    return dict(value)


# A batch names the same few requesters, permissions, times and resource chains line after line: each is
# read once per process. Only what was read without an error is kept, by a key that tells every two inputs
# apart (exact strings; marshal bytes for the requester's fields), and each memo is bounded.
_MEMO_ENTRIES = 4096
_principals: dict[bytes, Principal] = {}
_permissions: set[str] = set()
_times: dict[str, datetime] = {}
_chains: dict[tuple[str, ...], tuple[ResourceName, tuple[ResourceName, ...]]] = {}


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= _MEMO_ENTRIES:
        memo.clear()
    memo[key] = value


def parse_request(case: dict[str, Any], loc: Loc) -> Request:
    for key in ("principal", "permission", "resource"):
        if key not in case:
            raise loc.error(f"the request needs the field {shown(key)}")
    principal = _principal(case, loc)
    permission = case["permission"]
    if type(permission) is not str or permission not in _permissions:
        permission = parse_v1_permission(permission, loc.child("permission"))
        if len(_permissions) >= _MEMO_ENTRIES:
            _permissions.clear()
        _permissions.add(permission)
    resource, ancestors = _chain(case.get("resource"), case.get("ancestors", []), loc)
    resource_type = case.get("resource_type")
    if resource_type is not None and (not isinstance(resource_type, str) or "/" not in resource_type):
        raise loc.child("resource_type").error(
            f"{shown(resource_type)} is not a resource type", "write e.g. storage.googleapis.com/Object"
        )
    api_attributes = case.get("api_attributes") or {}
    if not isinstance(api_attributes, dict):
        raise loc.child("api_attributes").error("api_attributes must be an object of attribute name to value")
    when = case.get("request_time")
    moment = _times.get(when) if type(when) is str else None
    if moment is None and when is not None:
        moment = parse_time(when, loc.child("request_time"))
        if type(when) is str and moment is not None:
            _remember(_times, when, moment)
    tags, tag_ids, scheme = (case.get(f) for f in ("resource_tags", "resource_tag_ids", "load_balancing_scheme"))
    return Request(
        principal,
        permission,
        resource,
        resource_type,
        ancestors,
        moment,
        {} if tags is None else _string_map(tags, loc.child("resource_tags"), "resource_tags"),
        {} if tag_ids is None else _string_map(tag_ids, loc.child("resource_tag_ids"), "resource_tag_ids"),
        dict(api_attributes),
        None if scheme is None else _optional_string(scheme, loc.child("load_balancing_scheme")),
    )


def _principal(case: dict[str, Any], loc: Loc) -> Principal:
    fields = (case["principal"], case.get("groups"), case.get("principal_attributes"), case.get("customer_id"))
    key = value_key(fields)
    found = _principals.get(key) if key is not None else None
    if found is None:
        found = parse_principal(fields[0], fields[1], fields[2], loc, fields[3])
        if key is not None:
            _remember(_principals, key, found)
    return found


def _chain(resource_text: Any, ancestor_texts: Any, loc: Loc) -> tuple[ResourceName, tuple[ResourceName, ...]]:
    """The request's resource and its ancestors, each a different resource."""
    key = None
    if type(resource_text) is str and type(ancestor_texts) is list and all(type(a) is str for a in ancestor_texts):
        key = (resource_text, *ancestor_texts)
        found = _chains.get(key)
        if found is not None:
            return found
    resource = parse_resource_name(resource_text, loc.child("resource"))
    ancestors_loc = loc.child("ancestors")
    ancestors = tuple(
        parse_resource_name(a, ancestors_loc.child(i))
        for i, a in enumerate(expect_list(ancestor_texts, ancestors_loc, "ancestors"))
    )
    seen = {resource}
    for index, ancestor in enumerate(ancestors):
        if ancestor in seen:
            raise ancestors_loc.child(index).error(
                f"{ancestor.full} appears twice in the resource and its ancestors"
            )
        seen.add(ancestor)
    if key is not None:
        _remember(_chains, key, (resource, ancestors))
    return resource, ancestors


def _optional_string(value: Any, loc: Loc) -> str | None:
    if value is not None and not isinstance(value, str):
        raise loc.error(f"{shown(value)} must be a string, e.g. \"INTERNAL_MANAGED\"")
    return value
