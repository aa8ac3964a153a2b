"""The roles and operations the checker knows without being told: facts shipped in checker/azure/data/.

`builtin_roles.json` holds the built-in roles the labs use, exactly as `az role definition list`
prints them (taken from the public iam-dataset snapshot; tests/azure/test_catalog_audit.py checks
them against it). `operations.json` lists the operations the labs use, whether each is a data action,
its documented sub-operations, and which ones bypass RBAC or allow escalation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from checker.azure.model import RoleDefinition
from checker.azure.parse import field_locator, parse_role_definition
from checker.core.errors import InputError


@dataclass(frozen=True)
class AttributeSupport:
    """Which resource and request attributes one action (and sub-operation) supplies to conditions."""

    display: str
    sub_operation: str | None
    resource: tuple[str, ...]
    request: tuple[str, ...]

    def supplies(self, key: str) -> bool:
        """Whether a normalized attribute key ('@source[name]') can be present for this operation."""
        source, _, rest = key[1:].partition("[")
        name = rest[:-1]
        if source in ("principal", "environment") or (source == "request" and name == "suboperation"):
            return True
        names = self.resource if source == "resource" else self.request if source == "request" else ()
        for listed in names:
            listed = listed.lower()
            if name == listed or (listed.endswith("/tags") and name.lower().startswith(listed + ":")):
                return True
        return False


@dataclass(frozen=True)
class OperationInfo:
    name: str
    data: bool
    sub_operations: tuple[str, ...] = ()
    bypasses_rbac: str | None = None
    escalation: str | None = None
    condition_attributes: tuple[AttributeSupport, ...] = ()


@dataclass
class Catalog:
    """Roles found by display name (case-insensitive), GUID or full role definition id."""

    roles: list[RoleDefinition]
    operations: list[OperationInfo] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index: dict[str, RoleDefinition] = {}
        for role in self.roles:
            for key in (role.name.lower(), role.id.lower(), role.guid):
                if key:
                    self._index.setdefault(key, role)
        self._ops = {op.name.lower(): op for op in self.operations}

    def find(self, reference: str) -> RoleDefinition | None:
        key = reference.strip().lower()
        found = self._index.get(key)
        if found is None and "/" in key:
            found = self._index.get(key.rstrip("/").rsplit("/", 1)[-1])
        return found

    def operation(self, name: str) -> OperationInfo | None:
        return self._ops.get(name.lower())

    def __len__(self) -> int:
        return len(self.roles)


def roles_from_json(entries: Iterable[Any], label: str, builtin: bool) -> list[RoleDefinition]:
    locate = field_locator(label)
    return [parse_role_definition(entry, f"/roles/{i}", locate, builtin) for i, entry in enumerate(entries)]


@cache
def builtin_catalog() -> Catalog:
    data_dir = resources.files("checker.azure").joinpath("data")
    roles_data = json.loads(data_dir.joinpath("builtin_roles.json").read_text(encoding="utf-8"))
    ops_data = json.loads(data_dir.joinpath("operations.json").read_text(encoding="utf-8"))
    roles = roles_from_json(roles_data["roles"], "checker/azure/data/builtin_roles.json", builtin=True)
    operations = [
        OperationInfo(op["name"], op["data"], tuple(op.get("sub_operations", ())), op.get("bypasses_rbac"),
                      op.get("escalation"), tuple(
                          AttributeSupport(v["display"], v["sub_operation"], tuple(v["resource"]), tuple(v["request"]))
                          for v in op.get("condition_attributes", ())))
        for op in ops_data["operations"]
    ]
    return Catalog(roles, operations)


def imported_catalog_path() -> Path:
    """Where `iamlab catalog import --cloud azure` saves a user's exported roles."""
    return Path(_imported_catalog_file())


def _imported_catalog_file() -> str:
    # Asked once per decided case: os.path costs a fraction of building a Path each time.
    base = os.environ.get("IAMLAB_CATALOG_DIR")
    return os.path.join(base if base else os.path.join(os.getcwd(), ".iamlab", "catalog"), "azure-roles.json")


@cache
def _imported(path: str, mtime: float) -> tuple[RoleDefinition, ...]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(roles_from_json(data["roles"], path, builtin=True))


# The catalog a batch run decides every case with (see `pinned_catalog`); None outside one.
_pinned: Catalog | None = None


@contextmanager
def pinned_catalog() -> Iterator[Catalog]:
    """Keep the active catalog as it is now for the duration: `simulate azure --batch` decides every case with
    the catalog present when the run started (looking for an imported catalog on every case cost a batch a
    tenth of its time). Outside, each call of `active_catalog` looks again."""
    global _pinned
    outer = _pinned
    _pinned = active_catalog()
    try:
        yield _pinned
    finally:
        _pinned = outer


def active_catalog() -> Catalog:
    """The shipped roles, extended by an imported catalog when the user has one."""
    if _pinned is not None:
        return _pinned
    path = _imported_catalog_file()
    try:
        return _merged(path, os.stat(path).st_mtime)
    except (OSError, ValueError, KeyError, TypeError, InputError):
        return builtin_catalog()  # a broken import is reported by `catalog import`, not by every decision


@cache
def _merged(path: str, mtime: float) -> Catalog:
    shipped = builtin_catalog()
    return Catalog([*shipped.roles, *_imported(path, mtime)], shipped.operations)


def role_finder(
    custom: Iterable[RoleDefinition], catalog: Catalog | None = None
) -> Callable[[str], RoleDefinition | None]:
    """Look a role reference up among the custom roles first, then the built-in catalog."""
    custom_catalog = Catalog(list(custom))
    base = catalog or active_catalog()

    def find(reference: str) -> RoleDefinition | None:
        return custom_catalog.find(reference) or base.find(reference)

    return find
