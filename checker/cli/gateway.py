"""`iamlab gateway`: an AWS-compatible endpoint that enforces IAM with the project's engine.

Point any client at it (boto3 `endpoint_url`, `aws --endpoint-url`, Terraform custom endpoints).
It verifies SigV4 signatures, decides each call, forwards allowed calls to the backend and answers
denied ones with AWS's AccessDenied. Every decision is appended to the audit log.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from checker.core.errors import InputError


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        default="moto",
        help="moto (moto server in this process, the default), localstack (127.0.0.1:4566) or an http:// URL",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4599, help="port to listen on (default 4599)")
    parser.add_argument("--region", default="us-east-1", help="region of the backend (default us-east-1)")
    parser.add_argument(
        "--audit", metavar="FILE", default="audit.jsonl", help="audit log, JSON lines (default audit.jsonl)"
    )
    parser.add_argument("--web-identity-key", metavar="FILE",
                        help="trust AssumeRoleWithWebIdentity tokens signed with this key (`iamlab token init`)")
    parser.add_argument("--web-identity-issuer", metavar="URL", default="https://token.actions.githubusercontent.com",
                        help="the iss those tokens carry (default: GitHub Actions')")
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="close a connection that sends nothing for this long (default 30)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=64,
        metavar="N",
        help="connections served at once; more are answered 503 SlowDown (default 64)",
    )
    parser.add_argument(
        "--plain-http",
        action="store_true",
        help="report aws:SecureTransport=false (the gateway speaks HTTP); by default calls count as TLS, as SDK calls to AWS do",
    )


def run(args: argparse.Namespace) -> int:
    from checker.emulate.gateway.run import describe, open_backend, start_gateway

    if not 0 < args.port < 65536:
        raise InputError(f"--port {args.port} is not a TCP port (1-65535)")
    if not 0 < args.read_timeout <= 3600:
        raise InputError(f"--read-timeout {args.read_timeout:g} must be more than 0 and at most 3600 seconds")
    if not 0 < args.max_connections <= 10_000:
        raise InputError(f"--max-connections {args.max_connections} must be between 1 and 10000")
    from checker.emulate.federation import LocalIssuer

    issuer = None
    if args.web_identity_key:
        # Accepted audiences are the client IDs of the account's IAM OIDC provider for this issuer.
        issuer = LocalIssuer.from_key_file(args.web_identity_key, args.web_identity_issuer)
    try:
        backend = open_backend(args.backend, args.region)
    except ValueError as exc:
        raise InputError(
            str(exc), hint="for LocalStack without Docker, run `make localstack` first"
        ) from None
    except Exception as exc:  # the backend is down or not AWS-compatible
        raise InputError(
            f"cannot reach the backend {args.backend!r}: {exc}",
            hint="start it first (`make localstack` for LocalStack), or use --backend moto",
        ) from None
    try:
        server = start_gateway(
            backend,
            args.host,
            args.port,
            args.audit,
            secure_transport=not args.plain_http,
            read_timeout=args.read_timeout,
            max_connections=args.max_connections,
            web_identity=issuer,
        )
    except OSError as exc:
        backend.close()
        raise InputError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror}", hint="choose another --port"
        ) from None
    print("\n".join(describe(server, args.audit)))
    print(f"  root credentials: test / test    e.g. aws --endpoint-url {server.url} sts get-caller-identity")
    sys.stdout.flush()
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stop.wait()
    finally:
        server.stop()
        backend.close()
    return 0
