"""The one question behind within, compare and diff: is there a request A allows and B does not?

Both sides are identity-style policy sets (Allow minus Deny). The answer is a proof (the solver finds
no such request), concrete requests the evaluator confirms, or "unknown" naming what stopped the proof.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import z3

from checker.aws import catalog
from checker.aws.analyze import examples, limits, recheck, regions
from checker.aws.analyze.globs import Unsupported
from checker.aws.analyze.keys import ALWAYS_PRESENT, KeyModel
from checker.aws.analyze.substitute import example_value, substitute, variable_keys
from checker.aws.analyze.symbolic import Encoder, RequestSpace, new_space
from checker.aws.analyze.terms import assert_all
from checker.aws.policy import Policy, PolicyKind
from checker.aws.wildcard import STAR
from checker.core.danger import rank
from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample
from checker.core.solver_budget import BudgetedSolver, set_budget, why_unknown

PROOF_TIMEOUT_MS = 5_000
MAX_PROBES = 4
FITTING_CANDIDATES = 300
MAX_UNCONFIRMED = 3
IDENTITY_STYLE = (PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP)
PRINCIPAL_KEYS = ("aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username")


def as_list(value: Policy | Sequence[Policy], role: str) -> list[Policy]:
    policies = [value] if isinstance(value, Policy) else list(value)
    for policy in policies:
        if not isinstance(policy, Policy):
            raise InputError(f"{role}: expected a parsed policy, got {type(policy).__name__}")
        if policy.kind not in IDENTITY_STYLE:
            raise InputError(
                f"{role} {policy.name!r} is a {policy.kind.value} policy; this analysis compares identity-style "
                "policies (identity, boundary, session, SCP)",
                hint="for a bucket or key policy use is_public; for a trust policy see the linter's trust findings",
            )
    return policies


@dataclass(frozen=True)
class CallerSetting:
    """A caller other than an identity-policy holder (is_public): its fixed and absent context keys, and
    how the evaluator confirms an example for it."""

    fixed: Mapping[str, object]
    absent: tuple[str, ...]
    confirm: Callable[[Counterexample], bool]
    single_valued: tuple[str, ...] = ()  # keys derived from a caller that is not fixed: one value at most
    present: tuple[str, ...] = ()  # keys the caller always sends, with a value it does not choose
    resource_account: str | None = None  # the account that owns the resources in question, when known


@dataclass
class Difference:
    """A solved question: a proof, confirmed requests, or what could not be decided."""

    status: WithinStatus
    examples: tuple[Counterexample, ...] = ()
    reason: str = ""

    def as_within(self) -> WithinResult:
        return WithinResult(self.status, self.examples, self.reason)


class Question:
    """Requests that `inside` allows and `outside` does not, over one shared symbolic request."""

    def __init__(
        self,
        inside: Sequence[Policy],
        outside: Sequence[Policy],
        principal: str | None,
        timeout_ms: int = PROOF_TIMEOUT_MS,
        *,
        caller: CallerSetting | None = None,
        assigned: Mapping[str, str] | None = None,
        originals: tuple[Sequence[Policy], Sequence[Policy]] | None = None,
        layers: Sequence[Sequence[Policy]] | None = None,
    ) -> None:
        # `layers`: the inside side is several policy types that must each allow (identity, boundary,
        # session, one per SCP level), as AWS intersects them; `inside` is then their union, for the keys.
        self.layers = [list(layer) for layer in layers] if layers is not None else None
        if self.layers is not None:
            inside = [p for layer in self.layers for p in layer]
        self.inside = list(inside)
        self.outside = list(outside)
        limits.check_policies(self.inside + self.outside)  # refuse, located, what no proof could finish
        # Variables already replaced by these values (see substitute.py); they join every example's context,
        # and examples are confirmed on the original policies.
        self.assigned = dict(assigned or {})
        self.originals = originals
        self.principal = principal
        self.timeout_ms = timeout_ms
        self.fixed: dict[str, object] = {}
        self.caller = caller
        if caller is not None:
            self.fixed = dict(caller.fixed)
        elif principal is not None:
            recheck.caller_account(principal)  # fails early, with a plain message, on a bad principal
            self.fixed = recheck.principal_context(principal)
        self.fixed.update(self.assigned)
        self.space = self._new_space(strings_by_solver=False)
        self.key_names = _original_key_names(self.inside + self.outside)
        self.preferred_actions = frozenset(
            p.text.lower()
            for policy in self.inside
            for s in policy.statements
            for p in s.actions or ()
            if "*" not in p.text and "?" not in p.text
        )

    def _new_space(self, strings_by_solver: bool) -> RequestSpace:
        policies = self.inside + self.outside
        if self.caller is not None:
            return new_space(
                policies,
                fixed=self.fixed,
                always_absent=list(self.caller.absent),
                always_present=list(self.caller.present),
                strings_by_solver=strings_by_solver,
                single_valued=self.caller.single_valued,
            )
        if self.principal is not None:
            absent = [k for k in PRINCIPAL_KEYS if k not in self.fixed]
            return new_space(
                policies, fixed=self.fixed, always_absent=absent, strings_by_solver=strings_by_solver
            )
        return new_space(policies, always_present=ALWAYS_PRESENT, strings_by_solver=strings_by_solver)

    def differences(self, limit: int) -> Difference:
        with regions.proof_budget():
            return self._differences(limit)

    def _differences(self, limit: int) -> Difference:
        try:
            if self.space.uses_string_solver and not self.assigned:
                quick = self._with_example_values(limit)
                if quick is not None and quick.status is WithinStatus.COUNTEREXAMPLE:
                    return quick
            return self._solve(limit)
        except Unsupported as exc:  # raised outside a statement (should be rare): never a proof
            return Difference(WithinStatus.UNKNOWN, reason=str(exc))
        except z3.Z3Exception as exc:
            return Difference(WithinStatus.UNKNOWN, reason=f"the solver failed: {exc}")

    def _with_example_values(self, limit: int) -> Difference | None:
        """Look for counterexamples with every free policy variable set to an example value, then to the
        values the conditions compare that key with (a few probes at most)."""
        never_sent = set(self.caller.absent) if self.caller is not None else set()
        if self.principal is not None and self.caller is None:
            never_sent |= {k for k in PRINCIPAL_KEYS if k not in self.fixed}
        keys = [
            k
            for k in variable_keys(self.inside + self.outside)
            if k not in self.fixed and k not in never_sent
        ]
        if not keys:
            return None
        base = {k: example_value(k) for k in keys}
        assignments = [base]
        for key in keys:
            for literal_value in _compared_values(self.inside + self.outside, key)[:2]:
                assignments.append({**base, key: literal_value})
        result: Difference | None = None
        for values in assignments[:MAX_PROBES]:
            probe = Question(
                [substitute(p, values) for p in self.inside],
                [substitute(p, values) for p in self.outside],
                self.principal,
                self.timeout_ms,
                caller=self.caller,
                assigned=values,
                originals=(self.inside, self.outside),
                layers=None
                if self.layers is None
                else [[substitute(p, values) for p in layer] for layer in self.layers],
            )
            result = probe.differences(limit)
            if result.status is WithinStatus.COUNTEREXAMPLE:
                return result
        return result

    def _solve(self, limit: int) -> Difference:
        space = self.space
        encoder = Encoder(space)
        if self.layers is None:
            inside_allows = encoder.allows(self.inside, widen=True)
        else:
            inside_allows = z3.And(*[encoder.allows(layer, widen=True) for layer in self.layers])
        outside_allows = encoder.allows(self.outside, widen=False)
        rules = self._evaluator_rules()
        try:
            space.finish()
        except Unsupported:
            # Too many interacting patterns for the automaton product: fall back to z3's string theory.
            self.space = self._new_space(strings_by_solver=True)
            return self._solve(limit)
        solver = BudgetedSolver(self.timeout_ms)
        assert_all(solver, space.constraints)
        assert_all(solver, rules)
        assert_all(solver, [inside_allows, z3.Not(outside_allows)])
        verdict = solver.check()
        if verdict == z3.unsat:
            return Difference(WithinStatus.PROVED)
        if verdict == z3.unknown:
            return Difference(
                WithinStatus.UNKNOWN, reason=f"the solver could not decide ({why_unknown(solver)})"
            )
        found: list[Counterexample] = []
        unconfirmed = 0
        optional = [
            k for k in space.keys.values() if k.name not in self.fixed and k.name not in ALWAYS_PRESENT
        ]
        shown = [k for k in space.keys.values() if k.name not in self.fixed]
        tiers = [z3.Or([space.action == number for number in tier]) for tier in self._danger_tiers()]
        while len(found) < limit:
            # The most dangerous kind of action first (checker/core/danger.py): escalation, writes, policy
            # changes, reads, metadata. A tier is kept for this example only while the solver finds one in it.
            depth = solver.num_scopes()
            self._enter_most_dangerous(solver, tiers)
            first = solver.model()
            solver.push()
            model = examples.prefer(solver, space, optional, first)
            class_id, example = self._example(model, shown)
            confirmed = self._confirm(example)
            if confirmed:
                telling = self._telling(example)
                if telling.resource == example.resource and not examples.READABLE.fullmatch(example.resource):
                    retry = self._example(examples.readable_resource(solver, space, model), shown)[1]
                    if self._confirm(retry):
                        telling = self._telling(retry)
                example = telling
            # Back to the question itself: the tier and every preference step pushed since (prefer keeps
            # the scopes of the steps that succeeded).
            solver.pop(solver.num_scopes() - depth)
            if confirmed:
                found.append(example)
                solver.add(space.action != class_id)
            else:
                unconfirmed += 1
                if unconfirmed >= MAX_UNCONFIRMED:
                    break
                solver.add(space.action != class_id)
            set_budget(solver, self.timeout_ms)
            if solver.check() != z3.sat:
                break
        if found:
            return Difference(WithinStatus.COUNTEREXAMPLE, tuple(self._fill_up(found, limit)))
        why = (
            "; ".join(space.approximations)
            or "the solver's counterexample was not confirmed by the evaluator"
        )
        return Difference(WithinStatus.UNKNOWN, reason=f"could not decide: {why}")

    def _danger_tiers(self) -> list[list[int]]:
        """Class ids grouped by how dangerous their representative action is, most dangerous first."""
        by_rank: dict[int, list[int]] = {}
        for number, cls in enumerate(self.space.classes.classes):
            action = cls.representative(self.preferred_actions)
            info = catalog.action_info(action)
            by_rank.setdefault(rank(action, info.access_level if info else None), []).append(number)
        # The last tier needs no preference: it is what the solver finds anyway.
        return [by_rank[r] for r in sorted(by_rank)][:-1]

    def _enter_most_dangerous(self, solver: z3.Solver, tiers: list[z3.BoolRef]) -> bool:
        """Push a constraint to the most dangerous tier that still has a counterexample; False if none.

        A tier found empty is dropped from `tiers`: between calls the question only gains constraints (each
        class found is excluded), so it stays empty. A tier the solver could not decide is kept."""
        still_open: list[z3.BoolRef] = []
        for position, tier in enumerate(tiers):
            solver.push()
            solver.add(tier)
            verdict = solver.check()
            if verdict == z3.sat:
                tiers[:] = still_open + tiers[position:]
                return True
            solver.pop()
            if verdict != z3.unsat:
                still_open.append(tier)
        tiers[:] = still_open
        solver.check()  # restore a model of the unrestricted question
        return False

    def _fill_up(self, found: list[Counterexample], limit: int) -> list[Counterexample]:
        """When fewer classes differ than asked for, show other actions of the same classes."""
        result = list(found)
        if len(result) >= limit:
            return result
        for example in found:
            class_id = self.space.classes.class_of(example.action)
            if class_id is None:
                continue
            ranked = self.space.classes.classes[class_id].ranked(self.preferred_actions, FITTING_CANDIDATES)
            members = sorted(ranked, key=lambda a: not examples.fits(a, example.resource))
            for action in members:
                if len(result) >= limit:
                    return result
                if any(e.action == action for e in result):
                    continue
                other = replace(example, action=action)
                if self._confirm(other):
                    result.append(other)
        return result

    def _evaluator_rules(self) -> list[z3.BoolRef]:
        """Requests the evaluator decides the same way for every policy are left out of the search."""
        space = self.space
        rules: list[z3.BoolRef] = []
        for cls in space.classes.classes:
            if cls.tag == "always-allowed":
                rules.append(space.action != cls.index)
            if "managed-policy-write" in cls.tag:
                managed = space.resource_glob(["arn:aws:iam::aws:policy/", STAR])
                rules.append(z3.Implies(space.action == cls.index, z3.Not(managed)))
            if "service-linked-role-write" in cls.tag:
                linked = space.resource_glob([STAR, ":role/aws-service-role/", STAR])
                rules.append(z3.Implies(space.action == cls.index, z3.Not(linked)))
        return rules

    def _example(self, model: z3.ModelRef, shown: list[KeyModel]) -> tuple[int, Counterexample]:
        class_id, example = examples.build_counterexample(
            model, self.space, shown, self.key_names, self.preferred_actions, self.principal
        )
        if self.assigned:
            context = {**{_display_key(k): v for k, v in self.assigned.items()}, **example.context}
            example = replace(example, context=context)
        # The question is what the caller's identity policies grant in its own account (recheck.py), or,
        # for is_public, what the owner's resource policy grants: the example names that account, so that
        # deciding it again exactly as shown gives the same answer whatever account the resource ARN names.
        return class_id, replace(example, resource_account=self._resource_account())

    def _resource_account(self) -> str | None:
        if self.caller is not None:
            return self.caller.resource_account
        return recheck.caller_account(self.principal or recheck.DEFAULT_CALLER)

    def _confirm(self, example: Counterexample) -> bool:
        if self.caller is not None:
            return self.caller.confirm(example)
        inside, outside = self.originals or (self.inside, self.outside)
        return recheck.confirms(example, inside, outside, self.principal)

    def _telling(self, example: Counterexample) -> Counterexample:
        candidates = examples.resource_candidates(
            self.inside, example.action, dict(example.context), example.principal
        )

        def works(resource: str) -> bool:
            return self._confirm(replace(example, resource=resource))

        resource = examples.telling_resource(example.resource, candidates, works)
        telling = replace(example, resource=resource)
        return self._fitting_action(telling)

    def _fitting_action(self, example: Counterexample) -> Counterexample:
        """Prefer an action of the same class whose resource type fits the resource (no DeleteBucket on an
        object ARN): the evaluator does not check resource types, AWS requests always do."""
        if examples.fits(example.action, example.resource):
            return example
        class_id = self.space.classes.class_of(example.action)
        if class_id is None:
            return example
        for action in self.space.classes.classes[class_id].ranked(self.preferred_actions, FITTING_CANDIDATES):
            if action != example.action and examples.fits(action, example.resource):
                other = replace(example, action=action)
                if self._confirm(other):
                    return other
        return example


def _compared_values(policies: Sequence[Policy], key: str) -> list[str]:
    """Plain values (no wildcard) that conditions compare the key with, e.g. "bob" in StringNotEquals."""
    values: list[str] = []
    for policy in policies:
        for statement in policy.statements:
            for clause in statement.conditions:
                if clause.key_lower == key and clause.operator.name.startswith("String"):
                    for value in clause.raw_values:
                        if (
                            "*" not in value
                            and "?" not in value
                            and "${" not in value
                            and value not in values
                        ):
                            values.append(value)
    return values


def _display_key(key: str) -> str:
    """aws:username -> aws:username; aws:principaltag/team -> aws:PrincipalTag/team (keys are case-insensitive)."""
    from checker.aws.catalog import suggest_condition_key

    guess = suggest_condition_key(key)
    return guess if guess and guess.lower() == key.lower() else key


def _original_key_names(policies: Sequence[Policy]) -> dict[str, str]:
    names: dict[str, str] = {}
    for policy in policies:
        for statement in policy.statements:
            for clause in statement.conditions:
                names.setdefault(clause.key_lower, clause.key)
    return names
