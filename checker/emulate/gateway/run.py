"""Start a gateway in front of a backend: the pieces `iamlab gateway` and the tests put together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from checker.emulate.audit import AuditLog
from checker.emulate.backends import Backend, localstack, moto_server, remote
from checker.emulate.federation import LocalIssuer
from checker.emulate.gateway.core import GatewayCore
from checker.emulate.gateway.forward import Forwarder
from checker.emulate.gateway.server import (
    MAX_BODY_BYTES,
    MAX_CONNECTIONS,
    READ_TIMEOUT,
    REQUEST_DEADLINE,
    GatewayServer,
)
from checker.emulate.mapping import TABLES


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
    read_timeout: float = READ_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
    request_deadline: float = REQUEST_DEADLINE,
    web_identity: LocalIssuer | None = None,
) -> GatewayServer:
    """A running gateway (in a background thread); port 0 picks a free one. Stop it with .stop()."""
    if backend.endpoint_url is None:
        raise ValueError(
            "the gateway forwards over HTTP: use moto server, LocalStack or a URL, not in-process moto"
        )
    log = audit if isinstance(audit, AuditLog) or audit is None else AuditLog(audit)
    core = GatewayCore(backend, Forwarder(backend.endpoint_url), log, clock, secure_transport, web_identity)
    server = GatewayServer(core, host, port, read_timeout, max_connections, request_deadline)
    server.start()
    return server


def describe(server: GatewayServer, audit: str) -> list[str]:
    """What the gateway enforces and against which backend, said once at start-up."""
    core = server.core
    backend = core.backend
    transport = (
        "TLS (aws:SecureTransport=true)"
        if core.secure_transport
        else "plain HTTP (aws:SecureTransport=false)"
    )
    return [
        f"iamlab gateway on {server.url} -> {backend.name} at {backend.endpoint_url} "
        f"(account {backend.account}, region {backend.region}); audit log: {audit}",
        "  enforces: SigV4 signatures (15-minute window, body hash, session tokens), then every call decided "
        "by the iamlab AWS engine against the backend's IAM state; unmapped or unreadable calls are denied",
        f"  services: {', '.join(TABLES)}; calls count as {transport}",
        "  S3: the bucket is read once (path-style, or BUCKET.s3[.REGION].amazonaws.com / BUCKET.localhost) "
        "and forwarded path-style; any other Host naming a bucket is refused",
        f"  limits: {server.max_connections} connections at once, {server.read_timeout:g} s per read, "
        f"{server.request_deadline:g} s per request, {MAX_BODY_BYTES // (1024 * 1024)} MiB per body",
    ]
