"""AWS KMS, per "AWS KMS permissions" and "Using aliases to control access to KMS keys" (KMS Developer Guide).

A call authorizes on the key's ARN even when it names the key by alias; the alias is then in
kms:RequestAlias. CreateAlias/UpdateAlias/DeleteAlias need permission on both the alias and the key.
Decrypt may name no key: the key is read from the ciphertext. kms:CallerAccount is always set.
"""

from __future__ import annotations

from typing import Any

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.rules import (
    Rule,
    check,
    custom,
    present,
    required,
    rule,
    tag_pairs,
    tags_context,
)


def _key_arn(call: ApiCall, reference: str) -> tuple[str, dict[str, Any]]:
    """(key ARN, extra context) for a KeyId that is a key id, key ARN, alias name or alias ARN."""
    if reference.startswith("arn:") and ":key/" in reference:
        return reference, {}
    region, account, alias = call.region, call.account, None
    if reference.startswith("arn:") and ":alias/" in reference:
        parts = reference.split(":")
        region, account, alias = parts[3], parts[4], parts[5]
    elif reference.startswith("alias/"):
        alias = reference
    if alias is None:
        return f"arn:{call.partition}:kms:{region}:{account}:key/{reference}", {}
    key_id = call.lookups.kms_key_id(alias, region, account)
    if key_id is None:
        raise UnmappedOperation(call.service, call.operation, f"the alias {alias} names no known KMS key")
    return f"arn:{call.partition}:kms:{region}:{account}:key/{key_id}", {"kms:RequestAlias": alias}


def _base_context(call: ApiCall) -> dict[str, Any]:
    context: dict[str, Any] = {"kms:CallerAccount": call.account}
    encryption_context = call.params.get("EncryptionContext")
    if isinstance(encryption_context, dict) and encryption_context:
        for key, value in encryption_context.items():
            context[f"kms:EncryptionContext:{key}"] = value
        context["kms:EncryptionContextKeys"] = list(encryption_context)
    context.update(
        present({"kms:EncryptionAlgorithm": "EncryptionAlgorithm", "kms:GrantOperations": "Operations"})(call)
    )
    return context


def _key(action: str, key_param: str = "KeyId") -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        arn, extra = _key_arn(call, required(call, key_param))
        tags = tags_context(tag_pairs(call.params.get("Tags"), "TagKey", "TagValue"))
        return [AuthorizationCheck(action, arn, {**_base_context(call), **extra, **tags})]

    return custom(expand)


def _decrypt(call: ApiCall) -> list[AuthorizationCheck]:
    reference = call.params.get("KeyId")
    if not reference:
        blob = call.params.get("CiphertextBlob")
        key_id = (
            call.lookups.kms_key_of_ciphertext(bytes(blob)) if isinstance(blob, bytes | bytearray) else None
        )
        if key_id is None:
            raise UnmappedOperation(
                call.service, call.operation, "no KeyId, and the ciphertext names no known key"
            )
        reference = key_id
    arn, extra = _key_arn(call, str(reference))
    return [AuthorizationCheck("kms:Decrypt", arn, {**_base_context(call), **extra})]


def _re_encrypt(call: ApiCall) -> list[AuthorizationCheck]:
    checks = []
    if call.params.get("SourceKeyId"):
        source, extra = _key_arn(call, str(call.params["SourceKeyId"]))
        checks.append(AuthorizationCheck("kms:ReEncryptFrom", source, {**_base_context(call), **extra}))
    else:
        blob = call.params.get("CiphertextBlob")
        key_id = (
            call.lookups.kms_key_of_ciphertext(bytes(blob)) if isinstance(blob, bytes | bytearray) else None
        )
        if key_id is None:
            raise UnmappedOperation(
                call.service, call.operation, "no SourceKeyId, and the ciphertext names no known key"
            )
        source, extra = _key_arn(call, key_id)
        checks.append(AuthorizationCheck("kms:ReEncryptFrom", source, {**_base_context(call), **extra}))
    target, extra = _key_arn(call, required(call, "DestinationKeyId"))
    checks.append(AuthorizationCheck("kms:ReEncryptTo", target, {**_base_context(call), **extra}))
    return checks


