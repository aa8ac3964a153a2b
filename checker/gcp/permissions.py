"""Permission names in both forms IAM uses, and the wildcard groups of deny and boundary policies.

Roles hold v1 names, `service.resource.verb` (doc: "Roles and permissions",
https://cloud.google.com/iam/docs/roles-overview#permissions). Deny policies use the v2 form
`SERVICE_FQDN/resource.verb`, where SERVICE_FQDN is typically the v1 service followed by
`.googleapis.com`, with documented exceptions (doc: "Permissions supported in deny policies",
https://cloud.google.com/iam/docs/deny-permissions-support). Permission groups replace the resource, the
verb or both with `*` (e.g. `secretmanager.googleapis.com/*.*`, `storage.googleapis.com/objects.*`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from checker.gcp.location import Loc, shown

_V1 = re.compile(r"^[a-z][a-z0-9]*\.[a-zA-Z][a-zA-Z0-9_]*\.[a-zA-Z][a-zA-Z0-9]*$")
# A few v1 permissions already carry a domain, e.g. iam.googleapis.com/workloadIdentityPools.delete.
_V1_WITH_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}/[a-zA-Z][a-zA-Z0-9]*\.[a-zA-Z][a-zA-Z0-9]*$")
_V2_PATTERN = re.compile(
    r"^(?P<fqdn>[a-z0-9][a-z0-9.-]*\.[a-z]{2,})/(?:(?P<all>\*)|(?P<resource>\*|[a-zA-Z][a-zA-Z0-9_]*)\.(?P<verb>\*|[a-zA-Z][a-zA-Z0-9]*))$"
)

# v1 service -> v2 service FQDN where the rule "service + .googleapis.com" does not hold.
_V1_SERVICE_TO_FQDN = {"resourcemanager": "cloudresourcemanager.googleapis.com"}
# v1 (service, resource) pairs renamed in v2 (doc notes serviceusage.apiKeys.* are apikeys.googleapis.com/keys.*).
_V1_RESOURCE_TO_V2 = {("serviceusage", "apiKeys"): ("apikeys.googleapis.com", "keys")}


def is_v1_permission(text: str) -> bool:
    return bool(_V1.match(text) or _V1_WITH_DOMAIN.match(text))


def parse_v1_permission(text: object, loc: Loc) -> str:
    if not isinstance(text, str) or not is_v1_permission(text):
        hint = "permissions are written service.resource.verb, for example storage.objects.get"
        if isinstance(text, str) and "*" in text:
            hint = "roles list exact permissions; wildcards are not allowed in includedPermissions"
        elif isinstance(text, str) and ".googleapis.com/" in text:
            hint = "that is the deny-policy (v2) form; roles use service.resource.verb"
        raise loc.error(f"{shown(text)} is not a permission name", hint)
    return text


@functools.lru_cache(maxsize=65_536)
def v2_name(permission: str) -> str:
    """The v2 name of a v1 permission: storage.objects.get -> storage.googleapis.com/objects.get."""
    if "/" in permission:
        return permission
    service, resource, verb = permission.split(".", 2)
    renamed = _V1_RESOURCE_TO_V2.get((service, resource))
    if renamed is not None:
        return f"{renamed[0]}/{renamed[1]}.{verb}"
    fqdn = _V1_SERVICE_TO_FQDN.get(service, f"{service}.googleapis.com")
    return f"{fqdn}/{resource}.{verb}"


def service_of(permission: str) -> str:
    """The v1 service prefix of a permission (storage for storage.objects.get)."""
    if "/" in permission:
        return permission.split("/", 1)[0]
    return permission.split(".", 1)[0]


@dataclass(frozen=True)
class PermissionPattern:
    """A v2 permission or permission group: FQDN/resource.verb with `*` for resource, verb or both."""

    text: str
    fqdn: str
    resource: str  # "*" for any
    verb: str  # "*" for any

    def matches(self, permission: str) -> bool:
        fqdn, _, rest = v2_name(permission).partition("/")
        if fqdn != self.fqdn:
            return False
        resource, _, verb = rest.partition(".")
        return (self.resource == "*" or self.resource == resource) and (self.verb == "*" or self.verb == verb)

    @property
    def is_group(self) -> bool:
        return self.resource == "*" or self.verb == "*"


def parse_v2_pattern(text: object, loc: Loc) -> PermissionPattern:
    match = _V2_PATTERN.match(text) if isinstance(text, str) else None
    if match is None:
        hint = "deny rules name permissions as SERVICE_FQDN/resource.verb, e.g. storage.googleapis.com/objects.delete"
        if isinstance(text, str) and is_v1_permission(text):
            hint = f"write {v2_name(text)} (the v2 form of {text})"
        raise loc.error(f"{shown(text)} is not a deny-policy permission", hint)
    assert isinstance(text, str)
    if match.group("all"):
        return PermissionPattern(text, match.group("fqdn"), "*", "*")
    return PermissionPattern(text, match.group("fqdn"), match.group("resource"), match.group("verb"))


def v1_glob_matches(pattern: str, permission: str) -> bool:
    """Whether `service.resource.verb` matches a glob with `*` segments (used by analysis envelopes)."""
    if pattern == "*":
        return True
    parts, target = pattern.split("."), permission.split(".")
    if len(parts) != len(target):
        return False
    return all(p == "*" or p == t for p, t in zip(parts, target, strict=True))
