"""Finding the course and a lab by id, number or path; restoring starters without git; watch stamps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.catalog import find_course
from checker.grading.spec import load_lab
from checker.grading.starters import restore
from checker.grading.watch import stamp, wait_for_change


def test_lab_by_id_number_or_path(course: Path, lab_dir: Path) -> None:
    found = find_course(explicit=str(course))
    assert found.find("01-fixture-train") == lab_dir
    assert found.find("01") == lab_dir
    assert found.find("1") == lab_dir
    assert found.find(str(lab_dir)) == lab_dir


def test_unknown_lab_lists_the_known_ones(course: Path) -> None:
    with pytest.raises(InputError) as info:
        find_course(explicit=str(course)).find("07")
    assert "no lab called '07'" in info.value.message and "01-fixture-train" in (info.value.hint or "")


def test_course_is_found_from_a_subfolder(course: Path, lab_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IAMLAB_ROOT", raising=False)
    assert find_course(start=lab_dir / "aws").root == course.resolve()


def test_outside_a_course_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IAMLAB_ROOT", raising=False)
    with pytest.raises(InputError, match="not inside a course repository"):
        find_course(start=tmp_path)


def test_reset_restores_edited_and_deleted_files_only(lab_dir: Path) -> None:
    lab = load_lab(lab_dir)
    (lab_dir / "aws" / "permissions.json").write_text("{ my work }")
    (lab_dir / "aws" / "answers.yaml").unlink()
    changed = restore(lab, "aws")
    assert sorted(changed) == ["answers.yaml", "permissions.json"]
    for name in ("permissions.json", "trust.json", "answers.yaml"):
        assert (lab_dir / "aws" / name).read_bytes() == (lab_dir / ".starter" / "aws" / name).read_bytes()
    assert restore(lab, "aws") == []


def test_reset_replaces_a_link_instead_of_writing_through_it(lab_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("keep me")
    target = lab_dir / "aws" / "trust.json"
    target.unlink()
    os.symlink(outside, target)
    assert "trust.json" in restore(load_lab(lab_dir), "aws")
    assert outside.read_text() == "keep me" and not target.is_symlink()


def test_reset_without_pristine_copies_says_what_is_missing(lab_dir: Path) -> None:
    (lab_dir / ".starter" / "aws" / "trust.json").unlink()
    with pytest.raises(InputError, match="no pristine copy of trust.json"):
        restore(load_lab(lab_dir), "aws")


def test_watch_sees_a_save(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text("{}")
    before = stamp([path])
    calls: list[float] = []

    def save_then_sleep(seconds: float) -> None:
        calls.append(seconds)
        path.write_text('{"Version": "2012-10-17"}')

    assert wait_for_change([path], interval=0.01, timeout=1, sleep=save_then_sleep)
    assert stamp([path]) != before and len(calls) == 1


def test_watch_times_out_without_changes(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text("{}")
    assert not wait_for_change([path], interval=0.01, timeout=0.05, sleep=lambda _s: None)


def _lab02_copy(tmp_path: Path) -> Path:
    import shutil

    lab_dir = tmp_path / "labs" / "02-mlops-pipeline"
    shutil.copytree(Path(__file__).resolve().parents[2] / "labs" / "02-mlops-pipeline", lab_dir)
    return lab_dir


def test_reset_restores_lab02s_guardrails_folder_and_its_one_roles_file(tmp_path: Path) -> None:
    """Lab 02 (AWS): the learner switched to CloudFormation (roles.tf deleted, roles.yaml written), edited the
    starter's Rego rule and added another; reset puts back exactly the starter: roles.tf alone (with both
    present the grader refuses the submission), guardrails/ as it was (an extra rule would still be run)."""
    lab_dir = _lab02_copy(tmp_path)
    work, starter = lab_dir / "aws", lab_dir / ".starter" / "aws"
    (work / "roles.tf").unlink()
    (work / "roles.yaml").write_text("Resources: {}\n")
    (work / "guardrails" / "least_privilege.rego").write_text("package mine\n")
    (work / "guardrails" / "extra.rego").write_text("package extra\n")
    (work / "notes.md").write_text("my notes\n")  # outside the starter's folders: left alone
    lab = load_lab(lab_dir)
    changed = restore(lab, "aws")
    assert sorted(changed) == ["guardrails/extra.rego", "guardrails/least_privilege.rego", "roles.tf", "roles.yaml"]
    assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()) == [
        "guardrails/least_privilege.rego", "mlops.yml", "notes.md", "roles.tf"]
    for name in ("roles.tf", "mlops.yml", "guardrails/least_privilege.rego"):
        assert (work / name).read_bytes() == (starter / name).read_bytes()
    assert restore(lab, "aws") == []


def test_reset_never_writes_through_a_linked_guardrails_folder(tmp_path: Path) -> None:
    import shutil

    lab_dir = _lab02_copy(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "least_privilege.rego").write_text("keep me")
    shutil.rmtree(lab_dir / "aws" / "guardrails")
    os.symlink(outside, lab_dir / "aws" / "guardrails")
    assert "guardrails/least_privilege.rego" in restore(load_lab(lab_dir), "aws")
    assert (outside / "least_privilege.rego").read_text() == "keep me"
    assert not (lab_dir / "aws" / "guardrails").is_symlink()
