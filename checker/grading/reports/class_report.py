"""Class reports for instructors: per-learner scores and a per-check summary, as CSV, JSON or HTML."""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any

from checker.core.findings import Counterexample
from checker.grading.classroom import ClassReport, LearnerResult
from checker.grading.reports.cells import spreadsheet_cell as _safe_cell
from checker.grading.reports.html_report import hidden_list, page
from checker.grading.result import CheckResult

CLASS_FORMATS = {".csv": "csv", ".json": "json", ".html": "html", ".htm": "html"}


def to_json(report: ClassReport) -> dict[str, Any]:
    from checker.grading.gradebook import grader_version, lab_version

    return {
        # Which grader and lab definition gave these grades (`grade-class --regrade` compares them).
        "grader": {"name": "iamlab", "version": grader_version(), "lab_version": lab_version(report.lab)},
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
                "attempts": learner.attempts,
                "hints_used": learner.hints_used,
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


CLASS_STYLE = """
details.learner summary { cursor: pointer; }
details.learner .check { margin: 6px 0 10px 0; }
details.learner .error, td.error { color: #cf222e; }
details.learner pre { background: #f6f8fa; padding: 4px 8px; white-space: pre-wrap; margin: 2px 0; }
"""


def render_html(report: ClassReport) -> str:
    """One row per learner (score, passed, attempts and hints where known) and a drill-down per learner:
    every failing check's message, other failures, counterexample and fix, or why it was not graded."""
    learners = report.learners
    passed = sum(1 for learner in learners if learner.passed)
    rows = [_learner_row(learner, report.max_score) for learner in learners]
    check_rows = [
        f"<tr><td>{escape(summary.id)}</td><td>{escape(summary.shown_kind)}</td><td>{summary.passed}</td>"
        f"<td>{summary.failed}</td><td>{summary.not_graded}</td></tr>"
        for summary in report.check_summaries()
    ]
    body = (
        f"<style>{CLASS_STYLE}</style>"
        f"<p>{len(learners)} learner(s), {passed} passed; pass mark {report.pass_mark}/{report.max_score}.</p>"
        "<h2>Learners</h2>"
        '<table class="iamlab learners"><thead><tr><th>learner</th><th>score</th><th>passed</th><th>attempts</th>'
        f"<th>hints</th><th>details</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<h2>Checks the class fails most</h2>"
        '<table class="iamlab checks"><thead><tr><th>check</th><th>kind</th><th>passed</th><th>failed</th>'
        f"<th>not graded</th></tr></thead><tbody>{''.join(check_rows)}</tbody></table>"
    )
    return page(f"{report.lab.id} ({report.cloud}): class report", body)


def _known(value: int | None) -> str:
    return "unknown" if value is None else str(value)


def _learner_row(learner: LearnerResult, max_score: int) -> str:
    state = "pass" if learner.passed else "fail"
    if learner.result is None:
        summary = f"not graded: {learner.error or 'unknown error'}"
        drill = f'<p class="error">Not graded: {escape(learner.error or "unknown error")}</p>'
    else:
        failing = [check for check in learner.result.public_checks if not check.passed]
        # With hidden checks, "every check passes" would hide the failing hidden ones listed below.
        every = "every lab check passes" if learner.result.hidden_checks else "every check passes"
        summary = f"{len(failing)} failing check(s)" if failing else every
        drill = "".join(_failing_check(check) for check in failing) or f"<p>{every[0].upper()}{every[1:]}.</p>"
        if learner.result.hidden_checks:
            summary += f"; {learner.result.hidden_summary}"
            drill += hidden_list(learner.result)
    return (
        f'<tr class="{state}"><td>{escape(learner.learner)}</td><td>{learner.score}/{max_score}</td>'
        f'<td class="state">{"yes" if learner.passed else "no"}</td><td>{_known(learner.attempts)}</td>'
        f"<td>{_known(learner.hints_used)}</td>"
        f'<td><details class="learner" data-learner="{escape(learner.learner)}"><summary>{escape(summary)}</summary>'
        f"{drill}</details></td></tr>"
    )


def _failing_check(check: CheckResult) -> str:
    required = " (required)" if check.gate else ""
    parts = [
        f'<div class="check"><strong>{escape(check.id)}</strong>{required}: {check.points}/{check.max_points}',
        f"<p>{escape(check.message)}</p>",
    ]
    if check.failures:
        # Every problem of the check, not only a count of them.
        parts.append(
            "<ul>" + "".join(f"<li>{escape(check.id)}: {escape(line)}</li>" for line in check.failures) + "</ul>"
        )
    if check.counterexample is not None:
        parts.append(f"<p>Counterexample:</p><pre>{escape(_counterexample(check.counterexample))}</pre>")
    if check.fix:
        parts.append(f"<p><em>How to fix:</em> {escape(check.fix)}</p>")
    return "".join(parts) + "</div>"


def _counterexample(example: Counterexample) -> str:
    return "\n".join(f"{name}: {value}" for name, value in example.fields())


def render_gradebook(report: ClassReport) -> str:
    """The CSV Canvas and Moodle import (grading/gradebook.py): a lab total and each check's points."""
    from checker.grading.gradebook import gradebook_csv

    rows = [
        (
            learner.learner,
            learner.score if learner.result is not None else None,
            {check.id: check.points for check in learner.result.checks} if learner.result is not None else {},
        )
        for learner in report.learners
    ]
    return gradebook_csv(rows, report.lab, report.cloud)


def render(report: ClassReport, format: str) -> str:
    renderers = {"csv": render_csv, "json": render_json, "html": render_html, "gradebook": render_gradebook}
    return renderers[format](report)
