"""Narrow a `within` question before the prover answers it: to one identity's requests, and to some permissions.

A lab whose one configuration holds several service accounts (lab 02: one per pipeline stage) asks about each
account in turn. In an allow policy a principal is granted a role exactly by the bindings with a member that
names it ("Principal identifiers": a `serviceAccount:` member names one account; `allAuthenticatedUsers`,
`group:` (through the lab's `groups`) and `principalSet://` sets may name it too), so the requests one
identity can make are exactly those of the bindings naming it, each with that identity as its only member.

A question may also be about some permissions only (the `permissions` of an envelope): each binding keeps the
permissions of its role among those, as a custom role of its own, and a binding left with none is dropped.
The prover then answers "of these permissions, does the identity hold any beyond the envelope", which is how
separation of duties ("can it hold this duty at all?") and the act-as check ("actAs on which accounts?") are
asked in GCP terms, where a role cannot say "every permission but these".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from checker.gcp.analyze.within import witness
from checker.gcp.evaluate import role_permissions
from checker.gcp.location import Loc
from checker.gcp.members import Member, MemberKind, parse_allow_member, parse_principal
from checker.gcp.model import Binding, CustomRole, PolicySet

# Custom roles made for a narrowed question live under a project no lab can name (project ids are 6-30
# characters of lowercase letters, digits and hyphens: "Creating and managing projects").
_QUESTION_ROLES = "projects/_narrowed_question/roles/"


def identity_member(identity: str) -> Member:
    """The lab's identity (`serviceAccount:...`, `user:...`, `principal://...`) as a member."""
    return parse_allow_member(identity, Loc(label="setting identity"))


def of_identity(bindings: Sequence[Binding], identity: str, groups: Mapping[str, list[object]]) -> list[Binding]:
    """The bindings that name `identity`, each with the identity as its only member.

    The identity's groups are read as a request's are (`parse_principal`), so a `group:` member names it
    exactly when the evaluator would say so. A binding with a convenience member (`projectViewer:...`) keeps
    that member: whether it names the identity depends on the basic roles the identity holds, which the prover
    does not analyse, so the answer is "unknown" naming it, never a grant silently left out."""
    member = identity_member(identity)
    principal = witness(member, set())
    if principal is None:
        return []
    memberships = groups.get(identity)
    if memberships:
        canonical = parse_principal(identity, list(memberships), None, Loc(label=f"setting groups of {identity}"))
        principal = replace(principal, groups=principal.groups | canonical.groups)
    kept: list[Binding] = []
    for binding in bindings:
        convenience = tuple(m for m in binding.members if m.kind is MemberKind.CONVENIENCE)
        if any(m.kind is not MemberKind.CONVENIENCE and m.matches(principal) for m in binding.members):
            kept.append(replace(binding, members=(member, *convenience)))
        elif convenience:
            kept.append(replace(binding, members=convenience))
    return kept


def to_permissions(
    bindings: Sequence[Binding], permissions: frozenset[str], custom_roles: Mapping[str, CustomRole]
) -> tuple[list[Binding], dict[str, CustomRole]]:
    """Each binding with only the permissions of its role among `permissions` (dropped when none are left)."""
    policies = PolicySet(custom_roles=dict(custom_roles))
    roles = dict(custom_roles)
    kept: list[Binding] = []
    for index, binding in enumerate(bindings):
        granted = role_permissions(binding.role, policies) & permissions
        if not granted:
            continue
        name = f"{_QUESTION_ROLES}r{index}"
        roles[name] = CustomRole(name, frozenset(granted), title=f"{binding.role} among the question's permissions")
        kept.append(replace(binding, role=name))
    return kept, roles
