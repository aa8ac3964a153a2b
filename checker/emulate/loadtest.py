"""A bounded load run against a gateway on loopback: N requests from K concurrent clients.

Used by the load test (small N) and by bench/bench_gateway.py (10,000 requests). It counts errors,
checks that denials are the expected AccessDenied and nothing else, and that no sockets or threads
are left behind once the clients are closed.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

CLIENT_CONFIG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, max_pool_connections=2)


@dataclass
class LoadResult:
    requests: int
    clients: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    allowed: int = 0
    denied: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lat = sorted(self.latencies_ms)
        p50 = statistics.median(lat) if lat else 0.0
        p99 = lat[int(len(lat) * 0.99) - 1] if lat else 0.0
        return (
            f"{self.requests} requests from {self.clients} clients in {self.seconds:.1f}s "
            f"({self.throughput:.0f}/s): {self.allowed} allowed, {self.denied} denied as expected, "
            f"{len(self.errors)} errors; latency median {p50:.2f} ms, p99 {p99:.2f} ms"
        )


def open_sockets() -> int:
    """Sockets this process holds open (Linux /proc); -1 where /proc is not available."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return -1
    count = 0
    for name in names:
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


def make_client(endpoint: str, service: str, credentials: dict[str, str]) -> Any:
    session: Any = boto3.Session(region_name="us-east-1")
    return session.client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=credentials["key"],
        aws_secret_access_key=credentials["secret"],
        aws_session_token=credentials.get("token"),
        config=CLIENT_CONFIG,
    )


# Request number -> (boto3 S3 method, its parameters, whether the call must be allowed).
Plan = Callable[[int], tuple[str, dict[str, Any], bool]]


def run_load(
    endpoint: str,
    credentials: dict[str, str],
    plan: Plan,
    requests: int,
    clients: int,
    timeout_s: float = 600.0,
) -> LoadResult:
    """Send `requests` calls spread over `clients` threads, each with its own boto3 client."""
    result = LoadResult(requests, clients, 0.0)
    lock = threading.Lock()
    deadline = time.monotonic() + timeout_s
    per_client = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    s3_clients = [make_client(endpoint, "s3", credentials) for _ in range(clients)]

    def worker(index: int) -> None:
        client = s3_clients[index]
        for n in range(per_client[index]):
            if time.monotonic() > deadline:
                with lock:
                    result.errors.append("the run hit its time limit")
                return
            method, params, expect_allowed = plan(n)
            started = time.perf_counter()
            try:
                answer = getattr(client, method)(**params)
                if "Body" in answer:
                    answer["Body"].read()
                outcome = "allowed" if expect_allowed else f"{method} was allowed but must be denied"
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                outcome = (
                    "denied" if (code == "AccessDenied" and not expect_allowed) else f"{method}: error {code}"
                )
            except (BotoCoreError, OSError) as exc:
                outcome = f"{method}: {type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                result.latencies_ms.append(elapsed)
                if outcome == "allowed":
                    result.allowed += 1
                elif outcome == "denied":
                    result.denied += 1
                else:
                    result.errors.append(outcome)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(worker, range(clients)))
    result.seconds = time.perf_counter() - started
    for client in s3_clients:
        client.close()
    return result
