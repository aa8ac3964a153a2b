"""The gateway authorizes exactly the bucket and key the backend acts on, whatever the Host says.

Attack: a request signed by the training role for its own bucket's path (`/ml-data/...`), sent with a
Host header that names another bucket. moto reads a dotted Host's first label as the bucket (after
removing `www.`), so before the fix the gateway authorized `ml-data` while moto read and wrote `vault`.
S3 itself reads virtual-hosted buckets from the Host ("Virtual hosting of general purpose buckets",
S3 User Guide: "the bucket name is part of the domain name in the URL"), so the gateway must too.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from checker.emulate.audit import read_audit
from checker.emulate.backends import Backend, moto_server
from checker.emulate.gateway.run import start_gateway
from checker.emulate.gateway.server import GatewayServer
from tests.emulate.conftest import reset_moto, seed_training_world
from tests.emulate.test_gateway import client

ROLE_ARN = "arn:aws:iam::123456789012:role/ml-train"
SECRET = b"vault contents: never readable by ml-train"


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    server = moto_server()
    reset_moto(server)
    seed_training_world(server)
    s3 = server.admin_client("s3")
    s3.create_bucket(Bucket="vault")
    for key in ("datasets/train.csv", "ml-data/datasets/train.csv"):
        s3.put_object(Bucket="vault", Key=key, Body=SECRET)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def gateway(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    audit = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    server = start_gateway(backend, audit=audit)
    server.audit_path = audit  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def role(gateway: GatewayServer) -> Credentials:
    creds = client(gateway, "sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="job-7")["Credentials"]
    return Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def send(
    gateway: GatewayServer, creds: Credentials, method: str, path: str, host: str, body: bytes = b""
) -> Any:
    """A request signed correctly (Host included, as SigV4 requires) and sent as is."""
    request = AWSRequest(method=method, url=f"{gateway.url}{path}", data=body, headers={"Host": host})
    request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    S3SigV4Auth(creds, "s3", "us-east-1").add_auth(request)
    _, _, hostport = gateway.url.rpartition("/")
    name, _, port = hostport.partition(":")
    connection = http.client.HTTPConnection(name, int(port), timeout=20)
    try:
        connection.request(method, path, body=body, headers=dict(request.headers.items()))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def vault_keys(backend: Backend) -> list[str]:
    listing = backend.admin_client("s3").list_objects_v2(Bucket="vault")
    return sorted(item["Key"] for item in listing.get("Contents", []))


def gateway_port(gateway: GatewayServer) -> str:
    return gateway.url.rpartition(":")[2]


# Host forms a client controls, and what S3 makes of each: the bucket in the Host, or refused.
HOSTILE_HOSTS = [
    pytest.param("vault.example", "InvalidRequest", id="cname-like-host"),
    pytest.param("vault.localhost:{port}", "AccessDenied", id="bucket.localhost"),
    pytest.param("VAULT.S3.amazonaws.com", "AccessDenied", id="upper-case-virtual-host"),
    pytest.param("vault.s3.us-east-1.amazonaws.com", "AccessDenied", id="regional-virtual-host"),
    pytest.param("vault.s3-us-west-2.amazonaws.com", "AccessDenied", id="legacy-dash-virtual-host"),
    pytest.param("www.vault.s3.amazonaws.com", "AccessDenied", id="www-prefix-is-part-of-the-bucket"),
    pytest.param("www.vault.example", "InvalidRequest", id="www-prefix-cname"),
    pytest.param("vault.s3.localhost.localstack.cloud", "AccessDenied", id="localstack-virtual-host"),
    pytest.param("vault.127.0.0.1.nip.io:{port}", "InvalidRequest", id="wildcard-dns-host"),
]


@pytest.mark.parametrize(("host", "code"), HOSTILE_HOSTS)
def test_a_host_naming_another_bucket_never_reaches_it(
    gateway: GatewayServer, backend: Backend, role: Credentials, host: str, code: str
) -> None:
    host = host.format(port=gateway_port(gateway))
    status, body = send(gateway, role, "GET", "/ml-data/datasets/train.csv", host)
    assert SECRET not in body
    assert f"<Code>{code}</Code>".encode() in body, body
    assert status == (400 if code == "InvalidRequest" else 403)
    status, body = send(gateway, role, "PUT", "/ml-data/models/planted.bin", host, b"planted")
    assert f"<Code>{code}</Code>".encode() in body, body
    assert vault_keys(backend) == ["datasets/train.csv", "ml-data/datasets/train.csv"]


def test_a_path_style_host_acts_on_the_path_bucket(
    gateway: GatewayServer, backend: Backend, role: Credentials
) -> None:
    """A dotless Host (a container name) or an S3 endpoint is path-style: the path's bucket is used."""
    for host in ("vault", f"localhost:{gateway_port(gateway)}", "s3.us-east-1.amazonaws.com"):
        status, body = send(gateway, role, "GET", "/ml-data/datasets/train.csv", host)
        assert (status, body) == (200, b"a,b\n1,2\n"), host
    status, _ = send(gateway, role, "PUT", "/ml-data/models/from-path.bin", "vault", b"w")
    assert status == 200
    assert (
        backend.admin_client("s3").get_object(Bucket="ml-data", Key="models/from-path.bin")["Body"].read()
        == b"w"
    )
    assert vault_keys(backend) == ["datasets/train.csv", "ml-data/datasets/train.csv"]


