"""`iamlab catalog import --cloud azure FILE`: load the roles a user exported with `az role definition list`.

The export is a JSON array of role definitions (the REST API's `{"value": [...]}` page is accepted too).
Every role is checked like a custom role (unknown fields, malformed operations and scopes are errors with
line and column); the file is then saved as the user catalog (`$IAMLAB_CATALOG_DIR/azure-roles.json`,
default `.iamlab/catalog/`), which extends the shipped built-in roles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checker.azure.catalog import Catalog, builtin_catalog, imported_catalog_path
from checker.azure.parse import parse_role_definition
from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, load_document


def _entries(document: LoadedDocument) -> tuple[list[Any], str]:
    data = document.data
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        return data["value"], "/value"
    if isinstance(data, list):
        return data, ""
    raise InputError("expected a JSON array of role definitions, as printed by `az role definition list`",
                     document.locate(""))


def read_catalog(path: str | Path) -> Catalog:
    """Parse and check an export into a Catalog (roles by name, GUID and id)."""
    document = load_document(path)
    entries, pointer = _entries(document)
    roles = [parse_role_definition(entry, f"{pointer}/{index}", document.locate)
             for index, entry in enumerate(entries)]
    if not roles:
        raise InputError("the file holds no role definitions", Where(str(path)))
    seen: dict[str, int] = {}
    for index, role in enumerate(roles):
        key = role.guid or role.id.lower()
        if key in seen:
            raise InputError(f"the role {role.name!r} appears twice in the export", document.locate(f"{pointer}/{index}"))
        seen[key] = index
    return Catalog(roles, builtin_catalog().operations)


def import_catalog(path: str | Path) -> dict[str, Any]:
    """Check an export, save it as the user catalog and return a summary for the CLI."""
    catalog = read_catalog(path)
    document = load_document(path)
    entries, _pointer = _entries(document)
    target = imported_catalog_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"source": f"imported from {Path(path).name}", "roles": entries}, indent=1) + "\n",
                      encoding="utf-8")
    shipped = builtin_catalog()
    differs = sorted(
        role.name for role in catalog.roles
        if (known := shipped.find(role.guid or role.id)) is not None and known.permissions != role.permissions
    )
    return {"cloud": "azure", "roles": len(catalog), "total": len(catalog), "path": str(target),
            "differs_from_shipped": differs}
