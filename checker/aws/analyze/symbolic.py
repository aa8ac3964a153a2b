"""Policies as solver formulas over one symbolic request (action class, resource, context).

The request is: an action class (see actions.py), a resource string, and the context keys the policies
mention (see keys.py). A statement applies when its action, resource and condition parts all hold,
exactly as checker.aws.evaluate decides it; a set of identity-style policies allows a request when some
Allow statement applies and no Deny statement does.

Constructs the encoding does not decide exactly are not guessed: the statement part that holds one is
replaced by the value that makes the analysed claim harder to prove (a policy side gets bigger, an
envelope side smaller), and the construct is recorded. A proof found that way is still a proof; a
counterexample found that way is kept only when the evaluator confirms it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from checker.aws.analyze.actions import ActionClasses, action_classes
from checker.aws.analyze.condition_encoding import encode_clause
from checker.aws.analyze.globs import (
    Unsupported,
    arn_matches,
    arn_pieces,
    arn_regex,
    glob_matches,
    literal,
    six_fields_regex,
    text_of_model,
)
from checker.aws.analyze.keys import KeyModel, Slot, build_keys, key_usage
from checker.aws.analyze.regions import Domain, items_of
from checker.aws.analyze.terms import all_of, any_of, int_is
from checker.aws.policy import Effect, Policy, ResourcePattern, Statement
from checker.aws.variables import Token, Variable
from checker.aws.wildcard import STAR

COLON = ":"


@dataclass
class RequestSpace:
    """The symbolic request shared by every policy in one question."""

    classes: ActionClasses
    keys: dict[str, KeyModel]
    constraints: list[z3.BoolRef]
    action: z3.ArithRef = field(default_factory=lambda: z3.Int("action"))
    resource: z3.SeqRef = field(default_factory=lambda: z3.String("resource"))
    approximations: list[str] = field(default_factory=list)
    resource_domain: Domain | None = None  # set when no resource pattern holds a policy variable
    fixed: Mapping[str, Any] = field(default_factory=dict)  # keys the caller fixes or never sends (None)
    _arn_cache: dict[int, tuple[z3.BoolRef, list[z3.SeqRef]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.constraints.append(self.action >= 0)
        self.constraints.append(self.action < len(self.classes.classes))
        # A request resource is compared field by field only when it has six fields and starts with "arn".
        self.resource_is_arn = z3.InRe(self.resource, arn_regex([["arn"]] + [[STAR]] * 5))
        self._tail: z3.SeqRef | None = None
        self._action_terms: dict[int, z3.BoolRef] = {}
        self.resource_region: z3.ArithRef | None = None
        if self.resource_domain is not None:
            self.resource_region = self.resource_domain.new_variable("resource")

    @property
    def uses_string_solver(self) -> bool:
        """Some string is reasoned about by z3's string theory (policy variables tie it to a key)."""
        return self.resource_domain is None or any(
            slot.text is not None for key in self.keys.values() for slot in key.slots
        )

    def resource_glob(self, pieces: list[object]) -> z3.BoolRef:
        """The request resource matches a fixed glob (regions or solver strings, whichever is in use)."""
        if self.resource_domain is not None:
            assert self.resource_region is not None
            return self.resource_domain.matches(self.resource_region, items_of(pieces))
        return glob_matches(self.resource, pieces)

    def finish(self) -> None:
        """Compute the regions of every domain; raises Unsupported when they are too many."""
        domains = [k.domain for k in self.keys.values() if k.domain is not None]
        if self.resource_domain is not None:
            domains.append(self.resource_domain)
        for domain in domains:
            self.constraints.extend(domain.finish())

    def resource_text(self, model: z3.ModelRef) -> str:
        if self.resource_domain is not None:
            assert self.resource_region is not None
            return self.resource_domain.witness(model, self.resource_region)
        return text_of_model(model.eval(self.resource, model_completion=True))

    def slot_text(self, model: z3.ModelRef, key: KeyModel, slot: Slot) -> str:
        if slot.region is not None:
            assert key.domain is not None
            return key.domain.witness(model, slot.region)
        assert slot.text is not None
        return text_of_model(model.eval(slot.text, model_completion=True))

    def resource_tail(self) -> z3.SeqRef:
        """The resource field of an ARN request (everything after the fifth colon)."""
        if self._tail is None:
            head, tail = z3.String("resource_head"), z3.String("resource_tail")
            self.constraints.append(
                z3.Implies(
                    self.resource_is_arn,
                    z3.And(
                        self.resource == z3.Concat(head, tail),
                        z3.InRe(head, arn_regex([[STAR]] * 5 + [[""]])),
                    ),
                )
            )
            self._tail = tail
        return self._tail

    def key(self, name: str) -> KeyModel:
        model = self.keys.get(name)
        if model is None:
            raise Unsupported(f"the context key {name}")
        return model

    def variable(self, variable: Variable) -> tuple[z3.BoolRef, z3.SeqRef]:
        """(filled, value) for `${key}` or `${key, 'default'}`."""
        model = self.key(variable.key)
        first = model.slots[0].text
        if first is None or model.family != "string":
            raise Unsupported(
                f"the policy variable ${{{variable.key}}} on a key compared as a number, date or address"
            )
        if variable.default is None:
            return model.single, first
        return z3.BoolVal(True), z3.If(model.single, first, literal(variable.default))

    def arn_fields(self, text: z3.SeqRef) -> tuple[z3.BoolRef, list[z3.SeqRef]]:
        """Whether `text.split(":", 5)` has six parts, and the parts (defined only when it has)."""
        cached = self._arn_cache.get(text.get_id())
        if cached is not None:
            return cached
        tag = f"f{len(self._arn_cache)}"
        parts = [z3.String(f"{tag}_{i}") for i in range(6)]
        six = z3.Bool(f"{tag}_six")
        joined = parts[0]
        for part in parts[1:]:
            joined = z3.Concat(joined, literal(COLON), part)
        self.constraints.append(six == z3.InRe(text, six_fields_regex()))
        self.constraints.append(
            z3.Implies(
                six, z3.And(text == joined, *[z3.Not(z3.Contains(p, literal(COLON))) for p in parts[:5]])
            )
        )
        self._arn_cache[text.get_id()] = (six, parts)
        return six, parts

    def action_is(self, class_id: int) -> z3.BoolRef:
        term = self._action_terms.get(class_id)
        if term is None:
            term = int_is(self.action, class_id)
            self._action_terms[class_id] = term
        return term

    def action_in(self, class_ids: frozenset[int] | set[int]) -> z3.BoolRef:
        if not class_ids:
            return z3.BoolVal(False)
        if len(class_ids) > len(self.classes.classes) // 2:
            others = set(range(len(self.classes.classes))) - set(class_ids)
            return all_of([z3.Not(self.action_is(k)) for k in sorted(others)]) if others else z3.BoolVal(True)
        return any_of([self.action_is(k) for k in sorted(class_ids)])


