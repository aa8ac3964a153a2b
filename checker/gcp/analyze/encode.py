"""Condition trees (conditions.ir) as z3 formulas, keeping CEL's errors exact.

Each boolean node becomes a pair (T, F): T holds when the node is true, F when it is false; when
neither holds the node is an error (for example it reads an attribute the service does not supply).
`&&`, `||` and `!` follow CEL's commutative error rules (cel-spec "Logical operators"), so
"the binding applies" is exactly T of its condition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import z3

from checker.gcp.conditions import ir

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Undecidable(Exception):
    """A construct the analysis does not model (reported as UNKNOWN, never as proved)."""


def micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class NameShape:
    prefix: str  # "projects/_/buckets/"
    middle: str | None  # "/objects/" for a bucket's children; None when the name ends with the bucket
    bucket: z3.ExprRef
    rest: z3.ExprRef

    def starts_with(self, literal: str) -> z3.ExprRef | None:
        """name.startsWith(literal) in terms of bucket and rest, or None to fall back to the general form."""
        if self.prefix.startswith(literal):
            return z3.BoolVal(True)
        if not literal.startswith(self.prefix):
            return z3.BoolVal(False)
        tail = literal[len(self.prefix) :]
        segment, slash, after = tail.partition("/")
        if not slash:
            return z3.PrefixOf(z3.StringVal(segment), self.bucket)
        if self.middle is None:
            return z3.BoolVal(False)  # the bucket segment has no '/', and nothing follows it
        after = "/" + after
        if self.middle.startswith(after):
            return self.bucket == z3.StringVal(segment)
        if after.startswith(self.middle):
            return z3.And(
                self.bucket == z3.StringVal(segment),
                z3.PrefixOf(z3.StringVal(after[len(self.middle) :]), self.rest),
            )
        return z3.BoolVal(False)

    def equals(self, literal: str) -> z3.ExprRef:
        if not literal.startswith(self.prefix):
            return z3.BoolVal(False)
        tail = literal[len(self.prefix) :]
        segment, slash, after = tail.partition("/")
        if self.middle is None:
            return z3.BoolVal(False) if slash else self.bucket == z3.StringVal(segment)
        after = "/" + after
        if not slash or not after.startswith(self.middle):
            return z3.BoolVal(False)
        return z3.And(
            self.bucket == z3.StringVal(segment), self.rest == z3.StringVal(after[len(self.middle) :])
        )


@dataclass
class Variables:
    """The unknowns of one query: the resource's name and type, the request time and tag atoms."""

    name: z3.ExprRef
    type: z3.ExprRef
    service: z3.ExprRef
    time: z3.ExprRef
    supplied: bool  # whether the service supplies resource attributes
    tags: dict[tuple[str, ...], z3.ExprRef] = field(default_factory=dict)
    # When the name is PREFIX + bucket + MIDDLE + rest (a fresh bucket's family), atoms that compare the
    # name with a literal are rewritten onto `bucket` and `rest`, which the string solver handles far faster.
    shape: NameShape | None = None

    def tag(self, function: str, arguments: tuple[str, ...]) -> z3.ExprRef:
        key = (function, *arguments)
        if key not in self.tags:
            self.tags[key] = z3.Bool("tag:" + "|".join(key))
        return self.tags[key]

    def tag_axioms(self) -> z3.ExprRef:
        """A key has at most one value; a matched key is present (doc: "Tags and conditional access")."""
        axioms = []
        keys = list(self.tags)
        for index, first in enumerate(keys):
            for second in keys[index + 1 :]:
                if first[0] == second[0] and first[0] in ("matchTag", "matchTagId") and first[1] == second[1]:
                    axioms.append(z3.Not(z3.And(self.tags[first], self.tags[second])))
            if first[0] in ("matchTag", "matchTagId"):
                has = ("hasTagKey" if first[0] == "matchTag" else "hasTagKeyId", first[1])
                if has in self.tags:
                    axioms.append(z3.Implies(self.tags[first], self.tags[has]))
        return z3.And(*axioms) if axioms else z3.BoolVal(True)


def _value(node: ir.Node, v: Variables) -> tuple[z3.ExprRef, z3.ExprRef, str]:
    """(value, defined, kind) for a value-producing node; kind is 'string', 'int' or 'bool'."""
    if isinstance(node, ir.Lit):
        if isinstance(node.value, bool):
            return z3.BoolVal(node.value), z3.BoolVal(True), "bool"
        if isinstance(node.value, str):
            return z3.StringVal(node.value), z3.BoolVal(True), "string"
        if isinstance(node.value, datetime):
            return z3.IntVal(micros(node.value)), z3.BoolVal(True), "int"
        return z3.IntVal(node.value), z3.BoolVal(True), "int-plain"
    if isinstance(node, ir.Attr):
        if node.name == "request.time":
            return v.time, z3.BoolVal(True), "int"
        variable = {"resource.name": v.name, "resource.type": v.type, "resource.service": v.service}[
            node.name
        ]
        return variable, z3.BoolVal(v.supplied), "string"
    if isinstance(node, ir.StrCall) and node.method == "extract":
        raise Undecidable("extract() in a condition")
    if isinstance(node, ir.TimeCall):
        raise Undecidable(f"request.time.{node.method}() in a condition")
    true, false = boolean(node, v)
    return true, z3.Or(true, false), "bool"


