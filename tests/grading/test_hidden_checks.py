"""Hidden checks (`--checks DIR`): an instructor's extra or replacement checks, kept out of the learners' repo.

Learners see "N hidden checks: P passed, F failed" and each failing one's message, in every format, but
never the requests, resources or expected values the hidden checks use.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.catalog import find_course
from checker.grading.classroom import grade_class
from checker.grading.hidden import with_hidden_checks
from checker.grading.reports import FORMATS, render
from checker.grading.reports.class_report import render as render_class
from checker.grading.runner import grade
from tests.grading.conftest import FIXTURE_LAB
from tests.grading.helpers import write

SECRET_BUCKET = "holdout-secret-bucket"  # appears only in the hidden checks: must never reach a report
SECRET_DENIED = "arn:aws:s3:::acme-ml-datasets/fraud/v2/labels-private.csv"
HIDDEN_MESSAGE = "The job must also read the instructor's holdout set."

CHECKS_YAML = f"""\
lab: {FIXTURE_LAB}
clouds:
  aws:
    checks:
      - id: reads-holdout
        kind: allows
        points: 2
        gate: true
        message: {HIDDEN_MESSAGE}
        requests:
          - action: s3:GetObject
            resource: "arn:aws:s3:::{SECRET_BUCKET}/holdout.csv"
      - id: writes-model        # replaces the lab's own check of that id
        kind: denies
        points: 1
        message: The job must not write outside its model prefix.
        requests:
          - action: s3:PutObject
            resource: "arn:aws:s3:::{SECRET_BUCKET}/models/x"
      - id: no-private-labels
        kind: denies
        points: 1
        message: Private labels stay private.
        requests:
          - action: s3:GetObject
            resource: "{SECRET_DENIED}"
