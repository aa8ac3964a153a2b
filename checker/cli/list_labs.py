"""`iamlab list`: the labs, their level and clouds, and where you stand on each (from local progress)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--wide", action="store_true", help="print the full table even wider than the terminal")
    parser.add_argument("--root", metavar="DIR", help="the course repository (default: found from here upwards)")


def run(args: argparse.Namespace) -> int:
    from checker.core.errors import InputError
    from checker.grading.catalog import find_course
    from checker.grading.progress import Progress

    course = find_course(explicit=args.root)
    progress = Progress.load(course.progress_file)
    rows: list[dict[str, Any]] = []
    for folder, lab in course.each_lab():
        if isinstance(lab, InputError):
            rows.append({"lab": folder.name, "error": str(lab)})
            continue
        status: dict[str, str] = {}
        for cloud in lab.clouds:
            entry = progress.get(lab.id, cloud)
            if entry.passed:
                status[cloud] = "passed"
            elif entry.attempts:
                status[cloud] = f"{entry.best_score}/{entry.max_score}"
            else:
                status[cloud] = "not started"
        rows.append({"lab": lab.id, "title": lab.title, "level": lab.level, "clouds": list(lab.clouds), "status": status})
    code = 2 if any("error" in row for row in rows) else 0
    if args.format == "json":
        sys.stdout.write(json.dumps({"labs": rows}, indent=2) + "\n")
        return code
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    if not rows:
        console.print(f"no labs found in {course.labs_dir}")
        return code
    table = Table(title="iamlab labs")
    for column in ("lab", "title", "level", "clouds", "status"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        if "error" in row:
            table.add_row(row["lab"], f"[red]invalid lab.yaml: {escape(row['error'])}[/red]", "", "", "")
            continue
        table.add_row(row["lab"], escape(row["title"]), row["level"], ", ".join(row["clouds"]), _states(row))
    needed = console.measure(table, options=console.options.update_width(100_000)).maximum
    if args.wide:
        Console(highlight=False, width=max(needed, console.width), soft_wrap=True).print(table)
    elif needed <= console.width:
        console.print(table)
    else:
        _print_stacked(console, rows)  # a squeezed table would cut titles; one block per lab wraps instead
    return code


def _states(row: dict[str, Any]) -> str:
    return ", ".join(f"{cloud}: {state}" for cloud, state in row["status"].items())


def _print_stacked(console: Any, rows: list[dict[str, Any]]) -> None:
    """The narrow-terminal layout: every word of every title is shown, wrapped; `--wide` gives the table."""
    from rich.markup import escape

    for row in rows:
        if "error" in row:
            console.print(f"[bold]{escape(row['lab'])}[/bold]\n  [red]invalid lab.yaml: {escape(row['error'])}[/red]")
            continue
        console.print(f"[bold]{escape(row['lab'])}[/bold] ({row['level']})")
        console.print(f"  {escape(row['title'])}")
        console.print(f"  {escape(_states(row))}")
    console.print("[dim](narrow terminal: `iamlab list --wide` prints the table)[/dim]")