def new_space(
    policies: Sequence[Policy],
    *,
    fixed: Mapping[str, Any] | None = None,
    always_present: Sequence[str] = (),
    always_absent: Sequence[str] = (),
    extra_patterns: Sequence[str] = (),
    strings_by_solver: bool = False,
    single_valued: Sequence[str] = (),
) -> RequestSpace:
    """A symbolic request for the policies. Strings are reasoned about by regions (exact automata) unless
    policy variables tie them together, or `strings_by_solver` asks for z3's string theory throughout."""
    patterns: list[str] = [p.lower() for p in extra_patterns]
    for policy in policies:
        for statement in policy.statements:
            for pattern in (statement.actions or ()) + (statement.not_actions or ()):
                patterns.append(pattern.text.lower())
    classes = action_classes(patterns)
    keys, constraints = build_keys(
        key_usage(policies),
        fixed or {},
        always_present,
        always_absent,
        strings_by_solver=strings_by_solver,
        single_valued=single_valued,
    )
    resource_variables = any(
        isinstance(token, Variable)
        for policy in policies
        for statement in policy.statements
        for pattern in (statement.resources or ()) + (statement.not_resources or ())
        for token in pattern.whole
    )
    domain = None if resource_variables or strings_by_solver else Domain("resource")
    # Keys never sent are as known as fixed ones: a clause on either has one answer (fixed_keys.py).
    known: dict[str, Any] = {k.lower(): None for k in always_absent}
    known.update({k.lower(): v for k, v in (fixed or {}).items()})
    return RequestSpace(classes, keys, constraints, resource_domain=domain, fixed=known)


