"""`import_catalog` for `gcloud iam roles describe` / `list` exports (JSON and YAML)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.gcp import catalog
from checker.gcp.batch import decide_case
from checker.gcp.catalog_import import import_catalog, read_catalog
from tests.gcp.helpers import FOLDER, ORG, PROJECT, SA, allow, case, grant

DESCRIBE = {
    "name": "roles/datastore.viewer",
    "title": "Cloud Datastore Viewer",
    "description": "Read access to Cloud Datastore resources.",
    "includedPermissions": ["datastore.entities.get", "datastore.entities.list"],
    "stage": "GA",
    "etag": "AA==",
}


@pytest.fixture(autouse=True)
def catalog_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "catalog"
    monkeypatch.setenv("IAMLAB_CATALOG_DIR", str(target))
    return target


def test_import_describe_json_extends_catalog(tmp_path: Path, catalog_dir: Path) -> None:
    export = tmp_path / "role.json"
    export.write_text(json.dumps(DESCRIBE))
    summary = import_catalog(export)
    assert summary["roles"] == 1 and Path(summary["path"]).parent == catalog_dir
    assert catalog.lookup("roles/datastore.viewer") is not None
    # Datastore checks its permissions on its own resources or on the project (never on a storage object).
    granted = case(
        permission="datastore.entities.get",
        resource=PROJECT,
        resource_type="cloudresourcemanager.googleapis.com/Project",
        ancestors=[FOLDER, ORG],
        allow_policies=allow(PROJECT, grant("roles/datastore.viewer", [SA])),
    )
    assert decide_case(granted, explain=False)["decision"] == "allow"


def test_import_list_yaml_documents(tmp_path: Path) -> None:
    export = tmp_path / "roles.yaml"
    export.write_text(
        "---\nname: roles/a.viewer\nincludedPermissions:\n- a.things.get\nstage: GA\ntitle: A\n"
        "---\nname: roles/b.viewer\nincludedPermissions:\n- b.things.get\n"
    )
    roles = read_catalog(export)
    assert sorted(roles) == ["roles/a.viewer", "roles/b.viewer"]


def test_bad_permission_points_at_line(tmp_path: Path) -> None:
    export = tmp_path / "roles.yaml"
    export.write_text("name: roles/a.viewer\nincludedPermissions:\n- a.things.get\n- not-a-permission\n")
    with pytest.raises(InputError) as caught:
        read_catalog(export)
    assert caught.value.where is not None and caught.value.where.line == 4


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (json.dumps({"name": "roles/x.y", "title": "no permissions"}), "no includedPermissions"),
        (json.dumps({"name": "projects/p/roles/custom", "includedPermissions": []}), "not a predefined role"),
        (json.dumps({"name": "roles/x.y", "includedPermissions": [], "color": "red"}), "unknown field"),
        (json.dumps([DESCRIBE, DESCRIBE]), "appears twice"),
        ("[]", "no roles"),
        ("{", "invalid JSON"),
    ],
)
def test_bad_exports(tmp_path: Path, content: str, fragment: str) -> None:
    export = tmp_path / "roles.json"
    export.write_text(content)
    with pytest.raises(InputError, match=fragment):
        import_catalog(export)


def test_cli_catalog_import(tmp_path: Path, catalog_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from checker.cli.main import main

    export = tmp_path / "role.json"
    export.write_text(json.dumps(DESCRIBE))
    assert main(["catalog", "import", "--cloud", "gcp", str(export)]) == 0
    assert "imported 1 gcp role" in capsys.readouterr().out
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"name": "roles/x.y"}))
    assert main(["catalog", "import", "--cloud", "gcp", str(broken)]) == 2
    assert "no includedPermissions" in capsys.readouterr().err
