"""Findings for Azure role assignments: what a reviewer would flag, with stable codes.

AZ001 broad role: Owner, Contributor or any role whose Actions/DataActions hold a bare '*'.
AZ002 broad scope: an assignment at the root, a management group or a subscription; a resource group,
      a storage account or a container usually serves ("Best practices for Azure RBAC": assign at the
      narrowest scope).
AZ003 RBAC bypass: the role can list or regenerate account keys or issue SAS tokens signed with them;
      whoever holds a key reads all data with no role assignment ("Authorize access to data in Azure
      Storage", shared key and SAS).
AZ004 escalation: role assignment writes, role definition writes, or assigning managed identities
      ("Azure built-in roles": User Access Administrator, RBAC Administrator; "Delegate Azure role
      assignment management to others with conditions").
AZ005 condition that cannot narrow: for every operation the role grants, the condition passes, so
      it restricts nothing (for example its ActionMatches guard names operations the role lacks).
AZ006 condition that can never allow an operation the role grants, because that operation does not
      supply the attributes it compares (see checker.azure.analysis.blocked).
"""

from __future__ import annotations

import z3

from checker.azure.analysis.blocked import blocked_operations
from checker.azure.analysis.symbolic import Encoder, Unsupported, walk
from checker.azure.catalog import Catalog, builtin_catalog
from checker.azure.conditions.ast import ActionMatches
from checker.azure.model import AzureModel, RoleAssignment
from checker.azure.scopes import ScopeKind
from checker.core.findings import Finding, Severity
from checker.core.solver_budget import BudgetedSolver

DOC_BEST_PRACTICES = "https://learn.microsoft.com/azure/role-based-access-control/best-practices"
DOC_SHARED_KEY = "https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent"
DOC_DELEGATE = "https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-overview"
DOC_CONDITIONS = "https://learn.microsoft.com/azure/role-based-access-control/conditions-format"
DOC_BLOB_ATTRIBUTES = "https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-attributes"
BROAD_ROLES = {"owner", "contributor"}


def findings(model: AzureModel, catalog: Catalog | None = None) -> list[Finding]:
    catalog = catalog or builtin_catalog()
    found: list[Finding] = []
    for assignment in model.assignments:
        found.extend(_broad_role(assignment))
        found.extend(_broad_scope(assignment))
        found.extend(_bypass_and_escalation(assignment, catalog))
        found.extend(_inert_condition(assignment, model, catalog))
        found.extend(_blocked(assignment, model, catalog))
    return found


def _who(assignment: RoleAssignment) -> str:
    return f"{assignment.label}: {assignment.role.name} for {assignment.principal_id} at {assignment.scope.raw}"


def _broad_role(assignment: RoleAssignment) -> list[Finding]:
    role = assignment.role
    wildcard = [p.text for perm in role.permissions for p in (*perm.actions, *perm.data_actions) if p.text == "*"]
    if role.name.lower() not in BROAD_ROLES and not wildcard:
        return []
    return [Finding(
        "AZ001", Severity.SECURITY,
        f"{_who(assignment)}: {role.name} allows every operation ('*'), far more than a workload needs",
        assignment.where,
        "assign a role that lists only the operations the workload uses, e.g. Storage Blob Data Reader",
        DOC_BEST_PRACTICES,
    )]


def _broad_scope(assignment: RoleAssignment) -> list[Finding]:
    kind = assignment.scope.kind
    if kind not in (ScopeKind.ROOT, ScopeKind.MANAGEMENT_GROUP, ScopeKind.SUBSCRIPTION):
        return []
    return [Finding(
        "AZ002", Severity.WARNING,
        f"{_who(assignment)}: the assignment is at {kind.value} scope, so it reaches every resource below it",
        assignment.where,
        "assign at the resource group, storage account or container the workload uses",
        DOC_BEST_PRACTICES,
    )]