def _alias(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        alias = required(call, "AliasName")
        alias_arn = f"arn:{call.partition}:kms:{call.region}:{call.account}:{alias}"
        checks = [AuthorizationCheck(action, alias_arn, {"kms:CallerAccount": call.account})]
        target = call.params.get("TargetKeyId")
        if target is None and action == "kms:DeleteAlias":
            key_id = call.lookups.kms_key_id(alias, call.region, call.account)
            if key_id is None:
                raise UnmappedOperation(
                    call.service, call.operation, f"the alias {alias} names no known KMS key"
                )
            target = key_id
        if target is not None:
            key_arn, _ = _key_arn(call, str(target))
            checks.append(AuthorizationCheck(action, key_arn, {"kms:CallerAccount": call.account}))
        return checks

    return custom(expand, note="alias calls need permission on the alias and on the key")


def _create_key_context(call: ApiCall) -> dict[str, Any]:
    context = _base_context(call)
    context.update(tags_context(tag_pairs(call.params.get("Tags"), "TagKey", "TagValue")))
    context.update(
        present({"kms:KeySpec": "KeySpec", "kms:KeyUsage": "KeyUsage", "kms:KeyOrigin": "Origin"})(call)
    )
    if "BypassPolicyLockoutSafetyCheck" in call.params:
        context["kms:BypassPolicyLockoutSafetyCheck"] = bool(call.params["BypassPolicyLockoutSafetyCheck"])
    return context


RULES: dict[str, Rule] = {
    "CreateKey": rule(check("kms:CreateKey", context=_create_key_context)),
    "ListKeys": rule(check("kms:ListKeys", context=lambda call: {"kms:CallerAccount": call.account})),
    "ListAliases": rule(check("kms:ListAliases", context=lambda call: {"kms:CallerAccount": call.account})),
    "DescribeKey": _key("kms:DescribeKey"),
    "Encrypt": _key("kms:Encrypt"),
    "Decrypt": custom(_decrypt, note="without KeyId the key is the one that made the ciphertext"),
    "ReEncrypt": custom(
        _re_encrypt, note="ReEncrypt needs kms:ReEncryptFrom on the source and kms:ReEncryptTo on the target"
    ),
    "GenerateDataKey": _key("kms:GenerateDataKey"),
    "GenerateDataKeyWithoutPlaintext": _key("kms:GenerateDataKeyWithoutPlaintext"),
    "GenerateRandom": rule(check("kms:GenerateRandom")),
    "Sign": _key("kms:Sign"),
    "Verify": _key("kms:Verify"),
    "GetPublicKey": _key("kms:GetPublicKey"),
    "GetKeyPolicy": _key("kms:GetKeyPolicy"),
    "PutKeyPolicy": _key("kms:PutKeyPolicy"),
    "EnableKeyRotation": _key("kms:EnableKeyRotation"),
    "GetKeyRotationStatus": _key("kms:GetKeyRotationStatus"),
    "DisableKey": _key("kms:DisableKey"),
    "EnableKey": _key("kms:EnableKey"),
    "ScheduleKeyDeletion": _key("kms:ScheduleKeyDeletion"),
    "CancelKeyDeletion": _key("kms:CancelKeyDeletion"),
    "TagResource": _key("kms:TagResource"),
    "ListResourceTags": _key("kms:ListResourceTags"),
    "CreateGrant": _key("kms:CreateGrant"),
    "CreateAlias": _alias("kms:CreateAlias"),
    "UpdateAlias": _alias("kms:UpdateAlias"),
    "DeleteAlias": _alias("kms:DeleteAlias"),
}
