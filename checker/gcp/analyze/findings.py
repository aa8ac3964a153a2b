"""Findings for GCP allow bindings, with stable codes GCP001.. (listed in docs/gcp.md).

Each finding says what is wrong, why it matters and how to fix it, and names the documentation page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

import z3

from checker.core.findings import Finding, Severity
from checker.core.solver_budget import BudgetedSolver
from checker.gcp.analyze.encode import Undecidable, Variables, boolean
from checker.gcp.catalog import BASIC_ROLES
from checker.gcp.conditions.attributes import supplies_resource_attributes
from checker.gcp.evaluate import role_permissions
from checker.gcp.hierarchy import Hierarchy
from checker.gcp.location import shown
from checker.gcp.members import MemberKind
from checker.gcp.model import Binding, CustomRole, PolicySet
from checker.gcp.permissions import v2_name
from checker.gcp.services import BUCKET_LEVEL, STORAGE, bucket_of

BASIC_ROLES_DOC = "https://cloud.google.com/iam/docs/roles-overview#basic"
SCOPE_DOC = "https://cloud.google.com/iam/docs/using-iam-securely#least_privilege"
ACT_AS_DOC = "https://cloud.google.com/iam/docs/service-accounts-actas"
KEYS_DOC = "https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys"
IMPERSONATION_DOC = "https://cloud.google.com/iam/docs/service-account-impersonation"
SET_POLICY_DOC = "https://cloud.google.com/iam/docs/granting-changing-revoking-access"
PUBLIC_DOC = "https://cloud.google.com/iam/docs/principal-identifiers"
STORAGE_LIST_DOC = "https://cloud.google.com/iam/docs/conditions-resource-attributes#resource-name"
ATTRIBUTES_DOC = "https://cloud.google.com/iam/docs/conditions-attribute-reference#resource"
DEFAULT_SA_DOC = "https://cloud.google.com/compute/docs/access/service-accounts#default_service_account"
DELETED_DOC = "https://cloud.google.com/iam/docs/principal-identifiers"
TIMESTAMP_DOC = "https://cloud.google.com/iam/docs/conditions-attribute-reference#date-time"
WIF_DOC = "https://cloud.google.com/iam/docs/best-practices-for-using-workload-identity-federation"

TOKEN_PERMISSIONS = (
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.getOpenIdToken",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "iam.serviceAccounts.implicitDelegation",
)
# Roles whose permissions all work on a resource below the project (the lowest level the docs name).
NARROWER_SCOPE = (
    ("roles/storage.", "a bucket"),
    ("roles/secretmanager.", "a secret"),
    ("roles/iam.serviceAccount", "a service account"),
    ("roles/iam.workloadIdentityUser", "a service account"),
    ("roles/artifactregistry.", "a repository"),
    ("roles/bigquery.data", "a dataset"),
    ("roles/cloudkms.cryptoKey", "a key"),
)
DEFAULT_SERVICE_ACCOUNT = re.compile(
    r"^(\d+-compute@developer|[a-z][a-z0-9-]*@appspot)\.gserviceaccount\.com$"
)


def _finding(code: str, severity: Severity, binding: Binding, message: str, hint: str, doc: str) -> Finding:
    where = f"{binding.role} on {binding.attached.full}"
    return Finding(code, severity, f"{where}: {message}", binding.where, hint, doc)


def _basic_role(binding: Binding, permissions: frozenset[str], hierarchy: Hierarchy) -> list[Finding]:
    if binding.role not in BASIC_ROLES:
        return []
    severity = Severity.WARNING if binding.role == "roles/viewer" else Severity.SECURITY
    return [
        _finding(
            "GCP001",
            severity,
            binding,
            f"{binding.role} is a basic role with {len(permissions):,} permissions across almost every service; "
            "a workload never needs that many",
            "grant the predefined roles the workload needs (e.g. roles/storage.objectViewer on one bucket) instead",
            BASIC_ROLES_DOC,
        )
    ]


def _broad_scope(binding: Binding, permissions: frozenset[str], hierarchy: Hierarchy) -> list[Finding]:
    if not binding.attached.is_container:
        return []
    for prefix, narrower in NARROWER_SCOPE:
        if binding.role.startswith(prefix):
            return [
                _finding(
                    "GCP002",
                    Severity.WARNING,
                    binding,
                    f"granted on the whole {binding.attached.kind}, so it applies to every {narrower.split(' ', 1)[1]} "
                    f"in it, including ones created later",
                    f"grant it on {narrower} the workload uses (bindings on a {binding.attached.kind} are inherited "
                    "by everything below it)",
                    SCOPE_DOC,
                )
            ]
    return []


def _escalation(binding: Binding, permissions: frozenset[str], hierarchy: Hierarchy) -> list[Finding]:
    if binding.role in BASIC_ROLES:
        return []  # GCP001 already says it all
    found: list[Finding] = []
    where_all = (
        "every service account in the " + binding.attached.kind
        if binding.attached.is_container
        else binding.attached.full
    )
    # actAs granted on one service account is the narrow form this finding recommends ("grant the role on the
    # one service account"); only a grant that covers every account of a container is flagged.
    if "iam.serviceAccounts.actAs" in permissions and binding.attached.is_container:
        found.append(
            _finding(
                "GCP003",
                Severity.SECURITY,
                binding,
                f"includes iam.serviceAccounts.actAs on {where_all}: the holder can run jobs and VMs as those "
                "service accounts and so use all of their permissions",
                "grant roles/iam.serviceAccountUser on the one service account the workload runs as",
                ACT_AS_DOC,
            )
        )
    if "iam.serviceAccountKeys.create" in permissions:
        found.append(
            _finding(
                "GCP004",
                Severity.SECURITY,
                binding,
                f"includes iam.serviceAccountKeys.create on {where_all}: the holder can mint long-lived keys and "
                "keep a service account's access after this grant is removed",
                "use workload identity federation or attached service accounts instead of keys; do not grant key creation",
                KEYS_DOC,
            )
        )
    tokens = sorted(p for p in TOKEN_PERMISSIONS if p in permissions)
    if tokens:
        found.append(
            _finding(
                "GCP005",
                Severity.SECURITY,
                binding,
                f"includes {', '.join(tokens)} on {where_all}: the holder can impersonate those service accounts "
                "and act with their permissions",
                "grant roles/iam.serviceAccountTokenCreator only on the one service account that must be impersonated",
                IMPERSONATION_DOC,
            )
        )
    set_policy = sorted(p for p in permissions if p.endswith(".setIamPolicy"))
    if set_policy:
        found.append(
            _finding(
                "GCP006",
                Severity.SECURITY,
                binding,
                f"includes {', '.join(set_policy[:3])}{' and more' if len(set_policy) > 3 else ''}: the holder can "
                "change who has access, including granting itself any role",
                "keep setIamPolicy with administrators; workloads should not manage IAM",
                SET_POLICY_DOC,
            )
        )
    return found


def _public(binding: Binding, permissions: frozenset[str], hierarchy: Hierarchy) -> list[Finding]:
    public = [m.text for m in binding.members if m.is_public]
    if not public:
        return []
    return [
        _finding(
            "GCP007",
            Severity.SECURITY,
            binding,
            f"granted to {', '.join(public)}: anyone on the internet"
            + (" with a Google account" if public == ["allAuthenticatedUsers"] else "")
            + " gets these permissions",
            "name the service accounts, groups or federated principals that need access",
            PUBLIC_DOC,
        )
    ]


def _condition_satisfiable(
    binding: Binding, name: str | None, type_: str | None, supplied: bool
) -> bool | None:
    """Whether the binding's condition can be true for a resource with this name/type; None if undecidable."""
    assert binding.condition is not None
    tree = binding.condition.compiled.fast
    if tree is None:
        return None
    variables = Variables(
        z3.String("resource.name"),
        z3.String("resource.type"),
        z3.String("resource.service"),
        z3.Int("t"),
        supplied,
    )
    try:
        true, _false = boolean(tree, variables)
    except Undecidable:
        return None
    solver = BudgetedSolver(2_000)
    solver.add(true, variables.tag_axioms())
    if name is not None:
        solver.add(variables.name == z3.StringVal(name))
    if type_ is not None:
        solver.add(variables.type == z3.StringVal(type_))
    solver.add(variables.service == z3.StringVal(STORAGE))
    outcome = solver.check()
    return None if outcome == z3.unknown else outcome == z3.sat


