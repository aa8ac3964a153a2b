"""`iamlab diff OLD.json NEW.json`: the access NEW grants that OLD did not, with example requests.

Exit codes: 0 proved: NEW grants nothing new; 1 new access (examples printed); 2 bad input, or the
question could not be decided (the construct is named; never reported as "nothing new").
"""

from __future__ import annotations

import argparse
import json
import sys


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "old", metavar="OLD", help="the policy before the change (identity-style, JSON or YAML)"
    )
    parser.add_argument("new", metavar="NEW", help="the policy after the change")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--principal", metavar="ARN", help="the identity the policies belong to (fixes ${aws:username} ...)"
    )
    parser.add_argument("--limit", type=int, default=3, help="how many example requests to show (default: 3)")


def run(args: argparse.Namespace) -> int:
    from checker.aws.analyze import within
    from checker.aws.policy import parse_policy
    from checker.core.engine import WithinStatus
    from checker.core.source import load_document

    old = parse_policy(load_document(args.old), name=args.old)
    new = parse_policy(load_document(args.new), name=args.new)
    result = within(new, old, principal=args.principal, limit=max(1, args.limit))
    if args.format == "json":
        print(
            json.dumps(
                {
                    "status": "no new access" if result.proved else result.status.value,
                    "new_access": [c.to_json() for c in result.counterexamples],
                    "reason": result.reason,
                },
                indent=2,
            )
        )
    elif result.status is WithinStatus.PROVED:
        print(f"no new access: everything {args.new} allows, {args.old} already allowed (proved)")
    elif result.status is WithinStatus.COUNTEREXAMPLE:
        print(f"new access: {args.new} allows requests that {args.old} did not, for example:")
        for example in result.counterexamples:
            context = f" with context {json.dumps(example.context)}" if example.context else ""
            print(f"  - {example.action} on {example.resource}{context}")
    else:
        print(f"could not decide: {result.reason}", file=sys.stderr)
    return {WithinStatus.PROVED: 0, WithinStatus.COUNTEREXAMPLE: 1}.get(result.status, 2)
