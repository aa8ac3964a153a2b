"""Drift: every difference between the IAM an account should have (declared) and what it has (state).

Both sides are account snapshots (snapshot.py's format, each validated by its loader first, so a bad
file is an InputError at its line). Entities are matched by kind and name; for each one the path, the
permissions boundary, the attached managed policies, the inline policies (by name and document), the
group memberships and the trust policy are compared, and managed policies by document. Documents are
compared as JSON values after normalising what IAM itself treats alike (a single Action/Resource string
and a one-item list, key order); any other change is reported, with the JSON pointer of the entity in
the state file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from checker.aws.analyze.snapshot import load_snapshot
from checker.core.source import LoadedDocument

KINDS = ("groups", "users", "roles")
SINGULAR = {"groups": "group", "users": "user", "roles": "role"}
# Statement elements whose single string IAM reads as a one-item list.
LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")


@dataclass(frozen=True)
class Difference:
    kind: str  # extra, missing, boundary-detached, boundary-changed, policy-changed, attached, ...
    entity: str  # "role risk-admin", "policy team-boundary"
    detail: str
    where: str  # "state.json:12:5" when the entity exists in the state, else the declared file's place

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "entity": self.entity, "detail": self.detail, "where": self.where}


def drift(declared: LoadedDocument, state: LoadedDocument) -> list[Difference]:
    load_snapshot(declared)  # validates both: unknown fields, missing references, bad policies
    load_snapshot(state)
    found: list[Difference] = []
    found += _policies(declared, state)
    for kind in KINDS:
        found += _entities(kind, declared, state)
    return found


def normal(document: Any) -> Any:
    """A policy document with the forms IAM treats alike made equal."""
    if isinstance(document, dict):
        result = {}
        for key, value in document.items():
            if key in LIST_ELEMENTS and isinstance(value, str):
                value = [value]
            if key in LIST_ELEMENTS and isinstance(value, list):
                value = sorted(str(v) for v in value)
            elif key == "Statement" and isinstance(value, dict):
                value = [value]
            result[key] = normal(value)
        return result
    if isinstance(document, list):
        return [normal(item) for item in document]
    return document


def _same(left: Any, right: Any) -> bool:
    return json.dumps(normal(left), sort_keys=True) == json.dumps(normal(right), sort_keys=True)


def _where(document: LoadedDocument, pointer: str) -> str:
    return str(document.locate(pointer))


def _presence(entity: str, declared_at: str | None, state_at: str | None) -> Difference | None:
    """`missing` when only declared, `extra` when only in the account, None when in both."""
    if state_at is None and declared_at is not None:
        return Difference("missing", entity, "declared but not in the account", declared_at)
    if declared_at is None and state_at is not None:
        return Difference("extra", entity, "in the account but not declared", state_at)
    return None


def _policies(declared: LoadedDocument, state: LoadedDocument) -> list[Difference]:
    found: list[Difference] = []
    want: dict[str, Any] = declared.data.get("policies") or {}
    have: dict[str, Any] = state.data.get("policies") or {}
    for name in sorted(set(want) | set(have)):
        entity = f"policy {name}"
        declared_at = _where(declared, f"/policies/{name}") if name in want else None
        state_at = _where(state, f"/policies/{name}") if name in have else None
        presence = _presence(entity, declared_at, state_at)
        if presence is not None:
            found.append(presence)
        elif not _same(want[name], have[name]):
            detail = "its document differs from the declared one (changed out of band)"
            found.append(Difference("policy-changed", entity, detail, str(state_at)))
    return found


def _entities(kind: str, declared: LoadedDocument, state: LoadedDocument) -> list[Difference]:
    found: list[Difference] = []
    want = {e["name"]: (i, e) for i, e in enumerate(declared.data.get(kind) or [])}
    have = {e["name"]: (i, e) for i, e in enumerate(state.data.get(kind) or [])}
    for name in sorted(set(want) | set(have)):
        entity = f"{SINGULAR[kind]} {name}"
        declared_at = _where(declared, f"/{kind}/{want[name][0]}") if name in want else None
        state_at = _where(state, f"/{kind}/{have[name][0]}") if name in have else None
        presence = _presence(entity, declared_at, state_at)
        if presence is not None:
            found.append(presence)
        else:
            found += _fields(entity, want[name][1], have[name][1], str(state_at))
    return found


def _fields(entity: str, expected: dict[str, Any], actual: dict[str, Any], where: str) -> list[Difference]:
    found: list[Difference] = []
    if expected.get("path", "/") != actual.get("path", "/"):
        found.append(
            Difference(
                "path-changed",
                entity,
                f"path {actual.get('path', '/')!r}, declared {expected.get('path', '/')!r}",
                where,
            )
        )
    want_boundary, have_boundary = expected.get("boundary"), actual.get("boundary")
    if want_boundary and not have_boundary:
        found.append(
            Difference(
                "boundary-detached", entity, f"permissions boundary {want_boundary} is not attached", where
            )
        )
    elif want_boundary != have_boundary:
        found.append(
            Difference(
                "boundary-changed",
                entity,
                f"permissions boundary {have_boundary}, declared {want_boundary}",
                where,
            )
        )
    for field, label in (("attached", "managed policy"), ("groups", "group membership")):
        want_set, have_set = set(expected.get(field) or []), set(actual.get(field) or [])
        for extra in sorted(have_set - want_set):
            found.append(
                Difference(f"extra-{field}", entity, f"{label} {extra} is attached but not declared", where)
            )
        for missing in sorted(want_set - have_set):
            found.append(
                Difference(f"missing-{field}", entity, f"declared {label} {missing} is not attached", where)
            )
    want_inline: dict[str, Any] = expected.get("inline") or {}
    have_inline: dict[str, Any] = actual.get("inline") or {}
    for name in sorted(set(want_inline) | set(have_inline)):
        if name not in have_inline:
            found.append(
                Difference("missing-inline", entity, f"declared inline policy {name} is not there", where)
            )
        elif name not in want_inline:
            found.append(Difference("extra-inline", entity, f"inline policy {name} is not declared", where))
        elif not _same(want_inline[name], have_inline[name]):
            found.append(
                Difference(
                    "policy-changed", entity, f"inline policy {name} differs from the declared one", where
                )
            )
    if ("trust" in expected or "trust" in actual) and not _same(expected.get("trust"), actual.get("trust")):
        found.append(
            Difference("trust-changed", entity, "its trust policy differs from the declared one", where)
        )
    return found
