"""AWS KMS rules (AWS KMS Developer Guide, "Key policies in AWS KMS").

No principal can use a KMS key unless the key policy allows it. Identity-based policies count only when
the key policy delegates to the account (names the account root or id); a key policy that names the
caller directly allows on its own within the account.
"""

from __future__ import annotations


def requires_key_policy(service: str, resource: str) -> bool:
    """Only requests on a KMS key need its key policy; CreateKey, ListKeys, ListAliases and alias
    resources ("*" or alias ARNs) are governed by IAM policies alone (KMS Developer Guide, "AWS KMS permissions")."""
    return service == "kms" and ":key/" in resource
