"""`iamlab lint`, `iamlab diff` and `iamlab paths`: formats and exit codes (documented in each module)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.cli.main import main

DATA = Path(__file__).parent / "data"


def write(tmp_path: Path, name: str, statements: list[dict[str, Any]] | str) -> str:
    path = tmp_path / name
    if isinstance(statements, str):
        path.write_text(statements)
    else:
        path.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2))
    return str(path)


def test_lint_text_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = write(
        tmp_path,
        "clean.json",
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
    )
    assert main(["lint", clean]) == 0
    assert "no findings" in capsys.readouterr().out
    risky = write(
        tmp_path, "risky.json", [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}]
    )
    assert main(["lint", risky]) == 1
    assert main(["lint", risky, "--fail-on", "security"]) == 0
    out = capsys.readouterr().out
    assert "AWS-WILDCARD-PARTIAL" in out and "risky.json:" in out


def test_lint_reports_parse_errors_with_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path,
        "bad.json",
        '{"Version": "2012-10-17",\n "Statement": [{"Effect": "Alow", "Action": "s3:GetObject", "Resource": "*"}]}',
    )
    assert main(["lint", bad]) == 2
    err = capsys.readouterr().err
    assert "bad.json:2:" in err and "Effect" in err


def test_lint_sarif_is_sarif_2_1_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    risky = write(
        tmp_path,
        "risky.json",
        [{"Effect": "Allow", "Action": ["iam:PassRole", "s3:GetObjekt"], "Resource": "*"}],
    )
    main(["lint", risky, "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "AWS-PASSROLE-UNRESTRICTED" in rule_ids and "AWS-UNKNOWN-ACTION" in rule_ids
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_lint_guesses_trust_policies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trust = write(
        tmp_path, "trust.json", [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]
    )
    main(["lint", trust, "--format", "json"])
    codes = {f["code"] for f in json.loads(capsys.readouterr().out)}
    assert "AWS-TRUST-PUBLIC" in codes


def test_diff_shows_new_access_and_proves_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write(
        tmp_path, "old.json", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]
    )
    new = write(
        tmp_path, "new.json", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b*"}]
    )
    assert main(["diff", old, new]) == 1
    assert "arn:aws:s3:::b-prod" in capsys.readouterr().out
    assert main(["diff", new, old, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "no new access"


def test_paths_formats_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = str(DATA / "snapshot.json")
    assert (
        main(["paths", snapshot, "--format", "json", "--from", "arn:aws:iam::111122223333:user/analyst"]) == 0
    )
    assert json.loads(capsys.readouterr().out) == []
    assert main(["paths", snapshot, "--from", "arn:aws:iam::111122223333:user/ci"]) == 1
    assert "rewrites the trust policy" in capsys.readouterr().out


def test_diff_and_paths_report_bad_files_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "good.json", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
    bad = write(
        tmp_path,
        "bad.json",
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}',
    )
    assert main(["diff", good, bad]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and "Resource" in err and "Traceback" not in err
    assert main(["diff", good, str(tmp_path / "missing.json")]) == 2
    assert "file not found" in capsys.readouterr().err
    snapshot = write(
        tmp_path, "snap.json", '{"account": "111122223333", "users": [{"name": "a", "attached": ["Nope"]}]}'
    )
    assert main(["paths", snapshot]) == 2
    err = capsys.readouterr().err
    assert "snap.json:1:" in err and "Nope" in err


def test_lint_reads_yaml_and_keeps_going_after_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yaml_file = tmp_path / "policy.yaml"
    yaml_file.write_text(
        "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Action: 's3:*'\n    Resource: '*'\n"
    )
    missing = str(tmp_path / "nope.json")
    assert main(["lint", str(yaml_file), missing, "--format", "json"]) == 2
    captured = capsys.readouterr()
    findings = json.loads(captured.out)
    assert any(f["code"] == "AWS-WILDCARD-SERVICE" and f["line"] == 4 for f in findings)
    assert "nope.json" in captured.err


def test_diff_refuses_patterns_over_the_prover_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`iamlab diff` asks the prover the same questions as `within`: the same limits, located in the file."""
    old = write(
        tmp_path, "old.json", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]
    )
    hostile = "arn:aws:s3:::b/" + "*x?" * 6
    new = write(tmp_path, "new.json", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": hostile}])
    assert main(["diff", old, new]) == 2
    err = capsys.readouterr().err
    assert "new.json:" in err and "(at /Statement/0/Resource)" in err
    assert "this pattern holds 12 wildcards (* and ?), more than the 10 the prover compares" in err


EXAMPLE = str(Path(__file__).resolve().parents[2] / "docs" / "examples" / "account-snapshot.json")


def test_paths_of_the_documented_example(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/analysis.md shows this output: a passed role, a Session Manager shell, a function taken over."""
    assert main(["paths", EXAMPLE]) == 1
    text = capsys.readouterr().out
    assert "[sagemaker-002] iam:PassRole + sagemaker:CreateTrainingJob" in text
    assert "aws:RequestTag/project=fraud" in text
    assert "[ssm-001] ssm:StartSession" in text
    assert "[lambda-003] lambda:UpdateFunctionCode" in text and "(also: lambda-004)" in text
    assert main(["paths", EXAMPLE, "--admin-only", "--format", "json"]) == 1
    paths = json.loads(capsys.readouterr().out)
    assert [p["start"].split(":")[-1] for p in paths] == ["role/ci", "role/scoring"]
    first = paths[0]["steps"][0]
    assert first["technique_id"] == "lambda-003" and first["target"].endswith("role/scoring")
    assert first["requests"][0]["resource"] == "arn:aws:lambda:us-east-1:111122223333:function:score"


def test_paths_sarif_points_at_the_start_principal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["paths", EXAMPLE, "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"AWS-PRIVESC-PATH"}
    lines = Path(EXAMPLE).read_text().splitlines()
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        line = lines[location["region"]["startLine"] - 1]
        start = result["message"]["text"].split(" ")[0].rsplit("/", 1)[-1]
        assert f'"name": "{start}"' in line


def test_paths_mermaid_labels_edges_with_technique_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["paths", EXAMPLE, "--format", "mermaid"]) == 1
    text = capsys.readouterr().out
    assert "-->|lambda-003: lambda:UpdateFunctionCode|" in text
    assert "-->|is admin| admin" in text
