"""A client cannot hold the gateway: stalled or trickling requests are closed, connections are bounded.

Real sockets against a real gateway in front of moto server: a stalled partial request is closed after
the read timeout while other clients are served; a request trickled byte by byte is cut off at the
request deadline; one connection over the bound is answered 503 SlowDown at once and closed.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from checker.emulate.backends import Backend, moto_server
from checker.emulate.gateway.run import start_gateway
from checker.emulate.gateway.server import GatewayServer
from tests.emulate.conftest import reset_moto
from tests.emulate.test_gateway import client

READ_TIMEOUT = 1.0
DEADLINE = 3.0
MAX_CONNECTIONS = 3


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    server = moto_server()
    reset_moto(server)
    server.admin_client("s3").create_bucket(Bucket="shared")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def gateway(backend: Backend) -> Iterator[GatewayServer]:
    server = start_gateway(
        backend, read_timeout=READ_TIMEOUT, max_connections=MAX_CONNECTIONS, request_deadline=DEADLINE
    )
    try:
        yield server
    finally:
        server.stop()


def connect(gateway: GatewayServer) -> socket.socket:
    host, port = gateway.server_address[:2]
    return socket.create_connection((str(host), int(port)), timeout=10)


def closed_by_peer(sock: socket.socket, within: float) -> float:
    """Seconds until the gateway closed the connection (reads b'' or a reset); fails after `within`."""
    start = time.monotonic()
    sock.settimeout(within)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the gateway kept the connection open for {within} s")
    return time.monotonic() - start


def list_buckets(gateway: GatewayServer) -> Any:
    return [bucket["Name"] for bucket in client(gateway, "s3").list_buckets()["Buckets"]]


def test_a_stalled_partial_request_is_closed_and_others_are_served(gateway: GatewayServer) -> None:
    stalled = connect(gateway)
    stalled.sendall(b"PUT /shared/key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nhalf")
    assert list_buckets(gateway) == ["shared"]  # served while the other connection hangs
    assert closed_by_peer(stalled, within=READ_TIMEOUT + 5) < READ_TIMEOUT + 5
    stalled.close()


def test_a_trickled_request_is_cut_off_at_the_deadline(gateway: GatewayServer) -> None:
    trickle = connect(gateway)
    start = time.monotonic()
    header = b"GET /shared HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    try:
        for byte in header:  # one byte every half read timeout: no single read ever times out
            trickle.sendall(bytes([byte]))
            time.sleep(READ_TIMEOUT / 2)
            if time.monotonic() - start > DEADLINE + 5:
                pytest.fail("the gateway kept reading a trickled request past its deadline")
    except (BrokenPipeError, ConnectionResetError):
        pass
    closed_by_peer(trickle, within=DEADLINE + 5)
    assert time.monotonic() - start < DEADLINE + 5
    trickle.close()


def test_connections_over_the_bound_get_slow_down_and_the_gateway_recovers(gateway: GatewayServer) -> None:
    idle = [connect(gateway) for _ in range(MAX_CONNECTIONS)]
    time.sleep(0.2)  # let the server accept them all
    extra = connect(gateway)
    extra.settimeout(5)
    answer = extra.recv(4096)
    assert answer.startswith(b"HTTP/1.1 503 ")
    assert b"<Code>SlowDown</Code>" in answer
    extra.close()
    for sock in idle:
        closed_by_peer(sock, within=READ_TIMEOUT + 5)
        sock.close()
    assert list_buckets(gateway) == ["shared"]
