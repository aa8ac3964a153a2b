"""`iamlab gateway` as a learner starts it: listens, enforces, logs, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from checker.cli.main import main
from checker.emulate.backends import free_loopback_port


def _wait_healthy(url: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the gateway exited: {process.stderr.read() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(f"{url}/_iamlab/health", timeout=1) as answer:
                if json.loads(answer.read())["status"] == "running":
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the gateway did not become healthy")


def test_gateway_command_serves_and_stops(tmp_path: Path) -> None:
    port = free_loopback_port()
    audit = tmp_path / "audit.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "checker.cli.main", "gateway", "--port", str(port), "--audit", str(audit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        session: Any = boto3.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
        )
        s3 = session.client("s3", endpoint_url=url)
        s3.create_bucket(Bucket="cli-bucket")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["cli-bucket"]
        bad = boto3.Session(aws_access_key_id="test", aws_secret_access_key="nope", region_name="us-east-1")
        with pytest.raises(ClientError):
            bad.client("s3", endpoint_url=url).list_buckets()
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert f"iamlab gateway on {url} -> moto-server at http://127.0.0.1:" in out
    # It says what it enforces and its limits before serving (issue 13).
    assert "enforces: SigV4 signatures" in out
    assert "any other Host naming a bucket is refused" in out
    assert "limits: 64 connections at once, 30 s per read" in out
    actions = [json.loads(line)["action"] for line in audit.read_text().splitlines()]
    assert actions == ["s3:CreateBucket", "s3:ListAllMyBuckets"]


def test_gateway_command_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gateway", "--port", "70000"]) == 2
    assert "is not a TCP port" in capsys.readouterr().err
    assert main(["gateway", "--backend", "ftp://x"]) == 2
    assert "unknown backend" in capsys.readouterr().err
    assert main(["gateway", "--max-connections", "0"]) == 2
    assert "--max-connections 0 must be between 1 and 10000" in capsys.readouterr().err
    assert main(["gateway", "--read-timeout", "-1"]) == 2
    assert "--read-timeout -1 must be more than 0" in capsys.readouterr().err
