"""The same lab calls through each backend: moto in-process (hook), moto server and LocalStack (gateway).

For every call the decision log must name the mapped action and resource, and the call must reach
the backend and succeed (the root user is allowed everything). LocalStack's tests run when it is up
(`make localstack`; CI starts it) and skip otherwise. Free LocalStack has no SageMaker, ECR or
Organizations, so those steps run on moto only.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from checker.emulate.audit import read_audit
from checker.emulate.authorize import Verdict
from checker.emulate.backends import Backend, localstack, localstack_running, moto_in_process, moto_server
from checker.emulate.gateway.run import start_gateway
from checker.emulate.hook import InProcessEnforcer

_CONFIG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)

Step = tuple[str, str, Callable[[Any, dict[str, Any]], Any], list[tuple[str, str]]]


def _steps(account: str, region: str) -> list[Step]:
    """(service, label, call(client, memo), expected [(action, resource)]) in order; memo carries ids."""
    bucket = "arn:aws:s3:::lab-backend-data"

    def create_key(c: Any, memo: dict[str, Any]) -> Any:
        memo["key"] = c.create_key(Description="lab")["KeyMetadata"]["KeyId"]

    def encrypt(c: Any, memo: dict[str, Any]) -> Any:
        memo["blob"] = c.encrypt(KeyId=memo["key"], Plaintext=b"secret")["CiphertextBlob"]

    key_arn = f"arn:aws:kms:{region}:{account}:key/" + "{key}"
    return [
        (
            "s3",
            "CreateBucket",
            lambda c, m: c.create_bucket(Bucket="lab-backend-data"),
            [("s3:CreateBucket", bucket)],
        ),
        (
            "s3",
            "PutObject",
            lambda c, m: c.put_object(Bucket="lab-backend-data", Key="datasets/a.csv", Body=b"1"),
            [("s3:PutObject", bucket + "/datasets/a.csv")],
        ),
        (
            "s3",
            "GetObject",
            lambda c, m: c.get_object(Bucket="lab-backend-data", Key="datasets/a.csv")["Body"].read(),
            [("s3:GetObject", bucket + "/datasets/a.csv")],
        ),
        (
            "s3",
            "HeadObject",
            lambda c, m: c.head_object(Bucket="lab-backend-data", Key="datasets/a.csv"),
            [("s3:GetObject", bucket + "/datasets/a.csv")],
        ),
        (
            "s3",
            "ListObjectsV2",
            lambda c, m: c.list_objects_v2(Bucket="lab-backend-data", Prefix="datasets/"),
            [("s3:ListBucket", bucket)],
        ),
        ("s3", "ListBuckets", lambda c, m: c.list_buckets(), [("s3:ListAllMyBuckets", "*")]),
        (
            "s3",
            "CopyObject",
            lambda c, m: c.copy_object(
                Bucket="lab-backend-data",
                Key="models/b.csv",
                CopySource={"Bucket": "lab-backend-data", "Key": "datasets/a.csv"},
            ),
            [("s3:PutObject", bucket + "/models/b.csv"), ("s3:GetObject", bucket + "/datasets/a.csv")],
        ),
        (
            "s3",
            "DeleteObjects",
            lambda c, m: c.delete_objects(
                Bucket="lab-backend-data", Delete={"Objects": [{"Key": "models/b.csv"}]}
            ),
            [("s3:DeleteObject", bucket + "/models/b.csv")],
        ),
        (
            "s3",
            "PutBucketPolicy",
            lambda c, m: c.put_bucket_policy(
                Bucket="lab-backend-data",
                Policy=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                                "Action": "s3:GetObject",
                                "Resource": bucket + "/*",
                            }
                        ],
                    }
                ),
            ),
            [("s3:PutBucketPolicy", bucket)],
        ),
        (
            "iam",
            "CreateRole",
            lambda c, m: c.create_role(RoleName="lab-train", AssumeRolePolicyDocument=TRUST),
            [("iam:CreateRole", f"arn:aws:iam::{account}:role/lab-train")],
        ),
        (
            "iam",
            "PutRolePolicy",
            lambda c, m: c.put_role_policy(RoleName="lab-train", PolicyName="p", PolicyDocument=POLICY),
            [("iam:PutRolePolicy", f"arn:aws:iam::{account}:role/lab-train")],
        ),
        ("iam", "ListRoles", lambda c, m: c.list_roles(), [("iam:ListRoles", "*")]),
        (
            "sts",
            "AssumeRole",
            lambda c, m: c.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/lab-train", RoleSessionName="s1"
            ),
            [("sts:AssumeRole", f"arn:aws:iam::{account}:role/lab-train")],
        ),
        ("kms", "CreateKey", create_key, [("kms:CreateKey", "*")]),
        ("kms", "Encrypt", encrypt, [("kms:Encrypt", key_arn)]),
        (
            "kms",
            "Decrypt",
            lambda c, m: c.decrypt(CiphertextBlob=m["blob"], KeyId=m["key"]),
            [("kms:Decrypt", key_arn)],
        ),
        (
            "logs",
            "CreateLogGroup",
            lambda c, m: c.create_log_group(logGroupName="/lab/train"),
            [("logs:CreateLogGroup", f"arn:aws:logs:{region}:{account}:log-group:/lab/train:log-stream:")],
        ),
        (
            "logs",
            "CreateLogStream",
            lambda c, m: c.create_log_stream(logGroupName="/lab/train", logStreamName="s"),
            [("logs:CreateLogStream", f"arn:aws:logs:{region}:{account}:log-group:/lab/train:log-stream:s")],
        ),
        (
            "cloudwatch",
            "PutMetricData",
            lambda c, m: c.put_metric_data(
                Namespace="Lab", MetricData=[{"MetricName": "loss", "Value": 0.1}]
            ),
            [("cloudwatch:PutMetricData", "*")],
        ),
        ("lambda", "ListFunctions", lambda c, m: c.list_functions(), [("lambda:ListFunctions", "*")]),
        (
            "apigateway",
            "GetRestApis",
            lambda c, m: c.get_rest_apis(),
            [("apigateway:GET", f"arn:aws:apigateway:{region}::/restapis")],
        ),
    ]


MOTO_ONLY: list[Step] = [
    (
        "sagemaker",
        "ListTrainingJobs",
        lambda c, m: c.list_training_jobs(),
        [("sagemaker:ListTrainingJobs", "*")],
    ),
    (
        "ecr",
        "CreateRepository",
        lambda c, m: c.create_repository(repositoryName="train"),
        [("ecr:CreateRepository", "arn:aws:ecr:us-east-1:{account}:repository/train")],
    ),
    (
        "organizations",
        "CreateOrganization",
        lambda c, m: c.create_organization(FeatureSet="ALL"),
        [("organizations:CreateOrganization", "*")],
    ),
]


def _run_steps(make_client: Callable[[str], Any], steps: list[Step], account: str) -> dict[str, Any]:
    memo: dict[str, Any] = {}
    clients: dict[str, Any] = {}
    for service, _label, call, _expected in steps:
        if service not in clients:
            clients[service] = make_client(service)
        call(clients[service], memo)
    return memo


def _expected(steps: list[Step], account: str, memo: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for _service, _label, _call, expected in steps:
        for action, resource in expected:
            pairs.append((action, resource.format(account=account, key=memo.get("key", ""))))
    return pairs


def test_moto_in_process_maps_every_lab_call() -> None:
    backend = moto_in_process()
    try:
        verdicts: list[Verdict] = []
        enforcer = InProcessEnforcer(backend.authorizer, backend.credentials, on_verdict=verdicts.append)
        session = enforcer.session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
        )
        steps = _steps(backend.account, "us-east-1") + MOTO_ONLY
        memo = _run_steps(lambda service: session.client(service, config=_CONFIG), steps, backend.account)
        seen = [(o.check.action, o.check.resource) for v in verdicts for o in v.outcomes]
        assert all(v.allowed for v in verdicts)
        assert seen == _expected(steps, backend.account, memo)
    finally:
        backend.close()


def _through_gateway(backend: Backend, steps: list[Step], tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    gateway = start_gateway(backend, audit=audit)
    try:
        session: Any = boto3.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name=backend.region
        )
        memo = _run_steps(
            lambda service: session.client(service, endpoint_url=gateway.url, config=_CONFIG),
            steps,
            backend.account,
        )
    finally:
        gateway.stop()
    records = list(read_audit(audit))
    assert all(r.decision == "allow" for r in records), [r for r in records if r.decision != "allow"]
    assert [(r.action, r.resource) for r in records] == _expected(steps, backend.account, memo)


@pytest.fixture
def moto_server_backend() -> Iterator[Backend]:
    backend = moto_server()
    try:
        yield backend
    finally:
        backend.close()


def test_moto_server_maps_every_lab_call(moto_server_backend: Backend, tmp_path: Path) -> None:
    _through_gateway(
        moto_server_backend, _steps(moto_server_backend.account, "us-east-1") + MOTO_ONLY, tmp_path
    )


# CI starts LocalStack (.ci/run), so there it must be running; a developer without it gets a skip.
@pytest.mark.skipif(
    not localstack_running() and os.environ.get("CI") != "true",
    reason="LocalStack is not running: start it with `make localstack`",
)
def test_localstack_maps_every_lab_call(tmp_path: Path) -> None:
    assert localstack_running(), "CI must run this test: .ci/run starts LocalStack before `make test`"
    backend = localstack()
    try:
        _cleanup_localstack(backend)
        _through_gateway(backend, _steps(backend.account, "us-east-1"), tmp_path)
    finally:
        _cleanup_localstack(backend)
        backend.close()


def _cleanup_localstack(backend: Backend) -> None:
    """LocalStack keeps state between runs: remove what the steps create."""
    s3, iam, logs = backend.admin_client("s3"), backend.admin_client("iam"), backend.admin_client("logs")
    with contextlib.suppress(ClientError):
        for item in s3.list_objects_v2(Bucket="lab-backend-data").get("Contents", []):
            s3.delete_object(Bucket="lab-backend-data", Key=item["Key"])
        s3.delete_bucket(Bucket="lab-backend-data")
    with contextlib.suppress(ClientError):
        iam.delete_role_policy(RoleName="lab-train", PolicyName="p")
    with contextlib.suppress(ClientError):
        iam.delete_role(RoleName="lab-train")
    with contextlib.suppress(ClientError):
        logs.delete_log_group(logGroupName="/lab/train")