def _condition_cannot_narrow(
    binding: Binding, permissions: frozenset[str], hierarchy: Hierarchy
) -> list[Finding]:
    if binding.condition is None or not {"resource.name", "resource.type"} & binding.condition.compiled.uses:
        return []
    found: list[Finding] = []
    bucket_level = sorted(p for p in permissions if p in BUCKET_LEVEL)
    bucket = bucket_of(binding.attached)
    if bucket_level and bucket is not None and bucket == binding.attached:
        satisfiable = _condition_satisfiable(binding, bucket.relative, "storage.googleapis.com/Bucket", True)
        if satisfiable is False:
            found.append(
                _finding(
                    "GCP008",
                    Severity.WARNING,
                    binding,
                    f"the condition {shown(binding.condition.title or binding.condition.expression)} can never hold for "
                    f"{', '.join(bucket_level)}: Cloud Storage checks listing on the bucket, where resource.name is "
                    f"{bucket.relative}, not an object name, so listing is always denied",
                    'add `resource.type == "storage.googleapis.com/Bucket" ||` in front of the prefix test, or grant '
                    "list in a separate binding",
                    STORAGE_LIST_DOC,
                )
            )
    if bucket_level and bucket is not None and bucket == binding.attached and not found:
        object_prefix = _object_prefix(binding)
        if object_prefix is not None:
            found.append(
                _finding(
                    "GCP013",
                    Severity.WARNING,
                    binding,
                    f"the prefix {shown(object_prefix)} cannot narrow {', '.join(bucket_level)}: listing is checked on the "
                    "bucket, so whoever may list sees the names of every object in the bucket, not only those under "
                    "the prefix",
                    "if object names outside the prefix must stay hidden, keep that data in another bucket or a "
                    "managed folder with its own policy",
                    STORAGE_LIST_DOC,
                )
            )
    unsupplied = sorted(
        {v2_name(p).split("/")[0] for p in permissions} - {"cloudresourcemanager.googleapis.com"}
    )
    unsupplied = [s for s in unsupplied if not supplies_resource_attributes(s)]
    if unsupplied and _condition_satisfiable(binding, None, None, False) is False:
        found.append(
            _finding(
                "GCP009",
                Severity.WARNING,
                binding,
                f"the condition reads resource attributes, which {', '.join(unsupplied[:3])}"
                f"{' and others' if len(unsupplied) > 3 else ''} do not supply, so for their permissions the "
                "condition is never true and grants nothing",
                "narrow these permissions by where you grant the role (a project or resource) instead of resource.name",
                ATTRIBUTES_DOC,
            )
        )
    return found


