"""`iamlab check LAB`: grade a submission and report pass/fail per check, points and how to fix.

Exit codes (fixed): 0 the lab passes, 1 it does not pass yet, 2 bad input or usage.
Imports of the grading layer happen inside `run`, so `iamlab --help` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from checker.cli.options import add_backend_argument, add_lab_arguments

if TYPE_CHECKING:
    from rich.console import Console

    from checker.grading.catalog import Course
    from checker.grading.progress import Progress
    from checker.grading.result import LabResult
    from checker.grading.spec import LabSpec

FORMATS = ("text", "json", "junit", "markdown", "html")


def register(parser: argparse.ArgumentParser) -> None:
    add_lab_arguments(parser)
    add_backend_argument(parser, "live checks")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE instead of standard output")
    parser.add_argument("--watch", action="store_true", help="re-grade every time a file is saved (Ctrl-C stops)")
    parser.add_argument("--root", metavar="DIR", help="the course repository (default: found from here upwards)")
    add_checks_option(parser)


def add_checks_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--checks",
        metavar="DIR",
        help="an instructor's folder of hidden checks (DIR/<lab id>/checks.yaml): extra or replacement checks",
    )


def load_lab(course: Course, args: argparse.Namespace) -> LabSpec:
    """The lab, with the instructor's hidden checks merged in when --checks names their folder."""
    lab = course.load(args.lab)
    if getattr(args, "checks", None):
        from checker.grading.hidden import with_hidden_checks

        lab = with_hidden_checks(lab, Path(args.checks))
    return lab


def run(args: argparse.Namespace) -> int:
    if args.watch:
        from checker.grading.catalog import find_course

        return _watch(args, find_course(explicit=args.root))
    # One grading, then the process ends: nearly all it allocates (imports, the provers' caches) lives
    # until then, and the cyclic collector walking it would cost a sixth of a cold check's CPU for no
    # memory back (peak memory measured the same). The forked live worker inherits this.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check_once(args)
    finally:
        if collecting:
            gc.enable()  # as it was (a caller in the same process, such as a test, goes on)


def _check_once(args: argparse.Namespace) -> int:
    from checker.grading.early import close_spare

    try:
        # A one-off cold process: slow checks (live) start in a worker and overlap the others. The
        # worker is forked first of all, before the course and the lab are read, and begins importing
        # the emulator (what only one of them needs comes after the fork, where both cores work).
        if args.cloud in (None, "aws"):
            # What both processes import comes first, once: PyYAML (this one reads lab.yaml, and moto's
            # `responses` imports it) and, for AWS, the engine (this one proves, the worker enforces with it).
            import yaml  # noqa: F401

            from checker.grading.checks.live import fork_spare

            if args.cloud == "aws":
                import checker.aws.evaluate  # noqa: F401
            fork_spare()
        from checker.grading.catalog import find_course
        from checker.grading.runner import CheckerBug

        course = find_course(explicit=args.root)
        try:
            lab = load_lab(course, args)
            if not _has_live_check(lab, args.cloud):
                close_spare()  # nothing for it to do: stopped before it costs more
            result = _grade(args, lab, early=True)
        except CheckerBug as exc:
            print(f"internal error: {exc}", file=sys.stderr)
            return 2
    finally:
        close_spare()  # a lab without a live check did not take it
    progress = _record(course, args, result)
    _report(args, lab, result, progress, course)
    return 0 if result.passed else 1


def _has_live_check(lab: LabSpec, cloud: str | None) -> bool:
    from checker.core.errors import InputError

    try:
        return any(check.kind == "live" for check in lab.cloud(cloud).checks)
    except InputError:
        return False  # grading names the unknown cloud


def _grade(args: argparse.Namespace, lab: LabSpec, early: bool = False) -> LabResult:
    from checker.grading.runner import grade

    if args.backend != "moto":  # moto needs no check; the emulator is imported only where a live run needs it
        from checker.emulate.backends import check_backend_name

        check_backend_name(args.backend)
    submission = Path(args.submission) if args.submission else None
    return grade(lab, args.cloud, submission, early=early, backend=args.backend)


def _record(course: Course, args: argparse.Namespace, result: LabResult) -> Progress | None:
    """Load progress once; record the attempt unless another folder (--submission) was graded."""
    from checker.core.errors import InputError
    from checker.grading.progress import Progress

    try:
        progress = Progress.load(course.progress_file)
        if not args.submission:
            progress.record_result(result)
            progress.save()
        return progress
    except (InputError, OSError) as exc:
        if not args.submission:
            print(f"warning: progress not saved: {exc}", file=sys.stderr)
        return None


def _report(
    args: argparse.Namespace, lab: LabSpec, result: LabResult, progress: Progress | None, course: Course
) -> None:
    if args.format == "text" and not args.output:
        from rich.console import Console
        from rich.markup import escape

        from checker.grading.hints import hint_command, revealed
        from checker.grading.reports.text_report import show

        hints = {hint.id: hint.text for hint in revealed(lab, result.cloud, progress)} if progress else {}
        console = Console(highlight=False)
        show(result, console, hints, hint_command(lab, result.cloud))
        if result.passed:
            console.print(escape(course.next_step(lab)))
        return
    from checker.grading.reports import render

    text = render(result, args.format)
    if args.output:
        from checker.grading.progress import write_atomically

        write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _watch(args: argparse.Namespace, course: Course) -> int:
    from rich.console import Console
    from rich.markup import escape

    from checker.core.errors import InputError
    from checker.grading.runner import CheckerBug
    from checker.grading.watch import stamp, wait_for_change

    console = Console(highlight=False)
    code = 2
    watched: list[Path] = [course.labs_dir]
    try:
        while True:
            before = stamp(watched)
            try:
                lab = load_lab(course, args)
                spec = lab.cloud(args.cloud)
                folder = Path(args.submission) if args.submission else lab.folder / spec.cloud
                files = [lab.folder / "lab.yaml", *(folder / name for name in spec.submission_paths)]
                if files != watched:  # first round, or lab.yaml changed its file list
                    watched = files
                    before = stamp(watched)
                result = _grade(args, lab)
                _redraw(console, args.lab)  # only now: the old report stays on screen while grading
                _report(args, lab, result, _record(course, args, result), course)
                code = 0 if result.passed else 1
            except (InputError, CheckerBug) as exc:
                _redraw(console, args.lab)
                console.print(f"[red]error:[/red] {escape(str(exc))}")
                code = 2
                if watched == [course.labs_dir]:  # lab.yaml itself is broken: watch it for the fix
                    with contextlib.suppress(InputError):
                        watched = [course.find(args.lab) / "lab.yaml"]
            console.print("[dim]watching for changes; Ctrl-C stops[/dim]")
            sys.stdout.flush()  # a piped stdout is block-buffered; the learner must see this report now
            wait_for_change(watched, before=before)
    except KeyboardInterrupt:
        return code


CLEAR_SCREEN = "\x1b[H\x1b[2J\x1b[3J"  # home, clear the screen, and its scrollback: a redraw, not a new page


def _redraw(console: Console, lab: str) -> None:
    """Start a new round of --watch: a cleared terminal (a separator elsewhere) and when it was graded."""
    from datetime import datetime

    from rich.markup import escape

    graded = f"iamlab check {lab} --watch: graded at {datetime.now().strftime('%H:%M:%S')}"
    if console.is_terminal and not console.is_dumb_terminal:
        console.file.write(CLEAR_SCREEN)
        console.print(f"[dim]{escape(graded)}[/dim]")
    else:
        console.rule(escape(graded), style="dim")
