"""Shared setup: an IAM world in moto with a training role, a dataset bucket and a learner's policy."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from checker.emulate.backends import Backend, moto_in_process

TRUST_ANY_IN_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}

TRAINING_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ListDatasetPrefix",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::ml-data",
            "Condition": {"StringLike": {"s3:prefix": ["datasets/*"]}},
        },
        {
            "Sid": "ReadDataset",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::ml-data/datasets/*",
        },
        {
            "Sid": "WriteModel",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::ml-data/models/*",
        },
    ],
}


def doc(policy: dict[str, Any]) -> str:
    return json.dumps(policy)


@pytest.fixture
def moto_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    backend = moto_in_process()
    try:
        yield backend
    finally:
        backend.close()


def reset_moto(backend: Backend) -> None:
    """Empty a moto server: its state is global to this process and outlives other modules' servers."""
    assert backend.endpoint_url is not None
    request = urllib.request.Request(f"{backend.endpoint_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


def seed_training_world(backend: Backend) -> None:
    """The lab 01 world: bucket ml-data with datasets/ and models/, role ml-train with the policy."""
    s3 = backend.admin_client("s3")
    s3.create_bucket(Bucket="ml-data")
    s3.put_object(Bucket="ml-data", Key="datasets/train.csv", Body=b"a,b\n1,2\n")
    s3.put_object(Bucket="ml-data", Key="secrets/other.csv", Body=b"x")
    iam = backend.admin_client("iam")
    iam.create_role(RoleName="ml-train", AssumeRolePolicyDocument=doc(TRUST_ANY_IN_ACCOUNT))
    iam.put_role_policy(RoleName="ml-train", PolicyName="training", PolicyDocument=doc(TRAINING_POLICY))


def enforced_role_client(backend: Backend, role_arn: str, service: str, session_name: str = "agent") -> Any:
    """A client of `service` signed with a session of `role_arn`, every call decided by the project's engine
    (the in-process enforcer; the account's admin assumes the role)."""
    from checker.emulate.hook import InProcessEnforcer

    enforcer = InProcessEnforcer(backend.authorizer, backend.credentials, None)
    admin = enforcer.session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    creds = admin.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    session = enforcer.session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )
    return session.client(service)
