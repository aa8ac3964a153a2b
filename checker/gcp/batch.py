"""`iamlab simulate gcp --batch`: decide one JSON case (fixed interface, see checker/cli/simulate.py)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from checker.core.valuekey import value_key
from checker.gcp.evaluate import decide
from checker.gcp.location import Loc, shown
from checker.gcp.model import Binding, DenyRule, PolicySet
from checker.gcp.names import parse_resource_name
from checker.gcp.parse import (
    parse_allow_policy,
    parse_custom_roles_map,
    parse_deny_policies,
    parse_pab_policies,
)
from checker.gcp.request import REQUEST_FIELDS, parse_request
from checker.gcp.services import is_storage_object

CASE_FIELDS = REQUEST_FIELDS | {
    "id",
    "allow_policies",
    "deny_policies",
    "principal_access_boundary_policies",
    "custom_roles",
    "description",
    "name",  # a label test vectors from other tools carry; ignored
}


POLICY_FIELDS = ("allow_policies", "deny_policies", "principal_access_boundary_policies", "custom_roles")
_CACHE_SIZE = 256
_policy_cache: OrderedDict[bytes, PolicySet] = OrderedDict()


def parse_case(case: dict[str, Any]) -> tuple[PolicySet, Any]:
    loc = Loc(label=f"case {shown(case.get('id'))}" if case.get("id") is not None else "case")
    for key in case:
        if key not in CASE_FIELDS:
            raise loc.child(key).error(
                f"unknown field {shown(key)}", "allowed fields: " + ", ".join(sorted(CASE_FIELDS))
            )
    request = parse_request(case, loc)
    # Batches often repeat the same policies line after line: parse them once (errors are never cached).
    policy_key = value_key([[case.get(f) for f in POLICY_FIELDS], [n.full for n in request.chain]])
    if policy_key is None:
        return _parse_policies(case, request, loc), request
    cached = _policy_cache.get(policy_key)
    if cached is not None:
        _policy_cache.move_to_end(policy_key)
        return cached, request
    policies = _parse_policies(case, request, loc)
    _policy_cache[policy_key] = policies
    if len(_policy_cache) > _CACHE_SIZE:
        _policy_cache.popitem(last=False)
    return policies, request


def _parse_policies(case: dict[str, Any], request: Any, loc: Loc) -> PolicySet:
    chain = request.chain
    custom_roles = parse_custom_roles_map(case.get("custom_roles"), loc.child("custom_roles"))

    bindings: list[Binding] = []
    allow_loc = loc.child("allow_policies")
    allow = case.get("allow_policies") or {}
    if not isinstance(allow, dict):
        raise allow_loc.error("allow_policies must map a full resource name to {bindings: [...]}")
    for attached_text, policy in allow.items():
        policy_loc = allow_loc.child(attached_text)
        attached = parse_resource_name(attached_text, policy_loc)
        # A policy outside the chain is read (so its errors show) but never applies: decide_case warns.
        if is_storage_object(attached):
            raise policy_loc.error(
                "Cloud Storage objects have no IAM policy of their own",
                "attach the policy to the bucket (or a managed folder) and use a condition on resource.name",
            )
        bindings.extend(parse_allow_policy(policy, attached, policy_loc, custom_roles, chain))

    deny_rules: list[DenyRule] = []
    deny_loc = loc.child("deny_policies")
    deny = case.get("deny_policies") or {}
    if not isinstance(deny, dict):
        raise deny_loc.error("deny_policies must map a full resource name to a list of deny policies")
    for attached_text, policies in deny.items():
        policy_loc = deny_loc.child(attached_text)
        attached = parse_resource_name(attached_text, policy_loc)
        deny_rules.extend(parse_deny_policies(policies, attached, policy_loc))

    pab = parse_pab_policies(
        case.get("principal_access_boundary_policies"), loc.child("principal_access_boundary_policies")
    )
    return PolicySet(tuple(bindings), tuple(deny_rules), pab, custom_roles)


def decide_case(case: dict[str, Any], explain: bool) -> dict[str, Any]:
    policies, request = parse_case(case)
    decision = decide(policies, request, explain=explain)
    result: dict[str, Any] = {"id": case.get("id"), "decision": decision.kind.value}
    if explain:
        result["explain"] = decision.to_json()
        warnings = case_warnings(policies, request)
        if warnings:
            result["explain"]["warnings"] = warnings
    return result


def case_warnings(policies: PolicySet, request: Any) -> list[str]:
    """What a learner should see next to the decision: policies that cannot apply, inputs that never grant."""
    chain = set(request.chain)
    warnings: list[str] = []
    elsewhere = dict.fromkeys(b.attached.full for b in policies.bindings if b.attached not in chain)
    elsewhere.update(dict.fromkeys(r.attached.full for r in policies.deny_rules if r.attached not in chain))
    for name in elsewhere:
        warnings.append(
            f"the policy on {name} does not apply: {name} is neither {request.resource.full} nor one of its "
            "ancestors (list it in ancestors if it is one)"
        )
    for binding in policies.bindings:
        condition = binding.condition
        for invalid in condition.compiled.never_grants if condition is not None else ():
            warnings.append(
                f"{binding.label}, binding {binding.index}: {invalid}; GCP accepts the policy, but the "
                "condition never allows access"
            )
    return warnings
