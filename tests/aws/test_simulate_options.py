"""`iamlab simulate` takes its options anywhere, and --explain accounts for every statement.

IAM User Guide, "Policy evaluation logic": a statement applies to a request only when its Action, Resource
and Condition elements all match; the explanation says which element did not for each statement that
did not apply.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.cli.main import main

Run = Callable[..., tuple[int, str, str]]
REQUEST = {
    "principal": "arn:aws:sts::111122223333:assumed-role/fraud-training-role/job",
    "action": "s3:ListBucket",
    "resource": "arn:aws:s3:::acme-ml-datasets",
    "context": {"s3:prefix": "customers/"},
    "identity_policies": [
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-ml-datasets/*"},
                {
                    "Sid": "List",
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": "arn:aws:s3:::acme-ml-datasets",
                    "Condition": {"StringLike": {"s3:prefix": "fraud/v3/*"}},
                },
                {"Sid": "Other", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::other"},
                {"Sid": "Everything", "Effect": "Allow", "Action": "s3:List*", "Resource": "*"},
            ],
        }
    ],
}


@pytest.fixture
def iamlab(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.mark.parametrize(
    "order",
    [
        ("simulate", "aws", "--explain", "FILE"),
        ("simulate", "aws", "FILE", "--explain"),
        ("simulate", "--explain", "aws", "FILE"),
    ],
)
def test_options_are_accepted_anywhere(iamlab: Run, tmp_path: Path, order: tuple[str, ...]) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(REQUEST))
    code, out, err = iamlab(*(str(request) if word == "FILE" else word for word in order))
    assert code == 0 and out.startswith("decision: allow"), err


def test_explain_accounts_for_every_statement(iamlab: Run, tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(REQUEST))
    _, out, _ = iamlab("simulate", "aws", "--explain", str(request))
    lines = [line for line in out.splitlines() if line.startswith("  - ")]
    assert len(lines) == 4, out
    assert "statement 0 (Read): Action does not match s3:ListBucket" in lines[0]
    assert "statement 1 (List): condition StringLike on s3:prefix failed: the key is 'customers/'" in lines[1]
    assert "statement 2 (Other): Resource does not match arn:aws:s3:::acme-ml-datasets" in lines[2]
    assert "[allow]" in lines[3] and "statement 3 (Everything): applies to this request" in lines[3]


def test_options_anywhere_in_other_commands_too(iamlab: Run) -> None:
    root = str(Path(__file__).resolve().parents[2])
    code, out, err = iamlab("check", "--format", "json", "--root", root, "01")
    assert code == 1 and json.loads(out)["lab"] == "01-training-job", err
    code, _, err = iamlab("simulate", "aws", "--explain")
    assert code == 2 and "give a request file" in err
