"""Policy generation and unused-grant review from an audit log (Access Analyzer / last-accessed, offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.cli.main import main
from checker.emulate.audit import AuditLog, AuditRecord, read_audit
from checker.emulate.policygen import generate_policy, object_prefixes, principal_matches, unused_grants

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


def test_generated_policy_allows_the_observed_calls_keeping_their_narrowing() -> None:
    """Object keys grouped into their folder with a trailing slash; listing keeps its observed s3:prefix."""
    policy = generate_policy(TRAIL, ROLE)
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "S31", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-data/datasets/*"},
            {
                "Sid": "S32",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::ml-data",
                "Condition": {"StringLike": {"s3:prefix": "datasets/*"}},
            },
            {"Sid": "S33", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::ml-data/models/*"},
        ],
    }
    with_denied = generate_policy(TRAIL, ROLE, include_denied=True)
    assert any(
        s["Action"] == "s3:ListAllMyBuckets" or "s3:ListAllMyBuckets" in s["Action"]
        for s in with_denied["Statement"]
    )


def test_object_keys_group_into_their_shortest_folders() -> None:
    keys = ["a/b/1", "a/b/c/2", "a/x/3", "top.csv", "q/wild*card/4"]
    assert object_prefixes(f"arn:aws:s3:::bkt/{key}" for key in keys) == {
        "arn:aws:s3:::bkt/a/b/*",  # covers a/b/c/2 too
        "arn:aws:s3:::bkt/a/x/*",  # a sibling folder is not merged into a/*: that would widen the grant
        "arn:aws:s3:::bkt/top.csv",  # no folder: kept exact
        "arn:aws:s3:::bkt/q/wild*card/4",  # a wildcard character in the key: kept exact
    }


def test_narrowing_keys_are_kept_and_only_when_every_call_carried_them() -> None:
    trail = [
        record("cloudwatch:PutMetricData", "*", **{"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}),
        record("iam:PassRole", "arn:aws:iam::123456789012:role/job", **{"iam:PassedToService": "sagemaker.amazonaws.com"}),
        record("s3:ListBucket", "arn:aws:s3:::b", **{"s3:prefix": "x/"}),
        record("s3:ListBucket", "arn:aws:s3:::b", **{"s3:prefix": "x/y/"}),
        record("s3:ListBucket", "arn:aws:s3:::c", **{"s3:prefix": "raw"}),
    ]
    by_action = {s["Action"]: s for s in generate_policy(trail, ROLE)["Statement"]}
    assert by_action["cloudwatch:PutMetricData"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}
    }
    assert by_action["iam:PassRole"]["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    # "raw" is not a folder, so the listing keeps exact values instead of patterns
    assert by_action["s3:ListBucket"]["Condition"] == {"StringEquals": {"s3:prefix": ["raw", "x/", "x/y/"]}}
    whole_bucket = [*trail, record("s3:ListBucket", "arn:aws:s3:::b")]  # a listing with no prefix at all
    listing = next(s for s in generate_policy(whole_bucket, ROLE)["Statement"] if s["Action"] == "s3:ListBucket")
    assert "Condition" not in listing


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


def test_the_policy_generated_from_lab_01s_workload_passes_lab_01(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run lab 01's own workload under the reference policy with an audit log, generate the policy from the
    log, and grade it: it must pass lab 01 (the issue: without its s3:prefix condition and with exact keys,
    the generated policy failed the lab it was generated for)."""
    import importlib.util
    import shutil

    from checker.emulate.workload import run_workload
    from checker.grading.runner import grade
    from checker.grading.spec import load_lab

    repo = Path(__file__).resolve().parents[2]
    lab = load_lab(repo / "labs" / "01-training-job")
    spec = importlib.util.spec_from_file_location("lab01_workload", lab.folder / "workload.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    solution = repo / "solutions" / "01-training-job" / "aws"
    trail = tmp_path / "audit.jsonl"
    log = AuditLog(trail)
    try:
        report = run_workload(module.WORKLOAD, [json.loads((solution / "permissions-policy.json").read_text())], audit=log)
    finally:
        log.close()
    assert report.passed, report.render()
    submission = tmp_path / "generated"
    shutil.copytree(solution, submission)
    role = "arn:aws:iam::111122223333:role/fraud-training-role"
    output = submission / "permissions-policy.json"
    assert main(["generate-policy", str(trail), "--principal", role, "-o", str(output)]) == 0
    capsys.readouterr()
    result = grade(lab, "aws", submission)
    assert result.passed and result.score == result.max_score, [c.message for c in result.checks if not c.passed]
