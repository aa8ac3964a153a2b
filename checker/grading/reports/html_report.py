"""HTML: a standalone page for a result, and the table Jupyter shows (`LabResult._repr_html_`)."""

from __future__ import annotations

from html import escape

from checker.core.findings import Counterexample
from checker.grading.result import LabResult

STYLE = """
table.iamlab { border-collapse: collapse; font-family: sans-serif; font-size: 14px; }
table.iamlab th, table.iamlab td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
table.iamlab tr.pass td.state { color: #1a7f37; font-weight: bold; }
table.iamlab tr.fail td.state { color: #cf222e; font-weight: bold; }
table.iamlab code { font-size: 12px; word-break: break-all; }
table.iamlab.counterexample { margin-top: 4px; }
table.iamlab.counterexample caption { text-align: left; font-style: italic; }
"""


def result_table(result: LabResult) -> str:
    verdict = "passed" if result.passed else "not passed"
    rows = []
    for check in result.public_checks:
        state = "pass" if check.passed else "fail"
        detail = escape(check.headline or check.message)
        if len(check.failures) > 1:
            detail += "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in check.failures[1:]) + "</ul>"
        if check.counterexample is not None:
            detail += counterexample_table(check.counterexample)
        if not check.passed and check.fix:
            detail += f"<br><em>How to fix:</em> {escape(check.fix)}"
        required = " (required)" if check.gate else ""
        rows.append(
            f'<tr class="{state}"><td>{escape(check.id)}</td><td>{escape(check.kind)}</td>'
            f'<td class="state">{state}{required}</td><td>{check.points}/{check.max_points}</td><td>{detail}</td></tr>'
        )
    return (
        f'<table class="iamlab"><caption>{escape(result.lab)} ({escape(result.cloud)}): '
        f"{result.score}/{result.max_score} points, {verdict}</caption>"
        "<thead><tr><th>check</th><th>kind</th><th>result</th><th>points</th><th>details</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{hidden_list(result)}"
    )


def counterexample_table(example: Counterexample) -> str:
    """The request the prover found, in full: one row per field and per context key (nothing cut short),
    so a learner can decide it again by hand."""
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td><code>{escape(value)}</code></td></tr>" for name, value in example.fields()
    )
    return f'<table class="iamlab counterexample"><caption>counterexample</caption><tbody>{rows}</tbody></table>'


def hidden_list(result: LabResult) -> str:
    """The instructor's hidden checks: how many passed, and each failing one's message (nothing more)."""
    if not result.hidden_checks:
        return ""
    failing = "".join(
        f'<li class="fail">{escape(check.id)} ({check.points}/{check.max_points}): {escape(check.message)}</li>'
        for check in result.hidden_checks
        if not check.passed
    )
    return f'<p class="hidden-checks">{escape(result.hidden_summary)}</p>' + (f"<ul>{failing}</ul>" if failing else "")


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def render(result: LabResult) -> str:
    summary = f"<p>{escape(result.verdict[0].upper() + result.verdict[1:])}.</p>"
    return page(f"{result.lab}: {result.title}", summary + result_table(result))
