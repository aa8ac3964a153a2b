"""Whether one principal holds a duty: can it make a request of any of the duty's operations, at some scope?

Azure allows an operation only through a role assignment whose role grants it (Actions minus NotActions,
DataActions minus NotDataActions: "Understand Azure role definitions"), at the assignment's scope and every
scope below it ("Understand scope for Azure RBAC": "permissions are inherited by child scopes"). So for
named operations (no wildcards) the question needs no search: when no assignment of the principal or of a
group the setting says it belongs to grants any of them, none can ever be allowed (proved); when one grants
it without a condition or activation window, the request at that assignment's own scope is allowed, and the evaluator confirms it (the witness).
Anything else (a condition, an eligible assignment, deny assignments that may carve scopes out) is left to
the prover, which the caller asks instead (`None`).
"""

from __future__ import annotations

from collections.abc import Sequence

from checker.azure.catalog import Catalog, builtin_catalog
from checker.azure.evaluate import decide
from checker.azure.model import AzureModel
from checker.azure.principals import find_principal, identities_of
from checker.azure.request import Request
from checker.core.engine import WithinResult, WithinStatus
from checker.core.findings import Counterexample


def holds(model: AzureModel, principal: str, operations: Sequence[str], catalog: Catalog | None = None) -> WithinResult | None:
    """PROVED: the principal can make no request of `operations`; COUNTEREXAMPLE: one it can make; None: ask
    the prover."""
    if model.denies:
        return None
    catalog = catalog or builtin_catalog()
    found = find_principal(model.principals, principal)
    object_id = found.id if found is not None else principal.lower()
    identities = identities_of(model.principals, principal)  # an assignment to one of its groups is its own
    attributes = found.attribute_map() if found is not None else {}
    for operation in operations:
        for data in _planes(operation, catalog):
            for assignment in model.assignments:
                if assignment.principal_id not in identities:
                    continue
                granted, removed = assignment.role.grants(operation.lower(), data)
                if granted is None or removed is not None:
                    continue
                if assignment.condition is not None or assignment.windowed:
                    return None
                request = Request(object_id, operation, data, assignment.scope, identities - {object_id},
                                  attributes, None, None)
                if not decide(model, request).allowed:
                    return None  # the evaluator disagrees with the shortcut: let the prover answer
                example = Counterexample(operation, assignment.scope.raw, {"data_action": data}, principal)
                return WithinResult(WithinStatus.COUNTEREXAMPLE, (example,))
    return WithinResult(WithinStatus.PROVED)


def _planes(operation: str, catalog: Catalog) -> tuple[bool, ...]:
    """The plane the catalog knows the operation on; both when it does not know it (a grant on either counts)."""
    info = catalog.operation(operation)
    return (info.data,) if info is not None else (False, True)
