"""Start a gateway in front of a backend: the pieces `iamlab gateway` and the tests put together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from checker.emulate.audit import AuditLog
from checker.emulate.backends import Backend, localstack, moto_server, remote
from checker.emulate.gateway.core import GatewayCore
from checker.emulate.gateway.forward import Forwarder
from checker.emulate.gateway.server import GatewayServer


def open_backend(choice: str, region: str = "us-east-1") -> Backend:
    """'moto' (moto server in this process), 'localstack' (on 127.0.0.1:4566), or an http:// URL."""
    if choice == "moto":
        return moto_server(region)
    if choice == "localstack":
        return localstack(region=region)
    if choice.startswith("http://"):
        return remote(choice, region)
    raise ValueError(f"unknown backend {choice!r}: use moto, localstack or an http:// URL")


def start_gateway(
    backend: Backend,
    host: str = "127.0.0.1",
    port: int = 0,
    audit: str | Path | AuditLog | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    secure_transport: bool = True,
) -> GatewayServer:
    """A running gateway (in a background thread); port 0 picks a free one. Stop it with .stop()."""
    if backend.endpoint_url is None:
        raise ValueError(
            "the gateway forwards over HTTP: use moto server, LocalStack or a URL, not in-process moto"
        )
    log = audit if isinstance(audit, AuditLog) or audit is None else AuditLog(audit)
    core = GatewayCore(backend, Forwarder(backend.endpoint_url), log, clock, secure_transport)
    server = GatewayServer(core, host, port)
    server.start()
    return server
