"""Class reports for instructors: per-learner scores and a per-check summary, as CSV, JSON or HTML."""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any

from checker.grading.classroom import ClassReport
from checker.grading.reports.cells import spreadsheet_cell as _safe_cell
from checker.grading.reports.html_report import page

CLASS_FORMATS = {".csv": "csv", ".json": "json", ".html": "html", ".htm": "html"}


def to_json(report: ClassReport) -> dict[str, Any]:
    return {
        "lab": report.lab.id,
        "cloud": report.cloud,
        "max_score": report.max_score,
        "pass_mark": report.pass_mark,
        "learners": [
            {
                "learner": learner.learner,
                "score": learner.score,
                "passed": learner.passed,
                "error": learner.error,
                "result": learner.result.to_json() if learner.result else None,
            }
            for learner in report.learners
        ],
        "checks": [
            {
                "id": summary.id,
                "kind": summary.kind,
                "max_points": summary.max_points,
                "passed": summary.passed,
                "failed": summary.failed,
                "not_graded": summary.not_graded,
            }
            for summary in report.check_summaries()
        ],
    }


def render_json(report: ClassReport) -> str:
    return json.dumps(to_json(report), indent=2) + "\n"


def render_csv(report: ClassReport) -> str:
    """One row per learner: score, verdict, error, then the points of each check."""
    check_ids = [check.id for check in report.lab.cloud(report.cloud).checks]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Folder names and messages come from learners: every text cell goes through spreadsheet_cell.
    writer.writerow(["learner", "score", "max_score", "passed", "error", *map(_safe_cell, check_ids)])
    for learner in report.learners:
        points: dict[str, int] = {}
        if learner.result is not None:
            points = {check.id: check.points for check in learner.result.checks}
        writer.writerow(
            [
                _safe_cell(learner.learner),
                learner.score,
                report.max_score,
                "yes" if learner.passed else "no",
                _safe_cell(learner.error or ""),
                *(points.get(check_id, "") for check_id in check_ids),
            ]
        )
    return buffer.getvalue()


def render_html(report: ClassReport) -> str:
    learners = report.learners
    passed = sum(1 for learner in learners if learner.passed)
    rows = []
    for learner in learners:
        state = "pass" if learner.passed else "fail"
        note = escape(learner.error) if learner.error else ""
        if learner.result is not None and not learner.passed:
            failing = [check for check in learner.result.checks if not check.passed]
            note = "failing: " + escape(", ".join(check.id for check in failing))
            # Every problem of every failing check, not only a count of them.
            note += "<ul>" + "".join(
                f"<li>{escape(check.id)}: {escape(line)}</li>" for check in failing for line in check.failures
            ) + "</ul>"
        rows.append(
            f'<tr class="{state}"><td>{escape(learner.learner)}</td><td>{learner.score}/{report.max_score}</td>'
            f'<td class="state">{state}</td><td>{note}</td></tr>'
        )
    check_rows = [
        f"<tr><td>{escape(summary.id)}</td><td>{escape(summary.kind)}</td><td>{summary.passed}</td>"
        f"<td>{summary.failed}</td><td>{summary.not_graded}</td></tr>"
        for summary in report.check_summaries()
    ]
    body = (
        f"<p>{len(learners)} learner(s), {passed} passed; pass mark {report.pass_mark}/{report.max_score}.</p>"
        "<h2>Checks the class fails most</h2>"
        '<table class="iamlab"><thead><tr><th>check</th><th>kind</th><th>passed</th><th>failed</th>'
        f"<th>not graded</th></tr></thead><tbody>{''.join(check_rows)}</tbody></table>"
        "<h2>Learners</h2>"
        '<table class="iamlab"><thead><tr><th>learner</th><th>score</th><th>result</th><th>notes</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return page(f"{report.lab.id} ({report.cloud}): class report", body)


def render(report: ClassReport, format: str) -> str:
    renderers = {"csv": render_csv, "json": render_json, "html": render_html}
    return renderers[format](report)
