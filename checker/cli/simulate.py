"""`iamlab simulate CLOUD`: one request with a readable explanation, or a JSON-lines batch.

Batch contract (fixed): one JSON case per input line; one JSON object per output line in input order,
`{"id", "decision"}` (plus `explain` with --explain) or `{"id", "error"}`; exit 0 when every line was
decided, 2 otherwise. Each engine supplies `checker.<cloud>.batch.decide_case(case, explain)`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from checker.core.errors import InputError
from checker.core.source import load_document, parse_json

CLOUDS = ("aws", "azure", "gcp")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cloud", choices=CLOUDS, help="which cloud's rules to apply")
    parser.add_argument("request", nargs="?", help="a JSON file holding one request case")
    parser.add_argument("--batch", metavar="FILE", help="JSON lines, one case per line ('-' reads stdin)")
    parser.add_argument("--explain", action="store_true", help="add the reasons for each decision")


def _decider(cloud: str) -> Callable[[dict[str, Any], bool], dict[str, Any]]:
    module = importlib.import_module(f"checker.{cloud}.batch")
    decide: Callable[[dict[str, Any], bool], dict[str, Any]] = module.decide_case
    return decide


def run_batch(lines: Iterable[str], cloud: str, explain: bool, out: TextIO, source: str = "<stdin>") -> int:
    decide = _decider(cloud)
    all_decided = True
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        case_id: Any = None
        try:
            case = parse_json(line, f"{source} line {number}").data
            if not isinstance(case, dict):
                raise InputError("each line must be a JSON object (one request case)")
            case_id = case.get("id")
            result = decide(case, explain)
        except InputError as exc:
            all_decided = False
            result = {"id": case_id, "error": str(exc)}
        except RecursionError:
            all_decided = False
            result = {"id": case_id, "error": "the case is nested too deeply to decide"}
        out.write(json.dumps(result, separators=(",", ":")) + "\n")
    out.flush()
    return 0 if all_decided else 2


def run(args: argparse.Namespace) -> int:
    if args.batch:
        if args.batch == "-":
            return run_batch(sys.stdin, args.cloud, args.explain, sys.stdout)
        try:
            with open(args.batch, encoding="utf-8") as handle:
                return run_batch(handle, args.cloud, args.explain, sys.stdout, args.batch)
        except FileNotFoundError:
            raise InputError(f"file not found: {args.batch}") from None
    if not args.request:
        raise InputError("give a request file, or --batch FILE for JSON lines")
    case = load_document(args.request).data
    if not isinstance(case, dict):
        raise InputError(f"{args.request}: the request must be a JSON object")
    result = _decider(args.cloud)(case, True)
    if "error" in result:
        print(f"error: {result['error']}", file=sys.stderr)
        return 2
    print(f"decision: {result['decision']}")
    explain = result.get("explain") or {}
    if explain.get("summary"):
        print(f"why: {explain['summary']}")
    for reason in explain.get("reasons", []):
        statement = f", statement {reason['statement']}" if reason.get("statement") else ""
        print(f"  - [{reason['effect']}] {reason['policy']}{statement}: {reason['detail']}")
    for warning in explain.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    return 0
