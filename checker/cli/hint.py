"""`iamlab hint LAB`: reveal the next hint, one at a time; how many you used is recorded and shown."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("lab", metavar="LAB", help="lab id or number, e.g. 01")
    parser.add_argument("--cloud", choices=("aws", "azure", "gcp"), help="which cloud's version (default: the cloud you last checked, else the lab's first)")
    parser.add_argument("--root", metavar="DIR", help="the course repository (default: found from here upwards)")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from checker.grading.catalog import find_course
    from checker.grading.hints import last_checked_cloud, reveal_next
    from checker.grading.progress import Progress

    course = find_course(explicit=args.root)
    lab = course.load(args.lab)
    progress = Progress.load(course.progress_file)
    cloud = lab.cloud(args.cloud or last_checked_cloud(lab, progress)).cloud
    shown = reveal_next(lab, cloud, progress)
    console = Console(highlight=False)
    if shown.total == 0:
        console.print(f"{lab.id} has no hints for {cloud}; the check messages are your guide")
        return 0
    if not shown.exhausted:
        progress.save()
    for number, hint in enumerate(shown.hints, start=1):
        new = number == len(shown.hints) and not shown.exhausted
        style = "bold" if new else "dim"
        console.print(f"[{style}]hint {number} of {shown.total}:[/{style}] {escape(hint.text)}")
    if shown.exhausted:
        console.print(f"[yellow]that was every hint ({shown.total}); compare your files with the check messages[/yellow]")
    else:
        console.print(f"[dim]hints used for {lab.id} ({cloud}): {len(shown.hints)} of {shown.total}[/dim]")
    return 0
