"""For every lab and cloud: the reference solution scores full marks and the untouched starter does not pass.

Labs are discovered from the repository's labs/ folder plus the grading fixture, so a new lab is covered
the moment it is added.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.grading.runner import grade
from checker.grading.spec import LAB_ID, load_lab
from checker.grading.starters import starter_folder
from tests.grading.conftest import FIXTURE_COURSE
from tests.grading.helpers import prover_available

REPO = Path(__file__).resolve().parents[2]


def _cases() -> list[tuple[Path, Path, str]]:
    cases = []
    for root in (REPO, FIXTURE_COURSE):
        labs = root / "labs"
        if not labs.is_dir():
            continue
        for folder in sorted(labs.iterdir()):
            if not (LAB_ID.match(folder.name) and (folder / "lab.yaml").is_file()):
                continue
            for cloud in load_lab(folder).clouds:
                cases.append((root, folder, cloud))
    return cases


CASES = _cases()
IDS = [f"{folder.name}-{cloud}" + ("-fixture" if root == FIXTURE_COURSE else "") for root, folder, cloud in CASES]


@pytest.mark.parametrize(("root", "folder", "cloud"), CASES, ids=IDS)
def test_reference_solution_scores_full_marks(root: Path, folder: Path, cloud: str) -> None:
    lab = load_lab(folder)
    solution = root / "solutions" / lab.id / cloud
    assert solution.is_dir(), f"every lab needs a reference solution in {solution}"
    result = grade(lab, cloud, solution)
    undecided = [c.id for c in result.checks if c.kind == "within" and not c.passed and c.counterexample is None]
    if undecided and not prover_available():
        pytest.skip(f"the prover has not landed, so `within` cannot pass yet: {', '.join(undecided)}")
    failing = {check.id: check.message for check in result.checks if not check.passed}
    assert failing == {} and result.score == result.max_score and result.passed


@pytest.mark.parametrize(("root", "folder", "cloud"), CASES, ids=IDS)
def test_untouched_starter_does_not_pass(root: Path, folder: Path, cloud: str) -> None:
    lab = load_lab(folder)
    pristine = starter_folder(lab, cloud)
    starter = pristine if pristine.is_dir() else folder / cloud
    result = grade(lab, cloud, starter)
    assert not result.passed and result.score < result.max_score


@pytest.mark.parametrize(("root", "folder", "cloud"), CASES, ids=IDS)
def test_pristine_starter_copies_match_the_lab_folder(root: Path, folder: Path, cloud: str) -> None:
    lab = load_lab(folder)
    pristine = starter_folder(lab, cloud)
    if not pristine.is_dir():
        pytest.skip(f"{lab.id} keeps no pristine copies in .starter/{cloud}/, so `iamlab reset` cannot restore it")
    spec = lab.cloud(cloud)
    alternatives = {path for paths in spec.choices.values() for path in paths}
    for name in spec.submission_paths:
        if name in alternatives and not (pristine / name).exists() and not (folder / cloud / name).exists():
            continue  # the other side of a choice (roles.yaml when the starter is roles.tf)
        assert (pristine / name).read_bytes() == (folder / cloud / name).read_bytes(), f"{name} differs from .starter"
