"""`iamlab lint --rules` hands a Terraform folder's Azure resources to the guardrails as one `azure-rbac`
input (checker/iac/rego.py): lab 02's reference rules pass its reference roles.tf and stop its starter."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checker.cli.main import main

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "solutions" / "02-mlops-pipeline" / "azure" / "guardrails"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"


def lint(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]]]:
    code = main(["lint", str(folder), "--rules", str(RULES), "--azure-subscription", SUBSCRIPTION,
                 "--format", "json", "--fail-on", "security"])
    return code, json.loads(capsys.readouterr().out)


def test_reference_roles_pass_the_reference_guardrails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(REPO / "solutions" / "02-mlops-pipeline" / "azure" / "roles.tf", tmp_path)
    code, found = lint(tmp_path, capsys)
    assert (code, found) == (0, [])


def test_starter_roles_are_stopped_at_their_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(REPO / "labs" / "02-mlops-pipeline" / "azure" / "roles.tf", tmp_path)
    code, found = lint(tmp_path, capsys)
    assert code != 0
    rego = [f for f in found if str(f.get("code", "")).startswith("REGO")]
    messages = " ".join(str(f["message"]) for f in rego)
    assert "above any one resource" in messages and "Contributor" in messages and "https://github.com/acme" in messages
    assert all(Path(str(f["file"])).name == "roles.tf" for f in rego)