def _shaped(node: ir.Node, v: Variables) -> z3.ExprRef | None:
    """name.startsWith("lit") / name == "lit" / name != "lit" through the name's shape, when it has one."""
    if v.shape is None:
        return None
    name = ir.Attr("resource.name")
    if (
        isinstance(node, ir.StrCall)
        and node.method == "startsWith"
        and node.target == name
        and isinstance(node.argument, ir.Lit)
        and isinstance(node.argument.value, str)
    ):
        return v.shape.starts_with(node.argument.value)
    if isinstance(node, ir.Cmp) and node.op in ("==", "!="):
        sides = (node.left, node.right) if node.left == name else (node.right, node.left)
        if sides[0] == name and isinstance(sides[1], ir.Lit) and isinstance(sides[1].value, str):
            equal = v.shape.equals(sides[1].value)
            return equal if node.op == "==" else z3.Not(equal)
    return None


def boolean(node: ir.Node, v: Variables) -> tuple[z3.ExprRef, z3.ExprRef]:
    """(T, F) for a node used as a condition."""
    if isinstance(node, ir.Lit):
        if isinstance(node.value, bool):
            return z3.BoolVal(node.value), z3.BoolVal(not node.value)
        return z3.BoolVal(False), z3.BoolVal(False)  # a non-bool result is an error
    if isinstance(node, ir.And):
        lt, lf = boolean(node.left, v)
        rt, rf = boolean(node.right, v)
        return z3.And(lt, rt), z3.Or(lf, rf)
    if isinstance(node, ir.Or):
        lt, lf = boolean(node.left, v)
        rt, rf = boolean(node.right, v)
        return z3.Or(lt, rt), z3.And(lf, rf)
    if isinstance(node, ir.Not):
        t, f = boolean(node.operand, v)
        return f, t
    if isinstance(node, ir.Ternary):
        tt, tf = boolean(node.test, v)
        at, af = boolean(node.then, v)
        bt, bf = boolean(node.otherwise, v)
        return z3.Or(z3.And(tt, at), z3.And(tf, bt)), z3.Or(z3.And(tt, af), z3.And(tf, bf))
    if isinstance(node, ir.TagCall):
        atom = v.tag(node.function, node.arguments)
        return atom, z3.Not(atom)
    if isinstance(node, ir.Cmp):
        left, ldef, lkind = _value(node.left, v)
        right, rdef, rkind = _value(node.right, v)
        if lkind != rkind:
            return z3.BoolVal(False), z3.BoolVal(False)  # no such overload
        defined = z3.And(ldef, rdef)
        if node.op in ("==", "!="):
            holds = left == right
            holds = holds if node.op == "==" else z3.Not(holds)
        elif lkind in ("int", "int-plain"):
            holds = {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[node.op]
        else:
            raise Undecidable(f"ordering comparison {node.op} on {lkind} values")
        return z3.And(defined, holds), z3.And(defined, z3.Not(holds))
    shaped = _shaped(node, v)
    if shaped is not None:
        defined = z3.BoolVal(v.supplied)
        return z3.And(defined, shaped), z3.And(defined, z3.Not(shaped))
    if isinstance(node, ir.StrCall):
        target, tdef, tkind = _value(node.target, v)
        argument, adef, akind = _value(node.argument, v)
        if tkind != "string" or akind != "string":
            return z3.BoolVal(False), z3.BoolVal(False)
        defined = z3.And(tdef, adef)
        holds = {
            "startsWith": z3.PrefixOf(argument, target),
            "endsWith": z3.SuffixOf(argument, target),
            "contains": z3.Contains(target, argument),
        }[node.method]
        return z3.And(defined, holds), z3.And(defined, z3.Not(holds))
    if isinstance(node, ir.InList):
        item, idef, ikind = _value(node.item, v)
        options = []
        defined = idef
        for option in node.options:
            value, odef, okind = _value(option, v)
            defined = z3.And(defined, odef)
            if okind == ikind:
                options.append(item == value)
        holds = z3.Or(*options) if options else z3.BoolVal(False)
        return z3.And(defined, holds), z3.And(defined, z3.Not(holds))
    if isinstance(node, (ir.Attr, ir.TimeCall)) or (
        isinstance(node, ir.StrCall) and node.method == "extract"
    ):
        _value(node, v)  # raises Undecidable for the constructs we do not model
        return z3.BoolVal(False), z3.BoolVal(False)  # an attribute is not a bool: error
    raise Undecidable(f"condition construct {type(node).__name__}")
