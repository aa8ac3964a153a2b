"""AWS Organizations, per "Actions, resources, and condition keys for AWS Organizations".

Organization-wide reads take no resource. Calls on a policy, root, OU or account name it by id; its
ARN embeds the organization id and the management account, so the backend resolves it
(`Lookups.organizations_arn`). The policy type is the organizations:PolicyType condition key.
"""

from __future__ import annotations

from typing import Any

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.rules import Rule, check, custom, present, request_tags, required, rule


def _arn(call: ApiCall, entity_id: str) -> str:
    arn = call.lookups.organizations_arn(entity_id)
    if arn is None:
        raise UnmappedOperation(
            call.service, call.operation, f"the Organizations id {entity_id} is not known"
        )
    return arn


def _policy_type(call: ApiCall, policy_arn: str) -> dict[str, Any]:
    # ARN form: ...:policy/o-ORG/POLICY_TYPE/p-ID; AWS managed: ...::aws:policy/POLICY_TYPE/p-ID
    parts = policy_arn.split("/")
    return {"organizations:PolicyType": parts[-2].upper()} if len(parts) >= 3 else {}


def _entities(action: str, *id_params: str, policy_param: str | None = None) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        context: dict[str, Any] = {}
        if policy_param is not None:
            context = _policy_type(call, _arn(call, required(call, policy_param)))
        return [AuthorizationCheck(action, _arn(call, required(call, name)), context) for name in id_params]

    return custom(expand)


def _any(action: str, context: Any = None) -> Rule:
    return rule(check(action, context=context))


def _create_policy(call: ApiCall) -> list[AuthorizationCheck]:
    context = present({"organizations:PolicyType": "Type"})(call)
    context.update(request_tags("Tags")(call))
    organization_arn = call.lookups.organizations_arn("organization")
    if organization_arn is None:
        raise UnmappedOperation(
            call.service, call.operation, "there is no organization to create a policy in"
        )
    # The new policy's id is unknown before it exists: the request covers any policy of that type.
    organization = organization_arn.rsplit("/", 1)[-1]
    policy_type = str(required(call, "Type")).lower()
    management = organization_arn.split(":")[4]
    arn = f"arn:{call.partition}:organizations::{management}:policy/{organization}/{policy_type}/*"
    return [AuthorizationCheck("organizations:CreatePolicy", arn, context)]


RULES: dict[str, Rule] = {
    "CreateOrganization": _any("organizations:CreateOrganization"),
    "DescribeOrganization": _any("organizations:DescribeOrganization"),
    "ListAccounts": _any("organizations:ListAccounts"),
    "ListRoots": _any("organizations:ListRoots"),
    "ListPolicies": _any("organizations:ListPolicies", present({"organizations:PolicyType": "Filter"})),
    "CreatePolicy": custom(_create_policy, note="a policy not yet created is named policy/o-ORG/TYPE/*"),
    "DescribePolicy": _entities("organizations:DescribePolicy", "PolicyId", policy_param="PolicyId"),
    "UpdatePolicy": _entities("organizations:UpdatePolicy", "PolicyId", policy_param="PolicyId"),
    "DeletePolicy": _entities("organizations:DeletePolicy", "PolicyId", policy_param="PolicyId"),
    "AttachPolicy": _entities("organizations:AttachPolicy", "PolicyId", "TargetId", policy_param="PolicyId"),
    "DetachPolicy": _entities("organizations:DetachPolicy", "PolicyId", "TargetId", policy_param="PolicyId"),
    "ListPoliciesForTarget": _entities("organizations:ListPoliciesForTarget", "TargetId"),
    "ListTargetsForPolicy": _entities(
        "organizations:ListTargetsForPolicy", "PolicyId", policy_param="PolicyId"
    ),
    "DescribeAccount": _entities("organizations:DescribeAccount", "AccountId"),
    "CreateOrganizationalUnit": _entities("organizations:CreateOrganizationalUnit", "ParentId"),
    "ListOrganizationalUnitsForParent": _entities(
        "organizations:ListOrganizationalUnitsForParent", "ParentId"
    ),
    "ListChildren": _entities("organizations:ListChildren", "ParentId"),
    "EnablePolicyType": _entities("organizations:EnablePolicyType", "RootId"),
    "MoveAccount": _entities(
        "organizations:MoveAccount", "AccountId", "SourceParentId", "DestinationParentId"
    ),
}
