"""What the readers hand back: policy documents located in the file the learner wrote, and what they attach to.

Every reader (Terraform, CloudFormation, workflows) produces these plain records. A policy's `document` is a
`LoadedDocument` whose positions point into the `.tf`/`.yaml` file (or the JSON file a `file()` read), so the
engines' parsers, linters and counterexamples name the line the learner wrote without knowing the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checker.core.errors import Where
from checker.core.source import LoadedDocument, Position

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
    clouds: CloudDocuments = field(default_factory=lambda: CloudDocuments())  # Azure and GCP, Terraform only

    def role(self, name_or_arn: str) -> AwsRole | None:
        return next((r for r in self.roles if name_or_arn in (r.arn, r.name, r.address)), None)


@dataclass(frozen=True)
class Assumption:
    """A step that exchanges the job's OIDC token for cloud credentials."""

    cloud: str  # "aws", "azure" or "gcp"
    action: str  # "aws-actions/configure-aws-credentials@v4"
    target: str | None  # the role ARN, the Entra client id, or the workload identity provider
    audience: str  # the `aud` the action requests
    where: Where
    service_account: str | None = None  # GCP: the service account impersonated, if any


@dataclass(frozen=True)
class WorkflowJob:
    """One job of a GitHub Actions workflow and the OIDC tokens it can present."""

    workflow: str  # the workflow file
    job_id: str
    where: Where
    can_request_token: bool  # `id-token: write` in effect for this job
    permission_where: Where | None  # where that permission was granted (workflow or job level)
    permission_level: str | None  # "workflow" or "job"
    environment: str | None
    needs: tuple[str, ...]
    continue_on_error: Any
    condition: str | None  # the job's `if`
    assumes: tuple[Assumption, ...]
    tokens: tuple[dict[str, str], ...]  # one claim set per way the job can be triggered
    reusable_workflow: str | None = None  # `uses:` at job level
    commands: tuple[str, ...] = ()  # each step's `run:` text and `uses:` reference, in order


@dataclass(frozen=True)
class Workflow:
    path: str
    name: str | None
    events: tuple[str, ...]
    jobs: tuple[WorkflowJob, ...]
    permissions_where: Where | None  # workflow-level `permissions`, if written
    grants_token_at_workflow_level: bool


@dataclass(frozen=True)
class FederatedCredential:
    """azurerm_federated_identity_credential: which external tokens become a user-assigned identity."""

    address: str
    identity: str  # the parent identity's resource id (or address when unknown)
    issuer: str
    subject: str
    audiences: tuple[str, ...]
    where: Where


@dataclass(frozen=True)
class WorkloadIdentityProvider:
    """google_iam_workload_identity_pool_provider with an OIDC issuer."""

    address: str
    name: str | None  # projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/ID
    pool: str | None  # projects/NUMBER/locations/global/workloadIdentityPools/POOL
    issuer: str
    allowed_audiences: tuple[str, ...]
    attribute_mapping: dict[str, str]
    attribute_condition: str | None
    where: Where


@dataclass
class CloudDocuments:
    """Azure and GCP documents in the engines' lab formats, each a located LoadedDocument list."""

    azure_role_assignments: list[dict[str, Any]] = field(default_factory=list)
    azure_custom_roles: list[dict[str, Any]] = field(default_factory=list)
    azure_federated_credentials: list[dict[str, Any]] = field(default_factory=list)  # {name, issuer, subject, audiences, identity}
    azure_managed_identities: list[dict[str, Any]] = field(default_factory=list)  # {id, name, principalId?, clientId?}
    gcp_bindings: list[dict[str, Any]] = field(default_factory=list)
    gcp_custom_roles: list[dict[str, Any]] = field(default_factory=list)
    federated_credentials: list[FederatedCredential] = field(default_factory=list)
    workload_identity_providers: list[WorkloadIdentityProvider] = field(default_factory=list)
    positions: dict[str, dict[str, Position]] = field(default_factory=dict)  # list name -> pointer -> Position

    def add(self, name: str, entry: dict[str, Any], positions: dict[str, Position]) -> None:
        """Append an entry to one of the lists, with its positions (pointers relative to the entry)."""
        items: list[dict[str, Any]] = getattr(self, name)
        base = f"/{len(items)}"
        items.append(entry)
        table = self.positions.setdefault(name, {})
        for pointer, position in positions.items():
            table[base + pointer] = position

    def document(self, name: str, path: str) -> LoadedDocument:
        """One list as a document for an engine's `load_submission` (positions point into the .tf files)."""
        return LoadedDocument(path, list(getattr(self, name)), dict(self.positions.get(name, {})))
