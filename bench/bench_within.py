"""Benchmark `within` (checker.aws.analyze.within): every lab policy against its lab's envelope, and the
wide-open `s3:*` on `*` against a narrow envelope.

Targets (issue 24): median < 20 ms and worst < 100 ms over the lab policies (issue 4: < 100 ms, < 2 s); `s3:*` vs a narrow envelope
< 2 s, with counterexamples. Run: `python bench/bench_within.py` (prints figures; no assertions).

Lab policies are every identity policy under labs/*/aws, labs/*/.starter/aws and solutions/*/aws, plus
the trap corpus in tests/aws_analysis/data/corpus (the learner mistakes of the within tests), each
checked against labs/<lab>/envelope-aws.json (the corpus against lab 01's envelope). The catalog load
(the action index and every service's action details, read once per process) is measured apart. Times are CPU time of this process, so that
other work on a shared machine does not change them.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.aws import catalog  # noqa: E402
from checker.aws.analyze import within  # noqa: E402
from checker.aws.analyze.actions import action_catalog  # noqa: E402
from checker.aws.policy import Policy, PolicyKind, parse_policy  # noqa: E402
from checker.core.errors import InputError  # noqa: E402
from checker.core.source import load_document  # noqa: E402


def identity_policy(path: Path) -> Policy | None:
    try:
        document = load_document(path)
    except InputError:
        return None
    data = document.data
    if not isinstance(data, dict) or "Statement" not in data:
        return None
    statements = data["Statement"] if isinstance(data["Statement"], list) else [data["Statement"]]
    if any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in statements):
        return None  # trust and resource policies are not identity policies
    try:
        return parse_policy(document, name=str(path.relative_to(ROOT)), kind=PolicyKind.IDENTITY)
    except InputError:
        return None


def cases() -> list[tuple[str, Policy, Policy]]:
    found = []
    for envelope_file in sorted(ROOT.glob("labs/*/envelope-aws.json")):
        lab = envelope_file.parent.name
        envelope = parse_policy(load_document(envelope_file), name=str(envelope_file))
        files = [
            *ROOT.glob(f"labs/{lab}/aws/*.json"),
            *ROOT.glob(f"labs/{lab}/.starter/aws/*.json"),
            *ROOT.glob(f"solutions/{lab}/aws/*.json"),
        ]
        if lab.startswith("01-"):
            files += ROOT.glob("tests/aws_analysis/data/corpus/*.json")
        for file in sorted(set(files)):
            policy = identity_policy(file)
            if policy is not None:
                found.append((policy.name, policy, envelope))
    return found


def timed(policy: Policy, envelope: Policy) -> tuple[float, str, int]:
    """CPU seconds of this process (the prover and z3 run in it): other work on the machine does not count."""
    start = time.process_time()
    result = within(policy, envelope)
    return time.process_time() - start, result.status.value, len(result.counterexamples)


def main() -> None:
    start = time.perf_counter()
    action_catalog()
    index = time.perf_counter() - start
    # Every service's action details (access levels, resource types), which a proof reads lazily the first time
    # it names an action of that service: part of the catalog load, not of the first proof that happens to ask.
    catalog.all_actions()
    whole = time.perf_counter() - start
    print(f"catalog load (once per process): {whole * 1000:.0f} ms (action index {index * 1000:.0f} ms)")
    timed(*cases()[0][1:])  # warm caches that every run shares (z3 import, pattern tables)
    rows = []
    for name, policy, envelope in cases():
        seconds, status, count = timed(policy, envelope)
        rows.append((seconds, name, status, count))
        print(f"{seconds * 1000:8.1f} ms CPU  {status:14} {count} example(s)  {name}")
    times = [r[0] for r in rows]
    print(
        f"\nlab policies: {len(times)}; median {statistics.median(times) * 1000:.1f} ms (target < 20 ms); "
        f"worst {max(times) * 1000:.1f} ms (target < 100 ms)"
    )

    wide = parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    )
    narrow = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::acme-ml-datasets/fraud/v3/*",
                }
            ],
        }
    )
    start = time.process_time()
    result = within(wide, narrow)
    seconds = time.process_time() - start
    print(
        f"\ns3:* on * vs a narrow envelope: {seconds * 1000:.1f} ms (target < 2000 ms), {result.status.value}:"
    )
    for example in result.counterexamples:
        print(f"  {example.action} on {example.resource} {example.context or ''}")


if __name__ == "__main__":
    main()
