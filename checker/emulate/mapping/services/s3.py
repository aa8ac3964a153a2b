"""Amazon S3: operation to action, per "Required permissions for Amazon S3 API operations" (S3 User Guide).

Many S3 operations are authorized by an action of another name: ListObjectsV2 and HeadBucket by
s3:ListBucket, HeadObject by s3:GetObject, the multipart upload steps by s3:PutObject, ListBuckets by
s3:ListAllMyBuckets. A VersionId switches object reads, deletes and tagging to their *Version actions.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.rules import Check, Rule, check, custom, merge, present, required, rule

PUT_OBJECT_KEYS = {
    "s3:x-amz-server-side-encryption": "ServerSideEncryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id": "SSEKMSKeyId",
    "s3:x-amz-server-side-encryption-customer-algorithm": "SSECustomerAlgorithm",
    "s3:x-amz-acl": "ACL",
    "s3:x-amz-storage-class": "StorageClass",
    "s3:x-amz-website-redirect-location": "WebsiteRedirectLocation",
    "s3:x-amz-grant-full-control": "GrantFullControl",
    "s3:x-amz-grant-read": "GrantRead",
    "s3:x-amz-grant-read-acp": "GrantReadACP",
    "s3:x-amz-grant-write-acp": "GrantWriteACP",
    "s3:object-lock-mode": "ObjectLockMode",
    "s3:object-lock-legal-hold": "ObjectLockLegalHoldStatus",
    "s3:if-none-match": "IfNoneMatch",
    "s3:if-match": "IfMatch",
}


def _list_context(call: ApiCall) -> dict[str, Any]:
    # With no Prefix the key is the empty string: the S3 User Guide's home-folder example allows
    # listing the bucket root with "s3:prefix": [""].
    context: dict[str, Any] = {"s3:prefix": str(call.params.get("Prefix") or "")}
    if call.params.get("Delimiter") is not None:
        context["s3:delimiter"] = call.params["Delimiter"]
    if call.params.get("MaxKeys") is not None:
        context["s3:max-keys"] = int(call.params["MaxKeys"])
    return context


def _object_tags(call: ApiCall) -> dict[str, Any]:
    """s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys from PutObject's Tagging query string."""
    tagging = call.params.get("Tagging")
    if not tagging:
        return {}
    pairs = parse_qsl(str(tagging), keep_blank_values=True)
    context: dict[str, Any] = {f"s3:RequestObjectTag/{k}": v for k, v in pairs}
    context["s3:RequestObjectTagKeys"] = [k for k, _ in pairs]
    return context


def _put_context(call: ApiCall) -> dict[str, Any]:
    return merge(present(PUT_OBJECT_KEYS), _object_tags)(call)


def _copy_context(call: ApiCall) -> dict[str, Any]:
    context = _put_context(call)
    context["s3:x-amz-copy-source"] = _copy_source_text(call)
    if call.params.get("MetadataDirective") is not None:
        context["s3:x-amz-metadata-directive"] = call.params["MetadataDirective"]
    return context


def _copy_source_text(call: ApiCall) -> str:
    source = call.params.get("CopySource")
    if isinstance(source, dict):
        text = f"{source.get('Bucket')}/{source.get('Key')}"
        return text + (f"?versionId={source['VersionId']}" if source.get("VersionId") else "")
    return unquote(str(required(call, "CopySource"))).lstrip("/")


def _bucket(call: ApiCall) -> str:
    return f"arn:{call.partition}:s3:::{required(call, 'Bucket')}"


def _object(call: ApiCall, key: str | None = None) -> str:
    return f"{_bucket(call)}/{key if key is not None else required(call, 'Key')}"


def _versioned(plain: str, versioned: str, context: Any = None) -> Rule:
    """Object calls that need the *Version action when they name a VersionId (S3 User Guide)."""

    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        extra = context(call) if context else {}
        if call.params.get("VersionId"):
            return [
                AuthorizationCheck(
                    versioned, _object(call), {"s3:VersionId": call.params["VersionId"], **extra}
                )
            ]
        return [AuthorizationCheck(plain, _object(call), extra)]

    return custom(expand, note=f"with a VersionId this call needs {versioned} instead of {plain}")


