"""Benchmark the enforcing gateway: its added latency over the backend alone, and a bounded load run.

Both measured in one run on loopback against moto server (in this process):
  1. Side by side: the same signed S3 GetObject, sent alternately straight to moto and through the
     gateway, by one boto3 client each; the added latency is the median of the per-pair differences.
     (moto's werkzeug server closes every connection, so both paths open one TCP connection per call.)
     Target: median added latency under 2 ms.
  2. Load: 10,000 requests from 8 concurrent clients through the gateway (allowed and denied calls);
     reports throughput, errors, and sockets/threads left behind (must be none).

    python bench/bench_gateway.py [--pairs 2000] [--requests 10000] [--clients 8]

A benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.emulate.backends import moto_server  # noqa: E402
from checker.emulate.gateway.run import start_gateway  # noqa: E402
from checker.emulate.loadtest import make_client, open_sockets, run_load  # noqa: E402

ROLE_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],'
    '"Resource":["arn:aws:s3:::bench-data","arn:aws:s3:::bench-data/datasets/*"]}]}'
)
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}'


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def plan(n: int) -> tuple[str, dict[str, Any], bool]:
    if n % 5 == 4:
        return "get_object", {"Bucket": "bench-data", "Key": "private/x.csv"}, False
    if n % 5 == 3:
        return "list_objects_v2", {"Bucket": "bench-data", "Prefix": "datasets/"}, True
    return "get_object", {"Bucket": "bench-data", "Key": "datasets/train.csv"}, True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=2000, help="side-by-side request pairs (default 2000)")
    parser.add_argument("--requests", type=int, default=10_000, help="load run requests (default 10000)")
    parser.add_argument("--clients", type=int, default=8, help="load run concurrent clients (default 8)")
    args = parser.parse_args()

    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; backend: moto server"
    )
    backend = moto_server()
    admin_s3 = backend.admin_client("s3")
    admin_s3.create_bucket(Bucket="bench-data")
    admin_s3.put_object(Bucket="bench-data", Key="datasets/train.csv", Body=b"x" * 1024)
    admin_s3.put_object(Bucket="bench-data", Key="private/x.csv", Body=b"secret")
    iam = backend.admin_client("iam")
    iam.create_role(RoleName="bench", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="bench", PolicyName="p", PolicyDocument=ROLE_POLICY)
    creds = backend.admin_client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{backend.account}:role/bench", RoleSessionName="bench"
    )["Credentials"]
    credentials = {
        "key": creds["AccessKeyId"],
        "secret": creds["SecretAccessKey"],
        "token": creds["SessionToken"],
    }
    assert backend.endpoint_url is not None
    gateway = start_gateway(backend)
    threads_before = threading.active_count()
    sockets_before = open_sockets()
    try:
        direct = make_client(backend.endpoint_url, "s3", credentials)
        through = make_client(gateway.url, "s3", credentials)
        for client in (direct, through):  # warm up connections, models and caches
            for _ in range(50):
                client.get_object(Bucket="bench-data", Key="datasets/train.csv")["Body"].read()
        alone: list[float] = []
        gated: list[float] = []
        for _ in range(args.pairs):
            for client, sink in ((direct, alone), (through, gated)):
                started = time.perf_counter()
                client.get_object(Bucket="bench-data", Key="datasets/train.csv")["Body"].read()
                sink.append((time.perf_counter() - started) * 1000)
        added = [g - a for g, a in zip(gated, alone, strict=True)]
        print(f"\nside by side, {args.pairs} GetObject pairs (1 KiB object, one boto3 client each):")
        print(
            f"  backend alone   median {statistics.median(alone):6.2f} ms   p90 {percentile(alone, 0.9):6.2f} ms"
        )
        print(
            f"  through gateway median {statistics.median(gated):6.2f} ms   p90 {percentile(gated, 0.9):6.2f} ms"
        )
        verdict = "meets" if statistics.median(added) < 2.0 else "misses"
        print(f"  added by the gateway: median {statistics.median(added):.2f} ms ({verdict} the 2 ms target)")
        direct.close()
        through.close()

        print(f"\nload: {args.requests} requests from {args.clients} concurrent clients through the gateway:")
        result = run_load(gateway.url, credentials, plan, args.requests, args.clients)
        print(f"  {result.summary()}")
        for error in result.errors[:5]:
            print(f"  error: {error}")
    finally:
        gateway.stop()
    time.sleep(0.5)
    print(
        f"  after closing: {threading.active_count() - threads_before:+d} threads, "
        f"{open_sockets() - sockets_before:+d} sockets compared with before the runs"
    )
    backend.close()


if __name__ == "__main__":
    main()
