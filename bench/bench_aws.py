"""Benchmark the AWS policy engine: policies parsed per second and decisions per second after parsing.

Uses the differential test's generated cases (lab-sized: at most 10 statements per policy) and, in the
same run, times @cloud-copilot/iam-simulate on the same cases inside node (its evaluation loop only), then
prints the ratio ours/theirs. Target: >= 50,000 decisions per second on one core for our engine.

    python bench/bench_aws.py [--cases 2000] [--seconds 2] [--no-reference]

A benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DIFFERENTIAL = ROOT / "tests" / "differential"
sys.path.insert(0, str(ROOT))

from checker.aws import PolicyKind, evaluate, parse_policy  # noqa: E402
from checker.aws.batch import case_to_request, decide_case  # noqa: E402
from checker.aws.services.sts import is_trust_action  # noqa: E402

MAX_STATEMENTS = 10  # "lab-sized" policies


def _load(name: str) -> ModuleType:
    """Import a helper module of the differential test by path (tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"differential_{name}", DIFFERENTIAL / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _statements(document: Any) -> int:
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    return len(statements) if isinstance(statements, list) else 1


def _policies_of(case: dict[str, Any]) -> list[tuple[Any, PolicyKind]]:
    trust = is_trust_action(case["action"].lower())
    found: list[tuple[Any, PolicyKind]] = [(p, PolicyKind.IDENTITY) for p in case["identity_policies"]]
    if case.get("resource_policy"):
        found.append((case["resource_policy"], PolicyKind.TRUST if trust else PolicyKind.RESOURCE))
    if case.get("permissions_boundary"):
        found.append((case["permissions_boundary"], PolicyKind.BOUNDARY))
    if case.get("session_policy"):
        found.append((case["session_policy"], PolicyKind.SESSION))
    found += [(p, PolicyKind.SCP) for level in case.get("scps") or [] for p in level]
    found += [(p, PolicyKind.RCP) for level in case.get("rcps") or [] for p in level]
    return found


def _padded(case: dict[str, Any]) -> dict[str, Any]:
    """The case with its identity policies filled up to MAX_STATEMENTS statements that do not apply,
    the worst lab-sized case: every statement is matched against the request."""
    filler = [
        {"Sid": f"Other{i}", "Effect": "Allow" if i % 3 else "Deny",
         "Action": [f"ec2:Describe{i}*", f"sagemaker:List{i}*"],
         "Resource": f"arn:aws:ec2:*:111122223333:instance/i-{i:08d}*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-north-1"}}}
        for i in range(MAX_STATEMENTS)
    ]
    policies = [dict(p) for p in case["identity_policies"]] or [{"Version": "2012-10-17", "Statement": []}]
    first = policies[0]
    statements = first["Statement"] if isinstance(first["Statement"], list) else [first["Statement"]]
    first["Statement"] = statements + filler[: max(0, MAX_STATEMENTS - len(statements))]
    return dict(case, identity_policies=policies)


def _line(label: str, rate: float, unit: str, extra: str = "") -> None:
    print(f"{label:<42}{rate:>10,.0f} {unit:<12} {extra}".rstrip())


def _rate(work: Callable[[], int], seconds: float, rounds: int = 5) -> tuple[float, float]:
    """Run `work` (which returns how many items it did) in `rounds` rounds of at least seconds/rounds of CPU
    time each.

    Returns the median round's items per CPU second, and items per wall second over all rounds. CPU time
    is what "one core" means; the median of several rounds keeps one disturbed round (another process on
    the same physical core) from deciding the figure. Wall time is printed alongside for honesty.
    """
    work()  # warm-up: imports, caches, catalog loading
    per_round = seconds / rounds
    rates: list[float] = []
    done_all = 0
    wall_started = time.perf_counter()
    for _ in range(rounds):
        done = 0
        cpu_started = time.process_time()
        while True:
            done += work()
            cpu = time.process_time() - cpu_started
            if cpu >= per_round:
                break
        rates.append(done / cpu)
        done_all += done
    return statistics.median(rates), done_all / (time.perf_counter() - wall_started)


