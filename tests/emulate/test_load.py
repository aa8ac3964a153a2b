"""A bounded load run through the gateway on loopback: no errors, no leaked sockets or threads.

Small here (400 requests, 8 clients) to keep the suite fast; bench/bench_gateway.py runs 10,000.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from checker.emulate.backends import moto_server
from checker.emulate.gateway.run import start_gateway
from checker.emulate.loadtest import open_sockets, run_load
from tests.emulate.conftest import seed_training_world

ROLE_ARN = "arn:aws:iam::123456789012:role/ml-train"


def plan(n: int) -> tuple[str, dict[str, Any], bool]:
    kind = n % 4
    if kind == 0:
        return "get_object", {"Bucket": "ml-data", "Key": "datasets/train.csv"}, True
    if kind == 1:
        return "list_objects_v2", {"Bucket": "ml-data", "Prefix": "datasets/"}, True
    if kind == 2:
        return "head_object", {"Bucket": "ml-data", "Key": "datasets/train.csv"}, True
    return "get_object", {"Bucket": "ml-data", "Key": "secrets/other.csv"}, False


def test_gateway_under_bounded_concurrent_load() -> None:
    backend = moto_server()
    threads_before = threading.active_count()
    sockets_before = open_sockets()
    try:
        seed_training_world(backend)
        gateway = start_gateway(backend)
        try:
            creds = backend.client("sts", "test", "test").assume_role(
                RoleArn=ROLE_ARN, RoleSessionName="load"
            )["Credentials"]
            # The session was minted behind the gateway's back: moto's own key store knows it.
            credentials = {
                "key": creds["AccessKeyId"],
                "secret": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
            }
            result = run_load(gateway.url, credentials, plan, requests=400, clients=8, timeout_s=120)
        finally:
            gateway.stop()
    finally:
        backend.close()
    assert result.errors == [], result.errors[:5]
    denied = sum(1 for n in range(400 // 8) if plan(n)[2] is False) * 8  # each client runs the plan from 0
    assert (result.allowed, result.denied) == (400 - denied, denied), result.summary()
    deadline = time.monotonic() + 10
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert threading.active_count() <= threads_before
    if sockets_before >= 0:
        assert open_sockets() <= sockets_before, "sockets were left open"
