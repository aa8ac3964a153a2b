"""Predefined and basic roles: the facts shipped in data/roles.json, plus any catalog a user imported.

Roles come from the public iam-dataset snapshot (MIT), only the subset the labs use; the audit test
checks every shipped role against the dataset. Doc: "Roles and permissions"
(https://cloud.google.com/iam/docs/roles-overview): a role is a named set of permissions; basic roles
(owner, editor, viewer) and predefined roles (`roles/...`) are managed by Google.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "roles.json"
BASIC_ROLES = ("roles/owner", "roles/editor", "roles/viewer")


@dataclass(frozen=True)
class Role:
    name: str
    title: str
    stage: str
    permissions: frozenset[str]
    source: str  # "shipped", "imported" or "custom"


def imported_catalog_path() -> Path:
    """Where `iamlab catalog import --cloud gcp` writes a user's exported catalog."""
    return Path(_imported_catalog_file())


def _imported_catalog_file() -> str:
    # Plain os.path: this runs for every role lookup, so it must stay cheap.
    base = os.environ.get("IAMLAB_CATALOG_DIR") or os.path.join(os.getcwd(), ".iamlab", "catalog")
    return os.path.join(base, "gcp-roles.json")


def _read(path: Path, source: str) -> dict[str, Role]:
    data = json.loads(path.read_text(encoding="utf-8"))
    roles: dict[str, Role] = {}
    for name, entry in data["roles"].items():
        roles[name] = Role(
            name,
            entry.get("title", ""),
            entry.get("stage", ""),
            frozenset(entry["includedPermissions"]),
            source,
        )
    return roles


@functools.lru_cache(maxsize=1)
def shipped_roles() -> Mapping[str, Role]:
    return _read(DATA, "shipped")


@functools.lru_cache(maxsize=4)
def _imported(path: str, mtime: float) -> Mapping[str, Role]:
    return _read(Path(path), "imported")


def predefined_roles() -> Mapping[str, Role]:
    """Shipped roles, extended (and for the same name, replaced) by an imported catalog when one exists."""
    path = _imported_catalog_file()
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return shipped_roles()
    try:
        imported = _imported(path, mtime)
    except (OSError, ValueError, KeyError, TypeError):
        return shipped_roles()  # a broken import is reported by `catalog import`, not by every check
    merged = dict(shipped_roles())
    merged.update(imported)
    return merged


def lookup(name: str) -> Role | None:
    return predefined_roles().get(name)
