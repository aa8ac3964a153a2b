"""Azure decisions as z3 formulas over a symbolic request, for exact analysis.

A request is: a set of identities (the principal and its groups), an operation, a data/control flag,
a sub-operation, a target scope, attributes and a time. Everything the evaluator looks at becomes a z3
variable or a finite choice:
- identities: one Boolean per object id any assignment mentions (others behave alike);
- the operation and sub-operation: lowercase strings, matched with regular expressions built from the
  `*`-patterns (z3's own regexes, from parsed pieces, never from raw input);
- the target scope: a finite list of shapes (root, each management group, subscription, resource
  group, storage account, container, blob, and a fresh child of each) whose names are string
  variables, so one shape stands for every scope of that form; coverage by an assignment's scope is a
  formula over those names;
- attributes: per attribute an "exists" and a "well-formed" flag and a value of the operator family's
  sort; attributes compared with ForAnyOfAnyValues-style operators are lists of at most k values, k the
  number of such comparisons (a small-model bound: each quantified comparison needs at most one witness);
- conditions evaluate in the evaluator's three-valued logic, encoded as (definitely true, definitely false).
Characters are drawn from printable ASCII plus every character the inputs mention (and its other case):
characters that appear in no literal behave alike, so this alphabet loses no behaviour.
Constructs outside this encoding raise Unsupported, and the caller answers "unknown", never "proved".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from checker.azure.catalog import Catalog
from checker.azure.conditions.ast import (
    ActionMatches,
    AttributeRef,
    Comparison,
    Exists,
    Expr,
    Family,
    Literal,
    Logical,
    Not,
    Operand,
    Quantifier,
    SubOperationMatches,
    Test,
)
from checker.azure.conditions.attributes import (
    ACCOUNT_NAME,
    BLOB_PATH,
    CONTAINER_NAME,
    SUB_OPERATION,
    UTC_NOW,
)
from checker.azure.conditions.evaluate import convert
from checker.azure.conditions.like import ANY, compile_like
from checker.azure.model import EVERYONE, AzureModel, DenyAssignment, Permission, RoleAssignment
from checker.azure.operations import OperationPattern
from checker.azure.scopes import ManagementGroups, Scope, ScopeKind
from checker.azure.timeparse import TICKS_PER_SECOND, format_ticks, parse_ticks
from checker.core.solver_budget import set_budget

PRETTIFY_TIMEOUT_MS = 300
TIME_LOW = parse_ticks("2000-01-01T00:00:00Z")
TIME_HIGH = parse_ticks("2099-12-31T23:59:59Z")
DERIVED = {ACCOUNT_NAME: "account", CONTAINER_NAME: "container", BLOB_PATH: "path"}


class Unsupported(Exception):
    """A construct the exact analysis does not encode; the message names it."""


Bool = Any  # z3.BoolRef; z3 ships no type hints
Term = Any  # z3 string / int terms


@dataclass
class Shape:
    """A family of target scopes: fixed lowercase segments and named string variables."""

    label: str
    kind: ScopeKind
    segments: list[str | Term]  # resource-id segments (lowercase), z3 strings where symbolic
    path: Term | None = None  # blob path (case-sensitive), when the shape is a blob
    group_keys: tuple[str, ...] | None = None  # for a management-group shape: its keys
    sub: str | Term | None = None
    account: Term | None = None
    container: Term | None = None
    names: list[tuple[Term, str]] = field(default_factory=list)  # symbolic names and their alphabet kind


@dataclass
class AttributeVars:
    exists: Bool
    ok: Bool
    family: Family
    values: list[Term]
    count: Term | None  # list length when the attribute is a list (quantified comparisons)


class Encoder:
    """Builds the formulas for a fixed set of models (the submission and the envelope)."""

    def __init__(self, models: Sequence[AzureModel], groups: ManagementGroups, catalog: Catalog) -> None:
        self.models = models
        self.groups = groups
        self.catalog = catalog
        self.ids = sorted(self._mentioned_ids())
        self.member = {i: z3.Bool(f"member[{i}]") for i in self.ids}
        self.operation = z3.String("operation")
        self.has_sub = z3.Bool("has_sub_operation")
        self.sub = z3.String("sub_operation")
        self.time = z3.Int("time")
        self.literal_chars = self._literal_chars()
        self.literal_names = {k for scope in self._mentioned_scopes() for k in scope.keys}
        self.usage = self._attribute_usage()
        self.attributes: dict[str, AttributeVars] = {}
        self._built: dict[tuple[Any, ...], Any] = {}  # regexes and formulas that do not depend on a shape
        self.shapes = self._shapes()

    # ---------------------------------------------------------------- inputs
    def _all_assignments(self) -> Iterable[RoleAssignment]:
        for model in self.models:
            yield from model.assignments

    def _all_denies(self) -> Iterable[DenyAssignment]:
        for model in self.models:
            yield from model.denies

    def _conditions(self) -> Iterable[Expr]:
        for assignment in self._all_assignments():
            if assignment.condition is not None:
                yield assignment.condition

    def _mentioned_ids(self) -> set[str]:
        found = {a.principal_id for a in self._all_assignments()}
        for deny in self._all_denies():
            found |= deny.principals | deny.exclude
        found.discard(EVERYONE)
        return found

    def _literal_chars(self) -> set[str]:
        chars: set[str] = set()

        def add(text: str) -> None:
            for ch in text:
                chars.update({ch, ch.lower(), ch.upper()})

        for expr in self._conditions():
            for node in walk(expr):
                if isinstance(node, Literal):
                    for value in node.values:
                        if isinstance(value, str):
                            add(value)
                elif isinstance(node, ActionMatches | SubOperationMatches):
                    add(node.pattern.text)
        for scope in self._mentioned_scopes():
            add(scope.raw)
        return {c for c in chars if len(c) == 1 and ord(c) >= 32}

    def _mentioned_scopes(self) -> list[Scope]:
        scopes = [a.scope for a in self._all_assignments()] + [d.scope for d in self._all_denies()]
        return scopes

    def _attribute_usage(self) -> dict[str, tuple[Family, int, bool]]:
        """attribute key -> (family, number of quantified comparisons, used unquantified)."""
        usage: dict[str, tuple[Family, int, bool]] = {}
        for expr in self._conditions():
            for node in walk(expr):
                if not isinstance(node, Comparison):
                    continue
                for side in (node.left, node.right):
                    if not isinstance(side, AttributeRef):
                        continue
                    family = node.operator.family
                    quantified = node.operator.quantifier is not Quantifier.NONE
                    old = usage.get(side.key)
                    if old is not None and old[0] is not family:
                        raise Unsupported(f"{side} is compared both as {old[0].value} and as {family.value}")
                    count = (old[1] if old else 0) + (1 if quantified else 0)
                    plain = (old[2] if old else False) or not quantified
                    if count and plain:
                        raise Unsupported(f"{side} is compared both with and without a ForAnyOfAnyValues-style operator")
                    usage[side.key] = (family, count, plain)
        return usage

    # ---------------------------------------------------------------- alphabets
    def _alphabet(self, kind: str) -> Any:
        """Characters a variable may use: a readable base set, every character the inputs mention (both
        cases), and at least one character the inputs never mention (it stands for all the others)."""
        key = ("alphabet", kind)
        if key in self._built:
            return self._built[key]
        base = set("abcdefghijklmnopqrstuvwxyz0123456789-._")
        if kind == "storage":
            chars = set("abcdefghijklmnopqrstuvwxyz0123456789-")
        else:
            chars = base | self.literal_chars | {"/"}
            spare = next((chr(c) for c in range(33, 0x3000) if chr(c) not in chars and chr(c).isprintable()), None)
            if spare is not None:
                chars.add(spare)
            if kind == "operation":
                chars = {c for c in chars if c == c.lower() and c not in " *"}
            elif kind == "name":
                chars = {c for c in chars if c != "/"}
            elif kind == "lower":
                chars = {c for c in chars if c != "/" and c == c.lower()}
        regex = _char_class(chars)
        self._built[key] = regex
        return regex

    def _word(self, kind: str) -> Any:
        letter = self._alphabet(kind)
        if kind == "storage":
            # Storage account and container names have at least 3 characters. Said in the regex, not as a
            # length constraint: next to a negated prefix (a path or listing prefix outside the envelope),
            # z3's string solver gave up on `str.len >= 3` after its whole budget, and answers at once here.
            return z3.Concat(letter, letter, z3.Plus(letter))
        return z3.Plus(letter)

    def _path_regex(self) -> Any:
        segment = self._word("name")
        return z3.Concat(segment, z3.Star(z3.Concat(z3.Re("/"), segment)))

    # ---------------------------------------------------------------- scopes
    def _shapes(self) -> list[Shape]:
        shapes: list[Shape] = [Shape("the root scope /", ScopeKind.ROOT, [])]
        group_keys = set(self.groups.parents.values()) | {
            k for k in self.groups.parents if k[0] == "providers"
        }
        group_keys |= {s.keys for s in self._mentioned_scopes() if s.kind is ScopeKind.MANAGEMENT_GROUP}
        for keys in sorted(group_keys):
            shapes.append(Shape(f"management group {keys[-1]}", ScopeKind.MANAGEMENT_GROUP, list(keys), group_keys=keys))
        sub = z3.String("subscription")
        rg = z3.String("resource_group")
        account = z3.String("account")
        container = z3.String("container")
        path = z3.String("blob_path")
        child = "providers", "witness.provider", "things", "witness"
        base: list[str | Term] = ["subscriptions", sub]
        names = [(sub, "lower")]
        shapes.append(Shape("a subscription", ScopeKind.SUBSCRIPTION, base, sub=sub, names=names))
        group_base = [*base, "resourcegroups", rg]
        names = [*names, (rg, "lower")]
        shapes.append(Shape("a resource under a subscription", ScopeKind.RESOURCE, [*base, *child], sub=sub, names=names[:1]))
        shapes.append(Shape("a resource group", ScopeKind.RESOURCE_GROUP, group_base, sub=sub, names=names))
        shapes.append(Shape("a resource in a resource group", ScopeKind.RESOURCE, [*group_base, *child], sub=sub, names=names))
        account_base = [*group_base, "providers", "microsoft.storage", "storageaccounts", account]
        names = [*names, (account, "storage")]
        shapes.append(Shape("a storage account", ScopeKind.RESOURCE, account_base, sub=sub, account=account, names=names))
        shapes.append(Shape("a child of a storage account", ScopeKind.RESOURCE, [*account_base, "things", "witness"],
                            sub=sub, account=account, names=names))
        service = [*account_base, "blobservices", "default"]
        shapes.append(Shape("a blob service", ScopeKind.RESOURCE, service, sub=sub, account=account, names=names))
        container_base = [*service, "containers", container]
        names = [*names, (container, "storage")]
        shapes.append(Shape("a container", ScopeKind.RESOURCE, container_base, sub=sub, account=account,
                            container=container, names=names))
        shapes.append(Shape("a blob", ScopeKind.BLOB, [*container_base, "blobs"], path=path, sub=sub, account=account,
                            container=container, names=names))
        # Resources of other providers the inputs name (an ML workspace...), and a child of each.
        seen: set[tuple[str, ...]] = set()
        for scope in self._mentioned_scopes():
            if scope.kind is ScopeKind.RESOURCE and scope.account is None and scope.keys not in seen:
                seen.add(scope.keys)
                shapes.append(Shape(scope.raw, ScopeKind.RESOURCE, list(scope.keys), sub=scope.keys[1]))
                shapes.append(Shape(f"a child of {scope.raw}", ScopeKind.RESOURCE, [*scope.keys, "things", "witness"],
                                    sub=scope.keys[1]))
        return shapes

    def shape_constraints(self, shape: Shape) -> Bool:
        parts = [z3.InRe(var, self._word(kind)) for var, kind in shape.names]
        if shape.path is not None:
            parts.append(z3.InRe(shape.path, self._path_regex()))
        return z3.And(parts) if parts else z3.BoolVal(True)

    def _subs_under(self, group: tuple[str, ...]) -> list[str]:
        subs = []
        for child in self.groups.parents:
            if child[0] == "subscriptions":
                target = Scope("", ScopeKind.SUBSCRIPTION, child)
                if group in self.groups.chain(target):
                    subs.append(child[1])
        return subs

    def covers(self, assigned: Scope, shape: Shape, exact: bool = False) -> Bool:
        """Whether an assignment (or deny) at `assigned` reaches every scope of `shape` (a formula)."""
        key = ("covers", assigned.kind, assigned.keys, id(shape), exact)
        if key not in self._built:
            self._built[key] = self._covers(assigned, shape, exact)
        return self._built[key]

    def _covers(self, assigned: Scope, shape: Shape, exact: bool) -> Bool:
        if assigned.kind is ScopeKind.ROOT:
            return z3.BoolVal(not exact or shape.kind is ScopeKind.ROOT)
        if assigned.kind is ScopeKind.MANAGEMENT_GROUP:
            if shape.group_keys is not None:
                if exact:
                    return z3.BoolVal(shape.group_keys == assigned.keys)
                chain = self.groups.chain(Scope("", ScopeKind.MANAGEMENT_GROUP, shape.group_keys))
                return z3.BoolVal(assigned.keys in chain)
            if exact or shape.sub is None:
                return z3.BoolVal(False)
            subs = self._subs_under(assigned.keys)
            return z3.Or([_eq(shape.sub, s) for s in subs]) if subs else z3.BoolVal(False)
        keys = list(assigned.keys)
        path_parts: list[str] = []
        if assigned.kind is ScopeKind.BLOB:
            at = keys.index("blobs", keys.index("containers")) + 1
            keys, path_parts = keys[:at], keys[at:]
        segments = shape.segments
        if len(keys) > len(segments):
            return z3.BoolVal(False)
        if exact and len(keys) != len(segments):
            return z3.BoolVal(False)
        conditions = [_eq(segment, key) for segment, key in zip(segments, keys, strict=False)]
        if path_parts:
            if shape.path is None:
                return z3.BoolVal(False)
            prefix = "/".join(path_parts)
            conditions.append(shape.path == z3.StringVal(prefix) if exact else
                              z3.Or(shape.path == z3.StringVal(prefix), z3.PrefixOf(z3.StringVal(prefix + "/"), shape.path)))
        elif exact and shape.path is not None:
            return z3.BoolVal(False)
        if any(z3.is_false(c) for c in conditions):
            return z3.BoolVal(False)  # a fixed segment differs: decided without the solver
        conditions = [c for c in conditions if not z3.is_true(c)]
        return z3.And(conditions) if conditions else z3.BoolVal(True)

    # ---------------------------------------------------------------- operations
    def _glob(self, pattern: OperationPattern, kind: str) -> Any:
        key = ("glob", pattern.text.lower(), kind)
        if key not in self._built:
            anything = z3.Star(self._alphabet(kind))
            # A `*` between two `/` may also stand for no segment: `/*/` is `/` then (anything `/`) or nothing.
            segment = z3.Union(z3.Concat(anything, z3.Re("/")), z3.Re(""))
            parts: list[Any] = []
            text = pattern.text.lower()
            literal, index = "", 0
            while index < len(text):
                char = text[index]
                if char != "*":
                    literal += char
                    index += 1
                    continue
                if literal:
                    parts.append(z3.Re(z3.StringVal(literal)))
                    literal = ""
                whole_segment = 0 < index < len(text) - 1 and text[index - 1] == "/" and text[index + 1] == "/"
                parts.append(segment if whole_segment else anything)
                index += 2 if whole_segment else 1
            if literal:
                parts.append(z3.Re(z3.StringVal(literal)))
            self._built[key] = parts[0] if len(parts) == 1 else z3.Concat(*parts) if parts else z3.Re("")
        return self._built[key]

    def matches_operation(self, pattern: OperationPattern) -> Bool:
        return z3.InRe(self.operation, self._glob(pattern, "operation"))

    def permission_grants(self, permission: Permission, data: bool) -> Bool:
        grants, removes = (permission.data_actions, permission.not_data_actions) if data else (
            permission.actions, permission.not_actions)
        if not grants:
            return z3.BoolVal(False)
        granted = z3.Or([self.matches_operation(p) for p in grants])
        if removes:
            granted = z3.And(granted, z3.Not(z3.Or([self.matches_operation(p) for p in removes])))
        return granted

    def operation_constraints(self, data: bool) -> Bool:
        """Operations are non-empty lowercase names; a catalog operation keeps its plane and sub-operations.

        Built once per plane (a scan of the whole catalog), then shared by every shape's question."""
        key = ("operations", data)
        if key not in self._built:
            self._built[key] = self._operation_constraints(data)
        return self._built[key]

    def _operation_constraints(self, data: bool) -> Bool:
        parts = [z3.InRe(self.operation, self._word("operation")), z3.InRe(self.sub, self._word("operation"))]
        known = []
        for info in self.catalog.operations:
            name = z3.StringVal(info.name.lower())
            if info.data is not data:
                parts.append(self.operation != name)
                continue
            subs = [self.sub == z3.StringVal(s.lower()) for s in info.sub_operations]
            known.append(self.operation == name)
            parts.append(z3.Implies(z3.And(self.operation == name, self.has_sub), z3.Or(subs) if subs else z3.BoolVal(False)))
        parts.append(z3.Implies(z3.Not(z3.Or(known)) if known else z3.BoolVal(True), z3.Not(self.has_sub)))
        parts.append(z3.And(self.time >= TIME_LOW, self.time <= TIME_HIGH))
        return z3.And(parts)

    def catalog_preference(self, data: bool) -> Bool:
        names = [z3.StringVal(i.name.lower()) for i in self.catalog.operations if i.data is data]
        return z3.Or([self.operation == n for n in names]) if names else z3.BoolVal(False)

    # ---------------------------------------------------------------- decisions
    def identity(self, principal_id: str) -> Bool:
        return self.member.get(principal_id, z3.BoolVal(False))

    def allowed(self, model: AzureModel, shape: Shape, data: bool) -> Bool:
        """Whether the model allows the request, for a target of `shape` on one plane (built once: a shared
        encoder is asked about the same submission for every access of an isolation check)."""
        # By the assignments themselves: each question filters the same submission into a new model.
        key = ("allowed", tuple(map(id, model.assignments)), tuple(map(id, model.denies)), id(shape), data)
        if key not in self._built:
            self._built[key] = (model, self._allowed(model, shape, data))  # kept with the model: the ids stay theirs
        return self._built[key][1]

    def _allowed(self, model: AzureModel, shape: Shape, data: bool) -> Bool:
        grant = z3.Or([self.assignment_grants(a, shape, data) for a in model.assignments] or [z3.BoolVal(False)])
        deny = z3.Or([self.deny_applies(d, shape, data) for d in model.denies] or [z3.BoolVal(False)])
        return z3.And(grant, z3.Not(deny))

    def assignment_grants(self, assignment: RoleAssignment, shape: Shape, data: bool) -> Bool:
        covered = self.covers(assignment.scope, shape)
        grants = [self.permission_grants(p, data) for p in assignment.role.permissions]
        if z3.is_false(covered) or all(z3.is_false(g) for g in grants):
            # Out of scope or no operation of this plane: the condition cannot make it grant, so its
            # (costly) encoding is skipped; the formula is the same value, False.
            return z3.BoolVal(False)
        role = z3.Or(grants)
        parts = [self.identity(assignment.principal_id), covered, role]
        if assignment.start is not None:
            parts.append(self.time >= assignment.start)
        if assignment.end is not None:
            parts.append(self.time < assignment.end)
        if assignment.condition is not None:
            definitely_true, _false = self.condition(assignment.condition, shape)
            parts.append(definitely_true)
        return z3.And(parts)

    def deny_applies(self, deny: DenyAssignment, shape: Shape, data: bool) -> Bool:
        who = z3.BoolVal(True) if EVERYONE in deny.principals else z3.Or(
            [self.identity(p) for p in deny.principals] or [z3.BoolVal(False)])
        excluded = z3.Or([self.identity(p) for p in deny.exclude] or [z3.BoolVal(False)])
        what = z3.Or([self.permission_grants(p, data) for p in deny.permissions])
        return z3.And(who, z3.Not(excluded), self.covers(deny.scope, shape, exact=deny.children_excluded), what)

    # ---------------------------------------------------------------- conditions
    def condition(self, expr: Expr, shape: Shape) -> tuple[Bool, Bool]:
        """(definitely true, definitely false) of a condition; neither means it cannot be evaluated."""
        if isinstance(expr, Logical):
            results = [self.condition(operand, shape) for operand in expr.operands]
            trues = [r[0] for r in results]
            falses = [r[1] for r in results]
            if expr.op == "and":
                return z3.And(trues), z3.Or(falses)
            return z3.Or(trues), z3.And(falses)
        if isinstance(expr, Not):
            inner_true, inner_false = self.condition(expr.operand, shape)
            return inner_false, inner_true
        if isinstance(expr, ActionMatches):
            value = self.matches_operation(expr.pattern)
            return value, z3.Not(value)
        if isinstance(expr, SubOperationMatches):
            value = z3.And(self.has_sub, z3.InRe(self.sub, self._glob(expr.pattern, "operation")))
            return value, z3.Not(value)
        if isinstance(expr, Exists):
            exists = self.attribute(expr.attribute.key, shape).exists
            return exists, z3.Not(exists)
        assert isinstance(expr, Comparison)
        return self.comparison(expr, shape)

    def attribute(self, key: str, shape: Shape) -> AttributeVars:
        if key in DERIVED:
            value = {"account": shape.account, "container": shape.container, "path": shape.path}[DERIVED[key]]
            family, count, _plain = self.usage.get(key, (Family.STRING, 0, True))
            if family is not Family.STRING:
                raise Unsupported(f"{key} is a string attribute but is compared as {family.value}")
            if value is None:
                return AttributeVars(z3.BoolVal(False), z3.BoolVal(False), family, [z3.StringVal("")], None)
            return AttributeVars(z3.BoolVal(True), z3.BoolVal(True), family, [value], z3.IntVal(1) if count else None)
        if key == SUB_OPERATION:
            family, count, _plain = self.usage.get(key, (Family.STRING, 0, True))
            if family is not Family.STRING:
                raise Unsupported("@Request[subOperation] is compared other than as a string")
            # Always supplied: one value with a sub-operation, none without (see checker.azure.request).
            if count:
                return AttributeVars(z3.BoolVal(True), z3.BoolVal(True), family, [self.sub],
                                     z3.If(self.has_sub, z3.IntVal(1), z3.IntVal(0)))
            return AttributeVars(z3.BoolVal(True), self.has_sub, family, [self.sub], None)
        if key == UTC_NOW:
            family, count, _plain = self.usage.get(key, (Family.DATETIME, 0, True))
            if family is not Family.DATETIME or count:
                raise Unsupported("@Environment[UtcNow] is compared other than with a DateTime operator")
            return AttributeVars(z3.BoolVal(True), z3.BoolVal(True), family, [self.time], None)
        if key not in self.attributes:
            family, count, _plain = self.usage.get(key, (Family.STRING, 0, True))
            sort = {Family.STRING: z3.StringSort(), Family.GUID: z3.StringSort()}.get(family)
            size = max(count, 1)
            values = [z3.String(f"{key}#{i}") if sort is not None else
                      (z3.Bool(f"{key}#{i}") if family is Family.BOOL else z3.Int(f"{key}#{i}")) for i in range(size)]
            length = z3.Int(f"{key}#count") if count else None
            self.attributes[key] = AttributeVars(z3.Bool(f"{key}#exists"), z3.Bool(f"{key}#ok"), family, values, length)
        return self.attributes[key]

    def attribute_constraints(self) -> Bool:
        parts = []
        for attribute in self.attributes.values():
            for value in attribute.values:
                if attribute.family is Family.STRING:
                    parts.append(z3.InRe(value, z3.Star(self._alphabet("any"))))
                elif attribute.family is Family.GUID:
                    parts.append(z3.InRe(value, _guid_regex()))
                elif attribute.family is Family.DATETIME:
                    parts.append(z3.And(value >= 0, value <= TIME_HIGH * 2))
                elif attribute.family is Family.NUMERIC:
                    parts.append(z3.And(value >= -(10**15), value <= 10**15))
            if attribute.count is not None:
                parts.append(z3.And(attribute.count >= 0, attribute.count <= len(attribute.values)))
        return z3.And(parts) if parts else z3.BoolVal(True)

    def _side(self, operand: Operand, family: Family, shape: Shape) -> tuple[list[tuple[Term, Bool]], Bool, Bool, bool]:
        """(values with their 'present' flags, defined, exists, symbolic) of one side of a comparison."""
        if isinstance(operand, Literal):
            values = []
            for value in operand.values:
                converted = convert(value, family)
                if converted is None:
                    raise Unsupported(f"the literal {value!r} does not fit {family.value}")
                values.append((_constant(converted, family), z3.BoolVal(True)))
            return values, z3.BoolVal(True), z3.BoolVal(True), False
        attribute = self.attribute(operand.key, shape)
        if attribute.count is None:
            present = [(attribute.values[0], z3.BoolVal(True))]
        else:
            present = [(v, attribute.count > i) for i, v in enumerate(attribute.values)]
        return present, z3.And(attribute.exists, attribute.ok), attribute.exists, True

    def comparison(self, expr: Comparison, shape: Shape) -> tuple[Bool, Bool]:
        operator = expr.operator
        if not operator.ignore_case and any(
                isinstance(side, AttributeRef) and side.key == SUB_OPERATION for side in (expr.left, expr.right)):
            raise Unsupported(f"{operator.name} on @Request[subOperation] (the analysis knows sub-operations "
                              "case-insensitively; use an IgnoreCase operator or SubOperationMatches)")
        left, left_defined, _e1, left_symbolic = self._side(expr.left, operator.family, shape)
        right, right_defined, _e2, right_symbolic = self._side(expr.right, operator.family, shape)
        if left_symbolic and right_symbolic and (operator.ignore_case or operator.test is Test.LIKE):
            raise Unsupported(f"{operator.name} between two attributes")
        if not right_symbolic and operator.test is Test.LIKE:
            pass
        elif right_symbolic and operator.test is Test.LIKE:
            raise Unsupported(f"{operator.name} with an attribute as the pattern")

        def holds(a: Term, b: Term, b_literal: Any) -> Bool:
            base = self._test(operator.family, operator.test, operator.ignore_case, a, b, b_literal)
            return z3.Not(base) if operator.negated else base

        right_literals: list[Any] = list(expr.right.values) if isinstance(expr.right, Literal) else [None] * len(right)
        pairs = [[holds(a, b, lit) for (b, _), lit in zip(right, right_literals, strict=True)] for a, _ in left]
        quantifier = operator.quantifier
        if quantifier in (Quantifier.NONE, Quantifier.ANY_OF_ANY):
            value = z3.Or([z3.And(pa, pb, pairs[i][j]) for i, (_, pa) in enumerate(left) for j, (_, pb) in enumerate(right)])
        elif quantifier is Quantifier.ALL_OF_ANY:
            value = z3.And([z3.Implies(pa, z3.Or([z3.And(pb, pairs[i][j]) for j, (_, pb) in enumerate(right)]))
                            for i, (_, pa) in enumerate(left)])
        elif quantifier is Quantifier.ANY_OF_ALL:
            value = z3.Or([z3.And(pa, z3.And([z3.Implies(pb, pairs[i][j]) for j, (_, pb) in enumerate(right)]))
                           for i, (_, pa) in enumerate(left)])
        else:
            value = z3.And([z3.Implies(z3.And(pa, pb), pairs[i][j])
                            for i, (_, pa) in enumerate(left) for j, (_, pb) in enumerate(right)])
        defined = z3.And(left_defined, right_defined)
        return z3.And(defined, value), z3.And(defined, z3.Not(value))

    def _test(self, family: Family, test: Test, ignore_case: bool, a: Term, b: Term, b_literal: Any) -> Bool:
        if family is Family.STRING:
            if test is Test.LIKE:
                return z3.InRe(a, self._like(str(b_literal), ignore_case))
            if ignore_case:
                if b_literal is None:
                    raise Unsupported("an IgnoreCase comparison between two attributes")
                text = str(b_literal)
                if test is Test.EQUALS:
                    return z3.InRe(a, self._caseless(text))
                return z3.InRe(a, z3.Concat(self._caseless(text), z3.Star(self._alphabet("any"))))
            if test is Test.EQUALS:
                return a == b
            return z3.PrefixOf(b, a)
        if family in (Family.GUID, Family.BOOL):
            return a == b
        return {Test.EQUALS: lambda: a == b, Test.LESS: lambda: a < b, Test.LESS_EQUAL: lambda: a <= b,
                Test.GREATER: lambda: a > b, Test.GREATER_EQUAL: lambda: a >= b}[test]()

    def _caseless(self, text: str) -> Any:
        key = ("caseless", text)
        if key not in self._built:
            self._built[key] = self._caseless_regex(text)
        return self._built[key]

    def _caseless_regex(self, text: str) -> Any:
        parts = [z3.Union(z3.Re(z3.StringVal(c.lower())), z3.Re(z3.StringVal(c.upper())))
                 if c.lower() != c.upper() and len(c.lower()) == 1 and len(c.upper()) == 1 else z3.Re(z3.StringVal(c))
                 for c in text]
        if not parts:
            return z3.Re("")
        return parts[0] if len(parts) == 1 else z3.Concat(*parts)

    def _like(self, pattern: str, ignore_case: bool) -> Any:
        compiled = compile_like(pattern, ignore_case)
        anything = z3.Star(self._alphabet("any"))
        one = self._alphabet("any")
        parts: list[Any] = []
        for index, piece in enumerate(compiled.pieces):
            if index:
                parts.append(anything)
            for item in piece:
                if item is ANY:
                    parts.append(one)
                else:
                    assert isinstance(item, str)
                    parts.append(self._caseless(item) if ignore_case else z3.Re(z3.StringVal(item)))
        if not parts:
            return z3.Re("")
        return parts[0] if len(parts) == 1 else z3.Concat(*parts)

    # ---------------------------------------------------------------- back to a concrete request
    def prettify(self, solver: Any, shape: Shape) -> Any:
        """A model preferring readable witness names where the formula leaves a name free.

        Greedy, one name at a time, each try bounded in time; returns the last satisfying model."""
        best = solver.model()
        preferred = {"subscription": "witness-subscription", "resource_group": "witness-rg",
                     "account": "witnessaccount", "container": "witness-container"}
        wishes = [(var, preferred.get(str(var), "witness")) for var, _kind in shape.names]
        # No wish for the blob path: a path condition makes z3's string solver search without bound for a
        # readable path (its timeout is not honoured there), and the model's own path is already concrete.
        set_budget(solver, PRETTIFY_TIMEOUT_MS)
        for var, value in wishes:
            if str(best.eval(var, model_completion=True).as_string()) in self.literal_names:
                continue  # the name is one the inputs mention: keep it
            solver.push()
            solver.add(var == z3.StringVal(value))
            if solver.check() == z3.sat:
                best = solver.model()
            else:
                solver.pop()
        return best

    def concrete_request(self, solution: Any, shape: Shape, data: bool,
                         keys: frozenset[str] | None = None) -> dict[str, Any]:
        """The request a z3 model describes, in the batch-case shape (with `keys`: only those attributes)."""
        def text(term: Term) -> str:
            return str(solution.eval(term, model_completion=True).as_string())

        members = [i for i in self.ids if z3.is_true(solution.eval(self.member[i], model_completion=True))]
        assignee_ids = [a.principal_id for a in self.models[0].assignments]
        members.sort(key=lambda i: (i not in assignee_ids, i))
        principal = members[0] if members else _fresh_id(self.ids)
        scope = "/" if shape.kind is ScopeKind.ROOT else ""
        raw_segments: list[str] = []
        for segment in shape.segments:
            raw_segments.append(segment if isinstance(segment, str) else text(segment))
        if shape.kind is not ScopeKind.ROOT:
            scope = "/" + "/".join(raw_segments)
            if shape.path is not None:
                scope += "/" + text(shape.path)
        request: dict[str, Any] = {
            "principal": principal,
            "groups": members[1:],
            "action": self._operation_name(text(self.operation)),
            "data_action": data,
            "scope": _pretty_scope(scope),
            "sub_operation": None,
            "attributes": {},
        }
        if z3.is_true(solution.eval(self.has_sub, model_completion=True)):
            request["sub_operation"] = self._sub_name(text(self.sub))
        ticks = solution.eval(self.time, model_completion=True).as_long()
        request["request_time"] = format_ticks(ticks)
        for key, attribute in self.attributes.items():
            if keys is not None and key not in keys:
                continue
            if not z3.is_true(solution.eval(attribute.exists, model_completion=True)):
                continue
            ok = z3.is_true(solution.eval(attribute.ok, model_completion=True))
            values = [self._value(solution, v, attribute.family) for v in attribute.values]
            if attribute.count is not None:
                values = values[: solution.eval(attribute.count, model_completion=True).as_long()]
            if not ok:
                values = [_malformed(attribute.family)]
            request["attributes"][_display_key(key)] = values if attribute.count is not None else values[0]
        return request

    def _value(self, solution: Any, term: Term, family: Family) -> Any:
        value = solution.eval(term, model_completion=True)
        if family in (Family.STRING, Family.GUID):
            return value.as_string()
        if family is Family.BOOL:
            return z3.is_true(value)
        if family is Family.DATETIME:
            return format_ticks(max(0, value.as_long()))
        return value.as_long()

    def _operation_name(self, lowered: str) -> str:
        info = self.catalog.operation(lowered)
        return info.name if info else lowered

    def _sub_name(self, lowered: str) -> str:
        for info in self.catalog.operations:
            for sub in info.sub_operations:
                if sub.lower() == lowered:
                    return sub
        return lowered


