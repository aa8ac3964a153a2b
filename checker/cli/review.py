"""`iamlab review AUDIT.jsonl --declared SNAPSHOT.json`: an access review per declared principal.

Per principal: statements and actions granted but unused in the log's window, calls denied on another
tenant's resources, and a narrower policy generated from the calls it made (as `generate-policy`).
Exit codes: 0 nothing to review, 1 unused grants or cross-tenant attempts found, 2 bad input.
"""

from __future__ import annotations

import argparse
import json


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "audit", metavar="AUDIT", help="the audit log (JSON lines, as `iamlab gateway` writes)"
    )
    parser.add_argument("--declared", required=True, help="the declared account snapshot (JSON or YAML)")
    parser.add_argument(
        "--tenants", default="", help="comma-separated tenant names (teams), e.g. risk,growth"
    )
    parser.add_argument(
        "--tag-key", default="team", help="the principal tag naming a principal's tenant (default: team)"
    )
    parser.add_argument("--format", choices=("text", "json", "html"), default="text")


def run(args: argparse.Namespace) -> int:
    from checker.aws.analyze.snapshot import load_snapshot
    from checker.core.source import load_document
    from checker.emulate.audit import read_audit
    from checker.emulate.review import review, to_html, to_text

    tenants = [t.strip() for t in args.tenants.split(",") if t.strip()]
    reviews = review(
        load_snapshot(load_document(args.declared)), read_audit(args.audit), tenants, args.tag_key
    )
    if args.format == "json":
        print(json.dumps({"principals": [r.to_json() for r in reviews]}, indent=2))
    elif args.format == "html":
        print(to_html(reviews), end="")
    else:
        print(to_text(reviews), end="")
    findings = any(r.unused_actions or r.unused_statements or r.cross_tenant_denied for r in reviews)
    return 1 if findings else 0
