"""Symbolic request context: each condition key the policies mention becomes a few solver values.

A key is absent, or holds one or more values (a list). Each key gets a fixed number of value slots; a
slot is used or not, and used slots come first. The number of slots is enough for every answer: each
condition clause on a key is "some value satisfies ..." or "every value satisfies ...", so a request
that separates two policies keeps doing so when its list is cut down to one witness value per clause
(plus one more, so that a list stays a list when a policy variable reads the key).

How a slot's value is represented follows how the policies compare the key: text for string, ARN and
Bool operators and for policy variables; a real number for numeric and date operators (plus "not a
number", which matches nothing); an address and an IP version for IpAddress. A key compared in two
incompatible ways cannot be represented; clauses on it are reported as undecided.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import z3

from checker.aws.analyze.globs import literal
from checker.aws.analyze.regions import Domain
from checker.aws.catalog import condition_key_single_valued
from checker.aws.policy import Policy, ResourcePattern
from checker.aws.variables import Variable

FAMILY_OF_OPERATOR = {
    "StringEquals": "string",
    "StringNotEquals": "string",
    "StringEqualsIgnoreCase": "string",
    "StringNotEqualsIgnoreCase": "string",
    "StringLike": "string",
    "StringNotLike": "string",
    "ArnEquals": "string",
    "ArnLike": "string",
    "ArnNotEquals": "string",
    "ArnNotLike": "string",
    "Bool": "string",
    "NumericEquals": "number",
    "NumericNotEquals": "number",
    "NumericLessThan": "number",
    "NumericLessThanEquals": "number",
    "NumericGreaterThan": "number",
    "NumericGreaterThanEquals": "number",
    "DateEquals": "date",
    "DateNotEquals": "date",
    "DateLessThan": "date",
    "DateLessThanEquals": "date",
    "DateGreaterThan": "date",
    "DateGreaterThanEquals": "date",
    "IpAddress": "ip",
    "NotIpAddress": "ip",
    "BinaryEquals": "binary",
}

# Keys AWS adds to every request made by an AWS principal (IAM User Guide, global condition keys).
ALWAYS_PRESENT = ("aws:principalarn", "aws:principalaccount", "aws:principaltype")


@dataclass
class KeyUsage:
    families: set[str] = field(default_factory=set)
    clauses: int = 0
    variable: bool = False  # read as ${key} somewhere
    variable_values: bool = False  # some clause on this key has a ${...} in its values

    @property
    def family(self) -> str:
        real = self.families - {"binary"}
        if "binary" in self.families:
            return "binary"
        if not real:
            return "string"
        if len(real) > 1:
            return "mixed"
        return next(iter(real))


def _pattern_variables(patterns: Iterable[ResourcePattern]) -> Iterable[str]:
    for pattern in patterns:
        for token in pattern.whole:
            if isinstance(token, Variable):
                yield token.key
        for tokens in pattern.fields or ():
            for token in tokens:
                if isinstance(token, Variable):
                    yield token.key


def key_usage(policies: Iterable[Policy]) -> dict[str, KeyUsage]:
    """How every policy in the list uses each context key (lowercase names)."""
    usage: dict[str, KeyUsage] = {}
    for policy in policies:
        for statement in policy.statements:
            for pattern_key in _pattern_variables(
                (statement.resources or ()) + (statement.not_resources or ())
            ):
                usage.setdefault(pattern_key, KeyUsage()).variable = True
            for clause in statement.conditions:
                entry = usage.setdefault(clause.key_lower, KeyUsage())
                if clause.operator.name != "Null":
                    entry.families.add(FAMILY_OF_OPERATOR[clause.operator.name])
                    entry.clauses += 1
                for tokens in clause.values:
                    for token in tokens:
                        if isinstance(token, Variable):
                            usage.setdefault(token.key, KeyUsage()).variable = True
                            entry.variable_values = True
    return usage


@dataclass
class Slot:
    used: z3.BoolRef
    text: z3.SeqRef | None = None
    valid: z3.BoolRef | None = None  # numbers and dates: False means "not a number"
    number: z3.ArithRef | None = None
    ip_version: z3.ArithRef | None = None  # 0 (not an address), 4 or 6
    ip_address: z3.ArithRef | None = None
    region: z3.ArithRef | None = None  # text compared only with fixed patterns (see regions.py)


@dataclass
class KeyModel:
    name: str  # lowercase
    family: str
    slots: list[Slot]
    variable: bool
    domain: Domain | None = None  # set when the key's text is reasoned about by regions

    @property
    def present(self) -> z3.BoolRef:
        return self.slots[0].used

    @property
    def single(self) -> z3.BoolRef:
        """Exactly one value: a policy variable reads it (a list cannot fill a variable)."""
        if len(self.slots) == 1:
            return self.slots[0].used
        return z3.And(self.slots[0].used, z3.Not(self.slots[1].used))


def build_keys(
    usage: Mapping[str, KeyUsage],
    fixed: Mapping[str, Any],
    always_present: Iterable[str] = (),
    always_absent: Iterable[str] = (),
    strings_by_solver: bool = False,
    single_valued: Iterable[str] = (),
) -> tuple[dict[str, KeyModel], list[z3.BoolRef]]:
    """Solver values for every key, and the constraints that tie them together.

    `fixed` keys hold one known value (those AWS derives from a given principal); `always_present` keys
    are present with any value; `always_absent` keys are never sent; `single_valued` keys hold at most one
    value (those AWS derives from a caller that is not fixed, such as aws:PrincipalArn).
    """
    single = set(single_valued)
    absent = set(always_absent)
    keys: dict[str, KeyModel] = {}
    constraints: list[z3.BoolRef] = []
    forced = set(always_present)
    for number, (name, use) in enumerate(sorted(usage.items())):
        family = use.family
        count = max(1, use.clauses + (1 if use.variable else 0))
        if name in fixed or name in single:
            count = 1
        regular = (
            family == "string"
            and not use.variable
            and not use.variable_values
            and name not in fixed
            and not strings_by_solver
        )
        domain = Domain(f"k{number}") if regular else None
        slots: list[Slot] = []
        for index in range(count):
            tag = f"k{number}_{index}"
            slot = Slot(z3.Bool(f"{tag}_used"))
            if domain is not None:
                slot.region = domain.new_variable(str(index))
            elif family in ("string", "mixed", "binary"):
                slot.text = z3.String(f"{tag}_text")
            elif family in ("number", "date"):
                slot.valid = z3.Bool(f"{tag}_valid")
                slot.number = z3.Real(f"{tag}_number")
            elif family == "ip":
                slot.ip_version = z3.Int(f"{tag}_ipv")
                slot.ip_address = z3.Int(f"{tag}_ip")
                constraints.append(z3.Or(slot.ip_version == 0, slot.ip_version == 4, slot.ip_version == 6))
                constraints.append(slot.ip_address >= 0)
                constraints.append(z3.Implies(slot.ip_version == 4, slot.ip_address < 2**32))
                constraints.append(z3.Implies(slot.ip_version == 6, slot.ip_address < 2**128))
            if index > 0:
                constraints.append(z3.Implies(slot.used, slots[-1].used))
            slots.append(slot)
        model = KeyModel(name, family, slots, use.variable, domain)
        keys[name] = model
        if name in fixed and slots[0].text is not None:
            constraints.append(slots[0].used)
            constraints.append(slots[0].text == literal(str(fixed[name])))
        elif name in forced:
            constraints.append(model.present)
        elif name in absent:
            constraints.append(z3.Not(model.present))
    return keys, constraints


SINGLE_VALUED_TAG_PREFIXES = ("aws:resourcetag/", "aws:requesttag/", "iam:resourcetag/")


def single_valued_keys(policies: Iterable[Policy]) -> tuple[str, ...]:
    """Keys a request carries one value of: tag keys ("aws:ResourceTag/tag-key ... Single-valued",
    "aws:RequestTag/tag-key ... Single-valued", IAM User Guide, AWS global condition context keys) and
    service keys the Service Authorization Reference types as one value (s3:prefix is a String)."""
    found: list[str] = []
    for policy in policies:
        for statement in policy.statements:
            for clause in statement.conditions:
                key = clause.key_lower
                single = key.startswith(SINGLE_VALUED_TAG_PREFIXES) or condition_key_single_valued(key)
                if single and key not in found:
                    found.append(key)
    return tuple(found)
