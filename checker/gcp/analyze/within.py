"""`within` and `compare` for allow bindings: exact answers with counterexamples, never sampling.

`within(bindings, envelope)` asks whether every request some binding allows is also allowed by the
envelope's bindings. For each binding, member and permission we take a representative principal of
the member (a fresh identity where the member is a set, so no other binding names it by accident),
each family of resources where the permission can be used (see locations.py), and ask z3 for a
resource name, type, time and tags where the binding's condition is true and no envelope binding that
covers the same principal, permission and place has a true condition. A model is a counterexample and
is re-checked with the evaluator; a construct we do not model makes the answer UNKNOWN, never PROVED.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import z3

from checker.core.danger import rank
from checker.core.decision import DecisionKind
from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample
from checker.core.solver_budget import BudgetedSolver
from checker.gcp.analyze.encode import EPOCH, Undecidable, Variables, boolean
from checker.gcp.analyze.locations import Location, locations, permission_family
from checker.gcp.conditions import ir
from checker.gcp.evaluate import decide, role_permissions
from checker.gcp.hierarchy import Hierarchy
from checker.gcp.location import shown
from checker.gcp.members import Member, MemberKind, Principal, PrincipalKind
from checker.gcp.model import Binding, CustomRole, PolicySet, Request
from checker.gcp.services import KNOWN_TYPES

MAX_COUNTEREXAMPLES = 10
SOLVER_TIMEOUT_MS = 5_000
DEFAULT_TIME = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class CompareResult:
    """What only the left side allows, and what only the right side allows."""

    left_only: WithinResult
    right_only: WithinResult

    @property
    def equivalent(self) -> bool:
        return self.left_only.proved and self.right_only.proved


def _fresh_email(base: str, domain: str, taken: set[str]) -> str:
    candidate, number = f"{base}@{domain}", 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}{number}@{domain}"
    return candidate


def witness(member: Member, taken: set[str]) -> Principal | None:
    """A principal that stands for every identity the member names; None for `deleted:` members."""
    kind = member.kind
    if kind is MemberKind.DELETED:
        return None
    if kind is MemberKind.USER:
        return Principal(member.text, PrincipalKind.USER, member.value)
    if kind is MemberKind.SERVICE_ACCOUNT:
        return Principal(member.text, PrincipalKind.SERVICE_ACCOUNT, member.value)
    if kind is MemberKind.GROUP:
        email = _fresh_email("member-of-group", "example.com", taken)
        return Principal(f"user:{email}", PrincipalKind.USER, email.lower(), groups=frozenset({member.value}))
    if kind is MemberKind.DOMAIN:
        email = _fresh_email("someone", member.value, taken)
        return Principal(f"user:{email}", PrincipalKind.USER, email.lower())
    if kind is MemberKind.ALL_USERS:
        return Principal("allUsers", PrincipalKind.ANONYMOUS, "")
    if kind is MemberKind.ALL_AUTHENTICATED:
        email = _fresh_email("any-signed-in-user", "example.net", taken)
        return Principal(f"user:{email}", PrincipalKind.USER, email.lower())
    if kind is MemberKind.FEDERATED_SUBJECT:
        pool = member.value.partition("://")[2].rsplit("/subject/", 1)[0]
        return Principal(member.text, PrincipalKind.FEDERATED, member.value, pool)
    if kind is MemberKind.FEDERATED_POOL:
        text = f"principal://{member.value}/subject/any-workload"
        return Principal(text, PrincipalKind.FEDERATED, text, member.value)
    if kind is MemberKind.FEDERATED_ATTRIBUTE:
        pool, _, value = member.value.partition("\n")
        text = f"principal://{pool}/subject/a-workload-with-{member.attribute}"
        return Principal(text, PrincipalKind.FEDERATED, text, pool, attributes={member.attribute: (value,)})
    if kind is MemberKind.FEDERATED_GROUP:
        pool = member.value.partition("://")[2].split("/group/")[0]
        text = f"principal://{pool}/subject/a-member-of-the-group"
        return Principal(text, PrincipalKind.FEDERATED, text, pool, groups=frozenset({member.value}))
    if kind is MemberKind.CUSTOMER:
        email = _fresh_email("someone", "customer.example", taken)
        return Principal(f"user:{email}", PrincipalKind.USER, email.lower(), customer_id=member.value)
    raise Undecidable(f"the member {member.text} (convenience members are not analysed)")


def _taken_emails(bindings: Iterable[Binding]) -> set[str]:
    return {m.value.lower().removeprefix("group:") for b in bindings for m in b.members if "@" in m.value}


def member_covers(member: Member, principal: Principal) -> bool:
    if member.kind is MemberKind.CONVENIENCE:
        raise Undecidable(f"the member {member.text} (convenience members are not analysed)")
    return member.matches(principal)


@dataclass
class _Analysis:
    left: Sequence[Binding]
    right: Sequence[Binding]
    custom_roles: dict[str, CustomRole]
    hierarchy: Hierarchy
    counterexamples: list[Counterexample]
    unknown: str | None = None
    coverings: dict[str, tuple[int, ...]] = field(default_factory=dict)  # principal -> envelope bindings naming it

    def covering(self, principal: Principal) -> tuple[int, ...]:
        found = self.coverings.get(principal.text)
        if found is None:
            found = self.coverings[principal.text] = tuple(
                i for i, e in enumerate(self.right) if any(member_covers(m, principal) for m in e.members)
            )
        return found

    @property
    def left_set(self) -> PolicySet:
        return PolicySet(tuple(self.left), custom_roles=self.custom_roles)

    @property
    def right_set(self) -> PolicySet:
        return PolicySet(tuple(self.right), custom_roles=self.custom_roles)


def within(
    bindings: Sequence[Binding],
    envelope: Sequence[Binding],
    custom_roles: dict[str, CustomRole] | None = None,
    hierarchy: Hierarchy | None = None,
) -> WithinResult:
    analysis = _Analysis(
        list(bindings), list(envelope), dict(custom_roles or {}), hierarchy or Hierarchy(), []
    )
    known = analysis.hierarchy.known() | {b.attached for b in (*bindings, *envelope)}
    taken = _taken_emails((*bindings, *envelope))
    seen: set[tuple[str, str]] = set()
    for binding in bindings:
        try:
            _check_binding(analysis, binding, known, taken, seen)
        except Undecidable as exc:
            analysis.unknown = analysis.unknown or str(exc)
        if len(analysis.counterexamples) >= MAX_COUNTEREXAMPLES:
            break
    if analysis.counterexamples:
        return WithinResult(WithinStatus.COUNTEREXAMPLE, tuple(analysis.counterexamples))
    if analysis.unknown:
        return WithinResult(WithinStatus.UNKNOWN, reason=analysis.unknown)
    return WithinResult(WithinStatus.PROVED)


def compare(
    left: Sequence[Binding],
    right: Sequence[Binding],
    custom_roles: dict[str, CustomRole] | None = None,
    hierarchy: Hierarchy | None = None,
) -> CompareResult:
    return CompareResult(
        within(left, right, custom_roles, hierarchy), within(right, left, custom_roles, hierarchy)
    )


def _check_binding(
    analysis: _Analysis, binding: Binding, known: set[Any], taken: set[str], seen: set[tuple[str, str]]
) -> None:
    left_policies = analysis.left_set
    permissions = sorted(role_permissions(binding.role, left_policies))
    if binding.condition is not None and binding.condition.compiled.fast is None:
        raise Undecidable(
            f"the condition {shown(binding.condition.title or binding.condition.expression)} "
            f"({binding.condition.compiled.unsupported})"
        )
    # Whether the envelope allows a request depends on its principal only through which envelope
    # bindings name it: members covered by the same envelope bindings ask the same question, so a long
    # members list costs one proof per distinct covering, not one per member.
    answered: set[tuple[int, ...]] = set()
    for member in binding.members:
        principal = witness(member, taken)
        if principal is None:
            continue
        covering_at = analysis.covering(principal)
        if covering_at in answered:
            continue  # an earlier member with the same covering found no difference: neither will this one
        found_before = len(analysis.counterexamples)
        covering = [analysis.right[i] for i in covering_at]
        right_policies = analysis.right_set
        groups: dict[tuple[Any, ...], list[str]] = {}
        for permission in permissions:
            signature = tuple(
                i for i, e in enumerate(covering) if permission in role_permissions(e.role, right_policies)
            )
            # Cloud Storage permissions are grouped by their resource segment too: multipart uploads are
            # checked on objects like storage.objects.*, but are shown apart from them.
            segment = permission.split(".")[1] if permission.startswith("storage.") else ""
            groups.setdefault((permission_family(permission), segment, signature), []).append(permission)
        # Most dangerous first (escalation, writes, policy changes, data reads, metadata: core/danger.py),
        # then the most instructive: permissions the envelope also grants somewhere (the difference is
        # scope or condition), and object access before the rest.
        for key, group in groups.items():
            groups[key] = sorted(group, key=lambda p: (rank(p), p))
        ordered = sorted(
            groups.items(),
            key=lambda item: (rank(item[1][0]), not item[0][2], ".objects." not in item[1][0], item[1][0]),
        )
        for (_family, _segment, signature), group in ordered:
            permission = group[0]
            if (principal.text, permission) in seen:
                continue
            candidates = [covering[i] for i in signature]
            try:
                places = locations(permission, binding.attached, analysis.hierarchy, known)
            except Undecidable as exc:  # never a proof; the binding's other permissions are still checked
                analysis.unknown = analysis.unknown or str(exc)
                continue
            for location in places:
                example = _solve(binding, candidates, location, principal, permission)
                if example is None:
                    continue
                example = _readable(analysis, example, location, permission)
                # Every permission of the group behaves the same here, so the same request shows each of them.
                for member_permission in group:
                    if len(analysis.counterexamples) >= MAX_COUNTEREXAMPLES:
                        break
                    request, counterexample = _with_permission(example, member_permission)
                    if not _rechecks(analysis, request):
                        raise Undecidable(
                            f"a counterexample for {member_permission} did not re-check with the evaluator "
                            "(please report this)"
                        )
                    seen.add((principal.text, member_permission))
                    analysis.counterexamples.append(counterexample)
                break
            if len(analysis.counterexamples) >= MAX_COUNTEREXAMPLES:
                return
        if len(analysis.counterexamples) == found_before:
            answered.add(covering_at)


def _with_permission(
    example: tuple[Request, Counterexample], permission: str
) -> tuple[Request, Counterexample]:
    request, counterexample = example
    return (
        replace(request, permission=permission),
        Counterexample(
            permission, counterexample.resource, dict(counterexample.context), counterexample.principal
        ),
    )


def _rechecks(analysis: _Analysis, request: Request) -> bool:
    left = decide(analysis.left_set, request, explain=False)
    right = decide(analysis.right_set, request, explain=False)
    return left.kind is DecisionKind.ALLOW and right.kind is not DecisionKind.ALLOW


def _solve(
    binding: Binding, envelope: list[Binding], location: Location, principal: Principal, permission: str
) -> tuple[Request, Counterexample] | None:
    chain = set(location.ancestors)
    if location.fixed is not None:
        chain.add(location.fixed)
    relevant = [e for e in envelope if e.attached in chain or covers_family(e, location)]
    if any(e.condition is None and e.attached in chain for e in relevant):
        return None  # an unconditional envelope binding covers this whole family
    for e in relevant:
        if e.condition is not None and e.condition.compiled.fast is None:
            raise Undecidable(
                f"the envelope condition {shown(e.condition.title or e.condition.expression)} ({e.condition.compiled.unsupported})"
            )
    quick = _concrete_attempt(binding, relevant, location, principal, permission)
    if quick is not None:
        return quick
    return _solve_with_z3(binding, relevant, chain, location, principal, permission)


def _concrete_attempt(
    binding: Binding, relevant: list[Binding], location: Location, principal: Principal, permission: str
) -> tuple[Request, Counterexample] | None:
    """Try the family's plainest resource first; z3 is only needed when the conditions steer away from it."""
    name = location.preferred_name(permission)
    if not location.allows_name(name):
        return None
    resource_type = location.preferred_type(permission)
    facts = ir.Facts(
        {
            "resource.name": name if location.supplied else None,
            "resource.type": resource_type if location.supplied else None,
            "resource.service": location.service if location.supplied else None,
            "request.time": DEFAULT_TIME,
        },
        {},
        {},
    )
    if binding.condition is not None and ir.evaluate(_tree(binding), facts) is not True:
        return None
    for e in relevant:
        inside = (
            e.attached in location.ancestors
            or e.attached == location.fixed
            or name == e.attached.relative
            or name.startswith(e.attached.relative + "/")
        )
        if inside and (e.condition is None or ir.evaluate(_tree(e), facts) is True):
            return None
    return build(location, name, resource_type, DEFAULT_TIME, {}, {}, principal, permission)


