"""Azure Policy deny assignments (checker/azure/policy.py) decided after RBAC (checker/azure/guarded.py).

Sources, quoted per case:
- "Azure Policy definition structure policy rule" (learn.microsoft.com/azure/governance/policy/concepts/
  definition-structure-policy-rule): logical operators, conditions, fields, case-insensitivity;
- "Azure Policy pattern: field properties" (.../policy/samples/pattern-fields): the built-in Allowed
  locations rule with its `global` exemption;
- the built-in "Require a tag and its value on resources", which denies with `notEquals` when the tag is
  absent or different.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker.azure import ENGINE
from checker.core.decision import DecisionKind
from checker.core.errors import InputError
from checker.core.source import parse_json

from .helpers import PRINCIPAL, RG, SUB

MG = "/providers/Microsoft.Management/managementGroups/ml-platform"
WORKSPACE = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/ws"
WRITE = "Microsoft.MachineLearningServices/workspaces/write"
ALLOWED_LOCATIONS = {
    "mode": "Indexed",
    "parameters": {"listOfAllowedLocations": {"type": "Array"}},
    "policyRule": {"if": {"allOf": [
        {"field": "location", "notIn": "[parameters('listOfAllowedLocations')]"},
        {"field": "location", "notEquals": "global"},
        {"field": "type", "notEquals": "Microsoft.AzureActiveDirectory/b2cDirectories"}]},
        "then": {"effect": "deny"}},
}
TEAM_TAG = {"mode": "Indexed", "parameters": {"team": {"type": "String"}},
            "policyRule": {"if": {"field": "tags['team']", "notEquals": "[parameters('team')]"},
                           "then": {"effect": "deny"}}}


def submission(policies: list[dict[str, Any]]) -> Any:
    files = {
        "role_assignments": parse_json(json.dumps([{"role": "Contributor", "principalId": PRINCIPAL, "scope": SUB}]),
                                       "role-assignments.json"),
        "policy_assignments": parse_json(json.dumps(policies, indent=2), "policy-assignments.json"),
    }
    return ENGINE.load_submission(files, {"management_groups": {SUB: MG}})


def regions(*allowed: str) -> list[dict[str, Any]]:
    return [{"name": "allowed-locations", "scope": MG, "definition": ALLOWED_LOCATIONS,
             "parameters": {"listOfAllowedLocations": {"value": list(allowed)}}}]


def put(sub: Any, payload: dict[str, Any] | None) -> DecisionKind:
    request: dict[str, Any] = {"principal": PRINCIPAL, "action": WRITE, "resource": WORKSPACE,
                               "context": {"data_action": False}}
    if payload is not None:
        request["context"]["payload"] = payload
    return ENGINE.decide(sub, request).kind


@pytest.mark.parametrize(("location", "expected"), [
    ("westeurope", DecisionKind.ALLOW),
    # "Location fields are normalized to support various formats. For example, East US 2 is considered
    # equal to eastus2." and "all other conditions that evaluate a stringValue are case-insensitive"
    ("West Europe", DecisionKind.ALLOW),
    ("WESTEUROPE", DecisionKind.ALLOW),
    ("eastus", DecisionKind.EXPLICIT_DENY),
    # "Use global for resources that are location agnostic": the built-in rule exempts it.
    ("global", DecisionKind.ALLOW),
])
def test_allowed_locations_at_the_management_group(location: str, expected: DecisionKind) -> None:
    assert put(submission(regions("westeurope", "germanywestcentral")), {"location": location}) is expected


def test_a_request_without_payload_is_not_judged_by_policies() -> None:
    """Azure Policy judges "the resource request payload"; a request without one (a read) has none."""
    assert put(submission(regions("westeurope")), None) is DecisionKind.ALLOW


def test_policy_denies_whatever_role_the_caller_holds_and_says_why() -> None:
    decision = ENGINE.decide(submission(regions("westeurope")), {
        "principal": PRINCIPAL, "action": WRITE, "resource": WORKSPACE,
        "context": {"data_action": False, "payload": {"location": "eastus"}}})
    assert decision.kind is DecisionKind.EXPLICIT_DENY
    assert "allowed-locations" in decision.summary
    assert any("RequestDisallowedByPolicy" in r.detail for r in decision.reasons)


def test_rbac_refusal_comes_first() -> None:
    sub = submission(regions("westeurope"))
    decision = ENGINE.decide(sub, {"principal": "99999999-9999-9999-9999-999999999999", "action": WRITE,
                                   "resource": WORKSPACE,
                                   "context": {"data_action": False, "payload": {"location": "westeurope"}}})
    assert decision.kind is DecisionKind.IMPLICIT_DENY


@pytest.mark.parametrize(("tags", "expected"), [
    ({"team": "risk"}, DecisionKind.ALLOW),
    ({"team": "RISK"}, DecisionKind.ALLOW),  # case-insensitive string comparison
    ({"team": "growth"}, DecisionKind.EXPLICIT_DENY),
    # "Require a tag and its value on resources" denies with notEquals when the tag is absent.
    ({}, DecisionKind.EXPLICIT_DENY),
    ({"Team": "risk"}, DecisionKind.ALLOW),  # tag names compare case-insensitively too
])
def test_team_tag_policy_at_a_resource_group(tags: dict[str, str], expected: DecisionKind) -> None:
    sub = submission([{"name": "risk-team-tag", "scope": RG, "definition": TEAM_TAG,
                       "parameters": {"team": {"value": "risk"}}}])
    assert put(sub, {"location": "westeurope", "tags": tags}) is expected


def test_not_scopes_and_do_not_enforce_exempt() -> None:
    exempt = regions("westeurope")
    exempt[0]["notScopes"] = [RG]
    assert put(submission(exempt), {"location": "eastus"}) is DecisionKind.ALLOW
    audit = regions("westeurope")
    audit[0]["enforcementMode"] = "DoNotEnforce"
    assert put(submission(audit), {"location": "eastus"}) is DecisionKind.ALLOW


@pytest.mark.parametrize(("condition", "payload", "denied"), [
    ({"not": {"field": "tags", "containsKey": "team"}}, {"tags": {"owner": "x"}}, True),
    ({"not": {"field": "tags", "containsKey": "team"}}, {"tags": {"team": "x"}}, False),
    ({"anyOf": [{"field": "name", "like": "tmp-*"}, {"field": "tags.env", "equals": "scratch"}]},
     {"name": "tmp-1"}, True),
    ({"field": "tags[env]", "exists": "true"}, {"tags": {"env": "x"}}, True),
    ({"field": "tags[env]", "exists": "true"}, {"tags": {}}, False),
])
def test_logical_operators_and_conditions(condition: dict[str, Any], payload: dict[str, Any], denied: bool) -> None:
    definition = {"policyRule": {"if": condition, "then": {"effect": "deny"}}}
    sub = submission([{"name": "p", "scope": SUB, "definition": definition}])
    assert (put(sub, payload) is DecisionKind.EXPLICIT_DENY) is denied


@pytest.mark.parametrize(("definition", "words"), [
    ({"policyRule": {"if": {"value": "[resourceGroup().name]", "like": "*netrg"}, "then": {"effect": "deny"}}},
     "'field' conditions only"),
    ({"policyRule": {"if": {"field": "location", "equals": "[concat('a', 'b')]"}, "then": {"effect": "deny"}}},
     "is not supported"),
    ({"policyRule": {"if": {"field": "name", "like": "a*b*"}, "then": {"effect": "deny"}}}, "at most one '*'"),
    ({"policyRule": {"if": {"field": "location", "equals": "x"}, "then": {"effect": "modify"}}},
     "effect 'modify' is not supported"),
    ({"policyRule": {"if": {"field": "properties.x", "equals": "x"}, "then": {"effect": "deny"}}},
     "field 'properties.x' is not supported"),
])
def test_constructs_outside_the_model_are_refused_with_their_place(definition: dict[str, Any], words: str) -> None:
    with pytest.raises(InputError) as error:
        submission([{"name": "p", "scope": SUB, "definition": definition}])
    assert words in error.value.message
    assert error.value.where is not None and error.value.where.file == "policy-assignments.json"
    assert error.value.where.line is not None
