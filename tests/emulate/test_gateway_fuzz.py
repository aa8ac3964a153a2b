"""Hostile, validly signed requests: the gateway answers each with a refusal or a forward, never a crash.

Requests are signed with the root key, so they reach the parsers, the mapping and the engine; the
backend is a recorder, so the test also sees that nothing unmappable is ever forwarded.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.emulate.backends import Backend, moto_in_process
from checker.emulate.gateway.core import GatewayCore
from checker.emulate.gateway.forward import BackendResponse
from checker.emulate.mapping import ApiCall, map_call
from checker.emulate.wire.http import HttpRequest
from checker.emulate.wire.identify import identify

SIGNING = [
    "s3",
    "sts",
    "iam",
    "sagemaker",
    "ecr",
    "lambda",
    "apigateway",
    "logs",
    "monitoring",
    "kms",
    "organizations",
    "ec2",
]
TARGETS = [
    "SageMaker.CreateTrainingJob",
    "TrentService.Decrypt",
    "Logs_20140328.PutLogEvents",
    "Nope.Nope",
    "",
]


class Recorder:
    def __init__(self) -> None:
        self.sent: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> BackendResponse:
        self.sent.append(request)
        return BackendResponse(200, "OK", [], b"{}")

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    backend = moto_in_process()
    try:
        yield backend
    finally:
        backend.close()


def _signed(service: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> HttpRequest:
    request = AWSRequest(method=method, url=f"http://127.0.0.1:4599{path}", data=body, headers=headers)
    SigV4Auth(Credentials("test", "test"), service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    target = path
    flat = {k.lower(): (v.decode() if isinstance(v, bytes) else str(v)) for k, v in prepared.headers.items()}
    flat.setdefault("host", "127.0.0.1:4599")
    return HttpRequest(method, target, flat, body)


paths = st.one_of(
    st.sampled_from(
        [
            "/",
            "/bucket",
            "/bucket/key",
            "/2015-03-31/functions/f/invocations",
            "/restapis/x",
            "/?Action=ListUsers",
        ]
    ),
    st.text(alphabet="abc/?=&%.-_~", min_size=1, max_size=40).map(lambda t: "/" + t),
)
bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"{}",
            b"[]",
            b'{"TrainingJobName": 5}',
            b'{"Tags": "x"}',
            b"Action=CreateUser&UserName=",
            b"<Delete><Object/></Delete>",
        ]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    service=st.sampled_from(SIGNING),
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"]),
    path=paths,
    body=bodies,
    target=st.sampled_from(TARGETS),
    form=st.booleans(),
)
def test_hostile_signed_requests_never_crash_and_unmappable_ones_never_pass(
    backend: Backend, service: str, method: str, path: str, body: bytes, target: str, form: bool
) -> None:
    headers: dict[str, str] = {}
    if target:
        headers["X-Amz-Target"] = target
        headers["Content-Type"] = "application/x-amz-json-1.1"
    elif form:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = _signed(service, method, path, body, headers)
    recorder = Recorder()
    reply = GatewayCore(backend, recorder).handle(request)  # type: ignore[arg-type]
    assert 200 <= reply.status < 600
    if recorder.sent:
        # Forwarded: so it must be an operation the gateway reads and maps.
        wire = identify(
            request, service, "us-east-1", __import__("checker.emulate.mapping", fromlist=["TABLES"]).TABLES
        )
        map_call(
            ApiCall(
                wire.service, wire.operation, wire.params, "us-east-1", backend.account, lookups=backend.state
            )
        )
    else:
        assert reply.status in (400, 403)


def test_unmappable_operation_is_refused_not_forwarded(backend: Backend) -> None:
    request = _signed("s3", "GET", "/bucket/key?torrent", b"", {})
    recorder = Recorder()
    reply = GatewayCore(backend, recorder).handle(request)  # type: ignore[arg-type]
    assert reply.status == 403 and recorder.sent == []
    assert b"s3:GetObjectTorrent" in reply.body and b"cannot tell which IAM permission" in reply.body
