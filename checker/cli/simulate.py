"""`iamlab simulate CLOUD`: one request with a readable explanation, or a JSON-lines batch.

Batch contract (fixed): one JSON case per input line; one JSON object per output line in input order,
`{"id", "decision"}` (plus `explain` with --explain) or `{"id", "error"}`; exit 0 when every line was
decided, 2 otherwise. Each engine supplies `checker.<cloud>.batch.decide_case(case, explain)`. A large batch
is decided on every usable core (`--jobs`, checker/core/forked_runs.py) with the same answers, byte for byte.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any, TextIO

from checker.core.compact_json import compact_writer
from checker.core.errors import InputError
from checker.core.forked_runs import LINES_PER_WORKER, decide_batch
from checker.core.source import json_data_unproved, load_document, parse_json_data, regular_file_handle

CLOUDS = ("aws", "azure", "gcp")
# Nothing to clean up when this command ends (no files or threads; batch workers are reaped before it returns):
# `iamlab` may end the process
# without freeing a batch's caches object by object (checker/cli/main.py, `entry`).
QUICK_EXIT = True


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cloud", choices=CLOUDS, help="which cloud's rules to apply")
    parser.add_argument("request", nargs="?", help="a JSON file holding one request case")
    parser.add_argument("--batch", metavar="FILE", help="JSON lines, one case per line ('-' reads stdin)")
    parser.add_argument("--explain", action="store_true", help="add the reasons for each decision")
    parser.add_argument(
        "--jobs", type=int, metavar="N",
        help="decide a --batch in N processes (default: one per usable CPU core once the batch has "
        f"{2 * LINES_PER_WORKER:,} lines or more, at least {LINES_PER_WORKER:,} lines each; 1: in this process "
        "only, answering line by line as the input is read). The answers are the same in every case",
    )


def _decider(cloud: str) -> Callable[[dict[str, Any], bool], dict[str, Any]]:
    module = importlib.import_module(f"checker.{cloud}.batch")
    decide: Callable[[dict[str, Any], bool], dict[str, Any]] = module.decide_case
    return decide


# Every answer line is written by one encoder made once (checker/core/compact_json.py).
_encode_answer = compact_writer(ascii_only=True)


_DECISION_KEYS = ("id", "decision")


def _answer_line(answer: dict[str, Any]) -> str:
    """`_encode_answer(answer)` and its newline; the most common answer, a decision for a case whose id is a
    string, is put together directly (the same text: tests/aws/test_simulate_cli.py)."""
    if tuple(answer) == _DECISION_KEYS and type(answer["id"]) is str and type(answer["decision"]) is str:
        return '{"id":' + encode_basestring_ascii(answer["id"]) + ',"decision":' + encode_basestring_ascii(
            answer["decision"]
        ) + "}\n"
    return _encode_answer(answer) + "\n"


# Measured on 2,500 AWS cases of bench/bench_batch.py, one process: 20,000 (three young collections, 6.5 ms
# spent walking freshly cached statements) 0.332 s, 100,000 (none) 0.324 s. Cyclic garbage, where a case
# makes any, waits for at most this many containers.
_YOUNG_THRESHOLD = 100_000


@contextmanager
def _few_collections() -> Iterator[None]:
    """Run a batch with the garbage collector mostly out of the way.

    A batch allocates millions of short-lived containers and keeps a few caches; with the default
    thresholds the collector ran hundreds of times, each time walking the modules and caches built at
    start-up. Those are frozen (never walked again) and the young generation is collected once per
    `_YOUNG_THRESHOLD` containers kept (a batch's cases leave no cycles: what grows is its caches, which a
    young collection walks for nothing); cycles are still collected. Both settings are restored afterwards.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], _YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run_batch(
    lines: Iterable[str | bytes], cloud: str, explain: bool, out: TextIO, source: str = "<stdin>",
    jobs: int | None = 1,
) -> int:
    """Decide each line on its own: a line that cannot be read or decided gets an error line, no more.

    An engine's batch module may offer `batch_scope()`, a context the whole run is decided in (Azure keeps
    the role catalog present when the run started). With `jobs` other than 1 (None: automatic) the lines may
    be decided in worker processes forked inside that scope, so each worker decides inside it too."""
    decide = _decider(cloud)
    module = importlib.import_module(f"checker.{cloud}.batch")
    scope: Callable[[], AbstractContextManager[object]] = getattr(module, "batch_scope", nullcontext)
    weighed: _Weighed | None = getattr(module, "decide_weighed_case", None)
    line_decider: Callable[[], _LineDecider] | None = getattr(module, "line_decider", None)
    decide_line = line_decider() if line_decider is not None else None

    def decide_run(run: Iterable[str | bytes], first: int, run_out: TextIO) -> int:
        return _decide_lines(run, decide, explain, run_out, source, weighed, first, decide_line)

    def lost_line(raw: str | bytes, number: int, why: str, run_out: TextIO) -> None:
        try:
            if _is_blank(_text_of(raw, source, number)):
                return  # a blank line has no answer line, decided or not
        except InputError:
            pass
        run_out.write(_encode_answer({"id": None, "error": f"{source} line {number}: not decided: {why}"}) + "\n")

    with _few_collections(), scope():
        return decide_batch(lines, jobs, decide_run, lost_line, out, source)