"""


@pytest.fixture
def checks_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "instructor-checks"
    write(folder / FIXTURE_LAB / "checks.yaml", CHECKS_YAML)
    return folder


def _hidden_lab(course: Path, checks_dir: Path):  # type: ignore[no-untyped-def]
    return with_hidden_checks(find_course(explicit=str(course)).load(FIXTURE_LAB), checks_dir)


def test_hidden_checks_are_added_and_replace_by_id(course: Path, checks_dir: Path) -> None:
    lab = _hidden_lab(course, checks_dir)
    spec = lab.cloud("aws")
    ids = [(check.id, check.hidden) for check in spec.checks]
    # writes-model keeps its place in the lab's order but is now the instructor's version.
    assert ("writes-model", True) in ids and ids.index(("writes-model", True)) == 1
    assert ids[-2:] == [("reads-holdout", True), ("no-private-labels", True)]
    public = find_course(explicit=str(course)).load(FIXTURE_LAB).cloud("aws")
    # The learner may miss as many points as the lab allows: added points raise the pass mark.
    assert spec.max_score == public.max_score - 1 + 1 + 2 + 1
    assert spec.pass_mark == public.pass_mark + (spec.max_score - public.max_score)


def test_every_format_says_how_many_hidden_checks_passed_and_never_their_requests(
    course: Path, checks_dir: Path, solution_dir: Path
) -> None:
    result = grade(_hidden_lab(course, checks_dir), "aws", solution_dir)
    hidden = {check.id: check.passed for check in result.hidden_checks}
    # The solution does not read the holdout bucket (fails), writes no model there and reads no private labels.
    assert hidden == {"writes-model": True, "reads-holdout": False, "no-private-labels": True}
    assert result.hidden_summary == "3 hidden checks: 2 passed, 1 failed"
    for format in FORMATS:
        text = render(result, format)
        assert "3 hidden checks: 2 passed, 1 failed" in text or format == "json", format
        assert HIDDEN_MESSAGE in text.replace("&#x27;", "'").replace("&apos;", "'"), format
        assert SECRET_BUCKET not in text and SECRET_DENIED not in text, format
    data = json.loads(render(result, "json"))
    assert data["hidden"]["passed"] == 2 and data["hidden"]["failed"] == 1
    assert all(check["id"] not in hidden for check in data["checks"])  # kept apart from the lab's checks


def test_the_class_report_keeps_hidden_checks_apart_and_secret(
    course: Path, checks_dir: Path, solution_dir: Path, tmp_path: Path
) -> None:
    import shutil

    learners = tmp_path / "class"
    shutil.copytree(solution_dir, learners / "ada")
    report = grade_class(_hidden_lab(course, checks_dir), "aws", learners)
    for format in ("html", "csv", "json"):
        text = render_class(report, format)
        assert SECRET_BUCKET not in text and SECRET_DENIED not in text, format
    assert "3 hidden checks: 2 passed, 1 failed" in render_class(report, "html")


def test_the_cli_grades_with_hidden_checks_and_progress_keeps_them_apart(
    course: Path, checks_dir: Path, iamlab: Callable[..., tuple[int, str, str]], solution_dir: Path
) -> None:
    lab_folder = course / "labs" / FIXTURE_LAB / "aws"
    for name in ("permissions.json", "trust.json", "answers.yaml"):
        (lab_folder / name).write_text((solution_dir / name).read_text())
    code, public_out, _ = iamlab("check", "01", "--root", str(course))
    assert code == 0 and "hidden" not in public_out
    code, out, _ = iamlab("check", "01", "--root", str(course), "--checks", str(checks_dir))
    assert code == 1  # the hidden holdout check fails, so the lab does not pass for the instructor
    assert "3 hidden checks: 2 passed, 1 failed" in out and HIDDEN_MESSAGE in out and SECRET_BUCKET not in out
    progress = json.loads((course / ".iamlab-progress.json").read_text())["labs"][FIXTURE_LAB]["aws"]
    # The lab's own record is the public run's; the hidden run is recorded apart.
    assert progress["passed"] is True and progress["best_score"] == progress["max_score"]
    assert progress["hidden_passed"] is False and progress["hidden_best_score"] < progress["hidden_max_score"]


def test_a_hidden_envelope_is_read_next_to_checks_yaml(full_course: Path, tmp_path: Path, solution_dir: Path) -> None:
    folder = tmp_path / "private"
    envelope = (full_course / "labs" / FIXTURE_LAB / "envelope.json").read_text()
    write(folder / FIXTURE_LAB / "private-envelope.json", envelope)
    write(
        folder / FIXTURE_LAB / "checks.yaml",
        f"lab: {FIXTURE_LAB}\nclouds:\n  aws:\n    checks:\n      - id: least-privilege\n        kind: within\n"
        "        points: 3\n        message: Nothing beyond the job's needs.\n        envelope: private-envelope.json\n",
    )
    (full_course / "labs" / FIXTURE_LAB / "envelope.json").unlink()  # only the private copy exists now
    lab = with_hidden_checks(find_course(explicit=str(full_course)).load(FIXTURE_LAB), folder)
    result = grade(lab, "aws", solution_dir)
    assert [check.passed for check in result.hidden_checks] == [True]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lab: 02-other\nclouds:\n  aws:\n    checks: []\n", "not '01-fixture-train'"),
        (f"lab: {FIXTURE_LAB}\nclouds:\n  gcp:\n    checks: []\n", "no gcp version"),
        (f"lab: {FIXTURE_LAB}\nclouds:\n  aws:\n    checks: []\n", "list no checks"),
        (f"lab: {FIXTURE_LAB}\nclouds:\n  aws:\n    pass_mark: 99\n" + CHECKS_YAML.split("    checks:\n", 1)[1].join(["    checks:\n", ""]), "no one could pass"),
        (f"lab: {FIXTURE_LAB}\nclouds:\n  aws:\n    checks:\n      - id: x\n        kind: allows\n        points: 1\n        message: m\n        requests: [{{action: s3:GetObject, resource: '{{{{nope}}}}'}}]\n", "names no scenario parameter"),
    ],
)
def test_bad_hidden_checks_are_located_errors(course: Path, tmp_path: Path, text: str, expected: str) -> None:
    folder = tmp_path / "checks"
    write(folder / FIXTURE_LAB / "checks.yaml", text)
    with pytest.raises(InputError) as caught:
        _hidden_lab(course, folder)
    assert expected in str(caught.value) and "checks.yaml:" in str(caught.value)


def test_a_missing_hidden_checks_file_is_an_error_not_a_silent_pass(course: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no hidden checks for lab 01-fixture-train"):
        _hidden_lab(course, tmp_path / "empty")
