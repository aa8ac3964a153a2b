"""grade-class over good, bad and malformed submissions: nothing stops the run, every learner gets a row."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.grading.helpers import write

Run = Callable[..., tuple[int, str, str]]


def _class(tmp_path: Path, lab_dir: Path, solution_dir: Path) -> Path:
    folder = tmp_path / "submissions"
    shutil.copytree(solution_dir, folder / "ada")  # files directly in the learner folder
    shutil.copytree(lab_dir / ".starter" / "aws", folder / "bob" / "aws")  # or in a <cloud>/ sub-folder
    shutil.copytree(solution_dir, folder / "cy")
    write(folder / "cy" / "permissions.json", '{"Version": "2012-10-17", "Statement": [\n  {"Effect": "Allow"\n]}')
    shutil.copytree(solution_dir, folder / "dee")
    (folder / "dee" / "trust.json").unlink()
    shutil.copytree(solution_dir, folder / "=evil")
    (folder / "=evil" / "permissions.json").unlink()
    (folder / "=evil" / "permissions.json").symlink_to("/etc/passwd")
    write(folder / "notes.txt", "not a learner")
    (folder / ".git").mkdir()
    return folder


def test_every_learner_is_reported(iamlab: Run, course: Path, lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    folder = _class(tmp_path, lab_dir, solution_dir)
    outputs = [tmp_path / "class.json", tmp_path / "class.csv", tmp_path / "class.html"]
    argv = ["grade-class", str(folder), "--lab", "01", "--root", str(course)]
    for output in outputs:
        argv += ["--out", str(output)]
    code, out, err = iamlab(*argv)
    assert code == 0, err
    data = json.loads(outputs[0].read_text())
    learners = {row["learner"]: row for row in data["learners"]}
    assert sorted(learners) == ["=evil", "ada", "bob", "cy", "dee"]
    assert learners["ada"]["error"] is None and learners["ada"]["score"] >= learners["bob"]["score"]
    assert learners["bob"]["passed"] is False and learners["bob"]["result"]["lab"] == "01-fixture-train"
    assert "permissions.json:3:1" in learners["cy"]["error"] and learners["cy"]["score"] == 0
    assert "trust.json" in learners["dee"]["error"] and "file not found" in learners["dee"]["error"]
    assert "outside the submission folder" in learners["=evil"]["error"]

    checks = data["checks"]
    assert {check["id"] for check in checks} == {
        "reads-training-data", "writes-model", "no-destructive-actions",
        "only-sagemaker-assumes", "no-security-findings", "condition-key",
    }
    failing_counts = [check["failed"] + check["not_graded"] for check in checks]
    assert failing_counts == sorted(failing_counts, reverse=True)  # most-failed first
    assert all(check["not_graded"] == 3 for check in checks)
    destructive = next(check for check in checks if check["id"] == "no-destructive-actions")
    assert (destructive["passed"], destructive["failed"]) == (1, 1)

    rows = list(csv.DictReader(io.StringIO(outputs[1].read_text())))
    assert [row["learner"] for row in rows] == ["'=evil", "ada", "bob", "cy", "dee"]  # no spreadsheet formula
    assert rows[1]["reads-training-data"] == "2" and rows[3]["reads-training-data"] == ""
    html = outputs[2].read_text()
    assert html.startswith("<!DOCTYPE html>") and "Checks the class fails most" in html and "=evil" in html
    # Every failing case of every failing check is listed for the instructor, not only counted.
    bob = learners["bob"]["result"]
    failing = [check for check in bob["checks"] if not check["passed"]]
    assert failing and "more problem" not in json.dumps(bob)
    assert any(c["id"] == "no-destructive-actions" for c in failing)
    assert "<li>no-destructive-actions: " in html
    assert "ada" in out and "checks the class fails most" in out


def test_unknown_output_type_is_a_usage_error(iamlab: Run, course: Path, tmp_path: Path) -> None:
    (tmp_path / "subs").mkdir()
    code, _, err = iamlab("grade-class", str(tmp_path / "subs"), "--lab", "01", "--root", str(course), "--out", "x.pdf")
    assert code == 2 and "unknown report type .pdf" in err


def test_missing_submissions_folder(iamlab: Run, course: Path, tmp_path: Path) -> None:
    code, _, err = iamlab("grade-class", str(tmp_path / "none"), "--lab", "01", "--root", str(course))
    assert code == 2 and "submissions folder not found" in err


def test_links_that_lead_nowhere_are_listed_with_why(
    iamlab: Run, course: Path, solution_dir: Path, tmp_path: Path
) -> None:
    """Before, Path.is_dir() was False for a dangling link or a loop and the learner vanished from the report."""
    folder = tmp_path / "submissions"
    shutil.copytree(solution_dir, folder / "ada")
    (folder / "ben").symlink_to(tmp_path / "gone")  # dangling
    (folder / "cat").symlink_to(folder / "dan")  # a loop: cat -> dan -> cat
    (folder / "dan").symlink_to(folder / "cat")
    write(tmp_path / "a-file.txt", "not a folder")
    (folder / "eve").symlink_to(tmp_path / "a-file.txt")
    (folder / "fay").symlink_to(folder / "ada")  # a link to a real folder is graded
    out_json = tmp_path / "class.json"
    code, out, err = iamlab("grade-class", str(folder), "--lab", "01", "--root", str(course), "--out", str(out_json))
    assert code == 0, err
    learners = {row["learner"]: row for row in json.loads(out_json.read_text())["learners"]}
    assert sorted(learners) == ["ada", "ben", "cat", "dan", "eve", "fay"]
    assert "ben is a symbolic link to" in learners["ben"]["error"] and "does not exist" in learners["ben"]["error"]
    assert "symbolic link loop" in learners["cat"]["error"] and "symbolic link loop" in learners["dan"]["error"]
    assert "a file, not a folder" in learners["eve"]["error"]
    assert learners["fay"]["error"] is None and learners["fay"]["score"] == learners["ada"]["score"]


def test_a_fifo_in_a_submission_is_refused_not_waited_on(
    iamlab: Run, course: Path, solution_dir: Path, tmp_path: Path
) -> None:
    """Opening a FIFO for reading blocks until a writer comes: before, grade-class hung forever here."""
    folder = tmp_path / "submissions"
    shutil.copytree(solution_dir, folder / "ada")
    shutil.copytree(solution_dir, folder / "bob")
    (folder / "bob" / "permissions.json").unlink()
    os.mkfifo(folder / "bob" / "permissions.json")
    out_json = tmp_path / "class.json"
    code, _, err = iamlab("grade-class", str(folder), "--lab", "01", "--root", str(course), "--out", str(out_json))
    assert code == 0, err
    learners = {row["learner"]: row for row in json.loads(out_json.read_text())["learners"]}
    assert "permissions.json: this is a FIFO (named pipe), not a regular file" in learners["bob"]["error"]
    assert learners["ada"]["error"] is None


def test_a_learner_over_the_time_limit_is_reported_and_the_class_completes(
    iamlab: Run, course: Path, solution_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "submissions"
    for name in ("ada", "bob"):
        shutil.copytree(solution_dir, folder / name)
    out_json = tmp_path / "class.json"
    argv = ["grade-class", str(folder), "--lab", "01", "--root", str(course), "--out", str(out_json)]
    code, _, err = iamlab(*argv, "--time-limit", "0.001")
    assert code == 0, err
    learners = {row["learner"]: row for row in json.loads(out_json.read_text())["learners"]}
    for name in ("ada", "bob"):
        assert learners[name]["error"] == "timed out: grading took longer than the 0.001 s limit per learner"
    code, _, err = iamlab(*argv)  # the default limit: both graded
    assert code == 0, err
    learners = {row["learner"]: row for row in json.loads(out_json.read_text())["learners"]}
    assert learners["ada"]["error"] is None and learners["bob"]["error"] is None
    assert iamlab(*argv, "--time-limit", "0")[0] == 2


def _learners_with_one_trust_policy(tmp_path: Path, solution_dir: Path) -> Path:
    """Three learners: the same trust policy, each with permissions of their own; a fourth lists the same
    trust policy's keys in another order."""
    folder = tmp_path / "same-trust"
    for name, extra in (("ann", "s3:GetObject"), ("ben", "s3:PutObject"), ("cat", "s3:ListBucket")):
        shutil.copytree(solution_dir, folder / name)
        permissions = json.loads((folder / name / "permissions.json").read_text())
        permissions["Statement"].append({"Effect": "Allow", "Action": extra, "Resource": "arn:aws:s3:::other/*"})
        (folder / name / "permissions.json").write_text(json.dumps(permissions))
    shutil.copytree(solution_dir, folder / "dan")
    trust = json.loads((folder / "dan" / "trust.json").read_text())
    reordered = {key: trust[key] for key in reversed(list(trust))}
    assert list(reordered) != list(trust)
    (folder / "dan" / "trust.json").write_text(json.dumps(reordered))
    return folder


