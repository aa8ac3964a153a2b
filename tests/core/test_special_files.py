"""Every command that reads a user's file refuses a FIFO or device by name instead of waiting forever, and an
audit log's bad lines are located errors. Each case runs the real CLI in its own process with a time limit,
so a hang fails the test instead of stalling the suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOLUTION_02 = REPO / "solutions" / "02-mlops-pipeline" / "aws"
DECLARED = REPO / "labs" / "03-multi-tenant-platform" / "audit" / "declared.json"
FIFO_WORDS = "this is a FIFO (named pipe), not a regular file"


def iamlab(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker.cli.main", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("name", ["roles.tf", "template.yaml", "policy.json", "deploy.yml"])
def test_lint_refuses_a_fifo_it_is_given(tmp_path: Path, name: str) -> None:
    target = fifo(tmp_path / name)
    done = iamlab("lint", str(target))
    assert done.returncode == 2 and f"{target}: {FIFO_WORDS}" in done.stderr
    assert "no findings\n" not in done.stdout  # nothing was linted: never a clean bill
    assert "Traceback" not in done.stderr


def test_a_fifo_among_a_folders_tf_files_is_refused_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "roles.tf").write_text((SOLUTION_02 / "roles.tf").read_text())
    extra = fifo(tmp_path / "extra.tf")
    done = iamlab("lint", str(tmp_path))
    assert done.returncode == 2 and f"{extra}: {FIFO_WORDS}" in done.stderr


def test_lint_refuses_a_fifo_among_the_rego_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rule = fifo(rules / "evil.rego")
    done = iamlab("lint", "--rules", str(rules), str(REPO / "solutions" / "01-training-job" / "aws" / "permissions.json"))
    assert done.returncode == 2 and f"{rule}: {FIFO_WORDS}" in done.stderr


@pytest.mark.parametrize("name", ["mlops.yml", "guardrails/evil.rego", "roles.tf"])
def test_check_refuses_a_fifo_in_a_pipeline_submission(tmp_path: Path, name: str) -> None:
    submission = tmp_path / "mine"
    submission.mkdir()
    for entry in SOLUTION_02.iterdir():
        if entry.is_file():
            (submission / entry.name).write_bytes(entry.read_bytes())
    (submission / "guardrails").mkdir()
    for rule in (SOLUTION_02 / "guardrails").iterdir():
        (submission / "guardrails" / rule.name).write_bytes(rule.read_bytes())
    (submission / name).unlink(missing_ok=True)
    target = fifo(submission / name)
    done = iamlab("check", "02", "--cloud", "aws", "--submission", str(submission))
    assert done.returncode == 2 and f"{target}: {FIFO_WORDS}" in done.stderr, done.stderr[-2000:]


def test_simulate_batch_refuses_a_fifo_and_a_device(tmp_path: Path) -> None:
    target = fifo(tmp_path / "cases.jsonl")
    done = iamlab("simulate", "aws", "--batch", str(target))
    assert done.returncode == 2 and FIFO_WORDS in done.stderr
    done = iamlab("simulate", "aws", "--batch", "/dev/zero")
    assert done.returncode == 2 and "/dev/zero: this is a device, not a regular file" in done.stderr


def test_review_refuses_a_device_and_a_fifo(tmp_path: Path) -> None:
    done = iamlab("review", "/dev/zero", "--declared", str(DECLARED))
    assert done.returncode == 2 and "/dev/zero: this is a device, not a regular file" in done.stderr
    target = fifo(tmp_path / "audit.jsonl")
    done = iamlab("review", str(target), "--declared", str(DECLARED))
    assert done.returncode == 2 and FIFO_WORDS in done.stderr


GOOD_LINE = json.dumps({"principal": "arn:aws:iam::111122223333:role/risk-job-runner", "action": "s3:GetObject",
                        "resource": "arn:aws:s3:::acme-ml-datasets/risk/x", "decision": "allow"})


@pytest.mark.parametrize(("second", "message"), [
    (b'{"principal": "p", "action": "a", "resource": "r", "decision": "allow", "n": 1' + b"0" * 5000 + b"}",
     "integer has 5,001 digits"),
    (b"\xff\xfe not text", "not UTF-8 text"),
    (b'{"principal": ' * 2000, "not a JSON line"),
    (b'"' + b"x" * (1024 * 1024 + 10) + b'"', "longer than the 1,048,576 bytes"),
], ids=["huge-number", "not-utf8", "deep-nesting", "over-long-line"])
def test_review_names_the_line_of_a_hostile_audit_line(tmp_path: Path, second: bytes, message: str) -> None:
    audit = tmp_path / "audit.jsonl"
    audit.write_bytes(GOOD_LINE.encode() + b"\n" + second + b"\n")
    done = iamlab("review", str(audit), "--declared", str(DECLARED))
    assert done.returncode == 2, done.stdout[-500:]
    assert f"{audit}:2:" in done.stderr and message in done.stderr and "Traceback" not in done.stderr
