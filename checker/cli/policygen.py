"""`iamlab generate-policy` and `iamlab unused`: policies from the gateway's audit log.

generate-policy AUDIT.jsonl --principal ARN   the least-privilege policy the observed calls need
unused AUDIT.jsonl POLICY.json [--principal]  what the policy grants that no observed call used
"""

from __future__ import annotations

import argparse
import json
import sys

from checker.core.errors import InputError
from checker.core.source import load_document


def register(parser: argparse.ArgumentParser) -> None:
    command = parser.prog.split()[-1]
    parser.add_argument("audit", help="the audit log written by `iamlab gateway` (JSON lines)")
    if command == "unused":
        parser.add_argument("policy", help="the identity policy to review (JSON)")
        parser.add_argument("--principal", help="only calls by this ARN (a role ARN includes its sessions)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
    else:
        parser.add_argument(
            "--principal", required=True, help="the user or role ARN (a role includes its sessions)"
        )
        parser.add_argument("--include-denied", action="store_true", help="also grant calls that were denied")
        parser.add_argument("-o", "--output", metavar="FILE", help="write the policy here instead of stdout")


def run(args: argparse.Namespace) -> int:
    if args.command == "unused":
        return _unused(args)
    return _generate(args)


def _generate(args: argparse.Namespace) -> int:
    from checker.emulate.audit import read_audit
    from checker.emulate.policygen import generate_policy

    policy = generate_policy(read_audit(args.audit), args.principal, args.include_denied)
    if not policy["Statement"]:
        raise InputError(
            f"the audit log has no {'' if args.include_denied else 'allowed '}calls by {args.principal}",
            hint="check the ARN (copy it from the log's principal field), or add --include-denied",
        )
    text = json.dumps(policy, indent=2) + "\n"
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise InputError(f"cannot write {args.output}: {exc.strerror}") from None
        print(f"wrote {args.output}: {len(policy['Statement'])} statement(s)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _unused(args: argparse.Namespace) -> int:
    from checker.aws import PolicyKind, parse_policy
    from checker.emulate.audit import read_audit
    from checker.emulate.policygen import unused_grants

    policy = parse_policy(load_document(args.policy), name=args.policy, kind=PolicyKind.IDENTITY)
    report = unused_grants(read_audit(args.audit), policy, args.policy, args.principal)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 1 if report.has_unused else 0
    print(f"{args.policy}: {report.calls_replayed} observed call(s) replayed")
    for use in report.statements:
        if use.calls == 0:
            print(
                f"  statement {use.label}: never used - remove it, or keep it only if a call you did not run needs it"
            )
            continue
        print(f"  statement {use.label}: used by {use.calls} call(s): {', '.join(sorted(use.actions_used))}")
        for pattern in use.unused_action_patterns:
            print(f"    action {pattern}: never used - remove it")
        for pattern, used in use.wildcard_actions.items():
            print(
                f"    action {pattern}: only {', '.join(sorted(used))} used - list those instead of the wildcard"
            )
        for pattern in use.unused_resource_patterns:
            print(f"    resource {pattern}: never touched - remove it")
    if not report.has_unused:
        print("every statement, action and resource was used")
    return 1 if report.has_unused else 0
