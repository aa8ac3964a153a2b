"""Learner text in reports stays text: HTML escaped in markdown cells, no formulas in CSV cells."""

from __future__ import annotations

import pytest

from checker.grading.reports import markdown_report
from checker.grading.reports.cells import spreadsheet_cell
from checker.grading.result import CheckResult, LabResult

HOSTILE = '<img src=x onerror="alert(1)"> & <script>fetch("//evil")</script>'


def _result(message: str, check_id: str = "no-destructive-actions") -> LabResult:
    check = CheckResult(
        id=check_id,
        kind="denies",
        title="No destructive actions",
        passed=False,
        points=0,
        max_points=2,
        message=message,
        counterexample=None,
        gate=False,
        fix=f"remove the statement {HOSTILE}",
        hint=None,
        failures=(message,),
        notes=(),
    )
    return LabResult("01-<b>lab</b>", "Train <i>it</i>", "aws", 0, 2, 2, False, (check,))


def test_markdown_escapes_html_in_every_cell() -> None:
    """GitHub renders raw HTML inside markdown tables; a Sid or resource quoted in a message must not."""
    message = f"Statement {HOSTILE} allows s3:DeleteObject on arn:aws:s3:::b/<svg onload=x>|more"
    rendered = markdown_report.render(_result(message, check_id="<u>id</u>"))
    assert "<img" not in rendered and "<script" not in rendered and "<svg" not in rendered
    assert "<u>" not in rendered and "<b>" not in rendered and "<i>" not in rendered
    assert "&lt;img src=x onerror=\"alert(1)\"&gt; &amp; &lt;script&gt;" in rendered
    assert "b/&lt;svg onload=x&gt;\\|more" in rendered  # pipes still cannot split the row


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_spreadsheet_cells_never_start_a_formula(start: str) -> None:
    """OWASP "CSV Injection": cells beginning with = + - @ tab or carriage return are neutralised."""
    assert spreadsheet_cell(f"{start}HYPERLINK(\"http://evil\")") == f"'{start}HYPERLINK(\"http://evil\")"
    assert spreadsheet_cell("ada") == "ada"
