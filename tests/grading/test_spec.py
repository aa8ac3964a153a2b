"""lab.yaml validation: every complaint names the file and line; nothing invalid slips through."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.spec import load_lab
from tests.grading.helpers import write

LAB_ID = "01-fixture-train"


def test_fixture_lab_loads_with_parameters_filled(full_lab_dir: Path) -> None:
    lab = load_lab(full_lab_dir)
    aws = lab.cloud("aws")
    assert lab.id == LAB_ID and lab.number == "01" and lab.level == "beginner"
    assert aws.identity == "arn:aws:iam::111122223333:role/ml-train"
    assert aws.max_score == 11 and aws.pass_mark == 9
    first = aws.checks[0]
    assert first.body[0].data["resource"] == "arn:aws:s3:::acme-ml-datasets/fraud/v3/train.csv"
    assert first.body[0].data["principal"] == aws.identity  # a request without principal is made by the identity
    assert [hint.id for hint in lab.hints_for("aws")] == ["scope-reads", "trust-service", "no-wildcards"]


def _lab(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "labs" / LAB_ID
    write(folder / "lab.yaml", body)
    return folder


BASE = """\
id: 01-fixture-train
title: t
level: beginner
clouds:
  aws:
    identity: arn:aws:iam::111122223333:role/r
    files: {permissions: permissions.json}
    checks:
      - id: a
        kind: allows
        points: 1
        message: m
        requests:
          - {action: s3:GetObject, resource: "arn:aws:s3:::b/k"}
"""


def _error(tmp_path: Path, body: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_lab(_lab(tmp_path, body))
    return info.value


def test_minimal_lab_is_valid(tmp_path: Path) -> None:
    lab = load_lab(_lab(tmp_path, BASE))
    assert lab.cloud(None).cloud == "aws" and lab.cloud("aws").pass_mark == 1


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("level: beginner", "level: expert"), 3, "not one of"),
        (("title: t", "title: t\ncolour: blue"), 3, "unknown field 'colour'"),
        (("        points: 1", "        points: one"), 11, "must be a whole number"),
        (("        points: 1", "        points: true"), 11, "must be a whole number"),
        (("        kind: allows", "        kind: allow"), 10, "unknown check kind 'allow'"),
        (("        kind: allows", "        kind: live"), 13, "unknown field 'requests'"),
        (("        message: m\n", "        message: m\n        hint: nope\n"), 13, "hint 'nope'"),
        (("          - {action", "          - {verb: x, action"), 14, "unknown field 'verb'"),
        (("{permissions: permissions.json}", "{permissions: ../../etc/passwd}"), 7, "relative path inside"),
        (("resource: \"arn:aws:s3:::b/k\"", "resource: \"{{bucket}}\""), 14, "names no scenario parameter"),
        (("id: 01-fixture-train", "id: 02-other"), 1, "does not match its folder"),
        (("    checks:\n", "    pass_mark: 5\n    checks:\n"), 8, "more than the 1 points"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_errors_name_file_and_line(tmp_path: Path, change: tuple[str, str], line: int, words: str) -> None:
    old, new = change
    assert old in BASE
    error = _error(tmp_path, BASE.replace(old, new, 1))
    assert words in error.message
    assert error.where is not None and error.where.file.endswith("lab.yaml")
    assert error.where.line == line


def test_duplicate_check_ids_are_rejected(tmp_path: Path) -> None:
    body = BASE + "      - id: a\n        kind: denies\n        points: 1\n        message: m\n        requests: [{action: s3:PutObject, resource: x}]\n"
    error = _error(tmp_path, body)
    assert "used twice" in error.message and error.where is not None and error.where.line == 15


def test_duplicate_yaml_keys_are_rejected(tmp_path: Path) -> None:
    error = _error(tmp_path, BASE.replace("title: t", "title: t\ntitle: u"))
    assert "duplicate key" in error.message and error.where is not None and error.where.line == 3


def test_invalid_yaml_points_at_the_line(tmp_path: Path) -> None:
    error = _error(tmp_path, BASE.replace("level: beginner", "level: [beginner"))
    assert "invalid YAML" in error.message and error.where is not None and error.where.line is not None


def test_request_without_principal_needs_an_identity(tmp_path: Path) -> None:
    error = _error(tmp_path, BASE.replace("    identity: arn:aws:iam::111122223333:role/r\n", ""))
    assert "names no principal" in error.message and error.where is not None and error.where.line == 13


def test_policy_variables_pass_through_parameters(tmp_path: Path) -> None:
    body = BASE.replace("clouds:", "parameters: {bucket: data}\nclouds:").replace(
        'resource: "arn:aws:s3:::b/k"', 'resource: "arn:aws:s3:::{{ bucket }}/${aws:username}/k"'
    )
    lab = load_lab(_lab(tmp_path, body))
    assert lab.cloud("aws").checks[0].body[0].resource == "arn:aws:s3:::data/${aws:username}/k"


def test_a_whole_parameter_keeps_its_type(tmp_path: Path) -> None:
    body = BASE.replace("clouds:", "parameters: {port: 443}\nclouds:").replace(
        'resource: "arn:aws:s3:::b/k"}', 'resource: "arn:aws:s3:::b/k", context: {"aws:SourcePort": "{{port}}"}}'
    )
    lab = load_lab(_lab(tmp_path, body))
    assert lab.cloud("aws").checks[0].body[0].context == {"aws:SourcePort": 443}


def test_answer_checks_need_an_answers_file(tmp_path: Path) -> None:
    body = BASE.replace(
        "        requests:\n          - {action: s3:GetObject, resource: \"arn:aws:s3:::b/k\"}\n",
        "",
    ).replace("kind: allows", "kind: answer\n        question: q\n        expect: x")
    error = _error(tmp_path, body)
    assert "names no `answers` file" in error.message


def test_unknown_cloud_for_a_lab(tmp_path: Path) -> None:
    lab = load_lab(_lab(tmp_path, BASE))
    with pytest.raises(InputError, match="no gcp version"):
        lab.cloud("gcp")


def test_lab_yaml_that_is_not_a_mapping(tmp_path: Path) -> None:
    error = _error(tmp_path, "- just\n- a list\n")
    assert "must be a mapping" in error.message and error.where is not None and error.where.line == 1


def test_missing_lab_yaml(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_lab(tmp_path / "labs" / LAB_ID)
