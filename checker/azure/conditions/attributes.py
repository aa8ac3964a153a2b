"""Attribute names: `@Source[name]`, normalized so that lookups ignore case where Azure does.

Attribute names are case-insensitive ("Actions and attributes for Azure role assignment conditions for
Azure Blob Storage": attributes and values are case-insensitive unless stated otherwise), except a blob
index tag key written with the `<$key_case_sensitive$>` marker, whose key keeps its case.
"""

from __future__ import annotations

SOURCES = {"resource": "Resource", "request": "Request", "principal": "Principal", "environment": "Environment"}
CASE_SENSITIVE_MARKER = "<$key_case_sensitive$>"

CONTAINER_NAME = "@resource[microsoft.storage/storageaccounts/blobservices/containers:name]"
ACCOUNT_NAME = "@resource[microsoft.storage/storageaccounts:name]"
BLOB_PATH = "@resource[microsoft.storage/storageaccounts/blobservices/containers/blobs:path]"
UTC_NOW = "@environment[utcnow]"
# The request's sub-operation, as the earlier syntax wrote it:
# `@Request[subOperation] ForAnyOfAnyValues:StringEqualsIgnoreCase {'Blob.List'}`.
SUB_OPERATION = "@request[suboperation]"
DERIVED_FROM_SCOPE = (ACCOUNT_NAME, CONTAINER_NAME, BLOB_PATH)


def normalize_name(name: str) -> str:
    marker_at = name.lower().rfind(CASE_SENSITIVE_MARKER.lower())
    if marker_at >= 0 and marker_at + len(CASE_SENSITIVE_MARKER) == len(name):
        body = name[:marker_at]
        base, colon, key = body.rpartition(":")
        if colon:
            return f"{base.lower()}:{key}{CASE_SENSITIVE_MARKER}"
    return name.lower()


def attribute_key(source: str, name: str) -> str:
    return f"@{source.lower()}[{normalize_name(name)}]"


def split_attribute(text: str) -> tuple[str, str] | None:
    """Split '@Source[name]' into (canonical source, name), or None when it does not have that shape."""
    if not text.startswith("@") or not text.endswith("]") or "[" not in text:
        return None
    source, _, rest = text[1:].partition("[")
    canonical = SOURCES.get(source.lower())
    name = rest[:-1]
    if canonical is None or not name or "]" in name:
        return None
    return canonical, name