class Encoder:
    """Turns statements and policies into formulas over one RequestSpace."""

    def __init__(self, space: RequestSpace) -> None:
        self.space = space

    def allows(self, policies: Sequence[Policy], *, widen: bool) -> z3.BoolRef:
        """Some Allow applies and no Deny does. `widen`: approximate toward allowing more (else less)."""
        allows: list[z3.BoolRef] = []
        denies: list[z3.BoolRef] = []
        for policy in policies:
            for statement in policy.statements:
                if statement.effect is Effect.ALLOW:
                    allows.append(self.applies(policy, statement, widen=widen))
                else:
                    denies.append(self.applies(policy, statement, widen=not widen))
        return all_of([any_of(allows), z3.Not(any_of(denies))])

    def applies(self, policy: Policy, statement: Statement, *, widen: bool) -> z3.BoolRef:
        """The statement applies; `widen` says which way to approximate an undecided part."""
        parts = [self.action_part(statement)]
        if statement.resources is not None:
            parts.append(
                any_of(
                    [
                        self.guarded(lambda p=p: self.resource_match(p), widen, policy, statement)
                        for p in statement.resources
                    ]
                )
            )
        elif statement.not_resources is not None:
            parts.append(
                z3.Not(
                    any_of(
                        [
                            self.guarded(lambda p=p: self.resource_match(p), not widen, policy, statement)
                            for p in statement.not_resources
                        ]
                    )
                )
            )
        for clause in statement.conditions:
            parts.append(
                self.guarded(lambda c=clause: encode_clause(c, self.space), widen, policy, statement)
            )
        return all_of(parts)

    def guarded(self, build: Any, fallback: bool, policy: Policy, statement: Statement) -> z3.BoolRef:
        try:
            result: z3.BoolRef = build()
            return result
        except Unsupported as exc:
            note = f"{exc} (in {policy.name}, statement {statement.label})"
            if note not in self.space.approximations:
                self.space.approximations.append(note)
            return z3.BoolVal(fallback)

    def action_part(self, statement: Statement) -> z3.BoolRef:
        classes = self.space.classes
        if statement.actions is not None:
            ids: set[int] = set()
            for pattern in statement.actions:
                ids |= classes.classes_matching(pattern.text.lower())
            return self.space.action_in(ids)
        if statement.not_actions is not None:
            excluded: set[int] = set()
            for pattern in statement.not_actions:
                excluded |= classes.classes_matching(pattern.text.lower())
            return self.space.action_in(set(range(len(classes.classes))) - excluded)
        return z3.BoolVal(False)

    def resource_match(self, pattern: ResourcePattern) -> z3.BoolRef:
        if pattern.universal:
            return z3.BoolVal(True)
        space = self.space
        if space.resource_domain is not None:
            if pattern.fields is not None and pattern.fields[0] == ("arn",):
                return space.resource_glob(arn_pieces([list(f) for f in pattern.fields]))
            return space.resource_glob(list(pattern.whole))
        if pattern.fields is None:
            return self.tokens_match(space.resource, pattern.whole)
        whole = self.tokens_match(space.resource, pattern.whole)
        if pattern.fields is None:
            return whole
        if pattern.fields[0] == ("arn",):
            # Text matching "arn:...:...:...:...:..." has five colons and starts with "arn", so only an
            # ARN request can match and the field-by-field test alone decides.
            return self.fields_match(pattern.fields)
        return z3.Or(
            z3.And(space.resource_is_arn, self.fields_match(pattern.fields)),
            z3.And(z3.Not(space.resource_is_arn), whole),
        )

    def fields_match(self, fields: tuple[tuple[Token, ...], ...]) -> z3.BoolRef:
        """Field-by-field matching of an ARN request (checker.aws.evaluate.resource_matches)."""
        space = self.space
        head_has_variable = any(isinstance(t, Variable) for f in fields[:5] for t in f)
        if head_has_variable:
            six, parts = space.arn_fields(space.resource)
            return z3.And(six, *[self.tokens_match(v, f) for v, f in zip(parts, fields, strict=True)])
        if any(isinstance(t, Variable) for t in fields[5]):
            if fields[0] == ("arn",) and all(all(isinstance(t, str) for t in f) for f in fields[1:5]):
                # A literal head "arn:aws:s3:::" fixes the first five fields: match the whole text.
                joined: list[Token] = [":".join("".join(str(t) for t in f) for f in fields[:5]) + ":"]
                return self.tokens_match(space.resource, tuple(joined) + fields[5])
            head = z3.InRe(space.resource, arn_regex([list(f) for f in fields[:5]] + [[STAR]]))
            return z3.And(head, self.tokens_match(space.resource_tail(), fields[5]))
        return arn_matches(space.resource, fields)

    def tokens_match(self, value: z3.SeqRef, tokens: tuple[Token, ...]) -> z3.BoolRef:
        pieces: list[object] = []
        oks: list[z3.BoolRef] = []
        for token in tokens:
            if isinstance(token, Variable):
                ok, term = self.space.variable(token)
                oks.append(ok)
                pieces.append(term)
            else:
                pieces.append(token)
        return z3.And(*oks, glob_matches(value, pieces))
