"""`answer` checks: every rule, passing and failing, and failures never give the answer away."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.grading.runner import grade
from checker.grading.spec import load_lab
from tests.grading.helpers import write

LAB = """\
id: 03-quiz
title: quiz
level: intermediate
clouds:
  aws:
    identity: arn:aws:iam::111122223333:role/r
    files: {permissions: permissions.json}
    answers: answers.yaml
    checks:
      - id: q
        kind: answer
        points: 2
        message: m
        question: q
        rule: RULE
        expect: EXPECT
"""

POLICY = '{"Version": "2012-10-17", "Statement": []}'


def _answer(tmp_path: Path, rule: str, expect: str, answers: str) -> tuple[bool, str]:
    lab_dir = tmp_path / "labs" / "03-quiz"
    write(lab_dir / "lab.yaml", LAB.replace("RULE", rule).replace("EXPECT", expect))
    write(lab_dir / "aws" / "permissions.json", POLICY)
    write(lab_dir / "aws" / "answers.yaml", answers)
    result = grade(load_lab(lab_dir), "aws")
    check = result.checks[0]
    assert check.points == (2 if check.passed else 0)
    return check.passed, check.message


@pytest.mark.parametrize(
    ("rule", "expect", "answers", "passed"),
    [
        ("exact", "42", "q: 42\n", True),
        ("exact", "42", "q: '42'\n", False),  # text is not the number
        ("choice", "B", "q: b\n", True),
        ("choice", "[B, C]", "q: ' c '\n", True),
        ("choice", "B", "q: A\n", False),
        ("set", "[s3:GetObject, s3:ListBucket]", "q: [S3:ListBucket, s3:getobject]\n", True),
        ("set", "[s3:GetObject, s3:ListBucket]", "q: [s3:GetObject]\n", False),
        ("set", "[s3:GetObject]", "q: [s3:GetObject, s3:DeleteObject]\n", False),
        ("sequence", "[iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]",
         "q: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]\n", True),
        ("sequence", "[iam:PassRole, lambda:CreateFunction]", "q: [lambda:CreateFunction, iam:PassRole]\n", False),
        ("includes", "[kms:Decrypt]", "q: [kms:Decrypt, s3:GetObject]\n", True),
        ("includes", "[kms:Decrypt]", "q: [s3:GetObject]\n", False),
        ("excludes", "[iam:*, s3:*]", "q: [s3:GetObject]\n", True),
        ("excludes", "[iam:*, s3:*]", "q: [s3:GetObject, IAM:*]\n", False),
    ],
)
def test_rules(tmp_path: Path, rule: str, expect: str, answers: str, passed: bool) -> None:
    assert _answer(tmp_path, rule, expect, answers)[0] is passed


def test_unanswered_question_says_where_to_answer(tmp_path: Path) -> None:
    passed, message = _answer(tmp_path, "choice", "B", "other: A\n")
    assert not passed and "not answered 'q' yet" in message and "answers.yaml" in message


def test_empty_answer_counts_as_unanswered(tmp_path: Path) -> None:
    passed, message = _answer(tmp_path, "choice", "B", 'q: ""\n')
    assert not passed and "not answered" in message


def test_wrong_shape_is_explained(tmp_path: Path) -> None:
    passed, message = _answer(tmp_path, "set", "[a, b]", "q: a\n")
    assert not passed and "should be a list" in message


def test_order_mistake_is_named_without_the_answer(tmp_path: Path) -> None:
    passed, message = _answer(tmp_path, "sequence", "[secret:One, secret:Two]", "q: [secret:Two, secret:One]\n")
    assert not passed and "wrong order" in message


def test_failures_do_not_leak_the_expected_answer(tmp_path: Path) -> None:
    passed, message = _answer(tmp_path, "set", "[kms:Decrypt, s3:GetObject]", "q: [s3:GetObject, s3:PutObject]\n")
    assert not passed and "kms:Decrypt" not in message and "s3:PutObject" in message and "misses 1" in message
    passed, message = _answer(tmp_path / "2", "choice", "Hidden", "q: Shown\n")
    assert not passed and "Hidden" not in message


def test_answers_file_that_is_not_a_mapping_is_bad_input(tmp_path: Path) -> None:
    from checker.core.errors import InputError

    with pytest.raises(InputError, match="mapping from question to answer"):
        _answer(tmp_path, "choice", "B", "- B\n")
