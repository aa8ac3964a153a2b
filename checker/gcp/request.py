"""Read the request part of a case: who asks for which permission on which resource, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from checker.gcp.location import Loc, shown
from checker.gcp.members import parse_principal
from checker.gcp.model import Request
from checker.gcp.names import parse_resource_name
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


def parse_request(case: dict[str, Any], loc: Loc) -> Request:
    for key in ("principal", "permission", "resource"):
        if key not in case:
            raise loc.error(f"the request needs the field {shown(key)}")
    principal = parse_principal(
        case["principal"], case.get("groups"), case.get("principal_attributes"), loc, case.get("customer_id")
    )
    permission = parse_v1_permission(case["permission"], loc.child("permission"))
    resource = parse_resource_name(case["resource"], loc.child("resource"))
    ancestors_loc = loc.child("ancestors")
    ancestors = tuple(
        parse_resource_name(a, ancestors_loc.child(i))
        for i, a in enumerate(expect_list(case.get("ancestors", []), ancestors_loc, "ancestors"))
    )
    seen = {resource}
    for index, ancestor in enumerate(ancestors):
        if ancestor in seen:
            raise ancestors_loc.child(index).error(
                f"{ancestor.full} appears twice in the resource and its ancestors"
            )
        seen.add(ancestor)
    resource_type = case.get("resource_type")
    if resource_type is not None and (not isinstance(resource_type, str) or "/" not in resource_type):
        raise loc.child("resource_type").error(
            f"{shown(resource_type)} is not a resource type", "write e.g. storage.googleapis.com/Object"
        )
    api_attributes = case.get("api_attributes") or {}
    if not isinstance(api_attributes, dict):
        raise loc.child("api_attributes").error("api_attributes must be an object of attribute name to value")
    return Request(
        principal,
        permission,
        resource,
        resource_type,
        ancestors,
        parse_time(case.get("request_time"), loc.child("request_time")),
        _string_map(case.get("resource_tags"), loc.child("resource_tags"), "resource_tags"),
        _string_map(case.get("resource_tag_ids"), loc.child("resource_tag_ids"), "resource_tag_ids"),
        dict(api_attributes),
        _optional_string(case.get("load_balancing_scheme"), loc.child("load_balancing_scheme")),
    )


def _optional_string(value: Any, loc: Loc) -> str | None:
    if value is not None and not isinstance(value, str):
        raise loc.error(f"{shown(value)} must be a string, e.g. \"INTERNAL_MANAGED\"")
    return value