def _put_object(call: ApiCall) -> list[AuthorizationCheck]:
    checks = [AuthorizationCheck("s3:PutObject", _object(call), _put_context(call))]
    # Setting an ACL or tags while uploading also needs the action that sets them on its own.
    if any(
        call.params.get(name)
        for name in ("ACL", "GrantFullControl", "GrantRead", "GrantReadACP", "GrantWriteACP")
    ):
        checks.append(AuthorizationCheck("s3:PutObjectAcl", _object(call), present(PUT_OBJECT_KEYS)(call)))
    if call.params.get("Tagging"):
        checks.append(AuthorizationCheck("s3:PutObjectTagging", _object(call), _object_tags(call)))
    return checks


def _copy_object(call: ApiCall) -> list[AuthorizationCheck]:
    source = _copy_source_text(call)
    path, _, query = source.partition("?")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise UnmappedOperation(call.service, call.operation, f"CopySource {source!r} is not BUCKET/KEY")
    version = dict(parse_qsl(query)).get("versionId")
    read_action = "s3:GetObjectVersion" if version else "s3:GetObject"
    return [
        AuthorizationCheck("s3:PutObject", _object(call), _copy_context(call)),
        AuthorizationCheck(read_action, f"arn:{call.partition}:s3:::{bucket}/{key}", {}),
    ]


def _delete_objects(call: ApiCall) -> list[AuthorizationCheck]:
    """DeleteObjects is authorized key by key as s3:DeleteObject (or s3:DeleteObjectVersion)."""
    delete = call.params.get("Delete") or {}
    objects = delete.get("Objects") if isinstance(delete, dict) else None
    if not objects:
        raise UnmappedOperation(call.service, call.operation, "Delete.Objects lists no keys")
    checks = []
    for item in objects:
        action = "s3:DeleteObjectVersion" if item.get("VersionId") else "s3:DeleteObject"
        checks.append(AuthorizationCheck(action, _object(call, str(item.get("Key"))), {}))
    return checks


def _bucket_check(action: str, context: Any = None) -> Check:
    return check(action, "bucket", context=context, BucketName="Bucket")


def _object_check(action: str, context: Any = None) -> Check:
    return check(action, "object", context=context, BucketName="Bucket", ObjectName="Key")


def _create_bucket_context(call: ApiCall) -> dict[str, Any]:
    context = present({"s3:x-amz-acl": "ACL", "s3:x-amz-object-ownership": "ObjectOwnership"})(call)
    configuration = call.params.get("CreateBucketConfiguration")
    if isinstance(configuration, dict) and configuration.get("LocationConstraint"):
        context["s3:LocationConstraint"] = configuration["LocationConstraint"]
    return context


