"""AWS IAM, per "Actions, resources, and condition keys for AWS Identity and Access Management".

IAM actions carry the operation's name. Resource ARNs include the entity's path, which the call
names only on create; otherwise the backend is asked (`Lookups.iam_path`), defaulting to "/".
Calls that omit UserName act on the calling user (GetUser, CreateAccessKey, ListAccessKeys...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checker.aws.catalog import carries_entity_boundary
from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.rules import (
    ContextBuilder,
    Rule,
    check,
    custom,
    present,
    request_tags,
    required,
    rule,
)


def _entity(kind: str, name_param: str, create: bool = False) -> Callable[[ApiCall], str]:
    def arn(call: ApiCall) -> str:
        name = required(call, name_param)
        path = call.params.get("Path") if create else None
        if path is None:
            path = call.lookups.iam_path(kind, name) or "/"
        return path.strip("/") + "/" + name if path.strip("/") else name

    return arn


def _user_or_caller(call: ApiCall) -> str:
    """Name plus path of the user a call targets; without UserName, the calling IAM user."""
    if call.params.get("UserName"):
        return _entity("user", "UserName")(call)
    caller = call.caller_arn or ""
    if ":user/" not in caller:
        raise UnmappedOperation(
            call.service,
            call.operation,
            "without UserName this call acts on the calling user, and the caller is not one",
        )
    return caller.split(":user/", 1)[1]


def _policy_arn(call: ApiCall) -> str:
    return required(call, "PolicyArn")


def _created_policy(call: ApiCall) -> str:
    return _entity("policy", "PolicyName", create=True)(call)


def _policy_context(call: ApiCall) -> dict[str, Any]:
    return present({"iam:PolicyARN": "PolicyArn"})(call)


def _boundary_context(call: ApiCall) -> dict[str, Any]:
    return present({"iam:PermissionsBoundary": "PermissionsBoundary"})(call)


def _user(action: str, context: Any = None, create: bool = False) -> Rule:
    names = _entity("user", "UserName", create) if create else _user_or_caller
    context = _with_entity_boundary(
        action, "user", lambda call: _user_or_caller(call).rsplit("/", 1)[-1], context
    )
    return rule(check(action, "user", context=context, UserNameWithPath=names))


def _role(action: str, context: Any = None, create: bool = False) -> Rule:
    context = _with_entity_boundary(action, "role", lambda call: required(call, "RoleName"), context)
    return rule(check(action, "role", context=context, RoleNameWithPath=_entity("role", "RoleName", create)))


def _with_entity_boundary(
    action: str, kind: str, name_of: Callable[[ApiCall], str], context: ContextBuilder | None
) -> ContextBuilder | None:
    """Add iam:PermissionsBoundary, the boundary the user or role already has, to an action that lists the
    key and does not set a boundary: the key "Filters access if the specified policy is set as the
    permissions boundary on the IAM entity (user or role)" (Service Authorization Reference, IAM condition
    keys). The boundary comes from the backend; an entity without one sends no key."""

    def with_boundary(call: ApiCall) -> dict[str, Any]:
        found = dict(context(call)) if context is not None else {}
        if carries_entity_boundary(action):  # read when first asked: no catalog file at import
            boundary = call.lookups.iam_boundary(kind, name_of(call))
            if boundary is not None:
                found["iam:PermissionsBoundary"] = boundary
        return found

    return with_boundary


def _group(action: str, context: Any = None, create: bool = False) -> Rule:
    return rule(
        check(action, "group", context=context, GroupNameWithPath=_entity("group", "GroupName", create))
    )


def _policy(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        return [AuthorizationCheck(action, _policy_arn(call), {})]

    return custom(expand)


def _any(action: str) -> Rule:
    return rule(check(action))


def _create_role_context(call: ApiCall) -> dict[str, Any]:
    context = request_tags("Tags")(call)
    context.update(_boundary_context(call))
    return context


def _instance_profile(action: str, create: bool = False) -> Rule:
    return rule(
        check(
            action,
            "instance-profile",
            InstanceProfileNameWithPath=_entity("instance-profile", "InstanceProfileName", create),
        )
    )


RULES: dict[str, Rule] = {
    "CreateUser": _user(
        "iam:CreateUser", lambda call: {**request_tags("Tags")(call), **_boundary_context(call)}, True
    ),
    "GetUser": _user("iam:GetUser"),
    "DeleteUser": _user("iam:DeleteUser"),
    "ListUsers": _any("iam:ListUsers"),
    "TagUser": _user("iam:TagUser", request_tags("Tags")),
    "UntagUser": _user("iam:UntagUser", lambda call: {"aws:TagKeys": list(call.params.get("TagKeys") or [])}),
    "ListUserTags": _user("iam:ListUserTags"),
    "CreateAccessKey": _user("iam:CreateAccessKey"),
    "DeleteAccessKey": _user("iam:DeleteAccessKey"),
    "ListAccessKeys": _user("iam:ListAccessKeys"),
    "UpdateAccessKey": _user("iam:UpdateAccessKey"),
    "CreateLoginProfile": _user("iam:CreateLoginProfile"),
    "PutUserPolicy": _user("iam:PutUserPolicy"),
    "GetUserPolicy": _user("iam:GetUserPolicy"),
    "DeleteUserPolicy": _user("iam:DeleteUserPolicy"),
    "ListUserPolicies": _user("iam:ListUserPolicies"),
    "AttachUserPolicy": _user("iam:AttachUserPolicy", _policy_context),
    "DetachUserPolicy": _user("iam:DetachUserPolicy", _policy_context),
    "ListAttachedUserPolicies": _user("iam:ListAttachedUserPolicies"),
    "PutUserPermissionsBoundary": _user("iam:PutUserPermissionsBoundary", _boundary_context),
    "DeleteUserPermissionsBoundary": _user("iam:DeleteUserPermissionsBoundary"),
    "ListGroupsForUser": _user("iam:ListGroupsForUser"),
    "CreateGroup": _group("iam:CreateGroup", create=True),
    "GetGroup": _group("iam:GetGroup"),
    "DeleteGroup": _group("iam:DeleteGroup"),
    "AddUserToGroup": _group("iam:AddUserToGroup"),
    "RemoveUserFromGroup": _group("iam:RemoveUserFromGroup"),
    "PutGroupPolicy": _group("iam:PutGroupPolicy"),
    "AttachGroupPolicy": _group("iam:AttachGroupPolicy", _policy_context),
    "ListGroups": _any("iam:ListGroups"),
    "CreateRole": _role("iam:CreateRole", _create_role_context, create=True),
    "GetRole": _role("iam:GetRole"),
    "DeleteRole": _role("iam:DeleteRole"),
    "ListRoles": _any("iam:ListRoles"),
    "UpdateRole": _role("iam:UpdateRole"),
    "UpdateAssumeRolePolicy": _role("iam:UpdateAssumeRolePolicy"),
    "TagRole": _role("iam:TagRole", request_tags("Tags")),
    "UntagRole": _role("iam:UntagRole", lambda call: {"aws:TagKeys": list(call.params.get("TagKeys") or [])}),
    "ListRoleTags": _role("iam:ListRoleTags"),
    "PutRolePolicy": _role("iam:PutRolePolicy"),
    "GetRolePolicy": _role("iam:GetRolePolicy"),
    "DeleteRolePolicy": _role("iam:DeleteRolePolicy"),
    "ListRolePolicies": _role("iam:ListRolePolicies"),
    "AttachRolePolicy": _role("iam:AttachRolePolicy", _policy_context),
    "DetachRolePolicy": _role("iam:DetachRolePolicy", _policy_context),
    "ListAttachedRolePolicies": _role("iam:ListAttachedRolePolicies"),
    "PutRolePermissionsBoundary": _role("iam:PutRolePermissionsBoundary", _boundary_context),
    "DeleteRolePermissionsBoundary": _role("iam:DeleteRolePermissionsBoundary"),
    "ListInstanceProfilesForRole": _role("iam:ListInstanceProfilesForRole"),
    "CreatePolicy": rule(
        check("iam:CreatePolicy", "policy", context=request_tags("Tags"), PolicyNameWithPath=_created_policy)
    ),
    "GetPolicy": _policy("iam:GetPolicy"),
    "DeletePolicy": _policy("iam:DeletePolicy"),
    "CreatePolicyVersion": _policy("iam:CreatePolicyVersion"),
    "GetPolicyVersion": _policy("iam:GetPolicyVersion"),
    "DeletePolicyVersion": _policy("iam:DeletePolicyVersion"),
    "ListPolicyVersions": _policy("iam:ListPolicyVersions"),
    "SetDefaultPolicyVersion": _policy("iam:SetDefaultPolicyVersion"),
    "ListEntitiesForPolicy": _policy("iam:ListEntitiesForPolicy"),
    "ListPolicies": _any("iam:ListPolicies"),
    "GetAccountAuthorizationDetails": _any("iam:GetAccountAuthorizationDetails"),
    "GetAccountSummary": _any("iam:GetAccountSummary"),
    "ListAccountAliases": _any("iam:ListAccountAliases"),
    "CreateInstanceProfile": _instance_profile("iam:CreateInstanceProfile", create=True),
    "GetInstanceProfile": _instance_profile("iam:GetInstanceProfile"),
    "DeleteInstanceProfile": _instance_profile("iam:DeleteInstanceProfile"),
    "AddRoleToInstanceProfile": _instance_profile("iam:AddRoleToInstanceProfile"),
    "RemoveRoleFromInstanceProfile": _instance_profile("iam:RemoveRoleFromInstanceProfile"),
    "ListInstanceProfiles": _any("iam:ListInstanceProfiles"),
}