def test_one_trust_proof_serves_every_learner_with_the_same_trust_policy(
    course: Path, solution_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trust proof reads only the trust policy (issue 24): learners whose permissions differ share it,
    a trust policy written differently (its keys in another order) gets a proof of its own, and every
    learner's trust check reads exactly as when graded alone."""
    from checker.aws.engine import ENGINE
    from checker.grading.checks import trust
    from checker.grading.classroom import grade_class
    from checker.grading.runner import grade
    from checker.grading.spec import load_lab

    lab = load_lab(course / "labs" / "01-fixture-train")
    folder = _learners_with_one_trust_policy(tmp_path, solution_dir)
    alone = {}
    for learner in sorted(folder.iterdir()):
        monkeypatch.setattr(trust, "_proofs", trust.InputMemo(256))  # nothing kept from another learner
        alone[learner.name] = [c for c in grade(lab, "aws", learner).checks if c.kind == "trust"]
    proofs: list[str] = []
    real = ENGINE.trust_within
    monkeypatch.setattr(ENGINE, "trust_within", lambda *args: proofs.append(args[1]) or real(*args))
    monkeypatch.setattr(trust, "_proofs", trust.InputMemo(256))
    report = grade_class(lab, "aws", folder)
    for learner in report.learners:
        assert learner.result is not None, learner.error
        assert [c for c in learner.result.checks if c.kind == "trust"] == alone[learner.learner]
    trust_checks = len(alone["ann"])
    assert len(proofs) == 2 * trust_checks  # ann's (shared by ben and cat), and dan's


def test_what_the_first_learner_loaded_is_kept_out_of_later_collections(
    course: Path, solution_dir: Path, tmp_path: Path
) -> None:
    """Every full garbage collection would walk the loaded modules, catalogs and emulator again (issue 24:
    about a second per hundred learners): after the first learner they are frozen out of the collector,
    and handed back when the class is done (`--watch` grades again in the same process)."""
    import gc

    from checker.grading.classroom import grade_class
    from checker.grading.spec import load_lab

    folder = _learners_with_one_trust_policy(tmp_path, solution_dir)
    frozen: list[int] = []
    young: list[int] = []
    before, thresholds = gc.get_freeze_count(), gc.get_threshold()

    def seen(_: object) -> None:
        frozen.append(gc.get_freeze_count())
        young.append(gc.get_threshold()[0])

    report = grade_class(load_lab(course / "labs" / "01-fixture-train"), "aws", folder, seen)
    assert all(learner.result is not None for learner in report.learners)
    assert frozen[0] == before and all(count > before for count in frozen[1:])
    assert young[0] == thresholds[0] and all(t >= 20_000 for t in young[1:])  # young objects collected less often
    assert gc.get_freeze_count() == before and gc.get_threshold() == thresholds
