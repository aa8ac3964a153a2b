"""Benchmark `iamlab paths` against the published privilege-escalation techniques, and cloudsplaining.

For every case of bench/escalation_cases.py (one snapshot per technique of pathfinding.cloud's catalog,
iam-vulnerable's modules and the pathfinding-labs scenarios, written by us from their facts):
- detected: a path from the attacker ends as the catalog says (admin-equivalent, or a permission the
  attacker lacks for the to-bucket scenarios); named: a step of it names the technique;
- false alarms: on each negative control (the same setup with one required permission removed), any path.
cloudsplaining (PyPI, a dev dependency) is run on the same principal's policy: it flags a policy whose
actions match one of its privilege-escalation methods; a control it flags is a false alarm. It counts
only actions allowed on Resource "*", so it is also run on the policy with every Resource widened to "*"
(its best case; the catalogs' setups name the role or resource).

Target (issue 16): >= 95% detected, 0 false alarms. Run: `python bench/bench_escalation.py [--quiet]`.

`python bench/bench_escalation.py --lab03 [--against REF | --no-peer] [--runs N]` instead measures lab 03's
escalation check cold (issue 19, target under 10 CPU seconds) against a peer revision in the same run:
see bench/escalation_lab03.py.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from escalation_cases import Case, cases  # noqa: E402

from checker.aws.analyze import escalation_paths, load_snapshot  # noqa: E402
from checker.aws.analyze.escalation import Account  # noqa: E402
from checker.aws.analyze.escalation import Path as EscalationPath  # noqa: E402
from checker.core.source import parse_json  # noqa: E402


def paths_for(case: Case, drop: str | None = None) -> list[EscalationPath]:
    data = case.snapshot(drop)
    snapshot = load_snapshot(parse_json(json.dumps(data, indent=1), f"{case.id}.json"))
    return escalation_paths(snapshot, starts=[case.start], account=Account(snapshot))


def judge(case: Case, paths: list[EscalationPath]) -> tuple[bool, bool]:
    """(detected, named)."""
    fitting = [p for p in paths if p.admin] if case.expect == "admin" else paths
    wanted = case.technique or case.id
    named = any(wanted == s.technique_id or wanted in s.also for p in fitting for s in p.steps)
    return bool(fitting), named


def principal_document(data: dict[str, Any], start: str) -> dict[str, Any]:
    """Every statement of the start principal's own and groups' policies as one document: cloudsplaining
    reads one policy at a time, and the comparison gives it all the principal holds."""
    kind, name = start.split(":")[-1].split("/", 1)
    entry = next(e for e in data[f"{kind}s"] if e["name"] == name)
    groups = [
        g
        for g in data.get("groups", [])
        if g["name"] in entry.get("groups", []) or name in g.get("members", [])
    ]
    documents = [data["policies"][n] for holder in (entry, *groups) for n in holder.get("attached", [])]
    documents += [d for holder in (entry, *groups) for d in holder.get("inline", {}).values()]
    statements = [
        s
        for d in documents
        for s in (d["Statement"] if isinstance(d["Statement"], list) else [d["Statement"]])
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def cloudsplaining_flags(case: Case, drop: str | None = None, widened: bool = False) -> bool | None:
    try:
        from cloudsplaining.scan.policy_document import PolicyDocument
    except ImportError:
        return None
    document = principal_document(case.snapshot(drop), case.start)
    if widened:
        document = {**document, "Statement": [{**s, "Resource": "*"} for s in document["Statement"]]}
    return bool(PolicyDocument(document).allows_privilege_escalation)


def main(quiet: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    rows = []
    detected = named = controls = false_alarms = 0
    cs_detected = cs_false = wide_detected = wide_false = 0
    cs_available = True
    for case in cases():
        t0 = time.perf_counter()
        found, is_named = judge(case, paths_for(case))
        alarms = [a for a in case.controls() if paths_for(case, a)]
        seconds = time.perf_counter() - t0
        cs = cloudsplaining_flags(case)
        wide = cloudsplaining_flags(case, widened=True)
        cs_alarms = [a for a in case.controls() if cloudsplaining_flags(case, a)]
        wide_detected += bool(wide)
        wide_false += sum(bool(cloudsplaining_flags(case, a, widened=True)) for a in case.controls())
        if cs is None:
            cs_available = False
        detected += found
        named += is_named
        controls += len(case.controls())
        false_alarms += len(alarms)
        cs_detected += bool(cs)
        cs_false += len(cs_alarms)
        rows.append((case.id, found, is_named, alarms, cs, cs_alarms, seconds))
        if not quiet:
            mark = "ok " if found and is_named and not alarms else "!! "
            extra = f" false alarms without {', '.join(alarms)}" if alarms else ""
            print(
                f"{mark}{case.id:34} detected={found!s:5} named={is_named!s:5} cloudsplaining={cs!s:5} widened={wide!s:5} {seconds:5.2f}s{extra}"
            )
    total = len(rows)
    published = [
        c
        for c in cases()
        if c.source.split(" ")[0] in ("pathfinding.cloud", "pathfinding-labs", "iam-vulnerable")
    ]
    published_ids = {c.id for c in published}
    published_found = sum(1 for row in rows if row[0] in published_ids and row[1])
    summary = {
        "cases": total,
        "published_cases": len(published),
        "published_detected": published_found,
        "detected": detected,
        "named": named,
        "controls": controls,
        "false_alarms": false_alarms,
        "cloudsplaining_detected": cs_detected if cs_available else None,
        "cloudsplaining_false_alarms": cs_false if cs_available else None,
        "cloudsplaining_widened_detected": wide_detected if cs_available else None,
        "cloudsplaining_widened_false_alarms": wide_false if cs_available else None,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(
        f"iamlab paths: detected {detected}/{total} ({100 * detected / total:.1f}%), technique named {named}/{total}, "
        f"false alarms {false_alarms}/{controls} negative controls"
    )
    print(
        f"  of which the public catalogs' techniques (pathfinding.cloud, iam-vulnerable, pathfinding-labs): "
        f"{published_found}/{len(published)}"
    )
    if cs_available:
        print(
            f"cloudsplaining on the same principals' policies: detected {cs_detected}/{total} "
            f"({100 * cs_detected / total:.1f}%), false alarms {cs_false}/{controls}"
        )
        print(
            f"cloudsplaining with every Resource widened to '*': detected {wide_detected}/{total} "
            f"({100 * wide_detected / total:.1f}%), false alarms {wide_false}/{controls}"
        )
    else:
        print("cloudsplaining is not installed (make install installs it as a dev dependency)")
    print(f"total {summary['seconds']} s")
    return summary


def lab03(argv: list[str]) -> None:
    import argparse

    import escalation_lab03

    parser = argparse.ArgumentParser(prog="bench_escalation.py --lab03")
    parser.add_argument("--lab03", action="store_true")
    parser.add_argument("--against", default=escalation_lab03.BEFORE, help="the peer revision (before)")
    parser.add_argument("--no-peer", action="store_true", help="measure this tree only")
    parser.add_argument("--runs", type=int, default=1, help="fresh processes per figure (the least CPU shown)")
    args = parser.parse_args(argv)
    escalation_lab03.measure(None if args.no_peer else args.against, args.runs)


if __name__ == "__main__":
    if "--lab03" in sys.argv:
        lab03(sys.argv[1:])
    else:
        main(quiet="--quiet" in sys.argv)
