"""`iamlab run LAB`: run the lab's workload for real under your policies and watch it, call by call.

Your policies are installed on the lab's identities in a fresh emulator (moto in this process, or a
running LocalStack or URL with --backend), and the lab's workload runs through the project's
enforcement. Each step is printed as it happens. Exit codes: 0 every job step succeeded and every rogue
step was denied, 1 otherwise (a step the backend could not run counts as not passed), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from checker.cli.options import add_backend_argument, add_lab_arguments

if TYPE_CHECKING:
    from checker.emulate.workload import StepResult


def register(parser: argparse.ArgumentParser) -> None:
    add_lab_arguments(parser)
    add_backend_argument(parser, "the lab's workload steps")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--root", metavar="DIR", help="the course repository (default: found from here upwards)")


def run(args: argparse.Namespace) -> int:
    from checker.grading.catalog import find_course
    from checker.grading.liverun import run_lab

    lab = find_course(explicit=args.root).load(args.lab)
    submission = Path(args.submission) if args.submission else None
    if args.format == "json":
        result = run_lab(lab, args.cloud, submission, backend=args.backend)
        print(json.dumps(result.to_json(), indent=2))
        return 0 if result.passed else 1
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)  # one line per call, whatever the width
    result = run_lab(
        lab,
        args.cloud,
        submission,
        backend=args.backend,
        on_check=lambda title: _heading(console, title, args.backend),
        on_step=lambda step: _step(console, step),
    )
    for _, report in result.runs:
        colour = "green" if report.passed else "red"
        console.print(f"[{colour}]{_escape(report.summary())}[/{colour}]")
    if not result.passed:
        console.print(
            "Not passed yet: every job step must succeed and every rogue step must be denied. "
            f"`iamlab check {lab.number}` grades the whole lab and says how to fix each problem."
        )
    return 0 if result.passed else 1


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _heading(console: object, title: str, backend: str) -> None:
    from rich.console import Console

    assert isinstance(console, Console)
    console.print(f"[bold]{_escape(title)}[/bold] (on {_escape(backend)})")


def _step(console: object, step: StepResult) -> None:
    """One line per API call as it happens, and under it why it was decided so."""
    from rich.console import Console

    assert isinstance(console, Console)
    colour = "green" if step.passed else "red"
    kind = "rogue" if step.step.rogue else "job  "
    mark = "ok  " if step.passed else "FAIL"
    target = "" if step.skipped else f" -> {step.action} on {step.resource}"
    console.print(
        f"[{colour}]{mark}[/{colour}] {kind} {_escape(step.step.title)}: {_escape(step.operation)}{_escape(target)} "
        f"[{colour}]{_escape(step.shown_decision)}[/{colour}]"
    )
    detail = _detail(step)
    if detail:
        console.print(f"       {_escape(detail)}")
    sys.stdout.flush()  # a piped stdout is block-buffered: the learner must see each step as it happens


def _detail(step: StepResult) -> str:
    if step.skipped:
        return f"{step.message}; not counted as passed"
    if step.passed:
        return f"why: {step.why}" if step.why else ""
    if step.step.rogue:
        return (
            f"a compromised job could do this; your policy allows it (why: {step.why}). "
            "Remove or narrow the statement that grants it."
        )
    return f"the job needs this, but it was denied (why: {step.why or step.message}). Grant exactly this action on this resource."
