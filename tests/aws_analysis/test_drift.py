"""`iamlab drift`: every difference between a declared snapshot and an account's, nothing else."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checker.aws.analyze.drift import drift
from checker.core.errors import InputError
from checker.core.source import parse_json

REPO = Path(__file__).resolve().parents[2]
AUDIT = REPO / "labs" / "03-multi-tenant-platform" / "audit"


def loaded(data: Any, name: str) -> Any:
    return parse_json(json.dumps(data, indent=2), name)


def declared() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((AUDIT / "declared.json").read_text())
    return data


def kinds(state: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (d.kind, d.entity) for d in drift(loaded(declared(), "declared.json"), loaded(state, "state.json"))
    }


def test_the_lab_snapshot_has_exactly_the_planted_drift() -> None:
    state = json.loads((AUDIT / "platform-snapshot.json").read_text())
    assert kinds(state) == {
        ("policy-changed", "policy team-boundary"),
        ("boundary-detached", "role growth-job-runner"),
        ("policy-changed", "role risk-job-runner"),
        ("extra", "role risk-debug"),
    }


def test_no_drift_against_itself_and_forms_iam_reads_alike() -> None:
    """A single Action string and a one-item list are the same statement (IAM User Guide, "IAM JSON policy
    elements: Action": "You can specify a value using a wildcard" ... a list or a single string)."""
    state = copy.deepcopy(declared())
    assert kinds(state) == set()
    statement = state["policies"]["team-boundary"]["Statement"][2]
    statement["Action"] = (
        statement["Action"] if isinstance(statement["Action"], str) else list(reversed(statement["Action"]))
    )
    assert kinds(state) == set()
    tag_guard = state["policies"]["team-boundary"]["Statement"][3]
    assert tag_guard["Action"] == "*"
    tag_guard["Action"] = ["*"]
    assert kinds(state) == set()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["roles"].pop(0), ("missing", "role ml-platform-orchestrator")),
        (lambda s: s["roles"][1].update(path="/teams/growth/"), ("path-changed", "role risk-admin")),
        (lambda s: s["roles"][1].update(boundary="team-admin"), ("boundary-changed", "role risk-admin")),
        (lambda s: s["roles"][1]["attached"].append("orchestrator"), ("extra-attached", "role risk-admin")),
        (lambda s: s["roles"][3]["inline"].pop("job"), ("missing-inline", "role risk-job-runner")),
        (
            lambda s: s["roles"][3]["trust"]["Statement"][0].update(Action="sts:AssumeRole"),
            ("trust-changed", "role risk-job-runner"),
        ),
    ],
    ids=["missing role", "path", "other boundary", "extra managed policy", "inline removed", "trust changed"],
)
def test_each_kind_of_drift(change: Any, expected: tuple[str, str]) -> None:
    state = copy.deepcopy(declared())
    change(state)
    assert kinds(state) == {expected}


def test_a_bad_state_file_is_an_error_at_its_line() -> None:
    state = copy.deepcopy(declared())
    state["roles"][0]["colour"] = "blue"
    with pytest.raises(InputError) as caught:
        drift(loaded(declared(), "declared.json"), loaded(state, "state.json"))
    assert (
        caught.value.where is not None and caught.value.where.file == "state.json" and caught.value.where.line
    )


def test_cli_exit_codes(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "checker.cli.main", "drift", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
        )

    same = run(str(AUDIT / "declared.json"), str(AUDIT / "declared.json"))
    assert same.returncode == 0 and "no drift" in same.stdout
    drifted = run(str(AUDIT / "declared.json"), str(AUDIT / "platform-snapshot.json"), "--format", "json")
    assert drifted.returncode == 1
    assert len(json.loads(drifted.stdout)["drift"]) == 4
    bad = tmp_path / "bad.json"
    bad.write_text('{"account": "111122223333", "roles": [{"name": 1}]}')
    assert run(str(AUDIT / "declared.json"), str(bad)).returncode == 2
