"""Every interview scenario: the model answer scores full marks, each weak answer fails exactly the checks
interview.yaml names (and does not pass), and the untouched candidate files do not pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.grading.catalog import Course
from checker.grading.interviews import Interview, WeakAnswer, load_interview
from checker.grading.runner import grade

ROOT = Path(__file__).resolve().parents[2]
COURSE = Course(ROOT)
INTERVIEWS = [load_interview(folder) for folder in COURSE.interview_folders()]
MODELS = [(interview, cloud) for interview in INTERVIEWS for cloud in interview.lab.clouds]
WEAK = [(interview, weak) for interview in INTERVIEWS for weak in interview.weak]


def test_there_are_at_least_ten_scenarios_across_the_three_clouds() -> None:
    assert len(INTERVIEWS) >= 10
    assert {cloud for interview in INTERVIEWS for cloud in interview.lab.clouds} == {"aws", "azure", "gcp"}


@pytest.mark.parametrize("interview", INTERVIEWS, ids=lambda i: i.lab.id)
def test_each_cloud_has_at_least_three_weak_answers(interview: Interview) -> None:
    for cloud in interview.lab.clouds:
        assert len([weak for weak in interview.weak if weak.cloud == cloud]) >= 3, cloud


@pytest.mark.parametrize(("interview", "cloud"), MODELS, ids=lambda x: getattr(getattr(x, "lab", None), "id", x))
def test_model_answer_scores_full_marks(interview: Interview, cloud: str) -> None:
    result = grade(interview.lab, cloud, interview.model_folder(cloud))
    failing = [(check.id, check.message) for check in result.checks if not check.passed]
    assert failing == []
    assert result.passed and result.score == result.max_score


@pytest.mark.parametrize(("interview", "cloud"), MODELS, ids=lambda x: getattr(getattr(x, "lab", None), "id", x))
def test_untouched_candidate_files_do_not_pass(interview: Interview, cloud: str) -> None:
    assert not grade(interview.lab, cloud).passed


@pytest.mark.parametrize(
    ("interview", "weak"), WEAK, ids=lambda x: getattr(x, "name", None) or getattr(getattr(x, "lab", None), "id", "")
)
def test_weak_answer_fails_exactly_its_checks(interview: Interview, weak: WeakAnswer) -> None:
    result = grade(interview.lab, weak.cloud, weak.folder)
    failing = {check.id for check in result.checks if not check.passed}
    assert failing == weak.fails, weak.about
    assert not result.passed, f"a weak answer passes: {weak.about}"
    # A weak answer that misses a stated must fails a gate; one that misses only a "should" stays below
    # the pass mark.
    failed_gates = [check.id for check in result.checks if check.gate and not check.passed]
    assert failed_gates or result.score < result.pass_mark
