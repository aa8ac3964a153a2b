"""What the readers hand back: policy documents located in the file the learner wrote, and what they attach to.

Every reader (Terraform, CloudFormation, workflows) produces these plain records. A policy's `document` is a
`LoadedDocument` whose positions point into the `.tf`/`.yaml` file (or the JSON file a `file()` read), so the
engines' parsers, linters and counterexamples name the line the learner wrote without knowing the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checker.core.errors import Where
from checker.core.source import LoadedDocument

# The policy's role, spelled as checker.aws.policy.PolicyKind values (the readers do not import the engine).
IDENTITY = "identity"
TRUST = "trust"
BOUNDARY = "boundary"
RESOURCE = "resource"


@dataclass(frozen=True)
class IacPolicy:
    """One policy document found in infrastructure code."""

    cloud: str  # "aws"
    kind: str  # IDENTITY, TRUST, BOUNDARY or RESOURCE
    name: str  # where it came from, e.g. "aws_iam_role.training (assume_role_policy)"
    document: LoadedDocument
    where: Where  # the attribute or property that holds it
    attached_to: str | None = None  # the role's ARN (or address when the ARN cannot be known)
    arn: str | None = None  # a managed policy's ARN


@dataclass(frozen=True)
class AwsRole:
    address: str  # "aws_iam_role.training" or the CloudFormation logical id
    name: str | None
    arn: str | None
    where: Where
    trust: IacPolicy | None = None
    policies: tuple[IacPolicy, ...] = ()  # inline and attached managed policies
    boundary: IacPolicy | None = None


@dataclass(frozen=True)
class OidcProvider:
    address: str
    url: str  # without "https://", as IAM names the provider and its condition keys
    arn: str | None
    client_ids: tuple[str, ...]
    where: Where


@dataclass
class IacModel:
    """Everything one set of files defines."""

    roles: list[AwsRole] = field(default_factory=list)
    policies: list[IacPolicy] = field(default_factory=list)  # every policy, roles' included, in file order
    oidc_providers: list[OidcProvider] = field(default_factory=list)
    other: dict[str, Any] = field(default_factory=dict)  # per-cloud extras (Azure, GCP) by reader

    def role(self, name_or_arn: str) -> AwsRole | None:
        return next((r for r in self.roles if name_or_arn in (r.arn, r.name, r.address)), None)