def _reference_rate(reference: ModuleType, cases: list[dict[str, Any]], seconds: float) -> tuple[float, float, int]:
    """iam-simulate's decisions per CPU second, median of 5 node processes, each warmed up first.

    Each process decides the cases once untimed (V8 compiles its hot paths during that pass), then times
    `repeat` further passes; a single cold pass measured mostly the JIT warming up.
    """
    repeat = max(2, round(seconds * 1000 / max(len(cases), 1)))
    cpu_rates, wall_rates = [], []
    for _ in range(5):
        _answers, timing = reference.run_reference(cases, repeat=repeat, warmup=True)
        decisions = len(cases) * repeat
        cpu_rates.append(decisions / timing["cpu_seconds"])
        wall_rates.append(decisions / timing["eval_seconds"])
    return statistics.median(cpu_rates), statistics.median(wall_rates), len(cases) * repeat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=2000, help="generated cases to use")
    parser.add_argument("--seconds", type=float, default=2.0, help="minimum time per measurement")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--no-reference", action="store_true", help="skip the node evaluator")
    args = parser.parse_args(argv)

    generate = _load("generate")
    cases = [g.case for g in generate.generate(args.cases, args.seed)]
    cases = [c for c in cases if all(_statements(p) <= MAX_STATEMENTS for p, _ in _policies_of(c))]
    documents = [(p, kind) for c in cases for p, kind in _policies_of(c)]
    prepared = [case_to_request(c) for c in cases]
    padded = [case_to_request(_padded(c)) for c in cases]
    statements = sum(_statements(p) for p, _ in documents)

    print(f"python {platform.python_version()} on {platform.machine()}, pid {os.getpid()}, one core")
    print(f"{len(cases)} cases, {len(documents)} policies, {statements / max(len(documents), 1):.1f} "
          f"statements per policy on average (max {MAX_STATEMENTS})")

    def parse_all() -> int:
        for index, (document, kind) in enumerate(documents):
            parse_policy(document, name=f"policy {index}", kind=kind)
        return len(documents)

    def decide_all() -> int:
        for request, policies in prepared:
            evaluate(request, policies)
        return len(prepared)

    def decide_padded() -> int:
        for request, policies in padded:
            evaluate(request, policies)
        return len(padded)

    def explain_all() -> int:
        for request, policies in prepared:
            evaluate(request, policies, explain=True)
        return len(prepared)

    def batch_all() -> int:
        for case in cases:
            decide_case(case, False)
        return len(cases)

    parse_rate, parse_wall = _rate(parse_all, args.seconds)
    decide_rate, decide_wall = _rate(decide_all, args.seconds)
    padded_rate, _ = _rate(decide_padded, args.seconds)
    explain_rate, _ = _rate(explain_all, args.seconds)
    batch_rate, _ = _rate(batch_all, args.seconds)
    print("rates per CPU second of this process, median of 5 rounds (wall-clock rate in brackets)")
    target = "met" if decide_rate >= 50_000 else "NOT met"
    _line("ours  parse", parse_rate, "policies/s", f"[{parse_wall:,.0f}]")
    _line("ours  decide (parsed once)", decide_rate, "decisions/s", f"[{decide_wall:,.0f}]  target 50,000: {target}")
    _line(f"ours  decide, {MAX_STATEMENTS}-statement identity policy", padded_rate, "decisions/s")
    _line("ours  decide with explanation", explain_rate, "decisions/s")
    _line("ours  batch decide_case (JSON dict)", batch_rate, "decisions/s")

    figures: dict[str, float] = {"parse_per_s": parse_rate, "decide_per_s": decide_rate,
                                 "decide_10_statements_per_s": padded_rate,
                                 "explain_per_s": explain_rate, "batch_per_s": batch_rate}
    if not args.no_reference:
        reference = _load("reference")
        try:
            version = reference.installed_version()
            theirs, theirs_wall, decisions = _reference_rate(reference, cases, args.seconds)
        except (reference.ReferenceUnavailable, RuntimeError) as exc:
            print(f"iam-simulate not run: {exc}")
        else:
            _line(f"iam-simulate {version} runSimulation", theirs, "decisions/s",
                  f"[{theirs_wall:,.0f}]  node evaluation loop, median of 5 runs of {decisions} decisions")
            print(f"ratio ours/theirs, decide (parsed once) vs runSimulation: {decide_rate / theirs:,.1f}x")
            print(f"ratio ours/theirs, batch decide_case vs runSimulation:    {batch_rate / theirs:,.1f}x")
            figures["reference_per_s"] = theirs
    print(json.dumps({key: round(value) for key, value in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
