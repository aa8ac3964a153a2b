"""Markdown, for a pull-request comment or a CI job summary."""

from __future__ import annotations

from checker.grading.reports.cells import markdown_cell as _cell
from checker.grading.result import LabResult


def render(result: LabResult) -> str:
    mark = "✅" if result.passed else "❌"
    lines = [
        f"### {mark} {_cell(result.lab)} ({result.cloud}): {result.score}/{result.max_score} points",
        "",
        f"{_cell(result.title)}. {_cell(result.verdict[0].upper() + result.verdict[1:])}.",
        "",
        "| check | kind | result | points | details |",
        "| --- | --- | --- | --- | --- |",
    ]
    for check in result.public_checks:
        state = "pass" if check.passed else ("**fail (required)**" if check.gate else "fail")
        detail = check.message
        if not check.passed and check.fix:
            detail += f" How to fix: {check.fix}"
        lines.append(
            f"| {_cell(check.id)} | {_cell(check.kind)} | {state} | {check.points}/{check.max_points} | {_cell(detail)} |"
        )
    if result.hidden_checks:
        lines += ["", f"**{result.hidden_summary}**", ""]
        lines += [
            f"- ❌ {_cell(check.id)} ({check.points}/{check.max_points}): {_cell(check.message)}"
            for check in result.hidden_checks
            if not check.passed
        ]
    return "\n".join(lines) + "\n"
