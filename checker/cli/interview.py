"""`iamlab interview [NAME]`: mock interview questions, graded like labs (docs/interviews.md).

Alone it lists the scenarios with their level, clouds, time limit and your status. With a NAME it shows
the question, optionally runs a clock (`--timed [MINUTES]`), then grades what was written. The model
answer and the rubric are shown only after a passing attempt (now or before) or on `--reveal`, which
progress records. Exit codes as for `check`: 0 passed, 1 not passed, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from checker.grading.interviews import Interview
    from checker.grading.result import LabResult


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", nargs="?", help="interview id or number; omit to list them all")
    parser.add_argument("--cloud", choices=("aws", "azure", "gcp"), help="which cloud's version (default: the first)")
    parser.add_argument("--submission", metavar="DIR", help="folder with your answer files (default: the interview's cloud folder)")
    parser.add_argument(
        "--timed",
        nargs="?",
        type=float,
        const=0.0,
        metavar="MINUTES",
        help="show a clock and grade when you press Enter or time is up (default limit: the scenario's, 20 minutes)",
    )
    parser.add_argument("--reveal", action="store_true", help="show the model answer and rubric now (recorded in progress)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--root", metavar="DIR", help="the course repository (default: found from here upwards)")


def run(args: argparse.Namespace) -> int:
    from checker.grading.catalog import find_course
    from checker.grading.interviews import load_interview

    course = find_course(explicit=args.root)
    if args.name is None:
        return _list(args, course)
    interview = load_interview(course.find_interview(args.name))
    spec = interview.lab.cloud(args.cloud)
    if args.timed is not None and not (math.isfinite(args.timed) and args.timed >= 0):
        from checker.core.errors import InputError

        raise InputError("--timed takes a number of minutes (or nothing, or 0, for the scenario's limit)")
    console = _console(args)
    if console is not None:
        from rich.markdown import Markdown

        console.print(Markdown(interview.question.read_text(encoding="utf-8")))
    seconds = None
    over_time = False
    minutes = None if args.timed is None else args.timed or interview.time_limit
    if minutes is not None:
        from checker.cli.interview_clock import run_clock

        seconds, over_time = run_clock(minutes * 60, console)
    from checker.grading.runner import CheckerBug, grade

    submission = Path(args.submission) if args.submission else None
    try:
        result = grade(interview.lab, spec.cloud, submission)
    except CheckerBug as exc:
        print(f"internal error: {exc}", file=sys.stderr)
        return 2
    passed_before, revealed_before = _record(course.progress_file, args, result, seconds)
    reveal = result.passed or passed_before or args.reveal
    if args.reveal:
        _record_reveal(course.progress_file, result)
    if console is None:
        payload: dict[str, Any] = {
            "result": result.to_json(),
            "interview": {
                "time_limit_minutes": minutes,  # of this attempt; null when it was not timed
                "seconds_used": seconds,
                "over_time": over_time,
                "revealed_before": revealed_before,
                "model": _model_files(interview, spec.cloud) if reveal else None,
                "rubric": _rubric_rows(interview, spec.cloud) if reveal else None,
            },
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0 if result.passed else 1
    from checker.grading.reports.text_report import show

    if over_time:
        console.print(f"[yellow]time is up ({_clock((minutes or 0) * 60)}): graded what you had written[/yellow]")
    elif seconds is not None:
        console.print(f"time used: {_clock(seconds)}")
    show(result, console)
    if revealed_before and result.passed:
        console.print("[yellow]note: you saw the model answer before this pass (recorded in progress)[/yellow]")
    if reveal:
        _show_reveal(console, interview, spec.cloud, result)
    else:
        console.print(
            f"[dim]the model answer and rubric are shown after a passing attempt, or now with "
            f"`iamlab interview {interview.lab.id} --reveal` (recorded in progress)[/dim]"
        )
    return 0 if result.passed else 1


def _console(args: argparse.Namespace) -> Console | None:
    if args.format != "text":
        return None
    from rich.console import Console

    return Console(highlight=False)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _record(path: Path, args: argparse.Namespace, result: LabResult, seconds: int | None) -> tuple[bool, bool]:
    """Record the attempt (not for another folder, as `check`); return (passed before, revealed before)."""
    from checker.core.errors import InputError
    from checker.grading.progress import Progress

    try:
        progress = Progress.load(path)
        before = progress.get(result.lab, result.cloud, interview=True)
        passed, revealed = before.passed, before.revealed
        if not args.submission:
            progress.record_result(result, interview=True, seconds=seconds)
            progress.save()
        return passed, revealed
    except (InputError, OSError) as exc:
        print(f"warning: progress not saved: {exc}", file=sys.stderr)
        return False, False


def _record_reveal(path: Path, result: LabResult) -> None:
    """An explicit --reveal is always recorded, whichever folder was graded: it is about the person."""
    from checker.core.errors import InputError
    from checker.grading.progress import Progress

    try:
        progress = Progress.load(path)
        progress.record_reveal(result.lab, result.cloud)
        progress.save()
    except (InputError, OSError) as exc:
        print(f"warning: the reveal was not recorded: {exc}", file=sys.stderr)


def _model_files(interview: Interview, cloud: str) -> dict[str, str]:
    folder = interview.model_folder(cloud)
    names = interview.lab.cloud(cloud).submission_paths
    return {name: (folder / name).read_text(encoding="utf-8") for name in names if (folder / name).is_file()}


def _rubric_rows(interview: Interview, cloud: str) -> list[dict[str, Any]]:
    why = interview.rubric[cloud]
    return [
        {"check": check.id, "title": check.title, "points": check.points, "gate": check.gate, "why": why[check.id]}
        for check in interview.lab.cloud(cloud).checks
    ]


def _show_reveal(console: Console, interview: Interview, cloud: str, result: LabResult) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.rule("model answer")
    for name, text in _model_files(interview, cloud).items():
        console.print(f"[bold]{escape(name)}[/bold]")
        console.print(escape(text.rstrip()), soft_wrap=True)
    outcomes = {check.id: check for check in result.checks}
    table = Table(title="rubric: why each point matters", show_lines=True)
    for column in ("check", "points", "yours", "why it matters"):
        table.add_column(column)
    for row in _rubric_rows(interview, cloud):
        got = outcomes[row["check"]]
        mark = f"{got.points}/{row['points']}" + (" (must)" if row["gate"] else "")
        table.add_row(escape(row["title"]), str(row["points"]), mark, escape(row["why"]))
    console.print(table)


def _list(args: argparse.Namespace, course: Any) -> int:
    from checker.core.errors import InputError
    from checker.grading.interviews import load_interview
    from checker.grading.progress import Progress

    progress = Progress.load(course.progress_file)
    rows: list[dict[str, Any]] = []
    for folder in course.interview_folders():
        try:
            interview = load_interview(folder)
        except InputError as exc:
            rows.append({"interview": folder.name, "error": str(exc)})
            continue
        lab = interview.lab
        status = {}
        for cloud in lab.clouds:
            entry = progress.get(lab.id, cloud, interview=True)
            state = "passed" if entry.passed else f"{entry.best_score}/{entry.max_score}" if entry.attempts else "not started"
            status[cloud] = state + (" (revealed)" if entry.revealed else "")
        rows.append(
            {
                "interview": lab.id,
                "title": lab.title,
                "level": lab.level,
                "clouds": list(lab.clouds),
                "minutes": interview.time_limit,
                "status": status,
            }
        )
    code = 2 if any("error" in row for row in rows) else 0
    if args.format == "json":
        sys.stdout.write(json.dumps({"interviews": rows}, indent=2) + "\n")
        return code
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    if not rows:
        console.print(f"no interview scenarios found in {course.interviews_dir}")
        return code
    table = Table(title="iamlab interview scenarios")
    for column in ("interview", "title", "level", "clouds", "minutes", "status"):
        table.add_column(column, no_wrap=column == "interview")
    for row in rows:
        if "error" in row:
            table.add_row(row["interview"], f"[red]invalid: {escape(row['error'])}[/red]", "", "", "", "")
            continue
        states = ", ".join(f"{cloud}: {state}" for cloud, state in row["status"].items())
        table.add_row(row["interview"], escape(row["title"]), row["level"], ", ".join(row["clouds"]), str(row["minutes"]), states)
    console.print(table)
    return code
