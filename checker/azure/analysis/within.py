"""`within` and `compare` for Azure: exact answers with counterexamples, never sampling.

within(submission, envelope) asks z3 whether some request is allowed by the submission and not by the
envelope, for each target-scope shape and for control-plane and data requests. "unsat" everywhere is a
proof; a model is turned into a concrete request and re-checked with the evaluator before it is reported;
a solver timeout or a construct the encoding lacks gives "unknown" with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import z3

from checker.azure.analysis.limits import check_models
from checker.azure.analysis.principal import as_made_by, principal_constraints
from checker.azure.analysis.readable import mentioned_names, readable_request, unlisted_operation_names
from checker.azure.analysis.symbolic import Encoder, Unsupported, read_by
from checker.azure.catalog import Catalog, builtin_catalog
from checker.azure.conditions.attributes import UTC_NOW
from checker.azure.evaluate import decide
from checker.azure.model import AzureModel
from checker.azure.parse import Fields, field_locator
from checker.azure.principals import PlatformPrincipal
from checker.azure.request import REQUEST_FIELDS, parse_request
from checker.azure.scopes import ManagementGroups
from checker.core.danger import rank
from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample
from checker.core.solver_budget import BudgetedSolver, set_budget, why_unknown

SOLVER_TIMEOUT_MS = 20_000
PREFERENCE_TIMEOUT_MS = 1_000
MAX_COUNTEREXAMPLES = 3
PREFERRED_WHEN_INSIDE = 5  # an isolation search is already known to be satisfiable: a few readable tries


def within(
    submission: AzureModel,
    envelope: AzureModel,
    groups: ManagementGroups | None = None,
    catalog: Catalog | None = None,
    limit: int = MAX_COUNTEREXAMPLES,
    principal: PlatformPrincipal | None = None,
    inside: bool = False,
    encoder: Encoder | None = None,
) -> WithinResult:
    """Prove that every request the submission allows, the envelope allows too, or show requests that differ.

    With `principal`, only requests made by that principal count: its groups and its principal attributes
    are fixed, every other attribute stays free. With `inside`, the question turns around: is there a
    request the submission allows that the envelope (a set of accesses) also allows? `proved` then means
    the principal reaches none of them (the isolation question). `encoder`, when given, was built over
    models that include the question's (see `reaches`).
    """
    groups = groups or submission.groups
    catalog = catalog or builtin_catalog()
    check_models((submission, envelope))  # refuse, located, patterns no proof could finish
    question = Question(submission, envelope, principal, inside)
    held = question.held
    try:
        encoder = encoder or Encoder([held, envelope], groups, catalog)
        found: list[Counterexample] = []
        for shape in encoder.shapes:
            for data in (False, True):
                if not _may_grant(encoder, held, shape, data):
                    continue  # nothing in the submission reaches this shape and plane: no solver call needed
                if inside and not _may_grant(encoder, envelope, shape, data):
                    continue  # no access of the other team lies in this shape and plane
                example = _search(encoder, question, shape, data)
                if example is None:
                    continue
                if isinstance(example, str):
                    return WithinResult(WithinStatus.UNKNOWN, reason=example)
                found.append(example)
                if len(found) >= limit:
                    return WithinResult(WithinStatus.COUNTEREXAMPLE, tuple(found))
    except Unsupported as exc:
        return WithinResult(WithinStatus.UNKNOWN, reason=str(exc))
    if found:
        return WithinResult(WithinStatus.COUNTEREXAMPLE, tuple(found))
    return WithinResult(WithinStatus.PROVED)


def reaches(
    submission: AzureModel,
    accesses: Sequence[AzureModel],
    principal: PlatformPrincipal,
    groups: ManagementGroups | None = None,
    catalog: Catalog | None = None,
) -> WithinResult:
    """Proved when the principal can make no request that any of the accesses allows.

    One proof per access, in order (smaller formulas, and the first access reached is the one reported),
    all asked of one encoder: the principal's own assignments and the catalog's constraints are encoded
    once, not once per access. Should the accesses together hold a construct the encoding refuses (an
    attribute compared as two kinds by two accesses), each access is asked alone, as it would be anyway.
    """
    groups = groups or submission.groups
    catalog = catalog or builtin_catalog()
    check_models((submission, *accesses))
    held = Question(submission, submission, principal).held
    try:
        shared: Encoder | None = Encoder([held, *accesses], groups, catalog)
    except Unsupported:
        shared = None
    result = WithinResult(WithinStatus.PROVED)
    for access in accesses:
        result = within(submission, access, groups, catalog, limit=1, principal=principal, inside=True, encoder=shared)
        if not result.proved:
            return result
    return result


@dataclass(frozen=True)
class CompareResult:
    """What only the left side allows, and what only the right side allows (the GCP engine's shape)."""

    left_only: WithinResult
    right_only: WithinResult

    @property
    def equivalent(self) -> bool:
        return self.left_only.proved and self.right_only.proved


def compare(left: AzureModel, right: AzureModel, groups: ManagementGroups | None = None,
            catalog: Catalog | None = None) -> CompareResult:
    return CompareResult(within(left, right, groups, catalog), within(right, left, groups, catalog))


def _may_grant(encoder: Encoder, submission: AzureModel, shape: Any, data: bool) -> bool:
    for assignment in submission.assignments:
        plane = any(p.data_actions if data else p.actions for p in assignment.role.permissions)
        if plane and not z3.is_false(encoder.covers(assignment.scope, shape)):
            return True
    return False


def _granted_catalog_operations(encoder: Encoder, submission: AzureModel, data: bool) -> list[str]:
    names = []
    for info in encoder.catalog.operations:
        if info.data is not data:
            continue
        lowered = info.name.lower()
        if any(a.role.grants(lowered, data)[0] is not None and a.role.grants(lowered, data)[1] is None
               for a in submission.assignments):
            names.append(info.name)
    # Most dangerous first (checker/core/danger.py), so the first counterexample shows the worst grant.
    return [n.lower() for n in sorted(names, key=lambda n: rank(n, data_action=data))]


@dataclass(frozen=True)
class Question:
    """What is searched: allowed by the submission and not by the envelope (or, `inside`, by it too)."""

    submission: AzureModel
    envelope: AzureModel
    principal: PlatformPrincipal | None = None
    inside: bool = False

    @property
    def held(self) -> AzureModel:
        """The submission as the solver sees it: with a principal fixed, only the role assignments made to
        one of its identities (its object id, its groups). The others cannot grant it anything (the proof
        fixes every other identity to false), so leaving them out changes no answer and spares encoding a
        platform's every assignment in each question. Deny assignments all stay: they may name anyone.
        Counterexamples are still re-checked against the whole submission."""
        if self.principal is None:
            return self.submission
        identities = self.principal.identities
        return replace(self.submission,
                       assignments=tuple(a for a in self.submission.assignments if a.principal_id in identities))


def _search(encoder: Encoder, question: Question, shape: Any, data: bool) -> Counterexample | str | None:
    submission, envelope = question.held, question.envelope
    solver = BudgetedSolver(SOLVER_TIMEOUT_MS)
    solver.add(encoder.allowed(submission, shape, data))
    other = encoder.allowed(envelope, shape, data)
    solver.add(other if question.inside else z3.Not(other))
    if question.principal is not None:
        solver.add(principal_constraints(encoder, question.principal, shape))
    solver.add(encoder.shape_constraints(shape), encoder.operation_constraints(data), encoder.attribute_constraints())
    # The question itself first, briefly: "no such request" (a proof, the common answer) then needs no
    # more questions. Undecided in that budget, the search goes on as below, where each pinned try is easier.
    set_budget(solver, PREFERENCE_TIMEOUT_MS)
    if solver.check() == z3.unsat:
        return None
    solver.push()
    # A counterexample with a catalog operation reads better; try the ones the submission grants first,
    # each pinned (cheap for the solver), then fall back to any operation name.
    result = z3.unknown
    preferred = _granted_catalog_operations(encoder, submission, data)
    for name in preferred[:PREFERRED_WHEN_INSIDE] if question.inside else preferred:
        solver.push()
        solver.add(encoder.operation == z3.StringVal(name))
        result = solver.check()
        if result == z3.sat:
            break
        solver.pop()
    set_budget(solver, SOLVER_TIMEOUT_MS)
    if result != z3.sat:
        solver.pop()
        result = solver.check()  # the unpinned question again, for its model (or its reason)
    if result == z3.unsat:
        return None
    if result != z3.sat:
        return f"the solver gave up on {shape.label} ({why_unknown(solver)})"
    # Only the attributes this question's conditions read: a shared encoder also holds other accesses' ones.
    request = encoder.concrete_request(encoder.prettify(solver, shape), shape, data, read_by(submission, envelope))
    everyone = (*question.submission.assignments, *envelope.assignments)  # what the request may show
    timed = UTC_NOW in encoder.usage or any(a.windowed for a in everyone)
    names = mentioned_names(a.scope.raw for a in everyone)
    if question.principal is not None:
        as_made_by(request, question.principal)
    unlisted: list[str] = []
    if encoder.catalog.operation(request["action"].lower()) is None:
        unlisted = unlisted_operation_names(request["action"].lower(), _pattern_texts(question.submission, data))
    request = readable_request(request, names, lambda r: _verdict(r, question) is True, unlisted)
    return _confirmed(request, question, timed)


def _pattern_texts(model: AzureModel, data: bool) -> list[str]:
    """Every Actions (or DataActions) entry of the roles `model` assigns, in the file's spelling."""
    return [p.text for a in model.assignments for permission in a.role.permissions
            for p in (permission.data_actions if data else permission.actions)]


def _verdict(request: dict[str, Any], question: Question) -> bool | str:
    """True when the submission allows the request and the envelope does not (`inside`: does); else why not."""
    try:
        parsed = parse_request(Fields(request, "", field_locator("counterexample"), "a request", REQUEST_FIELDS))
        allowed_by_submission = decide(question.submission, parsed, explain=False).allowed
        allowed_by_envelope = decide(question.envelope, parsed, explain=False).allowed
    except InputError as exc:
        return f"a counterexample could not be re-checked ({exc.message})"
    return allowed_by_submission and allowed_by_envelope is question.inside


def _confirmed(request: dict[str, Any], question: Question, timed: bool) -> Counterexample | str:
    """Re-check a counterexample with the evaluator; disagreement is reported, never hidden."""
    verdict = _verdict(request, question)
    if isinstance(verdict, str):
        return verdict
    if not verdict:
        return "the solver's counterexample did not re-check with the evaluator; please report this"
    context: dict[str, Any] = dict(request["attributes"])
    for key in ("groups", "sub_operation"):
        if request.get(key):
            context[key] = request[key]
    context["data_action"] = request["data_action"]
    if timed:
        context["request_time"] = request["request_time"]
    return Counterexample(request["action"], request["scope"], context, request["principal"])
