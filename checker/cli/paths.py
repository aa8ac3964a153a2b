"""`iamlab paths SNAPSHOT.json`: privilege-escalation paths through an account snapshot.

Formats: text (each path step by step), json, mermaid (a flowchart for notebooks and docs).
Exit codes: 0 no principal can escalate; 1 some principal that is not already an admin can reach
admin-equivalent access; 2 bad input. The snapshot format is described in docs/analysis.md.
"""

from __future__ import annotations

import argparse
import json


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("snapshot", metavar="SNAPSHOT", help="account snapshot (JSON or YAML)")
    parser.add_argument("--format", choices=("text", "json", "mermaid"), default="text")
    parser.add_argument(
        "--from", dest="start", metavar="ARN", action="append", help="only paths starting here (repeatable)"
    )


def run(args: argparse.Namespace) -> int:
    from checker.aws.analyze import escalation_paths, load_snapshot, to_mermaid
    from checker.core.source import load_document

    snapshot = load_snapshot(load_document(args.snapshot))
    paths = escalation_paths(snapshot, starts=args.start)
    if args.format == "json":
        print(json.dumps([p.to_json() for p in paths], indent=2))
    elif args.format == "mermaid":
        print(to_mermaid(paths), end="")
    elif not paths:
        print("no escalation paths: no principal can reach admin-equivalent access")
    else:
        print("\n\n".join(p.describe() for p in paths))
    escalations = [p for p in paths if not (len(p.steps) == 1 and p.steps[0].kind == "admin")]
    return 1 if escalations else 0
