"""`iamlab run`: lab 01's workload run for real under the learner's policies, call by call.

On moto always; on the real LocalStack when it runs (CI starts it in .ci/run and must run these).
Free LocalStack offers no SageMaker, so the two SageMaker rogue steps are reported as not run there
and never counted as passed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest

from checker.cli.main import main
from checker.emulate.backends import localstack_running
from checker.emulate.workload import NOT_RUN, StepResult, policy_names
from checker.grading.liverun import LiveRun, run_lab
from checker.grading.runner import grade
from checker.grading.spec import load_lab

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "01-training-job"
SOLUTION = REPO / "solutions" / "01-training-job" / "aws"
STARTER = LAB / ".starter" / "aws"

JOB = ["list the dataset prefix", "read the training data", "read the validation data", "write the model"]
S3_ROGUE = [
    "read another prefix (customer PII)",
    "list the whole dataset bucket",
    "poison the dataset",
    "delete the training data",
    "list every bucket in the account",
]
SAGEMAKER_ROGUE = ["start another training job", "pass the admin role to a new job"]
ROGUE = [*S3_ROGUE, "create an IAM user (a backdoor)", *SAGEMAKER_ROGUE]


def _steps(run: LiveRun) -> list[StepResult]:
    (_, report), = run.runs
    return list(report.results)


def _titles(run: LiveRun, decision: str) -> list[str]:
    return [r.step.title for r in _steps(run) if r.decision == decision]


def test_the_reference_solution_runs_and_stops_every_rogue_step_on_moto() -> None:
    seen: list[str] = []
    run = run_lab(load_lab(LAB), "aws", SOLUTION, on_step=lambda step: seen.append(step.step.title))
    assert run.passed
    assert seen == [*JOB, *ROGUE]  # each step was reported as it happened, in order
    assert _titles(run, "allowed") == JOB
    assert _titles(run, "denied") == ROGUE
    by_title = {r.step.title: r for r in _steps(run)}
    # the deciding policy (named after the learner's file) and statement of an allowed call ...
    assert by_title["read the training data"].why == (
        "identity inline policy permissions-policy of role fraud-training-role, statement 0 (ReadTrainingData): "
        "applies to this request"
    )
    # ... and for a denial the condition that failed, with the request's value
    assert "condition StringLike on s3:prefix failed: the key is '', the statement compares it with 'fraud/v3/*'" in (
        by_title["list the whole dataset bucket"].why
    )


def test_the_starter_lets_exactly_the_s3_rogue_steps_through_on_moto() -> None:
    run = run_lab(load_lab(LAB), "aws", STARTER)
    assert not run.passed
    assert _titles(run, "allowed") == [*JOB, *S3_ROGUE]
    assert _titles(run, "denied") == ["create an IAM user (a backdoor)", *SAGEMAKER_ROGUE]
    assert [r.step.title for r in _steps(run) if not r.passed] == S3_ROGUE
    pii = next(r for r in _steps(run) if r.step.title == S3_ROGUE[0])
    assert pii.why.startswith("identity inline policy permissions-policy of role fraud-training-role, statement 0 (S3Access)")


def test_cli_prints_each_call_and_exits_by_the_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "01", "--submission", str(SOLUTION)]) == 0
    out = capsys.readouterr().out
    assert "ok   rogue read another prefix (customer PII): s3:GetObject" in out
    assert "4/4 job steps succeeded, 8/8 rogue steps denied" in out
    assert main(["run", "01", "--submission", str(STARTER)]) == 1
    out = capsys.readouterr().out
    assert "FAIL rogue poison the dataset: s3:PutObject" in out
    assert "a compromised job could do this; your policy allows it" in out
    assert "4/4 job steps succeeded, 3/8 rogue steps denied" in out


def test_cli_json_names_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "01", "--submission", str(STARTER), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    steps = data["runs"][0]["steps"]
    assert data["passed"] is False and data["backend"] == "moto"
    assert [s["title"] for s in steps if not s["passed"]] == S3_ROGUE
    assert steps[0] | {"why": ""} == {
        "title": "list the dataset prefix",
        "rogue": False,
        "operation": "s3:ListObjectsV2",
        "decision": "allowed",
        "allowed": True,
        "passed": True,
        "action": "s3:ListBucket",
        "resource": "arn:aws:s3:::acme-ml-datasets",
        "why": "",
        "message": "",
    }


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["run", "01", "--backend", "ftp://example"], "unknown backend 'ftp://example'"),
        (["run", "01", "--cloud", "gcp"], "has nothing to run for gcp: its lab.yaml has no `live` check there"),
        (["run", "01", "--submission", "/nonexistent-folder"], "submission folder not found"),
        (["check", "01", "--backend", "nonsense"], "unknown backend 'nonsense'"),
    ],
)
def test_bad_input_exits_2_with_a_located_error(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert said in capsys.readouterr().err


def test_a_policy_the_emulator_refuses_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for item in STARTER.iterdir():
        (tmp_path / item.name).write_text(item.read_text())
    (tmp_path / "permissions-policy.json").write_text('{\n  "Version": "2012-10-17",\n  "Statement": []\n}\n')
    assert main(["run", "01", "--submission", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "permissions-policy.json:3:" in err and "the emulator refused to install your policy" in err


def test_the_notebook_table_has_one_green_or_red_row_per_call() -> None:
    run = run_lab(load_lab(LAB), "aws", STARTER)
    table = run._repr_html_()
    assert table.count("<tr style=") == len(JOB) + len(ROGUE)
    assert table.count("#fce8e6") == len(S3_ROGUE)  # red rows: the rogue steps that got through
    assert table.count("#e6f4ea") == len(JOB) + len(ROGUE) - len(S3_ROGUE)
    assert "<td>poison the dataset</td><td>compromised job</td><td>s3:PutObject</td><td>allowed</td>" in table


def test_policy_names_follow_the_learner_files() -> None:
    assert policy_names(["permissions-policy"], 1) == ["permissions-policy"]
    assert policy_names(["my policy (v2)"], 1) == ["my-policy--v2-"]  # IAM allows only [\w+=,.@-]
    assert policy_names(["a b", "a?b"], 2) == ["learner-1", "learner-2"]  # would collide
    assert policy_names([], 2) == ["learner-1", "learner-2"]


# CI starts LocalStack (.ci/run), so there it must be running; a developer without it gets a skip.
needs_localstack = pytest.mark.skipif(
    not localstack_running() and os.environ.get("CI") != "true",
    reason="LocalStack is not running: start it with `make localstack`",
)


def _lab_resources_left() -> list[str]:
    """What the run could leave in LocalStack's account for the lab (111122223333): must be nothing."""
    kwargs = {
        "endpoint_url": "http://127.0.0.1:4566",
        "region_name": "us-east-1",
        "aws_access_key_id": "111122223333",
        "aws_secret_access_key": "test",
    }
    s3, iam = boto3.client("s3", **kwargs), boto3.client("iam", **kwargs)
    return [
        *(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("acme-ml-")),
        *(r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"] in ("fraud-training-role", "ml-platform-admin")),
        *(u["UserName"] for u in iam.list_users()["Users"] if u["UserName"] == "backdoor"),
    ]


@needs_localstack
def test_the_reference_solution_on_localstack() -> None:
    assert localstack_running(), "CI must run this test: .ci/run starts LocalStack before `make test`"
    run = run_lab(load_lab(LAB), "aws", SOLUTION, backend="localstack")
    assert _titles(run, "allowed") == JOB
    assert _titles(run, "denied") == [*S3_ROGUE, "create an IAM user (a backdoor)"]
    # free LocalStack has no SageMaker: those steps are named as not run and never pass
    assert _titles(run, NOT_RUN) == SAGEMAKER_ROGUE
    (_, report), = run.runs
    assert report.not_run == ["sagemaker:CreateTrainingJob"]
    assert not run.passed
    assert _lab_resources_left() == []


@needs_localstack
def test_the_starter_on_localstack_and_cleaned_afterwards(capsys: pytest.CaptureFixture[str]) -> None:
    assert localstack_running(), "CI must run this test: .ci/run starts LocalStack before `make test`"
    run = run_lab(load_lab(LAB), "aws", STARTER, backend="localstack")
    assert _titles(run, "allowed") == [*JOB, *S3_ROGUE]
    assert _titles(run, "denied") == ["create an IAM user (a backdoor)"]
    assert [r.step.title for r in _steps(run) if not r.passed] == [*S3_ROGUE, *SAGEMAKER_ROGUE]
    assert _lab_resources_left() == []  # the poisoned dataset and the written objects are gone too
    assert main(["run", "01", "--submission", str(SOLUTION), "--backend", "localstack"]) == 1
    out = capsys.readouterr().out
    assert "start another training job: sagemaker:CreateTrainingJob not run on this backend" in out
    assert "not run on localstack, so not counted as passed: sagemaker:CreateTrainingJob" in out


@needs_localstack
def test_check_grades_the_live_check_on_localstack() -> None:
    assert localstack_running(), "CI must run this test: .ci/run starts LocalStack before `make test`"
    result = grade(load_lab(LAB), "aws", SOLUTION, backend="localstack")
    live = next(check for check in result.checks if check.id == "live-run")
    assert not live.passed  # two steps not run on this backend are never counted as passed
    assert "'start another training job' was not run on this backend" in live.message
    starter = grade(load_lab(LAB), "aws", STARTER, backend="localstack")
    live = next(check for check in starter.checks if check.id == "live-run")
    assert not live.passed and "it could poison the dataset" in live.message


def test_a_url_backend_must_simulate_the_labs_account(capsys: pytest.CaptureFixture[str]) -> None:
    """moto's server simulates 123456789012 unless told otherwise; the lab's ARNs name 111122223333."""
    from checker.emulate.backends import moto_server

    server = moto_server()
    try:
        assert main(["run", "01", "--backend", str(server.endpoint_url)]) == 2
    finally:
        server.close()
    err = capsys.readouterr().err
    assert f"the backend at {server.endpoint_url} simulates account 123456789012" in err
    assert "the lab runs in account 111122223333" in err


@pytest.mark.skipif(localstack_running(), reason="LocalStack is running here")
def test_a_localstack_that_is_not_running_is_named_before_any_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "01", "--backend", "localstack"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing was run or printed as if it had
    assert "LocalStack is not running at http://127.0.0.1:4566" in captured.err
    assert "make localstack" in captured.err