def _object_prefix(binding: Binding) -> str | None:
    """The object-name prefix a condition tests with resource.name.startsWith, if any."""
    assert binding.condition is not None
    for match in re.finditer(
        r'resource\.name\.startsWith\(\s*"([^"]*/objects/[^"]*)"', binding.condition.expression
    ):
        return match.group(1)
    return None


def _default_service_account(
    binding: Binding, permissions: frozenset[str], hierarchy: Hierarchy
) -> list[Finding]:
    found = []
    defaults = [
        m.text
        for m in binding.members
        if m.kind is MemberKind.SERVICE_ACCOUNT and DEFAULT_SERVICE_ACCOUNT.match(m.value)
    ]
    target = binding.attached.relative.rsplit("/", 1)[-1]
    if binding.attached.service == "iam.googleapis.com" and DEFAULT_SERVICE_ACCOUNT.match(target):
        defaults.append(f"the service account {target}")
    if defaults:
        found.append(
            _finding(
                "GCP010",
                Severity.SECURITY,
                binding,
                f"uses the default service account ({', '.join(defaults)}), which every VM or App Engine app in the "
                "project runs as by default and which often holds roles/editor",
                "create a dedicated service account for the workload and grant it only what it needs",
                DEFAULT_SA_DOC,
            )
        )
    return found


def _deleted_member(binding: Binding, permissions: frozenset[str], hierarchy: Hierarchy) -> list[Finding]:
    deleted = [m.text for m in binding.members if m.kind is MemberKind.DELETED]
    if not deleted:
        return []
    return [
        _finding(
            "GCP011",
            Severity.SUGGESTION,
            binding,
            f"names deleted principals ({', '.join(deleted)}); they match no one",
            "remove them from the binding",
            DELETED_DOC,
        )
    ]


def _whole_pool(binding: Binding, permissions: frozenset[str], hierarchy: Hierarchy) -> list[Finding]:
    pools = [m.text for m in binding.members if m.kind is MemberKind.FEDERATED_POOL]
    if not pools:
        return []
    return [
        _finding(
            "GCP012",
            Severity.SECURITY,
            binding,
            f"granted to every identity in a workload identity pool ({', '.join(pools)}); for GitHub that is every "
            "repository and branch the provider accepts",
            "grant to principalSet://.../attribute.repository/OWNER/REPO (or a single subject) instead",
            WIF_DOC,
        )
    ]


def _never_grants(binding: Binding, permissions: frozenset[str], hierarchy: Hierarchy) -> list[Finding]:
    invalid = binding.condition.compiled.never_grants if binding.condition is not None else ()
    return [
        _finding(
            "GCP014",
            Severity.ERROR,
            binding,
            f"the condition's {item}; GCP accepts the policy, but the condition never allows access, so the "
            "binding grants nothing",
            'write an RFC 3339 time with an offset, e.g. timestamp("2026-12-31T00:00:00Z"), or a date as '
            'date("2026-12-31")',
            TIMESTAMP_DOC,
        )
        for item in invalid
    ]


RULES: tuple[Callable[[Binding, frozenset[str], Hierarchy], list[Finding]], ...] = (
    _never_grants,
    _basic_role,
    _broad_scope,
    _escalation,
    _public,
    _condition_cannot_narrow,
    _default_service_account,
    _deleted_member,
    _whole_pool,
)


def lint(
    bindings: Sequence[Binding] | Iterable[Binding],
    custom_roles: Mapping[str, CustomRole] | None = None,
    hierarchy: Hierarchy | None = None,
) -> list[Finding]:
    policies = PolicySet(tuple(bindings), custom_roles=dict(custom_roles or {}))
    tree = hierarchy or Hierarchy()
    found: list[Finding] = []
    for binding in policies.bindings:
        permissions = role_permissions(binding.role, policies)
        for rule in RULES:
            found.extend(rule(binding, permissions, tree))
    return found
