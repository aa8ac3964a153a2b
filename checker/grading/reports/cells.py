"""Text from learners made safe for the table it lands in (markdown, CSV and other spreadsheet text).

Check messages quote Sids, resources and file names that a learner wrote, and class reports hold
learner folder names: in a markdown comment `<img src=x onerror=...>` would be HTML, and in a
spreadsheet a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
(OWASP, "CSV Injection").
"""

from __future__ import annotations

from html import escape

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def markdown_cell(text: str) -> str:
    """One table cell: HTML escaped, backslashes and pipes escaped, on one line."""
    text = escape(text, quote=False)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def spreadsheet_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character is quoted with an apostrophe."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