def _solve_with_z3(
    binding: Binding,
    relevant: list[Binding],
    chain: set[Any],
    location: Location,
    principal: Principal,
    permission: str,
) -> tuple[Request, Counterexample] | None:
    variables, facts = location_facts(location)
    if binding.condition is not None:
        facts.append(boolean(_tree(binding), variables)[0])
    for e in relevant:
        applies = z3.BoolVal(True) if e.condition is None else boolean(_tree(e), variables)[0]
        if e.attached not in chain:
            applies = z3.And(applies, inside(e, variables.name))
        facts.append(z3.Not(applies))
    return solve_request(facts, variables, location, principal, permission)


def solve_request(
    facts: list[z3.ExprRef], variables: Variables, location: Location, principal: Principal, permission: str
) -> tuple[Request, Counterexample] | None:
    """A request of the family meeting every fact, or None when there is none (a timeout is Undecidable)."""
    facts.append(variables.tag_axioms())
    solver = BudgetedSolver(SOLVER_TIMEOUT_MS)
    solver.add(*facts)
    outcome = solver.check()
    if outcome == z3.unsat:
        return None
    if outcome != z3.sat:
        raise Undecidable(f"the solver could not decide {permission} on {location.description} in time")
    return from_model(solver.model(), variables, location, principal, permission)


