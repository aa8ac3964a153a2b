"""Capture the exact HTTP request boto3 sends for a call, without sending it."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

from checker.emulate.wire.http import HttpRequest

ENDPOINT = "http://127.0.0.1:4599"
_LOADER = botocore.loaders.create_loader()


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def _stop(request: Any, **_: Any) -> None:
    raise _Captured(request)


def capture(
    service: str,
    method: str,
    params: dict[str, Any] | None = None,
    key: str = "test",
    secret: str = "test",
    token: str | None = None,
    region: str = "us-east-1",
    endpoint: str = ENDPOINT,
) -> HttpRequest:
    client = _client(service, key, secret, token, region, endpoint)
    try:
        getattr(client, method)(**(params or {}))
    except _Captured as captured:
        return to_http(captured.request)
    raise AssertionError("boto3 sent nothing")


@cache
def _client(service: str, key: str, secret: str, token: str | None, region: str, endpoint: str) -> Any:
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)  # load each service model once per test run
    session: Any = boto3.Session(
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=region,
        botocore_session=core,
    )
    client = session.client(service, endpoint_url=endpoint, config=Config(retries={"max_attempts": 1}))
    client.meta.events.register("before-send.*.*", _stop)
    return client


def to_http(prepared: Any) -> HttpRequest:
    parts = urlsplit(prepared.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {
        k.lower(): (v.decode() if isinstance(v, bytes) else str(v)) for k, v in prepared.headers.items()
    }
    headers.setdefault("host", parts.netloc)
    body = prepared.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = body.read()
    return HttpRequest(prepared.method, target, headers, body)
