"""interview.yaml is validated like lab.yaml: every mistake names the file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.interviews import load_interview

SCENARIO = Path(__file__).resolve().parents[2] / "interviews" / "01-inference-api"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / SCENARIO.name
    shutil.copytree(SCENARIO, target)
    return target


def _edit(folder: Path, old: str, new: str) -> None:
    path = folder / "interview.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("    apigw-trust: >-\n      Only API Gateway may take on the invocation role.\n", "", "apigw-trust"),
        ("    analyzer-clean:", "    analyser-clean:", "analyser-clean"),
        ("fails: [explicit-denies]", "fails: [explicit-deny]", "'explicit-deny' is not a aws check"),
        ("fails: [explicit-denies]", "fails: []", "must fail at least one check"),
        ("- name: shared-role", "- name: no-such-folder", "weak/aws/no-such-folder/"),
        ("time_limit: 20", "time_limit: 0", "at least 1"),
        ("  aws:\n    lambda-invokes", "  gcp:\n    lambda-invokes", "missing the required field 'aws'"),
    ],
)
def test_mistakes_name_file_and_line(folder: Path, old: str, new: str, says: str) -> None:
    _edit(folder, old, new)
    with pytest.raises(InputError) as caught:
        load_interview(folder)
    assert says in str(caught.value)
    assert caught.value.where is not None and caught.value.where.file.endswith("interview.yaml")
    assert caught.value.where.line is not None


def test_a_cloud_without_model_answer_is_refused(folder: Path) -> None:
    shutil.rmtree(folder / "model" / "aws")
    with pytest.raises(InputError, match="no model answer for aws"):
        load_interview(folder)


def test_the_scenario_loads(folder: Path) -> None:
    interview = load_interview(folder)
    assert interview.time_limit == 20 and len(interview.weak) == 5
    assert set(interview.rubric["aws"]) == {check.id for check in interview.lab.clouds["aws"].checks}
