"""`iamlab paths SNAPSHOT.json`: privilege-escalation paths through an account snapshot.

Formats: text (each path step by step), json, mermaid (a flowchart for notebooks and docs), sarif (one
result per path, at the start principal's entry in the snapshot, for code scanning).
Exit codes: 0 no principal can reach a permission it lacks; 1 some principal that is not already an admin
can (with --admin-only: can reach admin-equivalent access); 2 bad input. The snapshot format is described
in docs/analysis.md.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("snapshot", metavar="SNAPSHOT", help="account snapshot (JSON or YAML)")
    parser.add_argument("--format", choices=("text", "json", "mermaid", "sarif"), default="text")
    parser.add_argument(
        "--from", dest="start", metavar="ARN", action="append", help="only paths starting here (repeatable)"
    )
    parser.add_argument(
        "--admin-only", action="store_true", help="only paths that end with admin-equivalent access"
    )


def run(args: argparse.Namespace) -> int:
    from checker.aws.analyze import escalation_paths, load_snapshot, to_mermaid
    from checker.core.source import load_document

    snapshot = load_snapshot(load_document(args.snapshot))
    paths = escalation_paths(snapshot, starts=args.start)
    if args.admin_only:
        paths = [p for p in paths if p.admin]
    if args.format == "json":
        print(json.dumps([p.to_json() for p in paths], indent=2))
    elif args.format == "mermaid":
        print(to_mermaid(paths), end="")
    elif args.format == "sarif":
        print(json.dumps(_sarif(snapshot, paths), indent=2))
    elif not paths:
        print("no escalation paths: no principal can reach a permission it does not have")
    else:
        print("\n\n".join(p.describe() for p in paths))
    escalations = [p for p in paths if not (len(p.steps) == 1 and p.steps[0].kind == "admin")]
    return 1 if escalations else 0


def _sarif(snapshot: Any, paths: list[Any]) -> dict[str, Any]:
    from checker.aws.analyze.findings.codes import CODES
    from checker.cli.lint import to_sarif
    from checker.core.findings import Finding

    entry = CODES["AWS-PRIVESC-PATH"]
    findings = []
    for path in paths:
        if len(path.steps) == 1 and path.steps[0].kind == "admin":
            continue
        start = snapshot.by_arn(path.start.split(" ")[0])
        findings.append(
            Finding(
                code=entry.code,
                severity=entry.severity,
                message=path.describe(),
                where=start.where if start is not None else None,
                hint=entry.hint,
                doc=entry.doc,
            )
        )
    return to_sarif(findings)
