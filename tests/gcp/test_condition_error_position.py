"""A CEL syntax error in a learner's bindings file points at the place where parsing failed, with the line
and column in the learner's file (escapes such as \\" count as the two characters the file holds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.runner import grade
from checker.grading.spec import load_lab

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "01-training-job"


def _error(tmp_path: Path, expression: str) -> tuple[InputError, str]:
    submission = tmp_path / "gcp"
    submission.mkdir()
    bindings = json.loads((REPO / "solutions" / "01-training-job" / "gcp" / "iam-bindings.json").read_text())
    bindings[1]["condition"]["expression"] = expression
    (submission / "iam-bindings.json").write_text(json.dumps(bindings, indent=2))
    with pytest.raises(InputError) as info:
        grade(load_lab(LAB), "gcp", submission)
    row = (submission / "iam-bindings.json").read_text().split("\n")[info.value.where.line - 1]
    return info.value, row


def test_a_missing_closing_bracket_points_at_the_end_not_the_start(tmp_path: Path) -> None:
    error, row = _error(tmp_path, 'resource.name.startsWith("projects/_/buckets/acme-ml-artifacts/objects/fraud/models/"')
    assert "ends too early; expected ) or , or ]" in error.message
    assert error.where.column == row.rindex('"') + 1  # the closing quote of the value: the ) belongs there
    assert row[: error.where.column - 1].endswith('models/\\"')


def test_an_unexpected_character_after_escaped_quotes_is_found_where_the_file_has_it(tmp_path: Path) -> None:
    error, row = _error(tmp_path, 'resource.name.startsWith("projects/_/buckets/x/") && resource.type = "y"')
    assert "unexpected character '='" in error.message and "CEL compares with ==" in error.message
    assert row[error.where.column - 1] == "=" and row[error.where.column - 2 : error.where.column + 1] == " = "


def test_an_error_on_the_expressions_second_line(tmp_path: Path) -> None:
    error, row = _error(tmp_path, 'resource.name.startsWith("a") &&\n   || resource.type == "b"')
    assert "unexpected '||'" in error.message
    assert row[error.where.column - 1 : error.where.column + 1] == "||"


def test_an_unclosed_text(tmp_path: Path) -> None:
    error, row = _error(tmp_path, 'resource.type == "storage.googleapis.com/Bucket')
    assert "never closed" in error.message and row[error.where.column - 1 : error.where.column + 1] == '\\"'