RULES: dict[str, Rule] = {
    "ListBuckets": rule(check("s3:ListAllMyBuckets"), note="ListBuckets needs s3:ListAllMyBuckets"),
    "CreateBucket": rule(_bucket_check("s3:CreateBucket", _create_bucket_context)),
    "DeleteBucket": rule(_bucket_check("s3:DeleteBucket")),
    "HeadBucket": rule(_bucket_check("s3:ListBucket"), note="HeadBucket needs s3:ListBucket"),
    "GetBucketLocation": rule(_bucket_check("s3:GetBucketLocation")),
    "ListObjects": rule(
        _bucket_check("s3:ListBucket", _list_context), note="ListObjects needs s3:ListBucket"
    ),
    "ListObjectsV2": rule(
        _bucket_check("s3:ListBucket", _list_context), note="ListObjectsV2 needs s3:ListBucket"
    ),
    "ListObjectVersions": rule(
        _bucket_check("s3:ListBucketVersions", _list_context),
        note="ListObjectVersions needs s3:ListBucketVersions",
    ),
    "ListMultipartUploads": rule(
        _bucket_check("s3:ListBucketMultipartUploads"), note="needs s3:ListBucketMultipartUploads"
    ),
    "GetBucketPolicy": rule(_bucket_check("s3:GetBucketPolicy")),
    "PutBucketPolicy": rule(_bucket_check("s3:PutBucketPolicy")),
    "DeleteBucketPolicy": rule(_bucket_check("s3:DeleteBucketPolicy")),
    "GetBucketPolicyStatus": rule(_bucket_check("s3:GetBucketPolicyStatus")),
    "GetBucketTagging": rule(_bucket_check("s3:GetBucketTagging")),
    "PutBucketTagging": rule(_bucket_check("s3:PutBucketTagging")),
    "DeleteBucketTagging": rule(
        _bucket_check("s3:PutBucketTagging"), note="DeleteBucketTagging needs s3:PutBucketTagging"
    ),
    "GetBucketVersioning": rule(_bucket_check("s3:GetBucketVersioning")),
    "PutBucketVersioning": rule(_bucket_check("s3:PutBucketVersioning")),
    "GetBucketAcl": rule(_bucket_check("s3:GetBucketAcl")),
    "PutBucketAcl": rule(_bucket_check("s3:PutBucketAcl", present({"s3:x-amz-acl": "ACL"}))),
    "GetBucketEncryption": rule(
        _bucket_check("s3:GetEncryptionConfiguration"),
        note="GetBucketEncryption needs s3:GetEncryptionConfiguration",
    ),
    "PutBucketEncryption": rule(
        _bucket_check("s3:PutEncryptionConfiguration"),
        note="PutBucketEncryption needs s3:PutEncryptionConfiguration",
    ),
    "DeleteBucketEncryption": rule(
        _bucket_check("s3:PutEncryptionConfiguration"),
        note="DeleteBucketEncryption needs s3:PutEncryptionConfiguration",
    ),
    "GetPublicAccessBlock": rule(
        _bucket_check("s3:GetBucketPublicAccessBlock"), note="needs s3:GetBucketPublicAccessBlock"
    ),
    "PutPublicAccessBlock": rule(
        _bucket_check("s3:PutBucketPublicAccessBlock"), note="needs s3:PutBucketPublicAccessBlock"
    ),
    "GetBucketLifecycleConfiguration": rule(
        _bucket_check("s3:GetLifecycleConfiguration"), note="needs s3:GetLifecycleConfiguration"
    ),
    "PutBucketLifecycleConfiguration": rule(
        _bucket_check("s3:PutLifecycleConfiguration"), note="needs s3:PutLifecycleConfiguration"
    ),
    "GetBucketNotificationConfiguration": rule(
        _bucket_check("s3:GetBucketNotification"), note="needs s3:GetBucketNotification"
    ),
    "PutBucketNotificationConfiguration": rule(
        _bucket_check("s3:PutBucketNotification"), note="needs s3:PutBucketNotification"
    ),
    "GetObject": _versioned("s3:GetObject", "s3:GetObjectVersion"),
    "HeadObject": _versioned("s3:GetObject", "s3:GetObjectVersion"),
    "GetObjectAttributes": _versioned("s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"),
    "DeleteObject": _versioned("s3:DeleteObject", "s3:DeleteObjectVersion"),
    "GetObjectTagging": _versioned("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
    "PutObjectTagging": _versioned("s3:PutObjectTagging", "s3:PutObjectVersionTagging", _object_tags),
    "DeleteObjectTagging": _versioned("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
    "GetObjectAcl": _versioned("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
    "PutObjectAcl": _versioned("s3:PutObjectAcl", "s3:PutObjectVersionAcl", present({"s3:x-amz-acl": "ACL"})),
    "PutObject": custom(
        _put_object, note="an ACL or Tagging on the upload also needs s3:PutObjectAcl / s3:PutObjectTagging"
    ),
    "CopyObject": custom(
        _copy_object, note="CopyObject needs s3:PutObject on the target and s3:GetObject on the source"
    ),
    "DeleteObjects": custom(_delete_objects, note="DeleteObjects needs s3:DeleteObject on every key"),
    "CreateMultipartUpload": rule(
        _object_check("s3:PutObject", _put_context), note="multipart uploads are authorized as s3:PutObject"
    ),
    "UploadPart": rule(
        _object_check("s3:PutObject"), note="multipart uploads are authorized as s3:PutObject"
    ),
    "CompleteMultipartUpload": rule(
        _object_check("s3:PutObject"), note="multipart uploads are authorized as s3:PutObject"
    ),
    "AbortMultipartUpload": rule(_object_check("s3:AbortMultipartUpload")),
    "ListParts": rule(
        _object_check("s3:ListMultipartUploadParts"), note="ListParts needs s3:ListMultipartUploadParts"
    ),
}
