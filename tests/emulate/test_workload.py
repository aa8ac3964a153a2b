"""Live checks: a simulated job under the learner's role; own steps must pass, rogue steps be denied."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from checker.core.errors import InputError
from checker.emulate.workload import Step, Workload, run_workload
from tests.emulate.conftest import TRAINING_POLICY

ROOT = Path(__file__).resolve().parents[2]

SMALL = Workload(
    role="ml-train",
    account="123456789012",
    region="us-east-1",
    objects={"ml-data": {"datasets/train.csv": b"a,b\n", "secrets/other.csv": b"x"}},
    steps=(
        Step("list the dataset", "s3", "ListObjectsV2", {"Bucket": "ml-data", "Prefix": "datasets/"}),
        Step("read the dataset", "s3", "GetObject", {"Bucket": "ml-data", "Key": "datasets/train.csv"}),
        Step("write the model", "s3", "PutObject", {"Bucket": "ml-data", "Key": "models/m", "Body": b"1"}),
        Step(
            "read secrets", "s3", "GetObject", {"Bucket": "ml-data", "Key": "secrets/other.csv"}, rogue=True
        ),
        Step("create a user", "iam", "CreateUser", {"UserName": "backdoor"}, rogue=True),
    ),
)


def test_least_privilege_policy_passes() -> None:
    report = run_workload(SMALL, [TRAINING_POLICY])
    assert report.passed, report.render()
    assert [r.allowed for r in report.results] == [True, True, True, False, False]
    assert report.results[3].action == "s3:GetObject"
    assert (
        "ok   rogue step: read secrets (s3:GetObject on arn:aws:s3:::ml-data/secrets/other.csv): denied"
        in report.render()
    )


def test_broad_policy_fails_on_rogue_steps() -> None:
    broad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    report = run_workload(SMALL, [broad])
    assert not report.passed
    failing = [r.step.title for r in report.results if not r.passed]
    assert failing == ["read secrets", "create a user"]
    assert "a compromised job could do this" in report.render()


def test_too_narrow_policy_fails_on_job_steps() -> None:
    read_only = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-data/datasets/*"}
        ],
    }
    report = run_workload(SMALL, [read_only])
    assert [r.step.title for r in report.results if not r.passed] == ["list the dataset", "write the model"]
    assert "because no identity-based policy allows the s3:ListBucket action" in report.render()


def test_boundary_applies_to_the_job() -> None:
    boundary = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
    }
    report = run_workload(SMALL, [TRAINING_POLICY], boundary=boundary)
    assert [r.step.title for r in report.results if not r.passed] == ["list the dataset", "write the model"]


def test_steps_naming_unknown_operations_are_input_errors() -> None:
    bad = Workload("r", "123456789012", "us-east-1", (Step("x", "s3", "NoSuchOperation"),))
    with pytest.raises(InputError, match="no operation 'NoSuchOperation'"):
        run_workload(bad, [TRAINING_POLICY])


def _lab01() -> Any:
    path = ROOT / "labs" / "01-training-job" / "workload.py"
    spec = importlib.util.spec_from_file_location("lab01_workload", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _policy(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_lab01_starter_lets_a_compromised_job_through() -> None:
    lab = _lab01()
    report = run_workload(
        lab.WORKLOAD, [_policy(ROOT / "labs/01-training-job/.starter/aws/permissions-policy.json")]
    )
    assert not report.passed
    assert any(r.step.rogue and r.allowed for r in report.results)


def test_lab01_solution_passes_the_live_check() -> None:
    lab = _lab01()
    report = run_workload(
        lab.WORKLOAD, [_policy(ROOT / "solutions/01-training-job/aws/permissions-policy.json")]
    )
    assert report.passed, report.render()


# What a first learner's wide policy lets a compromised job do to the emulator's state...
VANDAL = Workload(
    role="ml-train",
    account="123456789012",
    region="us-east-1",
    objects={"ml-data": {"datasets/train.csv": b"a,b\n"}},
    steps=(
        Step("delete the dataset", "s3", "DeleteObject", {"Bucket": "ml-data", "Key": "datasets/train.csv"}),
        Step("create a user", "iam", "CreateUser", {"UserName": "backdoor"}),
    ),
)
# ... and a second run that looks for those traces.
LOOKOUT = Workload(
    role="ml-train",
    account="123456789012",
    region="us-east-1",
    objects={"ml-data": {"datasets/train.csv": b"a,b\n"}},
    steps=(
        Step("read the dataset", "s3", "GetObject", {"Bucket": "ml-data", "Key": "datasets/train.csv"}),
        Step("find the user", "iam", "GetUser", {"UserName": "backdoor"}),
        Step("write a second object", "s3", "PutObject", {"Bucket": "ml-data", "Key": "x", "Body": b"1"}),
    ),
)


def test_each_run_starts_on_a_fresh_emulator() -> None:
    """Runs share the process's clients and loaded models, never the emulator's state."""
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "iam:*"], "Resource": "*"}]}
    vandal = run_workload(VANDAL, [wide])
    assert all(r.allowed and r.message == "" for r in vandal.results), vandal.render()  # it really happened
    read, user, write = run_workload(LOOKOUT, [wide]).results
    assert read.allowed and read.message == ""  # the object the first run deleted is back
    assert user.allowed and "backdoor" in user.message  # the backend answered NoSuchEntity: no user
    assert write.allowed and write.message == ""
    # and the first learner's inline policy is gone: a narrow policy is judged on its own
    narrow = run_workload(LOOKOUT, [TRAINING_POLICY])
    assert [r.allowed for r in narrow.results] == [True, False, False]


def test_a_bucket_policy_written_during_the_run_is_enforced() -> None:
    """The run starts knowing its buckets have no policy; a step that writes one is seen by the next."""
    deny_reads = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-data/*"}
        ],
    }
    steps = (
        Step("read the dataset", "s3", "GetObject", {"Bucket": "ml-data", "Key": "datasets/train.csv"}),
        Step("lock the bucket", "s3", "PutBucketPolicy", {"Bucket": "ml-data", "Policy": json.dumps(deny_reads)}),
        Step("read it again", "s3", "GetObject", {"Bucket": "ml-data", "Key": "datasets/train.csv"}),
    )
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    report = run_workload(Workload("ml-train", "123456789012", "us-east-1", steps, SMALL.objects), [wide])
    assert [r.allowed for r in report.results] == [True, True, False]
    assert "explicit deny in a resource-based policy" in report.results[2].message


def test_a_step_the_enforcer_could_not_decide_never_passes() -> None:
    """The enforcer fails closed (the call is refused, never sent) when it cannot decide; that refusal
    says nothing about the learner's policy, so a rogue step refused this way is not counted as denied."""
    from checker.emulate.backends import moto_in_process
    from checker.emulate.workload import NOT_DECIDED, step_result

    rogue = Step("read secrets", "s3", "GetObject", {"Bucket": "ml-data", "Key": "secrets/other.csv"}, rogue=True)
    backend = moto_in_process()
    try:
        result = step_result(backend, rogue, [], {"Message": "the lab enforcer could not decide it"})
    finally:
        backend.close()
    assert result.skipped == NOT_DECIDED and not result.passed
    assert "not decided" in result.line() and result.line().startswith("FAIL")


