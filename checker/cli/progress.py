"""`iamlab progress`: every lab and cloud with best score, hints used, attempts and whether it passed."""

from __future__ import annotations

import argparse
import json
import sys


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--root", metavar="DIR", help="the course repository (default: found from here upwards)")


def run(args: argparse.Namespace) -> int:
    from checker.core.errors import InputError
    from checker.grading.catalog import find_course
    from checker.grading.progress import Progress

    course = find_course(explicit=args.root)
    progress = Progress.load(course.progress_file)
    rows: list[dict[str, object]] = []
    for folder, lab in course.each_lab():
        if isinstance(lab, InputError):
            rows.append({"lab": folder.name, "cloud": "", "error": str(lab)})
            continue
        for cloud, spec in lab.clouds.items():
            entry = progress.get(lab.id, cloud)
            rows.append(
                {
                    "lab": lab.id,
                    "cloud": cloud,
                    "best_score": entry.best_score,
                    "max_score": spec.max_score,
                    "hints_used": entry.hints_used,
                    "hints_total": len(lab.hints_for(cloud)),
                    "attempts": entry.attempts,
                    "passed": entry.passed,
                }
            )
    if args.format == "json":
        sys.stdout.write(json.dumps({"progress": rows}, indent=2) + "\n")
        return 0
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="your progress")
    for column in ("lab", "cloud", "best score", "hints used", "attempts", "passed"):
        table.add_column(column, no_wrap=column == "lab")  # a lab id is what the learner types next
    for row in rows:
        if "error" in row:
            table.add_row(str(row["lab"]), "", f"[red]invalid lab.yaml: {escape(str(row['error']))}[/red]", "", "", "")
            continue
        table.add_row(
            str(row["lab"]),
            str(row["cloud"]),
            f"{row['best_score']}/{row['max_score']}" if row["attempts"] else "-",
            f"{row['hints_used']}/{row['hints_total']}",
            str(row["attempts"]),
            "[green]yes[/green]" if row["passed"] else "no",
        )
    Console(highlight=False).print(table)
    return 0
