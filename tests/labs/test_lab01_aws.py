"""Lab 01, AWS: realistic wrong answers fail exactly the checks that name their mistake, and right answers
written differently still score full marks."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.grading.runner import grade
from checker.grading.spec import load_lab

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "01-training-job"
SOLUTION = REPO / "solutions" / "01-training-job" / "aws"
Doc = dict[str, Any]


def submit(tmp_path: Path, change: Callable[[Doc, Doc, Doc], None]) -> dict[str, Any]:
    """Copy the reference answer, apply one change, grade it; return {check id: (passed, counterexample)}."""
    folder = tmp_path / "submission"
    shutil.copytree(SOLUTION, folder)
    docs = {name: json.loads((folder / name).read_text()) for name in ("permissions-policy.json", "trust-policy.json", "training-job.json")}
    change(docs["permissions-policy.json"], docs["trust-policy.json"], docs["training-job.json"])
    for name, doc in docs.items():
        (folder / name).write_text(json.dumps(doc, indent=2))
    result = grade(load_lab(LAB), "aws", folder)
    return {"result": result, **{c.id: c for c in result.checks}}


def statement(policy: Doc, sid: str) -> Doc:
    found: Doc = next(s for s in policy["Statement"] if s.get("Sid") == sid)
    return found


def failing(outcome: dict[str, Any]) -> set[str]:
    return {c.id for c in outcome["result"].checks if not c.passed}


# (name, change, checks that must fail, text the within counterexample must show or None)
WRONG: list[tuple[str, Callable[[Doc, Doc, Doc], None], set[str], str | None]] = [
    (
        "prefix without its slash",
        lambda p, t, j: statement(p, "ReadTrainingData").update(Resource="arn:aws:s3:::acme-ml-datasets/fraud/v3*"),
        {"least-privilege", "common-traps"},
        "acme-ml-datasets/fraud/v3",
    ),
    (
        "look-alike bucket wildcard",
        lambda p, t, j: statement(p, "ReadTrainingData").update(Resource="arn:aws:s3:::acme-ml-datasets*/fraud/v3/*"),
        {"least-privilege", "common-traps"},
        "acme-ml-datasets",
    ),
    (
        "listing without the prefix condition",
        lambda p, t, j: statement(p, "ListTrainingDataPrefix").pop("Condition"),
        {"least-privilege", "common-traps", "live-run"},
        "s3:ListBucket",
    ),
    (
        "s3:Get* instead of s3:GetObject",
        lambda p, t, j: statement(p, "ReadTrainingData").update(Action="s3:Get*"),
        {"least-privilege"},
        "s3:Get",
    ),
    (
        "writes also allowed on the dataset",
        lambda p, t, j: statement(p, "WriteModelArtifacts").update(
            Resource=["arn:aws:s3:::acme-ml-artifacts/fraud/models/*", "arn:aws:s3:::acme-ml-datasets/*"]
        ),
        {"least-privilege", "common-traps", "live-run"},
        "s3:PutObject",
    ),
    (
        "deletes models",
        lambda p, t, j: statement(p, "WriteModelArtifacts").update(Action=["s3:PutObject", "s3:DeleteObject"]),
        {"least-privilege", "common-traps"},
        "s3:DeleteObject",
    ),
    (
        "passes its own role",
        lambda p, t, j: p["Statement"].append(
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/fraud-training-role"}
        ),
        {"least-privilege", "common-traps"},
        "iam:PassRole",
    ),
    (
        "metrics in any namespace",
        lambda p, t, j: statement(p, "PublishTrainingMetrics").pop("Condition"),
        {"least-privilege"},
        "cloudwatch:PutMetricData",
    ),
    (
        "trust also names the account root",
        lambda p, t, j: t["Statement"].append(
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
        ),
        {"only-sagemaker-assumes"},
        None,
    ),
    (
        "trust without source conditions (confused deputy)",
        lambda p, t, j: t["Statement"][0].pop("Condition"),
        {"confused-deputy"},
        None,
    ),
    (
        "job runs with network access",
        lambda p, t, j: j.update(EnableNetworkIsolation=False),
        {"job-definition"},
        None,
    ),
    (
        "job reads a sibling prefix",
        lambda p, t, j: j["InputDataConfig"][0]["DataSource"]["S3DataSource"].update(S3Uri="s3://acme-ml-datasets/fraud/v30/"),
        {"job-definition"},
        None,
    ),
]


@pytest.mark.parametrize(("change", "expected", "shown"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_the_check_that_names_it(
    tmp_path: Path, change: Callable[[Doc, Doc, Doc], None], expected: set[str], shown: str | None
) -> None:
    outcome = submit(tmp_path, change)
    assert failing(outcome) == expected
    if shown is not None:
        check = outcome["least-privilege"]
        assert check.counterexample is not None, check.message
        assert shown in f"{check.counterexample.action} {check.counterexample.resource}"


def test_missing_source_condition_costs_points_but_still_passes(tmp_path: Path) -> None:
    outcome = submit(tmp_path, lambda p, t, j: t["Statement"][0].pop("Condition"))
    assert outcome["result"].passed and outcome["result"].score == 18


RIGHT: list[tuple[str, Callable[[Doc, Doc, Doc], None]]] = [
    ("no logs or metrics at all", lambda p, t, j: p.update(Statement=p["Statement"][:3])),
    (
        "log group named without the :* suffix",
        lambda p, t, j: statement(p, "WriteTrainingLogs").update(
            Resource=[
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/sagemaker/TrainingJobs",
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/sagemaker/TrainingJobs:log-stream:*",
            ]
        ),
    ),
    (
        "exact prefix instead of a pattern for listing",
        lambda p, t, j: statement(p, "ListTrainingDataPrefix").update(Condition={"StringEquals": {"s3:prefix": ["fraud/v3/"]}}),
    ),
    (
        "one statement per action, no Sids",
        lambda p, t, j: p.update(
            Statement=[{k: v for k, v in s.items() if k != "Sid"} for s in copy.deepcopy(p["Statement"])]
        ),
    ),
    ("action names in another case", lambda p, t, j: statement(p, "ReadTrainingData").update(Action="S3:getobject")),
    (
        "trust guarded by SourceArn alone",
        lambda p, t, j: t["Statement"][0].update(
            Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-*"}}
        ),
    ),
    (
        "trust guarded by SourceAccount alone",
        lambda p, t, j: t["Statement"][0].update(Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}}),
    ),
    (
        "a Deny that changes nothing the job needs",
        lambda p, t, j: p["Statement"].append({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}),
    ),
]


@pytest.mark.parametrize("change", [r[1] for r in RIGHT], ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently_scores_full_marks(tmp_path: Path, change: Callable[[Doc, Doc, Doc], None]) -> None:
    outcome = submit(tmp_path, change)
    result = outcome["result"]
    assert failing(outcome) == set(), {c.id: c.message for c in result.checks if not c.passed}
    assert result.score == result.max_score
