"""The shapes that flow through the mapping: an API call in, IAM authorization checks out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Lookups(Protocol):
    """Facts about existing resources that some ARNs need and the request alone does not carry."""

    def iam_path(self, kind: str, name: str) -> str | None:
        """The path ("/", "/ml/") of an IAM user, role, group or policy, or None when unknown."""
        ...

    def kms_key_id(self, key_ref: str, region: str, account: str) -> str | None:
        """The key id behind an alias name or alias ARN, or None when unknown."""
        ...

    def kms_key_of_ciphertext(self, blob: bytes) -> str | None:
        """The key id that encrypted a ciphertext blob (Decrypt may omit KeyId), or None when unknown."""
        ...

    def organizations_arn(self, entity_id: str) -> str | None:
        """The ARN of an Organizations policy, root, OU or account id, or None when unknown.

        The id "organization" asks for the organization's own ARN (it names the management account).
        """
        ...

    def inference_profile_models(self, profile_arn: str) -> tuple[str, ...] | None:
        """The foundation-model ARNs a Bedrock inference profile routes to (GetInferenceProfile's
        `models`), or None when the profile is unknown."""
        ...

    def dynamodb_partition_key(self, table_arn: str) -> str | None:
        """The attribute name of a DynamoDB table's partition key, or None when the table is unknown."""
        ...

    def iam_boundary(self, kind: str, name: str) -> str | None:
        """The ARN of the permissions boundary an existing IAM user or role has; None when it has none or
        is unknown (a request about an unknown entity fails at the backend)."""
        ...


class NoLookups:
    """Used when no backend is at hand: paths default to "/", aliases and org ids stay unresolved."""

    def iam_path(self, kind: str, name: str) -> str | None:
        return None

    def kms_key_id(self, key_ref: str, region: str, account: str) -> str | None:
        return None

    def kms_key_of_ciphertext(self, blob: bytes) -> str | None:
        return None

    def organizations_arn(self, entity_id: str) -> str | None:
        return None

    def inference_profile_models(self, profile_arn: str) -> tuple[str, ...] | None:
        return None

    def dynamodb_partition_key(self, table_arn: str) -> str | None:
        return None

    def iam_boundary(self, kind: str, name: str) -> str | None:
        return None


@dataclass(frozen=True)
class ApiCall:
    """One AWS API call as botocore names it: service "s3", operation "ListObjectsV2", API parameters."""

    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    region: str = "us-east-1"
    account: str = "123456789012"  # the account the caller works in; owns resources named without one
    partition: str = "aws"
    caller_arn: str | None = None  # for calls that act on the caller itself (iam:GetUser without a name)
    lookups: Lookups = field(default_factory=NoLookups)
    # AssumeRoleWithWebIdentity: the claims of a token the gateway or hook has already verified
    # (checker/emulate/federation.py); without them the call is never mapped, so never allowed.
    web_identity: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class AuthorizationCheck:
    """One question for the engine: may the caller perform `action` on `resource` in this context?"""

    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MappedCall:
    """Every check a call needs; all must be allowed. No checks means AWS requires no permission."""

    service: str
    operation: str
    checks: tuple[AuthorizationCheck, ...]
    note: str = ""  # why the mapping is not the obvious one, shown in explanations

    @property
    def needs_no_permission(self) -> bool:
        return not self.checks


class UnmappedOperation(Exception):
    """The gateway cannot say which permission a call needs, so it must deny it (fail closed)."""

    def __init__(self, service: str, operation: str, why: str) -> None:
        super().__init__(f"{service}:{operation}: {why}")
        self.service = service
        self.operation = operation
        self.why = why
