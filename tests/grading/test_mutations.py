"""Every must is a gate: break each requirement a lab's README states as a must, one at a time, in the
reference solution, and prove the lab is then not passed because a gated check fails.

The mutations are declared next to each lab (`labs/NN-name/mutations.yaml`, format in
checker/grading/mutations.py); a new lab is covered the moment it is added, and a lab without the file fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.grading.mutations import FILE_NAME, Mutation, apply, load_requirements, uncovered_musts
from checker.grading.runner import grade
from checker.grading.spec import LAB_ID, LabSpec, load_lab

REPO = Path(__file__).resolve().parents[2]
LAB_FOLDERS = sorted(
    folder for folder in (REPO / "labs").iterdir() if LAB_ID.match(folder.name) and (folder / "lab.yaml").is_file()
)


def _mutations() -> list[tuple[Path, str, Mutation]]:
    found = []
    for folder in LAB_FOLDERS:
        if not (folder / FILE_NAME).is_file():
            continue  # test_every_lab_declares_its_musts fails for it
        lab = load_lab(folder)
        for requirement in load_requirements(folder, tuple(lab.clouds)):
            found.extend((folder, requirement.id, mutation) for mutation in requirement.mutations)
    return found


MUTATIONS = _mutations()
IDS = [f"{folder.name}-{mutation.cloud}-{requirement}-{mutation.node.pointer.rsplit('/', 1)[-1]}"
       for folder, requirement, mutation in MUTATIONS]


@pytest.mark.parametrize("folder", LAB_FOLDERS, ids=[folder.name for folder in LAB_FOLDERS])
def test_every_lab_declares_its_musts(folder: Path) -> None:
    assert (folder / FILE_NAME).is_file(), f"{folder.name} needs {FILE_NAME}: one mutation per README must"
    lab = load_lab(folder)
    requirements = load_requirements(folder, tuple(lab.clouds))
    uncovered, absent = uncovered_musts((folder / "README.md").read_text(encoding="utf-8"), requirements)
    assert absent == [], "these `must:` quotes are not in README.md word for word"
    assert uncovered == [], "these README passages say `must` but no requirement in mutations.yaml quotes them"


@pytest.mark.parametrize(("folder", "requirement", "mutation"), MUTATIONS, ids=IDS)
def test_breaking_a_must_fails_a_gate(folder: Path, requirement: str, mutation: Mutation, tmp_path: Path) -> None:
    lab = load_lab(folder)
    submission = tmp_path / mutation.cloud
    shutil.copytree(REPO / "solutions" / lab.id / mutation.cloud, submission)
    apply(mutation, submission)
    result = grade(lab, mutation.cloud, submission)
    outcomes = {check.id: check for check in result.checks}
    for check_id in mutation.caught_by:
        assert check_id in outcomes, f"{mutation.label}: {check_id!r} is not a {mutation.cloud} check of {lab.id}"
        assert outcomes[check_id].gate, f"{check_id} enforces the must {requirement!r}, so it must be a gate"
        assert not outcomes[check_id].passed, f"breaking {requirement!r} did not fail {check_id}"
    assert not result.passed


def test_the_unbroken_solution_passes_every_gate() -> None:
    """The mutations prove something only if the solution they start from passes."""
    for folder in LAB_FOLDERS:
        lab: LabSpec = load_lab(folder)
        for cloud in lab.clouds:
            assert grade(lab, cloud, REPO / "solutions" / lab.id / cloud).passed, f"{lab.id} {cloud}"


def _mutations(tmp_path: Path, *lines: str) -> tuple[Mutation, ...]:
    """The mutations of one aws requirement written into a copy of lab 01."""
    lab_folder = tmp_path / "labs" / "01-training-job"
    shutil.copytree(REPO / "labs" / "01-training-job", lab_folder)
    head = "requirements:\n  - id: one\n    must: must hold\n    clouds: [aws]\n    mutations:\n"
    (lab_folder / FILE_NAME).write_text(head + "".join(f"      - {line}\n" for line in lines), encoding="utf-8")
    return load_requirements(lab_folder, ("aws", "azure", "gcp"))[0].mutations


def test_a_mutation_that_changes_nothing_is_refused(tmp_path: Path) -> None:
    (mutation,) = _mutations(
        tmp_path,
        "{cloud: aws, file: training-job.json, caught_by: job-definition, set: {/EnableNetworkIsolation: true}}",
    )
    submission = tmp_path / "aws"
    shutil.copytree(REPO / "solutions" / "01-training-job" / "aws", submission)
    with pytest.raises(ValueError, match="leaves training-job.json as it was"):
        apply(mutation, submission)


def test_a_must_without_a_quote_in_the_readme_is_reported() -> None:
    folder = REPO / "labs" / "01-training-job"
    requirements = load_requirements(folder, ("aws", "azure", "gcp"))
    readme = (folder / "README.md").read_text(encoding="utf-8") + "\nThe job must also never sleep.\n"
    uncovered, absent = uncovered_musts(readme, requirements)
    assert len(uncovered) == 1 and "must also never sleep" in uncovered[0] and absent == []
    uncovered, absent = uncovered_musts(readme.replace("It must be able to do", "It can do"), requirements)
    assert absent == ["It must be able to do **nothing else**"]


def test_code_files_are_mutated_and_compared_as_text(tmp_path: Path) -> None:
    """Roles as code (.tf), workflows (.yml) and Rego rules are text: a `replace` edits them, and one that
    changes nothing is refused (they are not JSON, so they are not compared as data)."""
    changing, unchanged = _mutations(
        tmp_path,
        "{cloud: aws, file: roles.tf, caught_by: least-privilege, replace: {'ecr:PutImage': 'ecr:*'}}",
        "{cloud: aws, file: roles.tf, caught_by: least-privilege, replace: {'ecr:PutImage': 'ecr:PutImage'}}",
    )
    submission = tmp_path / "aws"
    submission.mkdir()
    (submission / "roles.tf").write_text('actions = ["ecr:PutImage"]\n', encoding="utf-8")
    apply(changing, submission)
    assert (submission / "roles.tf").read_text(encoding="utf-8") == 'actions = ["ecr:*"]\n'
    (submission / "roles.tf").write_text('actions = ["ecr:PutImage"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="leaves roles.tf as it was"):
        apply(unchanged, submission)
