"""Shared by the per-lab answer tests: grade a copy of a reference solution with one change applied."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checker.grading.runner import grade
from checker.grading.spec import load_lab

Doc = dict[str, Any]


def grade_changed(
    lab: Path, solution: Path, names: tuple[str, ...], change: Callable[..., None], tmp_path: Path, cloud: str = "aws"
) -> dict[str, Any]:
    """Copy `solution`, hand the JSON files `names` to `change` in that order, grade the copy on `cloud`;
    return {check id: result, "result": the whole result}."""
    folder = tmp_path / "submission"
    shutil.copytree(solution, folder)
    docs = {name: json.loads((folder / name).read_text()) for name in names}
    change(*docs.values())
    for name, doc in docs.items():
        (folder / name).write_text(json.dumps(doc, indent=2))
    result = grade(load_lab(lab), cloud, folder)
    return {"result": result, **{c.id: c for c in result.checks}}


def grade_copy(
    lab: Path, solution: Path, cloud: str, names: tuple[str, ...], change: Callable[[dict[str, Any]], None], tmp_path: Path
) -> Any:
    """Copy `solution`, hand {file name: parsed JSON} for `names` to `change`, write them back, grade on `cloud`."""
    folder = tmp_path / "submission"
    shutil.copytree(solution, folder)
    docs = {name: json.loads((folder / name).read_text()) for name in names}
    change(docs)
    for name, doc in docs.items():
        (folder / name).write_text(json.dumps(doc, indent=2))
    return grade(load_lab(lab), cloud, folder)


def statement(policy: Doc, sid: str) -> Doc:
    found: Doc = next(s for s in policy["Statement"] if s.get("Sid") == sid)
    return found


def failing(outcome: dict[str, Any]) -> set[str]:
    return {c.id for c in outcome["result"].checks if not c.passed}


def assert_fails_exactly(outcome: dict[str, Any], expected: set[str], shows: str | None) -> None:
    """The wrong answer fails exactly `expected`, is not passed, and (when given) some failing case or
    counterexample of those checks shows the text `shows`."""
    assert failing(outcome) == expected, {c: outcome[c].failures for c in failing(outcome)}
    assert not outcome["result"].passed
    if shows is None:
        return
    shown = []
    for check in expected:
        result = outcome[check]
        shown.extend(result.failures)
        if result.counterexample is not None:
            shown.append(json.dumps(result.counterexample.__dict__))
    assert any(shows in text for text in shown), shown
