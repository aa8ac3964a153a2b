"""Tenant isolation for GCP: can one principal reach any of another tenant's resources? Proved with z3.

For the principal (its groups and attributes fixed), every binding that names it, every permission of
the binding's role that an access names, and every family of resources where the permission can be used
(locations.py), z3 looks for a resource name, type, time and tags where

- the binding's condition is true,
- the resource is one of the other tenant's (`Access`: a full-name prefix, a tag the resource carries),
- no deny rule that names the principal and the permission has a true denial condition, and
- a principal access boundary policy that blocks the permission lists one of the resource's ancestors.

This is IAM's own order (doc: "Policy evaluation", https://cloud.google.com/iam/docs/policy-evaluation:
principal access boundary, then deny, then allow). A model is a counterexample, decided again by the
evaluator exactly as shown; a construct not modelled makes the answer UNKNOWN with its name, never PROVED.
Permissions that behave alike here (same family, same accesses, same deny rules, same boundary) share
one question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import z3

from checker.core.danger import rank
from checker.core.decision import DecisionKind
from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample
from checker.gcp.analyze.encode import Undecidable, Variables, boolean
from checker.gcp.analyze.locations import Location, locations, permission_family
from checker.gcp.analyze.within import build, location_facts, member_covers, solve_request
from checker.gcp.evaluate import decide, role_permissions
from checker.gcp.hierarchy import Hierarchy
from checker.gcp.location import Loc, shown
from checker.gcp.members import Principal
from checker.gcp.model import Binding, DenyRule, PolicySet, Request
from checker.gcp.names import ResourceName
from checker.gcp.pab import enforcement_table
from checker.gcp.permissions import v1_glob_matches

ACCESS_FIELDS = frozenset({"action", "resource", "condition"})
_PERMISSION_GLOB = re.compile(r"^(\*|[a-z0-9*]+\.[A-Za-z0-9*]+\.[A-Za-z0-9*]+)$")


@dataclass(frozen=True)
class Access:
    """What makes a resource the other tenant's: permissions on a name (prefix) and tags it carries."""

    permissions: tuple[str, ...]  # v1 globs: "*", "storage.objects.*"
    service: str | None  # None: a resource of any service
    relative: str  # the relative name, or its prefix when `prefix`
    prefix: bool
    tags: tuple[tuple[str, str], ...]  # resource.matchTag(key, value) pairs that must all hold

    def covers_permission(self, permission: str) -> bool:
        return any(v1_glob_matches(p, permission) for p in self.permissions)

    def covers_name(self, service: str, relative: str) -> bool:
        if self.service is None:
            return True
        if service != self.service:
            return False
        return relative.startswith(self.relative) if self.prefix else relative == self.relative

    def covers(self, request: Request) -> bool:
        name = request.resource
        return self.covers_name(name.service, name.relative) and all(
            request.tags.get(key) == value for key, value in self.tags
        )


def parse_access(value: Any, loc: Loc) -> Access:
    """{action, resource, condition} from a lab's isolation check; errors name the field."""
    if not isinstance(value, dict) or not set(value) <= ACCESS_FIELDS or "action" not in value:
        raise loc.error("an access is {action, resource, condition} with at least action")
    actions = value["action"] if isinstance(value["action"], list) else [value["action"]]
    for index, action in enumerate(actions):
        if not isinstance(action, str) or not _PERMISSION_GLOB.match(action):
            raise (
                loc.child("action")
                .child(index)
                .error(
                    f"{shown(action)} is not a permission or a glob of one",
                    'write "*" or e.g. "storage.objects.*"',
                )
            )
    resource = value.get("resource", "*")
    service: str | None = None
    relative, prefix = "", True
    if resource != "*":
        if not isinstance(resource, str) or not resource.startswith("//") or "/" not in resource[2:]:
            raise loc.child("resource").error(
                f"{shown(resource)} is not a full resource name",
                'write "*" or e.g. "//storage.googleapis.com/projects/_/buckets/b/objects/team/*"',
            )
        service, _, relative = resource[2:].partition("/")
        prefix = relative.endswith("*")
        relative = relative.removesuffix("*")
        if "*" in relative:
            raise loc.child("resource").error("only a trailing * (a name prefix) is understood")
    tags: list[tuple[str, str]] = []
    condition = value.get("condition")
    if condition is not None:
        if not isinstance(condition, dict) or set(condition) != {"resource.matchTag"}:
            raise loc.child("condition").error(
                'a GCP access condition is {"resource.matchTag": {"ORG_ID/key": "value"}}'
            )
        pairs = condition["resource.matchTag"]
        if (
            not isinstance(pairs, dict)
            or not pairs
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in pairs.items())
        ):
            raise loc.child("condition").error("resource.matchTag maps tag keys to tag values (strings)")
        tags.extend(sorted(pairs.items()))
    return Access(tuple(actions), service, relative, prefix, tuple(tags))