def test_a_step_client_kept_for_the_next_run_gives_each_run_its_own_answer() -> None:
    """Step clients are kept between runs (building one costs more than a run's steps): a kept client signs
    with the next run's session keys and is decided by the next run's enforcer only, so runs in a row give
    exactly the answers of runs on new clients (issue 24)."""
    from checker.emulate import workload

    broad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    inputs = {"least": [TRAINING_POLICY], "broad": [broad]}
    alone = {}
    for name, policies in inputs.items():
        workload._STEP_CLIENTS = workload._StepClients()  # nothing kept: every client built for this run
        alone[name] = run_workload(SMALL, policies).to_json()
    kept = workload._STEP_CLIENTS
    in_a_row = [run_workload(SMALL, inputs[name]).to_json() for name in ("least", "broad", "least")]
    assert in_a_row == [alone["least"], alone["broad"], alone["least"]]
    # The runs in a row shared their clients: one s3 and one iam client, given back after each run.
    assert sorted(key[3] for key, free in kept._free.items() if free) == ["iam", "s3"]
    assert all(len(free) == 1 for free in kept._free.values())


def _log_groups_seeded(seed: Any, groups: tuple[str, ...]) -> list[dict[str, Any]]:
    from checker.emulate.backends import moto_in_process

    with moto_in_process("eu-west-1", "123456789012") as backend:
        seed(backend, groups)
        described = backend.admin_client("logs").describe_log_groups()["logGroups"]
    return [{k: v for k, v in group.items() if k != "creationTime"} for group in described]


def test_log_groups_seeded_in_moto_directly_are_the_ones_the_api_call_makes() -> None:
    """On moto in this process the lab's log groups are made by moto's backend method, not through an
    administrator's CreateLogGroup call: moto must then hold exactly the same log groups (every field it
    describes but the creation time), and a refusal must be the same error."""
    from botocore.exceptions import ClientError

    from checker.emulate.workload import seed_log_groups

    groups = ("/aws/sagemaker/TrainingJobs", "/ml/other")

    def by_api(backend: Any, names: tuple[str, ...]) -> None:
        for name in names:
            backend.admin_client("logs").create_log_group(logGroupName=name)

    def directly(backend: Any, names: tuple[str, ...]) -> None:
        seed_log_groups(backend, backend.region, names)

    direct = _log_groups_seeded(directly, groups)
    assert direct == _log_groups_seeded(by_api, groups)
    assert [group["logGroupName"] for group in direct] == sorted(groups)
    with pytest.raises(ClientError) as refused:
        _log_groups_seeded(directly, ("/twice", "/twice"))
    with pytest.raises(ClientError) as refused_by_api:
        _log_groups_seeded(by_api, ("/twice", "/twice"))
    assert refused.value.response["Error"]["Code"] == refused_by_api.value.response["Error"]["Code"]
    assert refused.value.response["Error"]["Message"] == refused_by_api.value.response["Error"]["Message"]
