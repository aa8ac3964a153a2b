"""Gradebook export and re-grading: what an LMS imports, and which grader and lab definition graded a class.

The CSV imports into Canvas and Moodle alike (one row per learner, one column per lab total and per check):
- Canvas ("Import a CSV file to Grades"): a student column (Student, ID or SIS User ID) plus SIS Login ID
  and Section, then one column per assignment; a new column name becomes a new assignment.
- Moodle ("Import grades from a CSV file"): any column identifies the user ("Map from" -> username, email or
  ID number) and each other column is mapped to a grade item or ignored.
The learner folder's name (its LMS login, as classroom tools name repositories) fills Student and SIS
Login ID. Nothing else goes in a column, since Canvas would make every unknown column an assignment.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker import __version__
from checker.core.errors import InputError, Where
from checker.core.source import load_document
from checker.grading.reports.cells import spreadsheet_cell
from checker.grading.spec import CLOUDS, LabSpec

IDENTITY_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def grader_version() -> str:
    return __version__


def lab_version(lab: LabSpec) -> str:
    """A digest of everything that decides a grade besides the grader: the lab folder's own files (lab.yaml,
    envelopes, workload), not the cloud folders a learner fills, and the instructor's hidden checks."""
    digest = hashlib.sha256()
    for relative, path in _definition_files(lab):
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _definition_files(lab: LabSpec) -> Iterator[tuple[str, Path]]:
    roots = [("lab", lab.folder)] + ([("hidden", lab.hidden_folder)] if lab.hidden_folder else [])
    for name, root in roots:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if name == "lab" and (relative.parts[0] in CLOUDS or relative.parts[0].startswith(".")):
                continue  # the learner's files and the starters are not the lab's definition
            if path.is_file() and not path.is_symlink():
                yield f"{name}/{relative.as_posix()}", path


def gradebook_csv(rows: list[tuple[str, int | None, dict[str, int]]], lab: LabSpec, cloud: str) -> str:
    """rows: (learner, lab total or None when not graded, points per check id)."""
    checks = lab.cloud(cloud).checks
    prefix = f"{lab.id} ({cloud})"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*IDENTITY_COLUMNS, f"{prefix} total", *(f"{prefix} {check.id}" for check in checks)])
    for learner, total, points in rows:
        name = spreadsheet_cell(learner)  # folder names come from learners: never a formula
        writer.writerow(
            [name, "", "", name, "", "" if total is None else total, *(points.get(check.id, "") for check in checks)]
        )
    return buffer.getvalue()


@dataclass(frozen=True)
class Change:
    learner: str
    before: str  # "7/9 passed", "not graded", "new"
    after: str
    checks: tuple[str, ...]  # "writes-model: fail -> pass"


def load_previous(path: Path) -> dict[str, Any]:
    """A class JSON written by `grade-class --out FILE.json` (or --format json): checked, never trusted."""
    data = load_document(path).data
    if not isinstance(data, dict) or not isinstance(data.get("learners"), list) or not isinstance(data.get("grader"), dict):
        raise InputError(
            "not a class result written by iamlab grade-class (no grader and learners)",
            Where(str(path)),
            "pass the JSON file an earlier `iamlab grade-class --out FILE.json` wrote",
        )
    return data


def versions_changed(previous: dict[str, Any], lab: LabSpec) -> list[str]:
    """What changed since the previous grading: the grader's version, the lab definition, or nothing."""
    changed = []
    grader = previous["grader"]
    if grader.get("version") != grader_version():
        changed.append(f"grader {grader.get('version')} -> {grader_version()}")
    if grader.get("lab_version") != lab_version(lab):
        changed.append(f"lab definition {grader.get('lab_version')} -> {lab_version(lab)}")
    return changed


def changes(previous: dict[str, Any], current: dict[str, Any]) -> list[Change]:
    """Per learner whose score, verdict or any check's outcome differs between two class JSON results."""
    before = {row.get("learner"): row for row in previous["learners"] if isinstance(row, dict)}
    found = []
    for row in current["learners"]:
        old = before.get(row["learner"])
        checks = _check_changes(old, row)
        if old is None or _state(old) != _state(row) or checks:
            found.append(Change(row["learner"], "new" if old is None else _state(old), _state(row), checks))
    return found


def _state(row: dict[str, Any]) -> str:
    if row.get("result") is None:
        return "not graded"
    return f"{row.get('score')} points, {'passed' if row.get('passed') else 'not passed'}"


def _outcomes(row: dict[str, Any] | None) -> dict[str, bool]:
    result = (row or {}).get("result")
    if not isinstance(result, dict):
        return {}
    checks = [*result.get("checks", []), *result.get("hidden", {}).get("checks", [])]
    return {check["id"]: bool(check["passed"]) for check in checks if isinstance(check, dict) and "id" in check}


def _check_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> tuple[str, ...]:
    if old is None:
        return ()
    before, after = _outcomes(old), _outcomes(new)
    word = {True: "pass", False: "fail", None: "absent"}
    return tuple(
        f"{check}: {word[before.get(check)]} -> {word[after.get(check)]}"
        for check in sorted(set(before) | set(after))
        if before.get(check) != after.get(check)
    )
