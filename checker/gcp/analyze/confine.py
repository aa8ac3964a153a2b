"""Confinement for GCP (the `confined` check kind): everything one principal may do stays in an envelope.

The question is isolation.search's, with another goal: a request counts when no envelope binding allows
it. The principal's full setting bears on it - principal access boundary, deny rules, then its allow
bindings (doc: "Policy evaluation", https://cloud.google.com/iam/docs/policy-evaluation) - so a request
a boundary or a deny rule refuses is never a counterexample. The envelope's bindings are read as
within.py reads them: bound on the request's resource or an ancestor, or inside the family searched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import z3

from checker.core.decision import DecisionKind
from checker.gcp.analyze.encode import Undecidable, Variables, boolean
from checker.gcp.analyze.locations import Location
from checker.gcp.analyze.within import covers_family, inside, member_covers
from checker.gcp.evaluate import decide, role_permissions
from checker.gcp.location import shown
from checker.gcp.members import Principal
from checker.gcp.model import Binding, CustomRole, PolicySet, Request

_UNREADABLE = re.compile(r"[^A-Za-z0-9._@/=-]+")


@dataclass(frozen=True)
class OutsideEnvelope:
    """The confinement goal: no envelope binding that names the principal allows the request."""

    envelope: tuple[Binding, ...]
    principal: Principal
    custom_roles: dict[str, CustomRole] = field(default_factory=dict)

    @property
    def policies(self) -> PolicySet:
        return PolicySet(self.envelope, custom_roles=self.custom_roles)

    def _naming(self) -> list[tuple[int, Binding]]:
        return [
            (i, e) for i, e in enumerate(self.envelope) if any(member_covers(m, self.principal) for m in e.members)
        ]

    def key(self, permission: str) -> tuple[int, ...] | None:
        policies = self.policies
        return tuple(i for i, e in self._naming() if permission in role_permissions(e.role, policies))

    def formula(self, location: Location, variables: Variables, permission: str) -> z3.ExprRef:
        chain = set(location.ancestors)
        if location.fixed is not None:
            chain.add(location.fixed)
        policies = self.policies
        allowing: list[z3.ExprRef] = []
        for _, e in self._naming():
            if permission not in role_permissions(e.role, policies):
                continue
            if e.attached not in chain and not covers_family(e, location):
                continue
            if e.condition is None:
                applies: z3.ExprRef = z3.BoolVal(True)
            else:
                tree = e.condition.compiled.fast
                if tree is None:
                    raise Undecidable(
                        f"the envelope condition {shown(e.condition.title or e.condition.expression)} "
                        f"({e.condition.compiled.unsupported})"
                    )
                applies = boolean(tree, variables)[0]
            if e.attached not in chain:
                applies = z3.And(applies, inside(e, variables.name))
            allowing.append(applies)
        return z3.Not(z3.Or(*allowing)) if allowing else z3.BoolVal(True)

    def holds(self, request: Request) -> bool:
        return decide(self.policies, request, explain=False).kind is not DecisionKind.ALLOW

    def names(self, request: Request, location: Location, permission: str) -> list[str]:
        relative = request.resource.relative
        names = [location.preferred_name(permission), _UNREADABLE.sub("x", relative)]
        return [n for n in dict.fromkeys(names) if n != relative]


def envelope_goal(
    envelope: Sequence[Binding], principal: Principal, custom_roles: dict[str, CustomRole]
) -> OutsideEnvelope:
    return OutsideEnvelope(tuple(envelope), principal, dict(custom_roles))


__all__ = ["OutsideEnvelope", "envelope_goal"]
