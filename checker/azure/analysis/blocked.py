"""AZ006: operations a role grants that its condition can never allow, for lack of attributes.

Each blob data action supplies only some resource and request attributes to conditions ("Actions and
attributes for Azure role assignment conditions for Azure Blob Storage"); a comparison on an attribute
the operation does not supply cannot be evaluated, so it fails. The classic case: a blob path condition
that also guards List blobs (`Blob.List`), which has no path, so listing is never allowed.
"""

from __future__ import annotations

from typing import Any

import z3

from checker.azure.analysis.symbolic import Encoder, Shape, Unsupported, walk
from checker.azure.catalog import AttributeSupport, Catalog, OperationInfo
from checker.azure.conditions.ast import AttributeRef
from checker.azure.conditions.attributes import BLOB_PATH, CONTAINER_NAME
from checker.azure.model import AzureModel, RoleAssignment
from checker.core.solver_budget import BudgetedSolver

SOLVER_TIMEOUT_MS = 10_000


def blocked_operations(assignment: RoleAssignment, model: AzureModel, catalog: Catalog) -> list[str]:
    """Plain descriptions of the granted operations the condition can never allow (empty when none)."""
    if assignment.condition is None:
        return []
    single = AzureModel((assignment,), (), model.groups, model.roles)
    written = {node.key: str(node) for node in walk(assignment.condition) if isinstance(node, AttributeRef)}
    blocked: list[str] = []
    try:
        encoder = Encoder([single], model.groups, catalog)
        for info in catalog.operations:
            granted, removed = assignment.role.grants(info.name.lower(), info.data)
            if granted is None or removed is not None:
                continue
            for support in info.condition_attributes:
                if _can_allow(encoder, assignment, info, support):
                    continue
                missing = sorted(written.get(key, key) for key in encoder.usage if not support.supplies(key))
                short = "/".join(info.name.split("/")[-2:])
                text = f"{support.display} ({short}" + (f", {support.sub_operation}" if support.sub_operation else "") + ")"
                if missing:
                    text += f", which does not supply {', '.join(missing)}"
                blocked.append(text)
    except Unsupported:
        return []
    return blocked


def _shape_for(encoder: Encoder, support: AttributeSupport) -> Shape:
    """The target shape whose scope-derived attributes are exactly those the operation supplies."""
    if support.supplies(BLOB_PATH):
        return next(s for s in encoder.shapes if s.path is not None)
    if support.supplies(CONTAINER_NAME):
        return next(s for s in encoder.shapes
                    if s.container is not None and s.path is None and s.segments[-2] == "containers")
    return next(s for s in encoder.shapes
                if s.account is not None and s.container is None and s.segments[-2] == "storageaccounts")


def _can_allow(encoder: Encoder, assignment: RoleAssignment, info: OperationInfo, support: AttributeSupport) -> bool:
    """Whether some request for this operation, with only the attributes it supplies, passes the condition."""
    assert assignment.condition is not None
    shape = _shape_for(encoder, support)
    passes, _fails = encoder.condition(assignment.condition, shape)
    fixed: list[Any] = [encoder.operation == z3.StringVal(info.name.lower())]
    if support.sub_operation is None:
        fixed.append(z3.Not(encoder.has_sub))
    else:
        fixed += [encoder.has_sub, encoder.sub == z3.StringVal(support.sub_operation.lower())]
    for key, attribute in encoder.attributes.items():
        if not support.supplies(key):
            fixed.append(z3.Not(attribute.exists))
    solver = BudgetedSolver(SOLVER_TIMEOUT_MS)
    solver.add(passes, *fixed, encoder.shape_constraints(shape), encoder.attribute_constraints())
    return bool(solver.check() != z3.unsat)  # unknown counts as "can allow": no finding without a proof
