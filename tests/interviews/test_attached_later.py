"""`within` with `attached_later`: explicit denies proved by attaching a lab policy for the proof only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.runner import grade
from checker.grading.spec import load_lab

SCENARIO = Path(__file__).resolve().parents[2] / "interviews" / "01-inference-api"
INLINE = 'attached_later: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}'


def _copy(tmp_path: Path, new: str) -> Path:
    folder = tmp_path / SCENARIO.name
    shutil.copytree(SCENARIO, folder)
    lab_yaml = folder / "lab.yaml"
    text = lab_yaml.read_text(encoding="utf-8")
    assert INLINE in text
    lab_yaml.write_text(text.replace(INLINE, new), encoding="utf-8")
    return folder


def _explicit_denies(folder: Path, answer: str) -> bool:
    result = grade(load_lab(folder), "aws", folder / answer)
    return next(check for check in result.checks if check.id == "explicit-denies").passed


def test_a_lab_file_works_like_the_inline_policy(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "attached_later: allow-everything.json")
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    (folder / "allow-everything.json").write_text(json.dumps(everything), encoding="utf-8")
    assert _explicit_denies(folder, "model/aws")
    assert not _explicit_denies(folder, "weak/aws/notresource-only")


def test_without_the_attached_policy_implicit_denies_would_pass(tmp_path: Path) -> None:
    """The attached policy is what makes the check about Deny statements: without it the same envelope
    passes a policy with no Deny at all (so the check with it cannot be passed by leaving things out)."""
    folder = _copy(tmp_path, "")
    assert _explicit_denies(folder, "weak/aws/implicit-denies-only")
    assert not _explicit_denies(SCENARIO, "weak/aws/implicit-denies-only")


@pytest.mark.parametrize(
    ("new", "says"),
    [
        ("attached_later: [1, 2]", "attached_later must be a file next to lab.yaml or an inline policy"),
        ("attached_later: ../outside.json", "lab.yaml"),
    ],
)
def test_bad_attached_later_names_lab_yaml(tmp_path: Path, new: str, says: str) -> None:
    folder = _copy(tmp_path, new)
    with pytest.raises(InputError) as caught:
        grade(load_lab(folder), "aws", folder / "model" / "aws")
    assert says in str(caught.value)


def test_attached_later_is_aws_only(tmp_path: Path) -> None:
    folder = tmp_path / "08-vertex-actas"
    shutil.copytree(SCENARIO.parent / "08-vertex-actas", folder)
    lab_yaml = folder / "lab.yaml"
    text = lab_yaml.read_text(encoding="utf-8")
    lab_yaml.write_text(text.replace("        envelope: envelope.json", "        envelope: envelope.json\n        attached_later: envelope.json"), encoding="utf-8")
    with pytest.raises(InputError, match="AWS versions only"):
        load_lab(folder)
