"""AWS STS, per the STS API Reference and "Permissions for AssumeRole..." (IAM User Guide).

GetCallerIdentity and GetSessionToken need no permission. Passing session tags on AssumeRole also
needs sts:TagSession. AssumeRoleWithWebIdentity is not signed by an AWS principal: the caller is the IAM OIDC
provider and the role's trust policy decides with the token's claims as context keys
(checker.aws.federation); it is mapped only for a token the gateway or hook verified. AssumeRoleWithSAML is
not mapped, so it is denied rather than skip the trust policy.
"""

from __future__ import annotations

from typing import Any

from checker.aws.federation import token_context
from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.rules import (
    NO_PERMISSION,
    Rule,
    check,
    custom,
    present,
    required,
    rule,
    tag_pairs,
    tags_context,
)


def _assume_context(call: ApiCall) -> dict[str, Any]:
    context = present(
        {
            "sts:RoleSessionName": "RoleSessionName",
            "sts:ExternalId": "ExternalId",
            "sts:SourceIdentity": "SourceIdentity",
        }
    )(call)
    context.update(tags_context(tag_pairs(call.params.get("Tags"))))
    if call.params.get("TransitiveTagKeys"):
        context["sts:TransitiveTagKeys"] = list(call.params["TransitiveTagKeys"])
    return context


def _assume_role(call: ApiCall) -> list[AuthorizationCheck]:
    role = required(call, "RoleArn")
    context = _assume_context(call)
    checks = [AuthorizationCheck("sts:AssumeRole", role, context)]
    if call.params.get("Tags") or call.params.get("TransitiveTagKeys"):
        checks.append(AuthorizationCheck("sts:TagSession", role, context))
    return checks


def _assume_role_with_web_identity(call: ApiCall) -> list[AuthorizationCheck]:
    if call.web_identity is None:
        raise UnmappedOperation(call.service, call.operation, "its token was not verified")
    role = required(call, "RoleArn")
    context = dict(token_context(call.web_identity))
    context.update(present({"sts:RoleSessionName": "RoleSessionName"})(call))
    return [AuthorizationCheck("sts:AssumeRoleWithWebIdentity", role, context)]


RULES: dict[str, Rule] = {
    "GetCallerIdentity": NO_PERMISSION,
    "GetSessionToken": NO_PERMISSION,
    "AssumeRole": custom(_assume_role, note="session tags also need sts:TagSession"),
    "AssumeRoleWithWebIdentity": custom(
        _assume_role_with_web_identity, note="the trust policy decides, with the verified token's claims"
    ),
    "DecodeAuthorizationMessage": rule(check("sts:DecodeAuthorizationMessage")),
    "GetAccessKeyInfo": rule(check("sts:GetAccessKeyInfo")),
}