# An engine's `decide_weighed_case(case, explain)`: the answer and the case's `colon_weight`.
_Weighed = Callable[[dict[str, Any], bool], tuple[dict[str, Any], int]]
# What an engine's `line_decider()` gives: the answer for a line's text, or None when the line must be decoded
# and decided as `decide_case` is given it (then it is, as below).
_LineDecider = Callable[[str, bool], dict[str, Any] | None]


def _quick_answer(line: str, weighed: _Weighed, explain: bool) -> dict[str, Any] | None:
    """The answer for a line decoded without the duplicate-key hook, when the case's weight proves that the
    line had no duplicate key (checker/core/source.py, `json_data_unproved`); None when it cannot be proved
    or the line has any error: then the line is read and decided again as every line once was, so that its
    answer (the located duplicate-key error first of all) is word for word what it always was."""
    unproved = json_data_unproved(line)
    if unproved is None or type(unproved[0]) is not dict:
        return None
    case, colons = unproved
    try:
        result, weight = weighed(case, explain)
    except (InputError, RecursionError):
        return None
    return result if weight == colons else None


def _decide_lines(
    lines: Iterable[str | bytes],
    decide: Callable[[dict[str, Any], bool], dict[str, Any]],
    explain: bool,
    out: TextIO,
    source: str,
    weighed: _Weighed | None = None,
    first: int = 1,
    decide_line: _LineDecider | None = None,
) -> int:
    """Answer each line (the first being line number `first` of the input); 0 when all were decided, else 2."""
    all_decided = True
    encode = _encode_answer
    write = out.write
    for number, raw in enumerate(lines, start=first):
        case_id: Any = None
        try:
            line = _text_of(raw, source, number)
            if _is_blank(line):
                continue
            if decide_line is not None:
                quick = decide_line(line, explain)
            else:
                quick = _quick_answer(line, weighed, explain) if weighed is not None else None
            if quick is not None:
                write(_answer_line(quick))
                continue
            case = parse_json_data(line, f"{source} line {number}")
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
        write(encode(result) + "\n")
    out.flush()
    return 0 if all_decided else 2


def _is_blank(line: str) -> bool:
    return not line or line.isspace()  # (strip() would copy every line)


def _text_of(raw: str | bytes, source: str, number: int) -> str:
    """One batch line as text; a line that is not UTF-8 is an error for that line only."""
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source} line {number}: the line is not UTF-8 text (byte {exc.start + 1} of the line)",
            hint="save the batch file as UTF-8",
        ) from None


def run(args: argparse.Namespace) -> int:
    jobs: int | None = args.jobs
    if jobs is not None and jobs < 1:
        raise InputError("--jobs must be 1 or more")
    if args.batch:
        if args.batch == "-":
            stdin = getattr(sys.stdin, "buffer", sys.stdin)
            return run_batch(stdin, args.cloud, args.explain, sys.stdout, jobs=jobs)
        # A FIFO or device could block forever: a pipe is read as '-' (stdin), where the user chose to wait.
        with regular_file_handle(Path(args.batch), "batch file") as handle:
            return run_batch(handle, args.cloud, args.explain, sys.stdout, args.batch, jobs)
    if jobs is not None:
        raise InputError("--jobs applies to --batch only (a single request is decided in this process)")
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
