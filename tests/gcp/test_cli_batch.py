"""`iamlab simulate gcp --batch FILE` end to end through checker.cli.main.main (fixed interface)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.cli.main import main
from tests.gcp.helpers import BUCKET, SA, allow, case, grant


def run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], *extra: str
) -> tuple[int, list[dict[str, object]]]:
    batch = tmp_path / "cases.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["simulate", "gcp", "--batch", str(batch), *extra])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_batch_decides_each_line_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    granted = case(id="a", allow_policies=allow(BUCKET, grant("roles/storage.objectViewer", [SA])))
    missing = case(id="b")
    code, results = run(tmp_path, capsys, [json.dumps(granted), json.dumps(missing)])
    assert code == 0
    assert results == [{"id": "a", "decision": "allow"}, {"id": "b", "decision": "implicit_deny"}]


def test_batch_explain_adds_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    granted = case(id="a", allow_policies=allow(BUCKET, grant("roles/storage.objectViewer", [SA])))
    code, results = run(tmp_path, capsys, [json.dumps(granted)], "--explain")
    assert code == 0
    explain = results[0]["explain"]
    assert isinstance(explain, dict) and explain["summary"] and explain["reasons"]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "JSON object"),
        (json.dumps(case(id="x", permission="storage.objects")), "permission"),
        (json.dumps(case(id="x", surprise=1)), "unknown field 'surprise'"),
        (
            json.dumps(
                case(
                    id="x",
                    allow_policies=allow(
                        BUCKET, grant("roles/storage.objectViewer", [SA], "resource.name ==")
                    ),
                )
            ),
            "not valid CEL",
        ),
        (
            json.dumps(case(id="x", allow_policies=allow(BUCKET, grant("roles/nope", [SA])))),
            "does not know the role",
        ),
    ],
    ids=["malformed-json", "not-object", "bad-permission", "unknown-field", "bad-cel", "unknown-role"],
)
def test_batch_error_lines_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, fragment: str
) -> None:
    good = json.dumps(case(id="ok"))
    code, results = run(tmp_path, capsys, [line, good])
    assert code == 2
    assert fragment in str(results[0]["error"])
    assert results[1] == {"id": "ok", "decision": "implicit_deny"}


def test_single_request_prints_explanation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "request.json"
    request.write_text(
        json.dumps(case(allow_policies=allow(BUCKET, grant("roles/storage.objectViewer", [SA]))))
    )
    assert main(["simulate", "gcp", str(request)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("decision: allow") and "roles/storage.objectViewer" in out
