"""The terminal report: pass/fail per check, points, the counterexample and how to fix it (rich)."""

from __future__ import annotations

import io
from collections.abc import Mapping

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from checker.grading.result import CheckResult, LabResult


def show(
    result: LabResult,
    console: Console,
    revealed_hints: Mapping[str, str] | None = None,
    hint_command: str | None = None,
) -> None:
    """Print the report. Hints the learner has revealed are shown in full; others are pointed at."""
    revealed_hints = revealed_hints or {}
    console.print(f"[bold]{escape(result.lab)}[/bold] ({result.cloud}): {escape(result.title)}")
    table = Table(show_header=True, header_style="bold", expand=False)
    table.add_column("")
    table.add_column("check")
    table.add_column("kind")
    table.add_column("points", justify="right")
    for check in result.public_checks:
        mark = "[green]✔[/green]" if check.passed else "[red]✘[/red]"
        name = escape(check.id) + (" [yellow](required)[/yellow]" if check.gate else "")
        table.add_row(mark, name, check.kind, f"{check.points}/{check.max_points}")
    console.print(table)
    for check in result.public_checks:
        if not check.passed:
            _explain(check, console, revealed_hints, hint_command)
    if result.hidden_checks:
        _hidden(result, console)
    colour = "green" if result.passed else "red"
    console.print(f"[bold {colour}]{escape(result.verdict[0].upper() + result.verdict[1:])}[/bold {colour}]")


def _explain(
    check: CheckResult, console: Console, revealed_hints: Mapping[str, str], hint_command: str | None
) -> None:
    console.print(f"\n[red bold]✘ {escape(check.id)}[/red bold]: {escape(check.headline or check.message)}")
    for line in check.failures[1:]:
        console.print(f"  • {escape(line)}")
    if check.counterexample is not None:
        example = check.counterexample
        who = f" as {example.principal}" if example.principal else ""
        console.print(f"  [dim]request:[/dim] {escape(example.action)} on {escape(example.resource)}{escape(who)}")
        if example.context:
            console.print(f"  [dim]context:[/dim] {escape(str(example.context))}")
    if check.fix:
        console.print(f"  [cyan]how to fix:[/cyan] {escape(check.fix)}")
    if check.hint:
        if check.hint in revealed_hints:
            console.print(f"  [cyan]hint:[/cyan] {escape(revealed_hints[check.hint])}")
        elif hint_command:
            console.print(f"  [dim]stuck? `{escape(hint_command)}` reveals a hint[/dim]")


def _hidden(result: LabResult, console: Console) -> None:
    """The instructor's hidden checks: how many passed, and each failing one's message (nothing more)."""
    console.print(f"\n[bold]{escape(result.hidden_summary)}[/bold]")
    for check in result.hidden_checks:
        if not check.passed:
            console.print(f"  [red]✘ {escape(check.id)}[/red] ({check.points}/{check.max_points}): {escape(check.message)}")


def render(result: LabResult) -> str:
    buffer = io.StringIO()
    show(result, Console(file=buffer, width=120, color_system=None, highlight=False))
    return buffer.getvalue()