def read_by(*models: AzureModel) -> frozenset[str]:
    """The attribute keys the models' conditions read."""
    return frozenset(node.key for model in models for assignment in model.assignments
                     if assignment.condition is not None
                     for node in walk(assignment.condition) if isinstance(node, AttributeRef))


def walk(expr: Expr) -> Iterable[Any]:
    stack: list[Any] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Logical):
            stack.extend(node.operands)
        elif isinstance(node, Not):
            stack.append(node.operand)
        elif isinstance(node, Comparison):
            stack.extend((node.left, node.right))
        elif isinstance(node, Exists):
            stack.append(node.attribute)


def _char_class(chars: set[str]) -> Any:
    ordered = sorted(chars)
    ranges: list[Any] = []
    start = previous = ordered[0]
    for ch in [*ordered[1:], None]:
        if ch is not None and ord(ch) == ord(previous) + 1:
            previous = ch
            continue
        ranges.append(z3.Range(start, previous) if start != previous else z3.Re(z3.StringVal(start)))
        if ch is not None:
            start = previous = ch
    return ranges[0] if len(ranges) == 1 else z3.Union(*ranges)


def _guid_regex() -> Any:
    hexa = z3.Union(z3.Range("0", "9"), z3.Range("a", "f"))

    def run(n: int) -> Any:
        return z3.Concat(*([hexa] * n))

    dash = z3.Re("-")
    return z3.Concat(run(8), dash, run(4), dash, run(4), dash, run(4), dash, run(12))


