"""`iamlab drift DECLARED STATE`: every difference between the declared IAM and an account's state.

Both files are account snapshots (docs/analysis.md): the declared one is what the team's code says, the
state one what the account holds (exported, or the lab's platform snapshot). Exit codes: 0 no drift,
1 differences (each listed), 2 bad input (the error names file, line and column).
"""

from __future__ import annotations

import argparse
import json


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("declared", metavar="DECLARED", help="the declared account snapshot (JSON or YAML)")
    parser.add_argument(
        "state", metavar="STATE", help="the account's state as a snapshot file (JSON or YAML)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from checker.aws.analyze.drift import drift
    from checker.core.source import load_document

    differences = drift(load_document(args.declared), load_document(args.state))
    if args.format == "json":
        print(json.dumps({"drift": [d.to_json() for d in differences]}, indent=2))
    elif not differences:
        print(f"no drift: {args.state} matches {args.declared}")
    else:
        print(f"{len(differences)} difference(s) between {args.declared} (declared) and {args.state}:")
        for d in differences:
            print(f"  - {d.kind}: {d.entity}: {d.detail} ({d.where})")
    return 1 if differences else 0
