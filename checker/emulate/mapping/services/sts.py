"""AWS STS, per the STS API Reference and "Permissions for AssumeRole..." (IAM User Guide).

GetCallerIdentity and GetSessionToken need no permission. Passing session tags on AssumeRole also
needs sts:TagSession. AssumeRoleWithWebIdentity and AssumeRoleWithSAML are not signed by an AWS
principal; they are not mapped yet, so the gateway denies them rather than skip the trust policy.
"""

from __future__ import annotations

from typing import Any

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck
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


RULES: dict[str, Rule] = {
    "GetCallerIdentity": NO_PERMISSION,
    "GetSessionToken": NO_PERMISSION,
    "AssumeRole": custom(_assume_role, note="session tags also need sts:TagSession"),
    "DecodeAuthorizationMessage": rule(check("sts:DecodeAuthorizationMessage")),
    "GetAccessKeyInfo": rule(check("sts:GetAccessKeyInfo")),
}
