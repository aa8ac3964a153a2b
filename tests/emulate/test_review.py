"""`iamlab review`: per declared principal, unused grants, denied cross-tenant calls, a narrower policy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from checker.aws.analyze.snapshot import load_snapshot
from checker.core.source import load_document
from checker.emulate.audit import AuditRecord, read_audit
from checker.emulate.review import PrincipalReview, review, to_html

REPO = Path(__file__).resolve().parents[2]
AUDIT = REPO / "labs" / "03-multi-tenant-platform" / "audit"
TENANTS = ("risk", "growth")


def lab_review() -> dict[str, PrincipalReview]:
    snapshot = load_snapshot(load_document(str(AUDIT / "declared.json")))
    reviews = review(snapshot, read_audit(AUDIT / "platform-audit.jsonl"), TENANTS)
    return {r.arn.rsplit("/", 1)[-1]: r for r in reviews}


def test_unused_grant_of_the_job_runner() -> None:
    """The runner read and wrote but never listed: only s3:ListBucket is unused (its calls are replayed
    with the principal tag team=risk, as AWS had it, so the team-variable statements are judged right)."""
    runner = lab_review()["risk-job-runner"]
    assert runner.unused_actions == ["s3:ListBucket"]
    assert runner.unused_statements == []


def test_cross_tenant_denials_only_for_the_principal_that_tried() -> None:
    reviews = lab_review()
    growth = reviews["growth-admin"]
    denied = [(r.action, r.resource) for r in growth.cross_tenant_denied]
    assert ("s3:GetObject", "arn:aws:s3:::acme-ml-datasets/risk/credit/train.csv") in denied
    assert len(denied) == 2
    assert reviews["risk-admin"].cross_tenant_denied == []


def test_recommended_policy_is_generate_policy_of_its_allowed_calls() -> None:
    runner = lab_review()["risk-job-runner"]
    policy = runner.recommended
    actions = {
        a
        for s in policy["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == {"s3:GetObject", "s3:PutObject"}


def test_html_escapes_what_the_log_says(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    record = AuditRecord(
        time="<script>alert(1)</script>",
        principal="arn:aws:sts::111122223333:assumed-role/growth-admin/x",
        action="s3:GetObject",
        resource="arn:aws:s3:::acme-ml-datasets/risk/<img src=x>",
        decision="implicit_deny",
        statement=None,
        service="s3",
        operation="GetObject",
    )
    log.write_text(json.dumps(record.to_json()) + "\n")
    snapshot = load_snapshot(load_document(str(AUDIT / "declared.json")))
    page = to_html(review(snapshot, read_audit(log), TENANTS))
    assert "<script>" not in page and "&lt;script&gt;" in page and "<img" not in page


def test_cli_formats_and_exit_codes() -> None:
    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "checker.cli.main",
                "review",
                str(AUDIT / "platform-audit.jsonl"),
                "--declared",
                str(AUDIT / "declared.json"),
                "--tenants",
                "risk,growth",
                *extra,
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
        )

    text = run()
    assert text.returncode == 1 and "denied across tenants: s3:GetObject" in text.stdout
    as_json = run("--format", "json")
    principals = json.loads(as_json.stdout)["principals"]
    assert {p["principal"].rsplit("/", 1)[-1] for p in principals} >= {"risk-admin", "growth-admin"}
    assert run("--format", "html").stdout.startswith("<!doctype html>")
