"""Local progress: best scores and hints are kept, writes are atomic, a damaged file is reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.hints import reveal_next, revealed
from checker.grading.progress import Progress, write_atomically
from checker.grading.result import LabResult
from checker.grading.spec import load_lab


def _result(score: int, passed: bool) -> LabResult:
    return LabResult("01-fixture-train", "t", "aws", score, 11, 9, passed, ())


def test_best_score_and_pass_are_kept(tmp_path: Path) -> None:
    path = tmp_path / ".iamlab-progress.json"
    progress = Progress.load(path)
    progress.record_result(_result(9, True))
    progress.record_result(_result(4, False))
    progress.save()
    entry = Progress.load(path).get("01-fixture-train", "aws")
    assert (entry.best_score, entry.last_score, entry.passed, entry.attempts) == (9, 4, True, 2)
    assert json.loads(path.read_text())["version"] == 1


def test_save_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / ".iamlab-progress.json"
    progress = Progress.load(path)
    progress.record_result(_result(3, False))
    progress.save()
    progress.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".iamlab-progress.json"]


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    path = tmp_path / "file.json"
    path.write_text("old")

    with pytest.raises(TypeError):
        write_atomically(path, 42)  # type: ignore[arg-type]  # writing an int fails midway
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.json"]


@pytest.mark.parametrize(
    "text",
    ['{"labs": ', '["not", "a", "mapping"]', '{"labs": {"01": {"aws": {"best_score": -3}}}}', '{"labs": {"01": 5}}'],
)
def test_a_damaged_progress_file_is_reported_not_reset(tmp_path: Path, text: str) -> None:
    path = tmp_path / ".iamlab-progress.json"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        Progress.load(path)
    assert info.value.where is not None and info.value.where.file == str(path)
    assert path.read_text() == text


def test_hints_are_revealed_one_at_a_time_and_counted(lab_dir: Path, tmp_path: Path) -> None:
    lab = load_lab(lab_dir)
    progress = Progress.load(tmp_path / "p.json")
    first = reveal_next(lab, "aws", progress)
    assert [hint.id for hint in first.hints] == ["scope-reads"] and not first.exhausted
    reveal_next(lab, "aws", progress)
    third = reveal_next(lab, "aws", progress)
    assert len(third.hints) == 3 and third.total == 3 and not third.exhausted
    again = reveal_next(lab, "aws", progress)
    assert again.exhausted and progress.get(lab.id, "aws").hints_used == 3
    assert [hint.id for hint in revealed(lab, "aws", progress)] == ["scope-reads", "trust-service", "no-wildcards"]
