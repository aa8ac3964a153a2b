"""Errors of `workflow` and `guardrails` checks: a lab.yaml that misses a rule's field, and a submission
without its Rego folder, are errors naming where, never a pass (the passing and failing cases of both kinds
are lab 02's wrong answers in tests/labs/test_lab02_aws.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.runner import grade
from checker.grading.spec import load_lab

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "02-mlops-pipeline"
SOLUTION = REPO / "solutions" / "02-mlops-pipeline" / "aws"


def _lab_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "labs" / LAB.name
    shutil.copytree(LAB, folder)
    text = (folder / "lab.yaml").read_text()
    assert old in text
    (folder / "lab.yaml").write_text(text.replace(old, new, 1))
    return folder


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("        rule: needs-lint\n        job: deploy\n        lint_job: lint\n", "        rule: needs-lint\n        job: deploy\n",
         "rule needs-lint needs `lint_job`"),
        ("        rule: can-fail\n", "        rule: may-fail\n", "rule"),
        ("        flag: guardrails-corpus/unsafe\n", "", "exactly one corpus folder"),
    ],
    ids=["needs-lint-without-lint-job", "unknown-rule", "guardrails-without-corpus"],
)
def test_lab_errors_name_the_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as error:
        load_lab(_lab_with(tmp_path, old, new))
    assert "lab.yaml:" in str(error.value)


def test_a_submission_without_its_rules_folder_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "submission"
    shutil.copytree(SOLUTION, folder)
    shutil.rmtree(folder / "guardrails")
    with pytest.raises(InputError, match="no folder guardrails/ with your Rego rules"):
        grade(load_lab(LAB), "aws", folder)


def test_a_rego_syntax_error_points_into_the_rego_file(tmp_path: Path) -> None:
    folder = tmp_path / "submission"
    shutil.copytree(SOLUTION, folder)
    rules = folder / "guardrails" / "least_privilege.rego"
    rules.write_text(rules.read_text() + "\ndeny contains msg if {\n")
    with pytest.raises(InputError, match="least_privilege.rego"):
        grade(load_lab(LAB), "aws", folder)


CHEATS = {
    "the corpus folder in input.file": 'deny contains "unsafe by folder" if contains(input.file, "unsafe")',
    "the corpus file name in input.name": 'deny contains "unsafe by name" if {\n'
    '\tsome word in ["star", "passrole", "notaction", "notresource", "any", "wildcard", "single"]\n'
    "\tcontains(input.name, word)\n}",
    "the statement's file": 'deny contains "unsafe by statement file" if {\n'
    "\tsome s in input.statements\n\tcontains(s.file, \"unsafe\")\n}",
}


@pytest.mark.parametrize("rule", CHEATS.values(), ids=CHEATS.keys())
def test_rules_that_read_the_corpus_names_instead_of_the_policy_fail(tmp_path: Path, rule: str) -> None:
    """The corpus's folder and file names say which policies are unsafe; rules that read them would flag
    nothing in a real pipeline, so they must not pass: every corpus policy has one neutral name."""
    folder = tmp_path / "submission"
    shutil.copytree(SOLUTION, folder)
    for old in (folder / "guardrails").glob("*.rego"):
        old.unlink()
    (folder / "guardrails" / "cheat.rego").write_text(f"package cheat\n\nimport rego.v1\n\n{rule}\n")
    result = grade(load_lab(LAB), "aws", folder)
    check = next(c for c in result.checks if c.id == "guardrails-catch-unsafe")
    assert not check.passed, check.message
    assert "guardrails-corpus/unsafe/star-action.json" in check.message  # the learner still sees which one