def _bypass_and_escalation(assignment: RoleAssignment, catalog: Catalog) -> list[Finding]:
    bypass: list[str] = []
    escalation: list[str] = []
    guarded: list[bool] = []
    for info in catalog.operations:
        granted, removed = assignment.role.grants(info.name.lower(), info.data)
        if granted is None or removed is not None:
            continue
        if info.bypasses_rbac:
            bypass.append(f"{info.name} ({info.bypasses_rbac})")
        if info.escalation:
            escalation.append(f"{info.name} ({info.escalation})")
            guarded.append(any(isinstance(node, ActionMatches) and node.pattern.matches(info.name.lower())
                               for node in _nodes(assignment)))
    found: list[Finding] = []
    if bypass:
        found.append(Finding(
            "AZ003", Severity.SECURITY,
            f"{_who(assignment)}: the role reaches data without RBAC through " + "; ".join(bypass),
            assignment.where,
            "use Microsoft Entra ID with data roles (Storage Blob Data Reader...) and disable shared key access",
            DOC_SHARED_KEY,
        ))
    if escalation:
        limited = all(guarded)
        found.append(Finding(
            "AZ004", Severity.WARNING if limited else Severity.SECURITY,
            f"{_who(assignment)}: the role can escalate privileges: " + "; ".join(escalation)
            + (" (a condition limits it; check that it restricts the roles and principals)" if limited else ""),
            assignment.where,
            "leave role management to administrators, or constrain it with a condition on the roles and "
            "principal types that may be assigned",
            DOC_DELEGATE,
        ))
    return found


def _nodes(assignment: RoleAssignment) -> list[object]:
    return list(walk(assignment.condition)) if assignment.condition is not None else []


def _inert_condition(assignment: RoleAssignment, model: AzureModel, catalog: Catalog) -> list[Finding]:
    """AZ005: no request the role grants can fail the condition."""
    if assignment.condition is None:
        return []
    single = AzureModel((assignment,), (), model.groups, model.roles)
    try:
        encoder = Encoder([single], model.groups, catalog)
        for shape in encoder.shapes:
            for data in (False, True):
                role = z3.Or([encoder.permission_grants(p, data) for p in assignment.role.permissions]
                             or [z3.BoolVal(False)])
                passes, _fails = encoder.condition(assignment.condition, shape)
                solver = BudgetedSolver(10_000)
                solver.add(role, z3.Not(passes), encoder.shape_constraints(shape),
                           encoder.operation_constraints(data), encoder.attribute_constraints())
                if solver.check() != z3.unsat:
                    return []  # the condition can refuse something (or the solver could not tell): no finding
    except Unsupported:
        return []
    targeted = [node.pattern.text for node in _nodes(assignment) if isinstance(node, ActionMatches)]
    why = (f"its ActionMatches guard names {', '.join(repr(t) for t in targeted)}, which the role "
           f"{assignment.role.name} never grants" if targeted else "it is true for every request")
    return [Finding(
        "AZ005", Severity.WARNING,
        f"{_who(assignment)}: the condition cannot narrow anything: {why}",
        assignment.where,
        "target an operation the role grants, e.g. "
        "!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'}), "
        "and compare an attribute that request supplies",
        DOC_CONDITIONS,
    )]


def _blocked(assignment: RoleAssignment, model: AzureModel, catalog: Catalog) -> list[Finding]:
    blocked = blocked_operations(assignment, model, catalog)
    if not blocked:
        return []
    return [Finding(
        "AZ006", Severity.WARNING,
        f"{_who(assignment)}: the condition can never allow " + "; ".join(blocked)
        + " (a comparison on an attribute the operation does not supply fails)",
        assignment.where,
        "keep those operations out of the guard (for listing: AND NOT SubOperationMatches{'Blob.List'}, with a "
        "separate condition on @Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix]), "
        "or leave them out of the role if the workload does not need them",
        DOC_BLOB_ATTRIBUTES,
    )]
