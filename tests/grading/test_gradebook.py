"""Gradebook export (`grade-class --format csv|json`) and `grade-class --regrade`.

Canvas, "How do I import grades in the Gradebook?" (Instructor Guide): the CSV needs a student column
(Student name, ID or SIS User ID), SIS Login ID and Section, then one column per assignment; a new column
name creates a new assignment. Moodle, "Import grades" (CSV): one column is mapped to users ("Map from"
to username, email address or ID number) and every other column to a grade item or ignored.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

from checker import __version__
from tests.grading.helpers import edit_lab, write

Run = Callable[..., tuple[int, str, str]]


def _class(tmp_path: Path, lab_dir: Path, solution_dir: Path) -> Path:
    folder = tmp_path / "submissions"
    shutil.copytree(solution_dir, folder / "ada")
    shutil.copytree(lab_dir / ".starter" / "aws", folder / "bob")
    shutil.copytree(solution_dir, folder / "=evil")
    write(folder / "=evil" / "permissions.json", "{not json")
    return folder


def test_the_csv_is_one_row_per_learner_with_canvas_and_moodle_columns(
    iamlab: Run, course: Path, lab_dir: Path, solution_dir: Path, tmp_path: Path
) -> None:
    folder = _class(tmp_path, lab_dir, solution_dir)
    code, out, err = iamlab("grade-class", str(folder), "--lab", "01", "--root", str(course), "--format", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    header = rows[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5] == "01-fixture-train (aws) total"
    assert header[6:] == [
        f"01-fixture-train (aws) {check}"
        for check in ("reads-training-data", "writes-model", "no-destructive-actions",
                      "only-sagemaker-assumes", "no-security-findings", "condition-key")
    ]
    by_learner = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert sorted(by_learner) == ["'=evil", "ada", "bob"]  # a folder name is never a spreadsheet formula
    ada = by_learner["ada"]
    assert ada["SIS Login ID"] == "ada" and ada["01-fixture-train (aws) total"] == "8"
    assert sum(int(ada[name]) for name in header[6:]) == 8
    assert by_learner["'=evil"]["01-fixture-train (aws) total"] == ""  # not graded: no grade, not a zero


def test_json_names_the_grader_version_and_the_lab_definition(
    iamlab: Run, course: Path, lab_dir: Path, solution_dir: Path, tmp_path: Path
) -> None:
    folder = _class(tmp_path, lab_dir, solution_dir)
    code, out, _ = iamlab("grade-class", str(folder), "--lab", "01", "--root", str(course), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["grader"]["name"] == "iamlab" and data["grader"]["version"] == __version__
    assert len(data["grader"]["lab_version"]) == 16


def test_regrade_skips_an_unchanged_grading_and_shows_what_changed_per_learner(
    iamlab: Run, course: Path, lab_dir: Path, solution_dir: Path, tmp_path: Path
) -> None:
    folder = _class(tmp_path, lab_dir, solution_dir)
    previous = tmp_path / "before.json"
    base = ["grade-class", str(folder), "--lab", "01", "--root", str(course)]
    assert iamlab(*base, "--out", str(previous))[0] == 0

    code, out, err = iamlab(*base, "--regrade", str(previous))
    assert code == 0 and "nothing to re-grade" in err and out == ""

    # A learner's own files changing is not a reason to re-grade; the lab definition changing is.
    def stricter(data: dict[str, object]) -> None:
        checks = data["clouds"]["aws"]["checks"]  # type: ignore[index]
        writes = next(check for check in checks if check["id"] == "writes-model")
        writes["requests"][0]["resource"] = "arn:aws:s3:::acme-ml-models/elsewhere/model.tar.gz"

    edit_lab(lab_dir, stricter)
    code, out, err = iamlab(*base, "--regrade", str(previous), "--out", str(tmp_path / "after.json"))
    assert code == 0 and "re-grading: lab definition" in err
    assert "ada" in err and "writes-model: pass -> fail" in err and "8 points, passed" in err
    assert "bob" not in err.split("what re-grading changed", 1)[1]  # bob's grade did not change

    # A new grader version re-grades too, even when nothing else changed.
    after = json.loads((tmp_path / "after.json").read_text())
    after["grader"]["version"] = "0.0.1"
    write(tmp_path / "old-grader.json", json.dumps(after))
    code, _, err = iamlab(*base, "--regrade", str(tmp_path / "old-grader.json"))
    assert code == 0 and f"grader 0.0.1 -> {__version__}" in err and "changed no learner's grade" in err


def test_regrade_refuses_a_file_that_is_not_a_class_result(iamlab: Run, course: Path, tmp_path: Path) -> None:
    (tmp_path / "subs").mkdir()
    write(tmp_path / "x.json", '{"learners": []}')
    code, _, err = iamlab("grade-class", str(tmp_path / "subs"), "--lab", "01", "--root", str(course),
                          "--regrade", str(tmp_path / "x.json"))
    assert code == 2 and "not a class result" in err and "x.json" in err
