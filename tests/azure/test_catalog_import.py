"""`iamlab catalog import --cloud azure FILE` with an `az role definition list` export."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.azure.batch import decide_case
from checker.azure.catalog_import import read_catalog
from checker.cli.main import main
from checker.cli.simulate import run_batch
from checker.core.errors import InputError

from .helpers import CONTAINER, assign, case

EXPORT = [
    {
        "assignableScopes": ["/"],
        "description": "Read blobs (a role the checker does not ship)",
        "id": "/providers/Microsoft.Authorization/roleDefinitions/aaaaaaaa-0000-4000-8000-000000000001",
        "name": "aaaaaaaa-0000-4000-8000-000000000001",
        "permissions": [{"actions": [], "notActions": [], "condition": None, "conditionVersion": None,
                         "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
                         "notDataActions": []}],
        "roleName": "Imported Blob Reader",
        "roleType": "BuiltInRole",
        "type": "Microsoft.Authorization/roleDefinitions",
    }
]


def test_read_catalog_finds_roles_by_name_and_guid(tmp_path: Path) -> None:
    path = tmp_path / "roles.json"
    path.write_text(json.dumps(EXPORT), encoding="utf-8")
    catalog = read_catalog(path)
    assert catalog.find("imported blob reader") is catalog.find("aaaaaaaa-0000-4000-8000-000000000001")


def test_cli_import_then_decisions_use_it(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAMLAB_CATALOG_DIR", str(tmp_path / "catalog"))
    path = tmp_path / "roles.json"
    path.write_text(json.dumps(EXPORT), encoding="utf-8")
    assert main(["catalog", "import", "--cloud", "azure", str(path)]) == 0
    assert "imported 1 azure role(s)" in capsys.readouterr().out
    result = decide_case(case(role_assignments=[assign("Imported Blob Reader", CONTAINER)]), explain=False)
    assert result["decision"] == "allow"


def test_bad_export_points_at_line_and_column(tmp_path: Path) -> None:
    broken = json.dumps([{**EXPORT[0], "permissions": [{"actions": ["Microsoft.Storage/ x"]}]}], indent=1)
    path = tmp_path / "roles.json"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_catalog(path)
    where = caught.value.where
    assert where is not None and where.line is not None and where.column is not None
    assert where.pointer == "/0/permissions/0/actions/0"


def test_not_an_array(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "roles.json"
    path.write_text('{"roleName": "x"}', encoding="utf-8")
    assert main(["catalog", "import", "--cloud", "azure", str(path)]) == 2
    assert "JSON array of role definitions" in capsys.readouterr().err


def test_a_batch_run_keeps_the_catalog_it_started_with(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`simulate azure --batch` reads the imported catalog once, when the run starts (issue 24: looking for it
    on every case cost a tenth of the run): a catalog imported while a batch runs is used from the next run
    on, and a decision outside a batch looks again each time."""
    monkeypatch.setenv("IAMLAB_CATALOG_DIR", str(tmp_path / "catalog"))
    export = tmp_path / "roles.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    line = json.dumps(case(role_assignments=[assign("Imported Blob Reader", CONTAINER)]))

    def lines_importing_after_the_first() -> Iterator[str]:
        yield line
        assert main(["catalog", "import", "--cloud", "azure", str(export)]) == 0
        yield line

    out = io.StringIO()
    assert run_batch(lines_importing_after_the_first(), "azure", False, out) == 2
    first, second = (json.loads(answer) for answer in out.getvalue().splitlines())
    assert "Imported Blob Reader" in first["error"] and first == second
    capsys.readouterr()
    out = io.StringIO()
    assert run_batch([line], "azure", False, out) == 0
    assert json.loads(out.getvalue())["decision"] == "allow"
