"""`iamlab grade-class DIR --lab LAB` (or `--interview NAME`): grade every learner folder, show a summary, write html/csv/json.

Reads policy files only, never runs learner code; a learner with malformed files gets a row saying what
is wrong and the run goes on. Exit 0 when every learner folder was graded or reported, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.cli.check import add_checks_option, load_lab

if TYPE_CHECKING:
    from checker.grading.classroom import ClassReport


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", metavar="SUBMISSIONS_DIR", nargs="?", help="one folder per learner")
    parser.add_argument(
        "--collect",
        metavar="ARTIFACTS_DIR",
        help="instead of grading, merge the JSON results each learner's CI uploaded (docs/ci/learner-grade.yml)",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--lab", help="lab id or number, e.g. 01")
    which.add_argument("--interview", help="interview scenario id or number (a mock-interview session), e.g. 01")
    parser.add_argument("--cloud", choices=("aws", "azure", "gcp"), help="which cloud's version (default: the lab's first)")
    parser.add_argument(
        "--out",
        metavar="FILE",
        action="append",
        default=[],
        help="write the class report; the extension picks the format: .html, .csv or .json (repeatable)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="grade in N worker processes (default 1; proofs are CPU-bound)"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="grading time per learner; a learner taking longer is reported as timed out (default 300)",
    )
    parser.add_argument("--root", metavar="DIR", help="the course repository (default: found from here upwards)")
    add_checks_option(parser)
    parser.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="standard output: tables (default), csv (a gradebook Canvas and Moodle import), or json (with the grader version)",
    )
    parser.add_argument(
        "--regrade",
        metavar="PREVIOUS_JSON",
        help="re-grade only when the grader or the lab definition changed since PREVIOUS_JSON, and show what changed per learner",
    )


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import Progress
    from rich.table import Table

    from checker.core.errors import InputError
    from checker.grading.catalog import find_course
    from checker.grading.classroom import LearnerResult, grade_class, learner_folders
    from checker.grading.progress import write_atomically
    from checker.grading.reports.class_report import CLASS_FORMATS, render

    if args.jobs < 1:
        raise InputError("--jobs must be 1 or more")
    if not 0 < args.time_limit <= 86_400:
        raise InputError(f"--time-limit {args.time_limit:g} must be more than 0 and at most 86400 seconds")
    outputs = []
    for name in args.out:
        suffix = Path(name).suffix.lower()
        if suffix not in CLASS_FORMATS:
            raise InputError(f"--out {name}: unknown report type {suffix or '(none)'}", hint="use .html, .csv or .json")
        outputs.append((Path(name), CLASS_FORMATS[suffix]))
    if (args.submissions is None) == (args.collect is None):
        raise InputError("pass either SUBMISSIONS_DIR (grade each learner's folder) or --collect ARTIFACTS_DIR")
    if args.checks and args.collect is not None:
        # A learner's CI cannot run checks the learner must not see, so no collected result has them.
        raise InputError(
            "--checks cannot be used with --collect: the results a learner's CI uploads never include your "
            "hidden checks (that CI runs in the learner's repository, where hidden checks would not stay hidden)",
            hint="grade the submissions themselves with --checks (iamlab grade-class SUBMISSIONS_DIR --checks DIR), "
            "or collect without --checks",
        )
    if args.checks and args.interview is not None:
        raise InputError(
            "--checks applies to labs, not interview scenarios: an interview is graded by its own rubric",
            hint="grade the interview without --checks",
        )
    course = find_course(explicit=args.root)
    if args.interview is not None:
        from checker.grading.interviews import load_interview

        lab = load_interview(course.find_interview(args.interview)).lab  # an interview is graded as a lab
    else:
        lab = load_lab(course, args)
    previous = None
    if args.regrade:
        from checker.grading.gradebook import load_previous, versions_changed

        previous = load_previous(Path(args.regrade))
        changed = versions_changed(previous, lab)
        if not changed:
            Console(stderr=True, highlight=False).print(
                f"{escape(args.regrade)} was graded by this grader and lab definition: nothing to re-grade"
            )
            return 0
        Console(stderr=True, highlight=False).print("re-grading: " + escape("; ".join(changed)))
    console = Console(stderr=True, highlight=False)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"grading {lab.id}", total=None)

        def advance(learner: LearnerResult) -> None:
            bar.update(task, advance=1, description=f"graded {learner.learner}")

        if args.collect is not None:
            from checker.grading.collect import collect

            report = collect(lab, args.cloud, Path(args.collect), advance)
        else:
            folder = Path(args.submissions)
            bar.update(task, total=len(learner_folders(folder)))
            report = grade_class(lab, args.cloud, folder, advance, jobs=args.jobs, time_limit=args.time_limit)
    if previous is not None:
        _show_changes(previous, report)
    for path, format in outputs:
        write_atomically(path, render(report, format))
        Console(stderr=True, highlight=False).print(f"wrote {escape(str(path))}")
    if args.format != "table":
        sys.stdout.write(render(report, "gradebook" if args.format == "csv" else "json"))
        return 0
    out = Console(highlight=False)
    table = Table(title=f"{lab.id} ({report.cloud}): {len(report.learners)} learner(s)")
    for column in ("learner", "score", "passed", "attempts", "hints", "notes"):
        table.add_column(column)
    for learner in report.learners:
        if learner.result is not None:
            note = ", ".join(check.id for check in learner.result.public_checks if not check.passed)
            if learner.result.hidden_checks:
                note = "; ".join(filter(None, (note, learner.result.hidden_summary)))
        else:
            note = f"not graded: {learner.error}"
        table.add_row(
            escape(learner.learner),
            f"{learner.score}/{report.max_score}",
            "[green]yes[/green]" if learner.passed else "[red]no[/red]",
            "?" if learner.attempts is None else str(learner.attempts),
            "?" if learner.hints_used is None else str(learner.hints_used),
            escape(note),
        )
    out.print(table)
    summary = Table(title="checks the class fails most")
    for column in ("check", "kind", "passed", "failed", "not graded"):
        summary.add_column(column)
    for item in report.check_summaries():
        summary.add_row(item.id, item.shown_kind, str(item.passed), str(item.failed), str(item.not_graded))
    out.print(summary)
    return 0


def _show_changes(previous: dict[str, Any], report: ClassReport) -> None:
    """What re-grading changed, per learner (on standard error, so --format output stays clean)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from checker.grading.gradebook import changes
    from checker.grading.reports.class_report import to_json

    found = changes(previous, to_json(report))
    console = Console(stderr=True, highlight=False)
    if not found:
        console.print("re-grading changed no learner's grade")
        return
    table = Table(title=f"what re-grading changed ({len(found)} learner(s))")
    for column in ("learner", "before", "after", "checks"):
        table.add_column(column)
    for change in found:
        table.add_row(escape(change.learner), change.before, change.after, escape("; ".join(change.checks)))
    console.print(table)
