"""Policy generation and unused-grant review from an audit log (Access Analyzer / last-accessed, offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.cli.main import main
from checker.emulate.audit import AuditLog, AuditRecord, read_audit
from checker.emulate.policygen import generate_policy, principal_matches, unused_grants

SESSION = "arn:aws:sts::123456789012:assumed-role/ml-train/job-1"
ROLE = "arn:aws:iam::123456789012:role/ml-train"


def record(
    action: str, resource: str, decision: str = "allow", principal: str = SESSION, **context: object
) -> AuditRecord:
    return AuditRecord(
        "2026-11-28T05:00:00.000000Z",
        principal,
        action,
        resource,
        decision,
        None,
        "s3",
        "Op",
        "127.0.0.1",
        "",
        context,
    )


TRAIL = [
    record("s3:ListBucket", "arn:aws:s3:::ml-data", **{"s3:prefix": "datasets/"}),
    record("s3:GetObject", "arn:aws:s3:::ml-data/datasets/train.csv"),
    record("s3:GetObject", "arn:aws:s3:::ml-data/datasets/test.csv"),
    record("s3:PutObject", "arn:aws:s3:::ml-data/models/m.bin"),
    record("s3:ListAllMyBuckets", "*", decision="implicit_deny"),
    record("s3:GetObject", "arn:aws:s3:::other/x", principal="arn:aws:iam::123456789012:user/someone"),
]


def write_trail(path: Path, records: list[AuditRecord]) -> None:
    log = AuditLog(path)
    for item in records:
        log.write(item)
    log.close()


def test_role_arn_covers_its_sessions() -> None:
    assert principal_matches(SESSION, ROLE)
    assert principal_matches(SESSION, SESSION)
    assert not principal_matches("arn:aws:sts::123456789012:assumed-role/ml-train-2/job", ROLE)
    assert not principal_matches(SESSION, "arn:aws:iam::999999999999:role/ml-train")


def test_generated_policy_allows_exactly_the_observed_calls() -> None:
    policy = generate_policy(TRAIL, ROLE)
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S31",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [
                    "arn:aws:s3:::ml-data/datasets/test.csv",
                    "arn:aws:s3:::ml-data/datasets/train.csv",
                ],
            },
            {"Sid": "S32", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::ml-data"},
            {
                "Sid": "S33",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::ml-data/models/m.bin",
            },
        ],
    }
    with_denied = generate_policy(TRAIL, ROLE, include_denied=True)
    assert any(
        s["Action"] == "s3:ListAllMyBuckets" or "s3:ListAllMyBuckets" in s["Action"]
        for s in with_denied["Statement"]
    )


def test_unused_grants_are_reported() -> None:
    broad = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Data",
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::ml-data/*", "arn:aws:s3:::logs/*"],
            },
            {"Sid": "Iam", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            {
                "Sid": "List",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:DeleteBucket"],
                "Resource": "arn:aws:s3:::ml-data",
            },
        ],
    }
    report = unused_grants(TRAIL, broad, "broad.json", ROLE)
    by_sid = {use.label: use for use in report.statements}
    data = by_sid["0 (Data)"]
    assert data.wildcard_actions == {"s3:*": {"s3:GetObject", "s3:PutObject"}}  # ListBucket is on the bucket
    assert data.unused_resource_patterns == ["arn:aws:s3:::logs/*"]
    assert by_sid["1 (Iam)"].calls == 0
    assert by_sid["2 (List)"].unused_action_patterns == ["s3:DeleteBucket"]
    assert report.has_unused


def test_cli_generate_then_unused_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trail = tmp_path / "audit.jsonl"
    write_trail(trail, TRAIL)
    out = tmp_path / "policy.json"
    assert main(["generate-policy", str(trail), "--principal", ROLE, "-o", str(out)]) == 0
    generated = json.loads(out.read_text())
    assert len(generated["Statement"]) == 3
    capsys.readouterr()
    assert main(["unused", str(trail), str(out), "--principal", ROLE]) == 0
    assert "every statement, action and resource was used" in capsys.readouterr().out


def test_cli_reports_bad_audit_lines_with_their_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trail = tmp_path / "audit.jsonl"
    trail.write_text(
        '{"principal": "p", "action": "s3:GetObject", "resource": "*", "decision": "allow"}\n{oops\n'
    )
    assert main(["generate-policy", str(trail), "--principal", "p"]) == 2
    err = capsys.readouterr().err
    assert "audit.jsonl:2:" in err and "not a JSON line" in err
    trail.write_text('{"principal": "p"}\n')
    assert main(["generate-policy", str(trail), "--principal", "p"]) == 2
    assert "lacks action, resource, decision" in capsys.readouterr().err


def test_cli_says_when_nothing_matches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trail = tmp_path / "audit.jsonl"
    write_trail(trail, TRAIL)
    assert main(["generate-policy", str(trail), "--principal", "arn:aws:iam::123456789012:role/nobody"]) == 2
    assert "has no allowed calls" in capsys.readouterr().err


def test_audit_round_trip_keeps_context(tmp_path: Path) -> None:
    trail = tmp_path / "audit.jsonl"
    write_trail(trail, TRAIL[:1])
    (only,) = list(read_audit(trail))
    assert only.context == {"s3:prefix": "datasets/"}
