"""`iamlab catalog import --cloud gcp FILE`: load roles a user exported with gcloud.

Accepted: the JSON or YAML output of `gcloud iam roles describe ROLE` (one role) and of
`gcloud iam roles list` (a JSON list, or YAML documents separated by `---`). Each role needs `name`
and `includedPermissions`; the roles are checked and written to the user catalog
(`$IAMLAB_CATALOG_DIR/gcp-roles.json`, default `.iamlab/catalog/`), which extends the shipped one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import MAX_DOCUMENT_BYTES, LoadedDocument, load_document, parse_yaml
from checker.gcp import catalog
from checker.gcp.location import Loc, shown
from checker.gcp.parse import PREDEFINED_ROLE_NAME, expect_list
from checker.gcp.permissions import parse_v1_permission

ROLE_FIELDS = {"name", "title", "description", "includedPermissions", "stage", "etag", "deleted"}


def _documents(path: Path) -> list[LoadedDocument]:
    if path.suffix.lower() not in (".yaml", ".yml"):
        return [load_document(path)]
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise InputError(f"the file is larger than {MAX_DOCUMENT_BYTES:,} bytes", Where(str(path)))
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", Where(str(path))) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not UTF-8 text (byte {exc.start})", Where(str(path))) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", Where(str(path))) from None
    # `gcloud ... --format=yaml` separates roles with '---' lines; parse each document with its own positions.
    chunks: list[tuple[int, str]] = []
    current: list[str] = []
    start_line = 1
    for number, line in enumerate(raw.splitlines(), start=1):
        if line.strip() == "---":
            if any(part.strip() for part in current):
                chunks.append((start_line, "\n".join(current)))
            current, start_line = [], number + 1
        else:
            current.append(line)
    if any(part.strip() for part in current):
        chunks.append((start_line, "\n".join(current)))
    documents = []
    for first_line, chunk in chunks:
        padded = "\n" * (first_line - 1) + chunk  # keep line numbers true to the file
        documents.append(parse_yaml(padded, str(path)))
    return documents


def _roles_in(document: LoadedDocument) -> list[tuple[dict[str, Any], Loc]]:
    loc = Loc(document=document)
    data = document.data
    if isinstance(data, dict):
        return [(data, loc)]
    if isinstance(data, list):
        return [(item, loc.child(i)) for i, item in enumerate(expect_list(data, loc, "the role list"))]
    raise loc.error("expected a role object or a list of roles, as printed by gcloud iam roles describe/list")


def read_catalog(path: str | Path) -> dict[str, dict[str, Any]]:
    """Parse and check an export; return role name -> {title, stage, includedPermissions}."""
    file = Path(path)
    roles: dict[str, dict[str, Any]] = {}
    for document in _documents(file):
        for entry, loc in _roles_in(document):
            if not isinstance(entry, dict):
                raise loc.error("each role must be an object with name and includedPermissions")
            for key in entry:
                if key not in ROLE_FIELDS:
                    raise loc.child(key).error(
                        f"unknown field {shown(key)} in a role", "fields: " + ", ".join(sorted(ROLE_FIELDS))
                    )
            name = entry.get("name")
            if not isinstance(name, str) or not PREDEFINED_ROLE_NAME.match(name):
                raise loc.child("name").error(
                    f"{shown(name)} is not a predefined role name (roles/...)",
                    "custom roles belong in the lab's custom-roles.json, not in the catalog",
                )
            if "includedPermissions" not in entry:
                raise loc.error(
                    f"{name} has no includedPermissions",
                    f"export it with `gcloud iam roles describe {name} --format=json`, which lists its permissions",
                )
            permissions_loc = loc.child("includedPermissions")
            permissions = sorted(
                {
                    parse_v1_permission(p, permissions_loc.child(i))
                    for i, p in enumerate(
                        expect_list(entry["includedPermissions"], permissions_loc, "includedPermissions")
                    )
                }
            )
            if name in roles:
                raise loc.child("name").error(f"{name} appears twice in the export")
            roles[name] = {
                "title": entry.get("title", "") if isinstance(entry.get("title", ""), str) else "",
                "stage": entry.get("stage", "") if isinstance(entry.get("stage", ""), str) else "",
                "includedPermissions": permissions,
            }
    if not roles:
        raise InputError("the file holds no roles", Where(str(file)))
    return roles


def import_catalog(path: str | Path) -> dict[str, Any]:
    """Check an exported catalog and save it as the user catalog; return a summary for the CLI."""
    roles = read_catalog(path)
    target = catalog.imported_catalog_path()
    existing: dict[str, Any] = {}
    if target.exists():
        try:
            existing = json.loads(target.read_text(encoding="utf-8")).get("roles", {})
        except (OSError, ValueError, AttributeError):
            existing = {}  # an unreadable earlier import is replaced
    merged = {**existing, **roles}
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {"source": f"imported from {Path(path).name}", "roles": dict(sorted(merged.items()))}
    target.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    shipped = catalog.shipped_roles()
    changed = sorted(
        n
        for n in roles
        if n in shipped and frozenset(roles[n]["includedPermissions"]) != shipped[n].permissions
    )
    return {
        "cloud": "gcp",
        "roles": len(roles),
        "total": len(merged),
        "path": str(target),
        "differs_from_shipped": changed,
    }
