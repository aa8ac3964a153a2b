"""Drift: every difference between the IAM an account should have (declared) and what it has (state).

Both sides are account snapshots (snapshot.py's format, each validated by its loader first, so a bad
file is an InputError at its line): the declared one written by hand, or read from Terraform by
`checker.iac.terraform.aws_snapshot`; the state an exported file, or read from a live account by
`checker.emulate.state.account.account_document`. Entities are matched by kind and name; for each one
the path, the permissions boundary, the attached managed policies, the inline policies (by name and
document), the group memberships (a user's `groups` and a group's `members` alike), the tags and the
trust policy are compared, and customer managed policies by document (the default version's, which is
the one IAM applies). AWS managed policies are compared only as attachments: nobody can change their
documents out of band ("You cannot change the permissions defined in AWS managed policies", IAM User
Guide, "AWS managed policies"), and two copies of one may be different AWS releases.

Documents are compared after normalising what IAM itself treats alike (IAM User Guide, "Grammar of
the IAM JSON policy language": "If an element takes an array (marked with [ and ]) but includes only one
value, the brackets are optional" and "Quotation marks are optional for numeric and Boolean values"): a
single string and a one-item list, the order of values in a list, the order of statements (each is
evaluated on its own), and key order. Any other change is reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checker.aws.analyze.snapshot import load_snapshot
from checker.core.source import LoadedDocument, pointer_join

KINDS = ("groups", "users", "roles")
SINGULAR = {"groups": "group", "users": "user", "roles": "role"}
# Statement elements whose single string IAM reads as a one-item list of values (an unordered set).
LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
PRINCIPAL_ELEMENTS = ("Principal", "NotPrincipal")
# Tag keys that only AWS sets, in any case ("Don't use aws:, AWS:, or any upper or lowercase combination of
# such as a prefix ... it is reserved for AWS use. You can't edit or delete tag keys or values with this
# prefix", AWS tag restrictions): nobody declares them, so they are never drift.
AWS_TAG_PREFIX = "aws:"


@dataclass(frozen=True)
class Difference:
    kind: str  # extra, missing, boundary-detached, boundary-changed, policy-changed, tag-changed, ...
    entity: str  # "role risk-admin", "policy team-boundary"
    detail: str
    where: str  # "state.json:12:5", or the declared file's place ("main.tf:3:1") when the state has no lines

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "entity": self.entity, "detail": self.detail, "where": self.where}


def drift(declared: LoadedDocument, state: LoadedDocument) -> list[Difference]:
    load_snapshot(declared)  # validates both: unknown fields, missing references, bad policies
    load_snapshot(state)
    found: list[Difference] = []
    found += _policies(declared, state)
    memberships = (_memberships(declared.data), _memberships(state.data))
    for kind in KINDS:
        found += _entities(kind, declared, state, memberships)
    return found


def is_aws_managed(name: str) -> bool:
    """A snapshot names an AWS managed policy by its ARN (arn:aws:iam::aws:policy/...)."""
    return name.startswith("arn:") and ":iam::aws:policy/" in name


def normal(document: Any) -> Any:
    """A policy document with the forms IAM treats alike made equal."""
    if not isinstance(document, dict):
        return document
    result = dict(document)
    statements = result.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if isinstance(statements, list):
        result["Statement"] = sorted((_statement(s) for s in statements), key=_canonical)
    return result


def _statement(statement: Any) -> Any:
    if not isinstance(statement, dict):
        return statement
    result: dict[str, Any] = {}
    for key, value in statement.items():
        if key in LIST_ELEMENTS:
            value = _value_set(value)
        elif key in PRINCIPAL_ELEMENTS and isinstance(value, dict):
            value = {kind: _value_set(ids) for kind, ids in value.items()}
        elif key == "Condition" and isinstance(value, dict):
            value = {
                operator: {k: _value_set(v) for k, v in keys.items()} if isinstance(keys, dict) else keys
                for operator, keys in value.items()
            }
        result[key] = value
    return result


def _value_set(value: Any) -> Any:
    """A value list as IAM reads it: one value or many, quoted or not, in any order."""
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str | int | float | bool) and v is not None for v in items):
        return value  # not a list of values: compared as written (the snapshot loader refuses most)
    return sorted(json.dumps(v) if isinstance(v, bool) else str(v) for v in items)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _same(left: Any, right: Any) -> bool:
    return _canonical(normal(left)) == _canonical(normal(right))


def _where(document: LoadedDocument, pointer: str) -> str:
    """The pointer's line, or for a document without lines (a live account's) the document's name."""
    located = document.locate(pointer)
    return str(located) if located.line is not None or document.positions else document.path