def location_facts(location: Location) -> tuple[Variables, list[z3.ExprRef]]:
    """The unknowns of a request in one family of resources, and what the family fixes about them."""
    variables = Variables(
        z3.String("resource.name"),
        z3.String("resource.type"),
        z3.String("resource.service"),
        z3.Int("request.time"),
        location.supplied,
        shape=location.shape(),
    )
    facts = [location.constraints(variables.name), variables.service == z3.StringVal(location.service)]
    if location.resource_type is not None:
        facts.append(variables.type == z3.StringVal(location.resource_type))
    else:
        # An undocumented type: some "service/Kind" string, but not the type of another kind of resource.
        kind = z3.String("type.kind")  # as prefix ++ suffix, which the solver handles fast
        facts.append(variables.type == z3.Concat(z3.StringVal(location.service + "/"), kind))
        facts.append(z3.Length(kind) > 0)
        facts.extend(variables.type != z3.StringVal(known) for known in KNOWN_TYPES)
    return variables, facts


_UNREADABLE = re.compile(r"[^A-Za-z0-9._/=-]+")


def _readable(
    analysis: _Analysis, example: tuple[Request, Counterexample], location: Location, permission: str
) -> tuple[Request, Counterexample]:
    """The example with a readable name and type where one is still a counterexample: each variant is
    decided again by the evaluator on both sides, so the request shown is one it decides as shown."""
    request, _ = example
    relative = request.resource.relative
    cleaned = _UNREADABLE.sub("x", relative)
    names = [location.preferred_name(permission), cleaned + "train.csv" if cleaned.endswith("/") else cleaned]
    types = [request.resource_type]
    if location.resource_type is None and location.supplied:
        types.insert(0, location.preferred_type(permission))
    for name in dict.fromkeys(names):
        for resource_type in dict.fromkeys(types):
            if (name, resource_type) == (relative, request.resource_type) or not location.allows_name(name):
                continue
            if request.request_time is None:
                continue
            candidate = build(
                location, name, resource_type, request.request_time, dict(request.tags), dict(request.tag_ids),
                request.principal, permission,
            )
            try:
                if _rechecks(analysis, candidate[0]):
                    return candidate
            except InputError:
                continue  # e.g. a condition needs what this variant does not supply: keep the solver's

    return example


