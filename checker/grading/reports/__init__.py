"""Reports of a LabResult: text (rich, for a terminal), json, junit, markdown and html.

Each format is its own module; they are imported on demand so `--format json` never loads rich.
"""

from __future__ import annotations

import importlib

from checker.grading.result import LabResult

FORMATS = ("text", "json", "junit", "markdown", "html")


def render(result: LabResult, format: str) -> str:
    """The report as a string (text is rendered without colour here; the CLI prints it with colour)."""
    if format not in FORMATS:
        raise ValueError(f"unknown report format {format!r}")
    module = importlib.import_module(f"checker.grading.reports.{format}_report")
    text: str = module.render(result)
    return text