def _constant(value: Any, family: Family) -> Term:
    if family in (Family.STRING, Family.GUID):
        return z3.StringVal(value)
    if family is Family.BOOL:
        return z3.BoolVal(value)
    return z3.IntVal(value)


def _eq(segment: str | Term, key: str) -> Bool:
    if isinstance(segment, str):
        return z3.BoolVal(segment == key)
    return segment == z3.StringVal(key)


def _fresh_id(taken: Sequence[str]) -> str:
    for n in range(1, 10_000):
        candidate = f"00000000-0000-0000-0000-{n:012x}"
        if candidate not in taken:
            return candidate
    return "witness-principal"


def _malformed(family: Family) -> Any:
    return {Family.STRING: 0, Family.NUMERIC: "not-a-number", Family.GUID: "not-a-guid",
            Family.DATETIME: "not-a-date", Family.BOOL: "maybe"}[family]


def _display_key(key: str) -> str:
    source, _, rest = key[1:].partition("[")
    return f"@{source.capitalize()}[{rest}"


def _pretty_scope(scope: str) -> str:
    replacements = {"/subscriptions/": "/subscriptions/", "/resourcegroups/": "/resourceGroups/",
                    "/microsoft.storage/storageaccounts/": "/Microsoft.Storage/storageAccounts/",
                    "/blobservices/": "/blobServices/", "/microsoft.management/managementgroups/":
                    "/Microsoft.Management/managementGroups/"}
    for old, new in replacements.items():
        scope = scope.replace(old, new)
    return scope


__all__ = ["Encoder", "Shape", "Unsupported", "TICKS_PER_SECOND"]