def test_virtual_hosted_requests_act_on_the_host_bucket(gateway: GatewayServer, role: Credentials) -> None:
    status, body = send(gateway, role, "GET", "/datasets/train.csv", "ml-data.s3.us-east-1.amazonaws.com")
    assert (status, body) == (200, b"a,b\n1,2\n")
    # What boto3 sends with addressing_style="virtual" and endpoint_url http://localhost:PORT.
    status, body = send(
        gateway, role, "GET", "/datasets/train.csv", f"ml-data.localhost:{gateway_port(gateway)}"
    )
    assert (status, body) == (200, b"a,b\n1,2\n")


def test_the_audit_log_names_the_bucket_acted_on(gateway: GatewayServer, role: Credentials) -> None:
    send(gateway, role, "GET", "/ml-data/datasets/train.csv", "vault.s3.amazonaws.com")
    last = list(read_audit(Path(gateway.audit_path)))[-1]  # type: ignore[attr-defined]
    assert last.resource == "arn:aws:s3:::vault/ml-data/datasets/train.csv"
    assert last.decision == "implicit_deny"


def test_an_unsigned_request_is_addressed_the_same_way(gateway: GatewayServer) -> None:
    """Anonymous reads are decided by bucket policy; a hostile Host cannot move them either."""
    _, _, hostport = gateway.url.rpartition("/")
    name, _, port = hostport.partition(":")
    connection = http.client.HTTPConnection(name, int(port), timeout=20)
    try:
        connection.request("GET", "/ml-data/datasets/train.csv", headers={"Host": "vault.example"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 400 and b"<Code>InvalidRequest</Code>" in body and SECRET not in body


@pytest.mark.parametrize(
    "query",
    [
        # moto answers GET KEY?attributes with GetObjectAttributes; without its required header the
        # gateway's reading was GetObject, which the role may call.
        pytest.param("attributes", id="sub-resource-the-operation-ignores"),
        pytest.param("acl&tagging", id="two-sub-resources"),
    ],
)
def test_a_query_that_could_select_another_operation_is_refused(
    gateway: GatewayServer, role: Credentials, query: str
) -> None:
    status, body = send(gateway, role, "GET", f"/ml-data/datasets/train.csv?{query}", "127.0.0.1")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body and b"ambiguous" in body


def test_dot_segments_stay_part_of_the_key(gateway: GatewayServer, role: Credentials) -> None:
    """S3 keys are literal ("Naming Amazon S3 objects": `..` is a valid key part, never resolved); moto
    agrees, so datasets/../secrets/x is authorized and acted on as that literal key, not secrets/x."""
    status, body = send(gateway, role, "GET", "/ml-data/datasets/../secrets/other.csv", "127.0.0.1")
    assert status == 404 and b"<Key>datasets/../secrets/other.csv</Key>" in body