def _tree(binding: Binding) -> Any:
    assert binding.condition is not None and binding.condition.compiled.fast is not None
    return binding.condition.compiled.fast


def covers_family(envelope_binding: Binding, location: Location) -> bool:
    """Envelope bindings attached inside a family (e.g. on one resource below a project) cover part of it."""
    if location.fixed is not None or location.fresh_bucket:
        return False  # a fresh bucket is none of the named ones, so nothing attached to them covers it
    attached = envelope_binding.attached
    return attached.service == location.service and attached.relative.startswith(location.prefix)


def inside(envelope_binding: Binding, name: z3.ExprRef) -> z3.ExprRef:
    relative = envelope_binding.attached.relative
    return z3.Or(name == z3.StringVal(relative), z3.PrefixOf(z3.StringVal(relative + "/"), name))


def from_model(
    model: z3.ModelRef, variables: Variables, location: Location, principal: Principal, permission: str
) -> tuple[Request, Counterexample]:
    relative = model.eval(variables.name, model_completion=True).as_string()
    resource_type = location.resource_type
    if resource_type is None and location.supplied:
        resource_type = model.eval(variables.type, model_completion=True).as_string()
    time_value = model.eval(variables.time, model_completion=False)
    moment = DEFAULT_TIME
    if isinstance(time_value, z3.IntNumRef):
        moment = EPOCH + timedelta(microseconds=time_value.as_long())
    tags: dict[str, str] = {}
    tag_ids: dict[str, str] = {}
    for key, atom in variables.tags.items():
        if not z3.is_true(model.eval(atom, model_completion=True)):
            continue
        function, *arguments = key
        if function == "matchTag":
            tags[arguments[0]] = arguments[1]
        elif function == "matchTagId":
            tag_ids[arguments[0]] = arguments[1]
        elif function == "hasTagKey":
            tags.setdefault(arguments[0], "some-other-value")
        else:
            tag_ids.setdefault(arguments[0], "tagValues/some-other-value")
    return build(location, relative, resource_type, moment, tags, tag_ids, principal, permission)


def build(
    location: Location,
    relative: str,
    resource_type: str | None,
    moment: datetime,
    tags: dict[str, str],
    tag_ids: dict[str, str],
    principal: Principal,
    permission: str,
) -> tuple[Request, Counterexample]:
    resource = location.resource(relative)
    ancestors = location.chain_for(resource)
    request = Request(principal, permission, resource, resource_type, ancestors, moment, tags, tag_ids)
    context: dict[str, Any] = {"request_time": moment.isoformat().replace("+00:00", "Z")}
    context["ancestors"] = [a.full for a in ancestors]
    if resource_type:
        context["resource_type"] = resource_type
    if principal.groups:
        context["groups"] = sorted(principal.groups)
    if principal.attributes:
        context["principal_attributes"] = {k: list(v) for k, v in principal.attributes.items()}
    if tags:
        context["resource_tags"] = tags
    if tag_ids:
        context["resource_tag_ids"] = tag_ids
    return request, Counterexample(permission, resource.full, context, principal.text)


__all__ = ["CompareResult", "compare", "within"]