class Goal(Protocol):
    """What a request must be to count: one of another tenant's resources, or outside an envelope."""

    def key(self, permission: str) -> tuple[int, ...] | None:
        """Permissions with the same key are alike for the goal; None: the permission never counts."""

    def formula(self, location: Location, variables: Variables, permission: str) -> z3.ExprRef:
        """The request (in this family) counts."""

    def holds(self, request: Request) -> bool:
        """The concrete request counts (decided without the solver)."""

    def names(self, request: Request, location: Location, permission: str) -> list[str]:
        """Readable resource names worth trying for the counterexample shown."""


@dataclass(frozen=True)
class _Question:
    """Everything that decides whether one permission reaches: shared by permissions that behave alike."""

    family: tuple[str, str]
    segment: str
    goal: tuple[int, ...]
    deny_rules: tuple[int, ...]
    boundary: frozenset[ResourceName] | None  # resources the principal is eligible on; None: not blocked


@dataclass(frozen=True)
class OtherTenant:
    """The isolation goal: the resource is one an access describes."""

    accesses: tuple[Access, ...]

    def key(self, permission: str) -> tuple[int, ...] | None:
        matching = tuple(i for i, a in enumerate(self.accesses) if a.covers_permission(permission))
        return matching or None

    def formula(self, location: Location, variables: Variables, permission: str) -> z3.ExprRef:
        members = [_member_of(a, location, variables) for a in self.accesses if a.covers_permission(permission)]
        return z3.Or(*members) if members else z3.BoolVal(False)

    def holds(self, request: Request) -> bool:
        return any(a.covers_permission(request.permission) and a.covers(request) for a in self.accesses)

    def names(self, request: Request, location: Location, permission: str) -> list[str]:
        return _readable_names(request, location, permission, list(self.accesses))


def reaches(
    policies: PolicySet, hierarchy: Hierarchy, principal: Principal, accesses: Sequence[Access]
) -> WithinResult:
    """PROVED when the principal can use no permission on any resource an access describes."""
    return search(policies, hierarchy, principal, OtherTenant(tuple(accesses)))


def search(policies: PolicySet, hierarchy: Hierarchy, principal: Principal, goal: Goal) -> WithinResult:
    """PROVED when no request the principal is allowed (boundary, deny, allow) meets the goal."""
    unknown: str | None = None
    rules = [r for r in policies.deny_rules if _names(r, principal)]
    known = hierarchy.known() | {b.attached for b in policies.bindings}
    for binding in policies.bindings:
        try:
            if not any(member_covers(m, principal) for m in binding.members):
                continue
            example = _binding_reaches(policies, hierarchy, known, binding, principal, goal, rules)
        except Undecidable as exc:
            unknown = unknown or str(exc)
            continue
        if example is not None:
            return WithinResult(WithinStatus.COUNTEREXAMPLE, (example,))
    if unknown is not None:
        return WithinResult(WithinStatus.UNKNOWN, reason=unknown)
    return WithinResult(WithinStatus.PROVED)


def _names(rule: DenyRule, principal: Principal) -> bool:
    """The rule is about this principal: a denied principal names it and no exception principal does."""
    return any(m.matches(principal) for m in rule.denied_principals) and not any(
        m.matches(principal) for m in rule.exception_principals
    )


def _binding_reaches(
    policies: PolicySet,
    hierarchy: Hierarchy,
    known: set[ResourceName],
    binding: Binding,
    principal: Principal,
    goal: Goal,
    rules: list[DenyRule],
) -> Counterexample | None:
    if binding.condition is not None and binding.condition.compiled.fast is None:
        raise Undecidable(
            f"the condition {shown(binding.condition.title or binding.condition.expression)} "
            f"({binding.condition.compiled.unsupported})"
        )
    groups: dict[_Question, list[str]] = {}
    for permission in role_permissions(binding.role, policies):
        question = _question(permission, goal, rules, policies)
        if question is not None:
            groups.setdefault(question, []).append(permission)
    # Most dangerous first (core/danger.py), so the counterexample shown is the one that matters most.
    ordered = sorted(groups.items(), key=lambda item: min((rank(p), p) for p in item[1]))
    unknown: str | None = None
    for question, group in ordered:
        permission = min(group, key=lambda p: (rank(p), p))
        try:
            places = locations(permission, binding.attached, hierarchy, known)
        except Undecidable as exc:
            unknown = unknown or str(exc)
            continue
        for location in places:
            found = _solve(policies, binding, location, principal, permission, question, goal, rules)
            if found is not None:
                return found
    if unknown is not None:
        raise Undecidable(unknown)
    return None


def _question(permission: str, goal: Goal, rules: list[DenyRule], policies: PolicySet) -> _Question | None:
    matching = goal.key(permission)
    if matching is None:
        return None
    denying = tuple(
        i
        for i, r in enumerate(rules)
        if any(p.matches(permission) for p in r.denied_permissions)
        and not any(p.matches(permission) for p in r.exception_permissions)
    )
    table = enforcement_table()
    enforcing = [p for p in policies.pab_policies if table.blocks(permission, p.enforcement_version)]
    boundary = (
        frozenset(r for p in enforcing for rule in p.rules for r in rule.resources) if enforcing else None
    )
    segment = permission.split(".")[1] if permission.startswith("storage.") else ""
    return _Question(permission_family(permission), segment, matching, denying, boundary)