def _place(declared: LoadedDocument, declared_pointer: str, state: LoadedDocument, state_pointer: str) -> str:
    """Where to look: the state's line when it has lines (a file), else the declared line (a .tf file when
    the state was read from a live account), else the entity's pointer in the state."""
    if state.locate(state_pointer).line is not None:
        return _where(state, state_pointer)
    in_declared = declared.locate(declared_pointer)
    return str(in_declared) if in_declared.line is not None else _where(state, state_pointer)


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
    for name in sorted(n for n in set(want) | set(have) if not is_aws_managed(n)):
        entity = f"policy {name}"
        pointer = pointer_join("/policies", name)
        declared_at = _where(declared, pointer) if name in want else None
        state_at = _where(state, pointer) if name in have else None
        presence = _presence(entity, declared_at, state_at)
        if presence is not None:
            found.append(presence)
        elif not _same(want[name], have[name]):
            detail = "its document differs from the declared one (changed out of band)"
            found.append(Difference("policy-changed", entity, detail, _place(declared, pointer, state, pointer)))
    return found


def _memberships(data: dict[str, Any]) -> dict[str, set[str]]:
    """Each user's groups, from the users' `groups` and the groups' `members` (the loader merges both)."""
    found: dict[str, set[str]] = {u["name"]: set(u.get("groups") or []) for u in data.get("users") or []}
    for group in data.get("groups") or []:
        for member in group.get("members") or []:
            found.setdefault(member, set()).add(group["name"])
    return found


def _entities(
    kind: str,
    declared: LoadedDocument,
    state: LoadedDocument,
    memberships: tuple[dict[str, set[str]], dict[str, set[str]]],
) -> list[Difference]:
    found: list[Difference] = []
    want = {e["name"]: (i, e) for i, e in enumerate(declared.data.get(kind) or [])}
    have = {e["name"]: (i, e) for i, e in enumerate(state.data.get(kind) or [])}
    for name in sorted(set(want) | set(have)):
        entity = f"{SINGULAR[kind]} {name}"
        declared_pointer = f"/{kind}/{want[name][0]}" if name in want else ""
        state_pointer = f"/{kind}/{have[name][0]}" if name in have else ""
        declared_at = _where(declared, declared_pointer) if name in want else None
        state_at = _where(state, state_pointer) if name in have else None
        presence = _presence(entity, declared_at, state_at)
        if presence is not None:
            found.append(presence)
            continue
        expected, actual = dict(want[name][1]), dict(have[name][1])
        if kind == "users":
            expected["groups"] = sorted(memberships[0].get(name, set()))
            actual["groups"] = sorted(memberships[1].get(name, set()))
        def where(field: str, at_d: str = declared_pointer, at_s: str = state_pointer) -> str:
            """The place of one field of the entity (its own line when written, else the entity's)."""
            return _place(declared, at_d + field, state, at_s + field)

        found += _fields(entity, expected, actual, where)
    return found


def _fields(
    entity: str, expected: dict[str, Any], actual: dict[str, Any], place: Callable[[str], str]
) -> list[Difference]:
    found: list[Difference] = []
    where = place("")
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
    where = place("/boundary")
    if want_boundary and not have_boundary:
        found.append(
            Difference(
                "boundary-detached", entity, f"permissions boundary {want_boundary} is not attached", where
            )
        )
    elif have_boundary and not want_boundary:
        found.append(
            Difference(
                "boundary-added", entity, f"permissions boundary {have_boundary} is attached but not declared", where
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
        where = place(f"/{field}")
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
        where = place(pointer_join("/inline", name))
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
    found += _tags(entity, expected.get("tags") or {}, actual.get("tags") or {}, place("/tags"))
    where = place("/trust")
    if ("trust" in expected or "trust" in actual) and not _same(expected.get("trust"), actual.get("trust")):
        found.append(
            Difference("trust-changed", entity, "its trust policy differs from the declared one", where)
        )
    return found


def _tags(entity: str, want: dict[str, str], have: dict[str, str], where: str) -> list[Difference]:
    """Tags compared exactly: "Tag keys and values are case sensitive" (AWS tag restrictions)."""
    found: list[Difference] = []
    for key in sorted(k for k in set(want) | set(have) if not k.lower().startswith(AWS_TAG_PREFIX)):
        if key not in have:
            found.append(Difference("tag-removed", entity, f"declared tag {key}={want[key]!r} is not there", where))
        elif key not in want:
            found.append(Difference("tag-added", entity, f"tag {key}={have[key]!r} is not declared", where))
        elif want[key] != have[key]:
            found.append(
                Difference("tag-changed", entity, f"tag {key} is {have[key]!r}, declared {want[key]!r}", where)
            )
    return found
