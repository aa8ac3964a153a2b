"""One condition clause as a solver formula, mirroring checker.aws.conditions.evaluate_clause.

Rules mirrored (IAM User Guide, "IAM JSON policy elements: Condition operators", "Creating a condition
with multiple context keys or values", "Set operators for multivalued context keys"):
- a missing key makes a clause false, except negated operators (true), `...IfExists` (true),
  ForAllValues (true) and ForAnyValue (false); Null tests presence alone;
- several policy values are ORed; a negated operator holds when no value matches;
- ForAllValues: every request value holds; ForAnyValue: at least one does; a single-valued operator on a
  list: a positive operator needs one matching value, a negated one needs every value to hold;
- a policy value whose variable cannot be filled is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import z3

from checker.aws.analyze.fixed_keys import decided_by_fixed_keys
from checker.aws.analyze.globs import Unsupported, arn_matches, arn_pieces, glob_matches, literal
from checker.aws.analyze.keys import FAMILY_OF_OPERATOR, KeyModel, Slot
from checker.aws.analyze.regions import Item, items_of
from checker.aws.analyze.terms import all_of, any_of
from checker.aws.conditions.arn import split_pieces
from checker.aws.policy import ConditionClause
from checker.aws.variables import Variable

if TYPE_CHECKING:
    from checker.aws.analyze.symbolic import RequestSpace

Hit = Callable[[Slot], z3.BoolRef]


def encode_clause(clause: ConditionClause, space: RequestSpace) -> z3.BoolRef:
    constant = decided_by_fixed_keys(clause, space.fixed)
    if constant is not None:
        return z3.BoolVal(constant)
    key = space.key(clause.key_lower)
    name = clause.operator.name
    if name == "Null":
        wanted = clause.prepared or ()
        return any_of([z3.Not(key.present) if absent else key.present for absent in wanted])
    family = FAMILY_OF_OPERATOR[name]
    if family == "binary":
        raise Unsupported(f"{clause.operator_text} on {clause.key} (binary values)")
    if key.family != family:
        raise Unsupported(f"{clause.key} is compared both as text and as a number, date or address")
    hit = _hit_builder(clause, space, key)
    negated = clause.operator.negated

    def holds(slot: Slot) -> z3.BoolRef:
        result = hit(slot)
        return z3.Not(result) if negated else result

    slots = key.slots
    if clause.set_operator == "ForAllValues" or (clause.set_operator is None and negated):
        when_present = all_of([z3.Implies(s.used, holds(s)) for s in slots])
    else:
        when_present = any_of([all_of([s.used, holds(s)]) for s in slots])
    if clause.if_exists or clause.set_operator == "ForAllValues":
        when_absent: bool = True
    elif clause.set_operator == "ForAnyValue":
        when_absent = False
    else:
        when_absent = negated
    return z3.If(key.present, when_present, z3.BoolVal(when_absent))


def _resolved(tokens: tuple[Any, ...], space: RequestSpace) -> tuple[list[object], z3.BoolRef]:
    """Pieces with variables replaced by solver terms, and when every variable can be filled."""
    pieces: list[object] = []
    oks: list[z3.BoolRef] = []
    for token in tokens:
        if isinstance(token, Variable):
            ok, term = space.variable(token)
            pieces.append(term)
            oks.append(ok)
        else:
            pieces.append(token)
    return pieces, z3.And(*oks) if oks else z3.BoolVal(True)


def _has_variable(tokens: tuple[Any, ...]) -> bool:
    return any(isinstance(t, Variable) for t in tokens)


def _hit_builder(clause: ConditionClause, space: RequestSpace, key: KeyModel) -> Hit:
    name = clause.operator.name
    if key.domain is not None and (name.startswith("String") or name.startswith("Arn") or name == "Bool"):
        return _region_hit(clause, key)
    if name in ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike"):
        resolved = [_resolved(tokens, space) for tokens in clause.values]

        def string_hit(slot: Slot) -> z3.BoolRef:
            assert slot.text is not None
            return z3.Or(*[z3.And(ok, glob_matches(slot.text, pieces)) for pieces, ok in resolved])

        return string_hit
    if name in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "Bool"):
        if any(_has_variable(tokens) for tokens in clause.values):
            raise Unsupported(f"a policy variable inside {clause.operator_text}")
        regexes = [_case_insensitive(_text(tokens).lower()) for tokens in clause.values]

        def folded_hit(slot: Slot) -> z3.BoolRef:
            assert slot.text is not None
            return z3.Or(*[z3.InRe(slot.text, regex) for regex in regexes])

        return folded_hit
    if name.startswith("Arn"):
        if any(_has_variable(tokens) for tokens in clause.values):
            raise Unsupported(f"a policy variable inside {clause.operator_text} (it may shift ARN fields)")
        patterns = [split_pieces(list(tokens)) for tokens in clause.values]

        def arn_hit(slot: Slot) -> z3.BoolRef:
            assert slot.text is not None
            options = []
            for fields in patterns:
                # A value with fewer than six fields never matches an ARN field by field (arn.py).
                options.append(arn_matches(slot.text, fields) if len(fields) == 6 else z3.BoolVal(False))
            return z3.Or(*options)

        return arn_hit
    prepared = clause.prepared
    if prepared is None:
        raise Unsupported(f"a policy variable inside {clause.operator_text}")
    if name.startswith("Numeric") or name.startswith("Date"):
        if any(not math.isfinite(v) for v in prepared):
            raise Unsupported(f"an infinite or NaN value in {clause.operator_text}")
        relation = _relation(name)

        def number_hit(slot: Slot) -> z3.BoolRef:
            assert slot.valid is not None and slot.number is not None
            return z3.And(slot.valid, z3.Or(*[relation(slot.number, z3.RealVal(v)) for v in prepared]))

        return number_hit
    if name in ("IpAddress", "NotIpAddress"):

        def ip_hit(slot: Slot) -> z3.BoolRef:
            assert slot.ip_version is not None and slot.ip_address is not None
            return z3.Or(
                *[
                    z3.And(
                        slot.ip_version == net.version,
                        slot.ip_address >= int(net.network_address),
                        slot.ip_address <= int(net.broadcast_address),
                    )
                    for net in prepared
                ]
            )

        return ip_hit
    raise Unsupported(f"the condition operator {clause.operator_text}")


def _text(tokens: tuple[Any, ...]) -> str:
    return "".join(t for t in tokens if isinstance(t, str))


def _region_hit(clause: ConditionClause, key: KeyModel) -> Hit:
    """Matches of a key reasoned about by regions: each policy value becomes one automaton pattern."""
    name = clause.operator.name
    domain = key.domain
    assert domain is not None
    patterns: list[tuple[Item, ...]] = []
    for tokens in clause.values:
        if name in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "Bool"):
            patterns.append(_case_insensitive_items(_text(tokens).lower()))
        elif name.startswith("Arn"):
            fields = split_pieces(list(tokens))
            if len(fields) == 6:  # a value with fewer than six fields never matches (arn.py)
                patterns.append(items_of(arn_pieces(fields)))
        else:
            patterns.append(items_of(list(tokens)))

    def region_hit(slot: Slot) -> z3.BoolRef:
        assert slot.region is not None
        return any_of([domain.matches(slot.region, items) for items in patterns])

    return region_hit


def _case_insensitive_items(policy_lower: str) -> tuple[Item, ...]:
    """Automaton items for every text whose str.lower() equals `policy_lower`."""
    if "i\u0307" in policy_lower:
        raise Unsupported("a dotted i (U+0307) in a case-insensitive comparison")
    preimages = _lowercase_preimages()
    items: list[Item] = []
    for char in policy_lower:
        same = {char} if char.lower() == char else set()
        items.append(("lit", frozenset(same | set(preimages.get(char, ())))))
    return tuple(items)


def _relation(name: str) -> Callable[[z3.ArithRef, z3.ArithRef], z3.BoolRef]:
    suffix = name.removeprefix("Numeric").removeprefix("Date")
    relations: dict[str, Callable[[z3.ArithRef, z3.ArithRef], Any]] = {
        "Equals": lambda a, b: a == b,
        "NotEquals": lambda a, b: a == b,  # negation is applied by the caller
        "LessThan": lambda a, b: a < b,
        "LessThanEquals": lambda a, b: a <= b,
        "GreaterThan": lambda a, b: a > b,
        "GreaterThanEquals": lambda a, b: a >= b,
    }
    return relations[suffix]


_BLOCK = 256


@cache
def _lowercase_preimages() -> dict[str, tuple[str, ...]]:
    """For each character, the other characters whose str.lower() is that character (e.g. KELVIN SIGN -> k).

    Most of these code points have no case: a block of them that lowercases to itself as one string
    holds no character that changes (a lowercase is never empty, so a block with one change differs), and
    only the other blocks are looked at character by character, in the same order."""
    result: dict[str, list[str]] = {}
    for start in range(0, 0x30000, _BLOCK):
        if 0xD800 <= start <= 0xDFFF:
            continue  # the surrogates fill whole blocks
        block = "".join(map(chr, range(start, start + _BLOCK)))
        if block.lower() == block:
            continue
        for char in block:
            lowered = char.lower()
            if lowered != char and len(lowered) == 1:
                result.setdefault(lowered, []).append(char)
    return {k: tuple(v) for k, v in result.items()}


def _case_insensitive(policy_lower: str) -> z3.ReRef:
    """Every text whose str.lower() equals `policy_lower`."""
    if "i\u0307" in policy_lower:
        raise Unsupported("a dotted i (U+0307) in a case-insensitive comparison")
    preimages = _lowercase_preimages()
    parts = []
    for char in policy_lower:
        same = [char] if char.lower() == char else []
        options = [z3.Re(literal(c)) for c in same + list(preimages.get(char, ()))]
        if not options:
            return z3.Empty(z3.ReSort(z3.StringSort()))  # no text lowercases to this character
        parts.append(options[0] if len(options) == 1 else z3.Union(*options))
    if not parts:
        return z3.Re(literal(""))
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)
