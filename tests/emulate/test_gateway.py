"""The gateway in front of moto server: signature checks, decisions, protocol-correct refusals."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from checker.emulate.audit import read_audit
from checker.emulate.backends import Backend, moto_server
from checker.emulate.gateway.run import start_gateway
from checker.emulate.gateway.server import GatewayServer
from tests.emulate.conftest import seed_training_world
from tests.emulate.wire_capture import capture

ROLE_ARN = "arn:aws:iam::123456789012:role/ml-train"
_CONFIG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    server = moto_server()
    seed_training_world(server)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def gateway(
    backend: Backend, clock: Clock, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GatewayServer]:
    audit = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    server = start_gateway(backend, audit=audit, clock=clock)
    server.audit_path = audit  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()


def client(
    gateway: GatewayServer, service: str, key: str = "test", secret: str = "test", token: str | None = None
) -> Any:
    return boto3.client(
        service,
        endpoint_url=gateway.url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=_CONFIG,
    )


def training_credentials(gateway: GatewayServer) -> dict[str, str]:
    creds = client(gateway, "sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="job-7")["Credentials"]
    return {"key": creds["AccessKeyId"], "secret": creds["SecretAccessKey"], "token": creds["SessionToken"]}


def test_allowed_calls_are_forwarded(gateway: GatewayServer) -> None:
    creds = training_credentials(gateway)
    s3 = client(gateway, "s3", **creds)
    assert s3.get_object(Bucket="ml-data", Key="datasets/train.csv")["Body"].read() == b"a,b\n1,2\n"
    s3.put_object(Bucket="ml-data", Key="models/model.bin", Body=b"w" * 10_000)
    assert (
        client(gateway, "s3").get_object(Bucket="ml-data", Key="models/model.bin")["Body"].read()
        == b"w" * 10_000
    )
    assert s3.head_object(Bucket="ml-data", Key="datasets/train.csv")["ContentLength"] == 8
    identity = client(gateway, "sts", **creds).get_caller_identity()
    assert identity["Arn"].endswith(":assumed-role/ml-train/job-7")


def test_denials_use_each_protocol(gateway: GatewayServer) -> None:
    creds = training_credentials(gateway)
    cases = [
        ("s3", lambda c: c.list_buckets(), "AccessDenied", 403),
        ("iam", lambda c: c.create_user(UserName="mallory"), "AccessDenied", 403),
        ("sagemaker", lambda c: c.list_training_jobs(), "AccessDeniedException", 400),
        ("lambda", lambda c: c.list_functions(), "AccessDeniedException", 403),
        ("cloudwatch", lambda c: c.list_metrics(), "AccessDenied", 403),
    ]
    for service, call, code, status in cases:
        with pytest.raises(ClientError) as raised:
            call(client(gateway, service, **creds))
        assert raised.value.response["Error"]["Code"] == code, service
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status, service
        assert (
            "assumed-role/ml-train/job-7 is not authorized to perform"
            in raised.value.response["Error"]["Message"]
        )


def test_denied_write_never_reaches_the_backend(gateway: GatewayServer, backend: Backend) -> None:
    creds = training_credentials(gateway)
    with pytest.raises(ClientError):
        client(gateway, "s3", **creds).delete_object(Bucket="ml-data", Key="datasets/train.csv")
    assert backend.admin_client("s3").head_object(Bucket="ml-data", Key="datasets/train.csv")


def test_unknown_key_is_refused(gateway: GatewayServer) -> None:
    with pytest.raises(ClientError) as raised:
        client(gateway, "sts", key="AKIANOTAKEY000000000", secret="x").get_caller_identity()
    assert raised.value.response["Error"]["Code"] == "InvalidClientTokenId"
    with pytest.raises(ClientError) as raised_s3:
        client(gateway, "s3", key="AKIANOTAKEY000000000", secret="x").list_buckets()
    assert raised_s3.value.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_bad_signature_is_refused(gateway: GatewayServer) -> None:
    with pytest.raises(ClientError) as raised:
        client(gateway, "sts", secret="wrong").get_caller_identity()
    assert raised.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    with pytest.raises(ClientError) as raised_json:
        client(gateway, "kms", secret="wrong").list_keys()
    assert raised_json.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_session_key_without_its_token_is_refused(gateway: GatewayServer) -> None:
    creds = training_credentials(gateway)
    with pytest.raises(ClientError) as raised:
        client(gateway, "sts", key=creds["key"], secret=creds["secret"]).get_caller_identity()
    assert raised.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_expired_session_is_refused(gateway: GatewayServer, backend: Backend) -> None:
    creds = training_credentials(gateway)
    stored = backend.credentials.find(creds["key"])
    assert stored is not None and stored.expiration is not None
    backend.credentials.remember(replace(stored, expiration=datetime.now(UTC) - timedelta(seconds=1)))
    with pytest.raises(ClientError) as raised:
        client(gateway, "sts", **creds).get_caller_identity()
    assert raised.value.response["Error"]["Code"] == "ExpiredToken"
    assert (
        raised.value.response["Error"]["Message"] == "The security token included in the request is expired"
    )


def _send_raw(gateway: GatewayServer, request: Any) -> tuple[int, bytes]:
    host, port = gateway.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=10)
    try:
        connection.request(request.method, request.target, body=request.body, headers=request.headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_replay_outside_the_time_window_is_refused(gateway: GatewayServer, clock: Clock) -> None:
    request = capture("sts", "get_caller_identity", endpoint=gateway.url)
    status, _ = _send_raw(gateway, request)
    assert status == 200
    clock.offset = timedelta(minutes=20)
    try:
        status, body = _send_raw(gateway, request)
    finally:
        clock.offset = timedelta(0)
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body and b"Signature expired" in body


def test_unsigned_and_unmappable_requests_are_refused(gateway: GatewayServer) -> None:
    host, port = gateway.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=10)
    connection.request("GET", "/ml-data/datasets/train.csv")  # anonymous: no bucket policy allows it
    response = connection.getresponse()
    assert (
        response.status == 403
        and b"<Code>AccessDenied</Code><Message>Access Denied</Message>" in response.read()
    )
    connection.request(
        "POST",
        "/",
        body=b"Action=ListUsers&Version=2010-05-08",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    assert response.status == 403 and b"MissingAuthenticationToken" in response.read()
    connection.close()
    with pytest.raises(ClientError) as raised:
        client(gateway, "s3").select_object_content(
            Bucket="ml-data",
            Key="datasets/train.csv",
            Expression="select * from s3object",
            ExpressionType="SQL",
            InputSerialization={"CSV": {}},
            OutputSerialization={"CSV": {}},
        )
    message = raised.value.response["Error"]["Message"]
    assert "s3:SelectObjectContent" in message and "cannot tell which IAM permission" in message


def test_every_decision_lands_in_the_audit_log(gateway: GatewayServer) -> None:
    creds = training_credentials(gateway)
    s3 = client(gateway, "s3", **creds)
    s3.get_object(Bucket="ml-data", Key="datasets/train.csv")
    with pytest.raises(ClientError):
        s3.get_object(Bucket="ml-data", Key="secrets/other.csv")
    records = list(read_audit(Path(gateway.audit_path)))  # type: ignore[attr-defined]
    mine = [r for r in records if r.principal.endswith("/job-7") and r.action == "s3:GetObject"]
    assert any(r.decision == "allow" and r.statement and "ReadDataset" in r.statement for r in mine)
    assert any(r.decision == "implicit_deny" and r.resource.endswith("secrets/other.csv") for r in mine)
    assert all(json.loads(json.dumps(r.to_json()))["time"] for r in mine)


def test_keys_created_through_the_gateway_work(gateway: GatewayServer) -> None:
    iam = client(gateway, "iam")
    iam.create_user(UserName="reader")
    iam.put_user_policy(
        UserName="reader",
        PolicyName="read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-data/*"}
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    s3 = client(gateway, "s3", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert s3.get_object(Bucket="ml-data", Key="datasets/train.csv")["Body"].read()
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="ml-data", Key="x", Body=b"1")
    assert raised.value.response["Error"]["Message"].startswith(
        "User: arn:aws:iam::123456789012:user/reader "
    )


def test_secure_transport_is_reported_as_configured(gateway: GatewayServer, backend: Backend) -> None:
    """A bucket policy denying plain HTTP: calls count as TLS by default, as plain HTTP with --plain-http."""
    s3_admin = backend.admin_client("s3")
    s3_admin.create_bucket(Bucket="tls-only")
    s3_admin.put_object(Bucket="tls-only", Key="k", Body=b"v")
    deny_http = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::tls-only", "arn:aws:s3:::tls-only/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3_admin.put_bucket_policy(Bucket="tls-only", Policy=json.dumps(deny_http))
    backend.state.invalidate()
    # Allowed by the engine and answered by moto (which no longer judges bucket policies itself).
    assert client(gateway, "s3").get_object(Bucket="tls-only", Key="k")["Body"].read() == b"v"
    plain = start_gateway(backend, secure_transport=False)
    try:
        with pytest.raises(ClientError) as raised:
            client(plain, "s3").get_object(Bucket="tls-only", Key="k")
        assert raised.value.response["Error"]["Message"].endswith(
            "with an explicit deny in a resource-based policy"
        )
    finally:
        plain.stop()


def test_anonymous_s3_reads_are_decided_by_the_bucket_policy(
    gateway: GatewayServer, backend: Backend
) -> None:
    """S3 User Guide, "Bucket policy examples": a statement with Principal "*" grants anonymous access."""
    admin = backend.admin_client("s3")
    admin.create_bucket(Bucket="public-models")
    admin.put_object(Bucket="public-models", Key="model.bin", Body=b"m")
    public_read = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::public-models/*",
            }
        ],
    }
    admin.put_bucket_policy(Bucket="public-models", Policy=json.dumps(public_read))
    backend.state.invalidate()
    host, port = gateway.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=10)
    connection.request("GET", "/public-models/model.bin")
    connection.getresponse().read()  # moto then applies the object's ACL to anonymous readers
    connection.request("DELETE", "/public-models/model.bin")
    deleted = connection.getresponse()
    assert deleted.status == 403 and b"Access Denied" in deleted.read()
    connection.close()
    records = [
        r
        for r in read_audit(Path(gateway.audit_path))
        if r.resource == "arn:aws:s3:::public-models/model.bin"
    ]  # type: ignore[attr-defined]
    assert [(r.principal, r.action, r.decision) for r in records] == [
        ("anonymous", "s3:GetObject", "allow"),
        ("anonymous", "s3:DeleteObject", "implicit_deny"),
    ]
    assert admin.head_object(Bucket="public-models", Key="model.bin")
