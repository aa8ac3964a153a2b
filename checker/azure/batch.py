"""`iamlab simulate azure --batch`: decide one JSON case (the fixed batch interface).

A case carries the request (principal, groups, action, data_action, scope, attributes, sub_operation,
optional request_time) and its setting (role_definitions, role_assignments, deny_assignments,
management_groups). Built-in roles may be named by display name or GUID without being defined.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from checker.azure.catalog import active_catalog, pinned_catalog, role_finder
from checker.azure.evaluate import decide
from checker.azure.model import AzureModel
from checker.azure.parse import (
    Fields,
    field_locator,
    parse_assignments,
    parse_deny_assignments,
    parse_management_groups,
    parse_role_definitions,
)
from checker.azure.request import REQUEST_FIELDS, parse_request
from checker.core.valuekey import value_key

SETTING_FIELDS = ("role_definitions", "role_assignments", "deny_assignments", "management_groups")
IGNORED_FIELDS = ("comment", "description", "expected", "name", "note")  # labels test files carry, as in AWS cases
CASE_FIELDS = ("id", *REQUEST_FIELDS, *SETTING_FIELDS, *IGNORED_FIELDS)
MODEL_CACHE_SIZE = 256
_models: OrderedDict[tuple[int, bytes], AzureModel] = OrderedDict()


def model_from_case(fields: Fields) -> AzureModel:
    locate = fields.locate
    roles = parse_role_definitions(fields.get("role_definitions"), fields.at("role_definitions"), locate)
    groups = parse_management_groups(fields.get("management_groups"), fields.at("management_groups"), locate)
    assignments = parse_assignments(fields.get("role_assignments"), fields.at("role_assignments"), locate,
                                    role_finder(roles), groups)
    denies = parse_deny_assignments(fields.get("deny_assignments"), fields.at("deny_assignments"), locate)
    return AzureModel(tuple(assignments), tuple(denies), groups, tuple(roles))


def _cached_model(fields: Fields) -> AzureModel:
    """Batches repeat one setting over many requests; parse each distinct setting once (models are immutable)."""
    setting = value_key([fields.get(name) for name in SETTING_FIELDS])
    if setting is None:
        return model_from_case(fields)
    key = (id(active_catalog()), setting)  # a new import gives a new catalog object, so a new key
    model = _models.get(key)
    if model is None:
        model = model_from_case(fields)
        _models[key] = model
        if len(_models) > MODEL_CACHE_SIZE:
            _models.popitem(last=False)
    else:
        _models.move_to_end(key)
    return model


# Every case of one `simulate --batch` run is decided with the catalog present when the run started.
batch_scope = pinned_catalog


def decide_case(case: dict[str, Any], explain: bool) -> dict[str, Any]:
    """Decide one case; raise InputError (naming the field) when the case is malformed."""
    case_id = case.get("id") if isinstance(case, dict) else None
    fields = Fields(case, "", field_locator(f"case {case_id}" if case_id is not None else "case"),
                    "a case", CASE_FIELDS)
    model = _cached_model(fields)
    request = parse_request(fields)
    decision = decide(model, request, explain)
    result: dict[str, Any] = {"id": case_id, "decision": decision.kind.value}
    if explain:
        result["explain"] = decision.to_json()
    return result