def _solve(
    policies: PolicySet,
    binding: Binding,
    location: Location,
    principal: Principal,
    permission: str,
    question: _Question,
    goal: Goal,
    rules: list[DenyRule],
) -> Counterexample | None:
    chain = set(location.ancestors)
    if location.fixed is not None:
        chain.add(location.fixed)
    if question.boundary is not None and not chain & question.boundary:
        return None  # the principal access boundary blocks the permission everywhere in this family
    denying = [rules[i] for i in question.deny_rules if rules[i].attached in chain]
    if any(r.condition is None for r in denying):
        return None  # an unconditional deny rule covers the whole family
    variables, facts = location_facts(location)
    target = goal.formula(location, variables, permission)
    if z3.is_false(target):
        return None  # no request of this family meets the goal
    facts.append(target)
    if binding.condition is not None:
        tree = binding.condition.compiled.fast
        assert tree is not None  # checked in _binding_reaches
        facts.append(boolean(tree, variables)[0])
    for rule in denying:
        assert rule.condition is not None
        if rule.condition.compiled.fast is None:
            raise Undecidable(
                f"the denial condition {shown(rule.condition.title or rule.condition.expression)} "
                f"({rule.condition.compiled.unsupported})"
            )
        facts.append(z3.Not(boolean(rule.condition.compiled.fast, variables)[0]))
    found = solve_request(facts, variables, location, principal, permission)
    if found is None:
        return None
    return _confirmed(policies, found[0], found[1], location, permission, goal)


def _member_of(access: Access, location: Location, variables: Variables) -> z3.ExprRef:
    """The resource is one this access describes (its name in this family, and its tags)."""
    parts: list[z3.ExprRef] = []
    if access.service is not None:
        if access.service != location.service:
            return z3.BoolVal(False)
        if location.fixed is not None:
            if not access.covers_name(location.service, location.fixed.relative):
                return z3.BoolVal(False)
        elif access.prefix:
            parts.append(z3.PrefixOf(z3.StringVal(access.relative), variables.name))
        else:
            parts.append(variables.name == z3.StringVal(access.relative))
    parts.extend(variables.tag("matchTag", (key, value)) for key, value in access.tags)
    return z3.And(*parts) if parts else z3.BoolVal(True)


_UNREADABLE = re.compile(r"[^A-Za-z0-9._@/=-]+")


def _confirmed(
    policies: PolicySet,
    request: Request,
    example: Counterexample,
    location: Location,
    permission: str,
    goal: Goal,
) -> Counterexample:
    """The evaluator must decide the request as shown; a readable name is preferred when it still does."""
    types = [request.resource_type]
    if location.resource_type is None and location.supplied:
        types.insert(0, location.preferred_type(permission))  # e.g. storage.googleapis.com/Folder
    for name in [*goal.names(request, location, permission), request.resource.relative]:
        for resource_type in dict.fromkeys(types):
            seen = (name, resource_type) == (request.resource.relative, request.resource_type)
            if seen or request.request_time is None or not location.allows_name(name):
                continue
            candidate, shown_example = build(
                location,
                name,
                resource_type,
                request.request_time,
                dict(request.tags),
                dict(request.tag_ids),
                request.principal,
                permission,
            )
            if _allowed_member(policies, candidate, goal):
                return shown_example
    if _allowed_member(policies, request, goal):
        return example
    raise Undecidable(
        f"a counterexample for {permission} on {request.resource.full} did not re-check with the evaluator "
        "(please report this)"
    )


def _readable_names(
    request: Request, location: Location, permission: str, accesses: list[Access]
) -> list[str]:
    """Names a learner recognises: the access's own prefix with a plain tail, the family's plainest name."""
    relative = request.resource.relative
    names = []
    for access in accesses:
        if access.service != location.service or not access.prefix:
            continue
        parts = access.relative.split("/")
        if location.service == "iam.googleapis.com" and len(parts) == 4 and parts[2] == "serviceAccounts":
            names.append(f"{access.relative}jobs@{parts[1]}.iam.gserviceaccount.com")
        else:
            names.append(access.relative + ("train.csv" if location.child == "objects" else "example"))
    names.append(location.preferred_name(permission))
    names.append(_UNREADABLE.sub("x", relative))
    return [n for n in dict.fromkeys(names) if n != relative]


def _allowed_member(policies: PolicySet, request: Request, goal: Goal) -> bool:
    if not goal.holds(request):
        return False
    try:
        return decide(policies, request, explain=False).kind is DecisionKind.ALLOW
    except InputError:
        return False  # e.g. a condition reads what this variant does not supply


__all__ = ["Access", "Goal", "OtherTenant", "parse_access", "reaches", "search"]
