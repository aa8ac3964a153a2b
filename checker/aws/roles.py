"""Principals a lab's platform defines (setting `roles`): which submitted files apply to which callers.

A multi-tenant lab has many principals: each team's admin, the roles an admin creates, the per-job
sessions the orchestrator mints, an operator. Each entry names the callers it covers (an ARN glob), the
identity policies (logical submission names or lab-provided policies), the permissions boundary, the
session policy (a template filled with the entry's `fill` values, see templates.py) and the principal
tags AWS puts in the request context as aws:PrincipalTag/<key> (session tags for a session).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.aws.wildcard import compile_glob
from checker.core.errors import InputError
from checker.core.source import LoadedDocument
from checker.core.templates import fill_template

ROLE_FIELDS = frozenset({"principal", "tags", "policies", "boundary", "session", "fill"})

PolicyMaker = Callable[[Any, str, PolicyKind], Policy]


@dataclass(frozen=True)
class RoleEntry:
    principal: str  # an ARN or an ARN glob (`*` and `?`)
    identity: tuple[Policy, ...]
    boundary: Policy | None = None
    session: Policy | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def covers(self, principal: str) -> bool:
        return compile_glob(self.principal).matches(principal)

    @property
    def layers(self) -> list[list[Policy]]:
        """The policy types that must each allow: identity, then boundary and session when present."""
        found = [list(self.identity)]
        found += [[p] for p in (self.boundary, self.session) if p is not None]
        return found

    def tag_context(self) -> dict[str, str]:
        return {f"aws:PrincipalTag/{key}": value for key, value in self.tags.items()}


def role_entries(
    value: Any, files: Mapping[str, LoadedDocument], as_policy: PolicyMaker
) -> tuple[RoleEntry, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InputError("setting roles: expected a list of {principal, policies, boundary, session, tags}")
    return tuple(_entry(item, f"roles[{i}]", files, as_policy) for i, item in enumerate(value))


def _entry(item: Any, name: str, files: Mapping[str, LoadedDocument], as_policy: PolicyMaker) -> RoleEntry:
    if not isinstance(item, Mapping) or not isinstance(item.get("principal"), str):
        raise InputError(f"setting {name}: needs `principal`, an ARN or ARN glob")
    unknown = set(item) - ROLE_FIELDS
    if unknown:
        raise InputError(f"setting {name}: unknown field(s) {', '.join(sorted(unknown))}")
    tags = _texts(item.get("tags"), f"{name}.tags")
    fill = _texts(item.get("fill"), f"{name}.fill") or dict(tags)

    def policy(ref: Any, what: str, kind: PolicyKind) -> Policy:
        if isinstance(ref, str):
            if ref not in files:
                raise InputError(f"setting {what}: {ref!r} is not a submission file ({', '.join(files)})")
            document = files[ref]
            if kind is PolicyKind.SESSION:
                document = fill_template(document, fill)
            return parse_policy(document, name=document.path, kind=kind)
        return as_policy(ref, what, kind)

    refs = item.get("policies") or []
    if not isinstance(refs, list):
        raise InputError(f"setting {name}.policies: expected a list")
    identity = tuple(policy(ref, f"{name}.policies[{i}]", PolicyKind.IDENTITY) for i, ref in enumerate(refs))
    boundary = item.get("boundary")
    session = item.get("session")
    return RoleEntry(
        principal=item["principal"],
        identity=identity,
        boundary=None if boundary is None else policy(boundary, f"{name}.boundary", PolicyKind.BOUNDARY),
        session=None if session is None else policy(session, f"{name}.session", PolicyKind.SESSION),
        tags=tags,
    )


def _texts(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise InputError(f"setting {name}: expected a mapping of names to texts")
    return {str(k): v for k, v in value.items()}
