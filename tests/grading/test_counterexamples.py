"""Issue 14 §6: counterexamples a learner can act on.

Lab 01's reference answer with one over-grant per cloud: the `within` check must show real-looking names
from the lab (never solver stand-ins such as `witness.provider/things/witness`, `storageAccounts/---`,
`blobs/!`, `dataset/example`), the most dangerous permission first, every further problem listed in every
report format, and each shown request must be decided by the evaluator exactly as shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.core.danger import Danger, rank
from checker.core.source import load_document
from checker.grading.engines import engine_for
from checker.grading.reports import html_report, json_report, markdown_report
from checker.grading.result import CheckResult, LabResult
from checker.grading.spec import load_lab
from tests.grading.helpers import grade_lab01_changed

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "01-training-job"
PLACEHOLDERS = re.compile(r"witness|/---|/!|/example\b|=example\b|AnyType|resources/example")

AZ_RG = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml-fraud"
SA = "serviceAccount:fraud-training@acme-ml.iam.gserviceaccount.com"


def _aws(policy: Any) -> None:
    policy["Statement"].append(
        {"Effect": "Allow", "Action": ["cloudwatch:PutMetricData", "iam:PassRole", "s3:DeleteObject"], "Resource": "*"}
    )


def _gcp(bindings: Any) -> None:
    bindings.append({"resource": "//cloudresourcemanager.googleapis.com/projects/acme-ml", "role": "roles/editor", "members": [SA]})


def _azure(assignments: Any) -> None:
    assignments.append({"role": "Contributor", "principalId": "11111111-1111-1111-1111-111111111111", "scope": AZ_RG})


CASES: list[tuple[str, str, Callable[[Any], None], str]] = [
    ("aws", "permissions-policy.json", _aws, "iam:PassRole"),
    ("gcp", "iam-bindings.json", _gcp, "iam.serviceAccount"),
    ("azure", "role-assignments.json", _azure, "listKeys"),
]


def _graded(tmp_path: Path, cloud: str, name: str, change: Callable[[Any], None]) -> tuple[LabResult, Path]:
    result, folder = grade_lab01_changed(tmp_path, cloud, {name: change})
    assert isinstance(result, LabResult)
    return result, folder


@pytest.mark.parametrize(("cloud", "name", "change", "worst"), CASES, ids=[c[0] for c in CASES])
def test_counterexamples_are_readable_dangerous_first_and_listed(
    tmp_path: Path, cloud: str, name: str, change: Callable[[Any], None], worst: str
) -> None:
    result, _folder = _graded(tmp_path, cloud, name, change)
    check: CheckResult = next(c for c in result.checks if c.id == "least-privilege")
    assert not check.passed and check.counterexample is not None
    # The most dangerous permission first: privilege escalation before anything else.
    assert worst in check.counterexample.action
    assert rank(check.counterexample.action) is Danger.ESCALATION
    # Real-looking names: no stand-in the solver or the encoder made up.
    for line in check.failures:
        assert not PLACEHOLDERS.search(line), line
    # Every further problem is listed (not counted) in every format.
    assert len(check.failures) >= 2
    rendered = {
        "json": json_report.render(result),
        "markdown": markdown_report.render(result),
        "html": html_report.result_table(result),
    }
    for fmt, text in rendered.items():
        for line in check.failures:
            probe = line.split(" on ", 1)[1].split(",")[0][:60]
            assert probe in text.replace("&#x27;", "'"), (fmt, probe)
    assert "more problem" not in check.message


@pytest.mark.parametrize(("cloud", "name", "change", "worst"), CASES, ids=[c[0] for c in CASES])
def test_each_counterexample_is_decided_as_shown(
    tmp_path: Path, cloud: str, name: str, change: Callable[[Any], None], worst: str
) -> None:
    """The engine re-decides every shown request with the learner's files: allowed, as the message says."""
    lab = load_lab(LAB)
    _result, folder = _graded(tmp_path, cloud, name, change)
    spec = lab.cloud(cloud)
    files = {key: load_document(str(folder / relative)) for key, relative in spec.files.items()}
    setting = json.loads(json.dumps(spec.setting))
    if spec.identity is not None:
        setting.setdefault("identity", spec.identity)
    engine = engine_for(cloud)
    submission = engine.load_submission(files, setting)
    envelope = load_document(str(LAB / f"envelope-{cloud}.json"))
    found = engine.within(submission, envelope)
    assert found.counterexamples
    for example in found.counterexamples:
        request = {"action": example.action, "resource": example.resource, "context": dict(example.context)}
        if example.principal is not None:
            request["principal"] = example.principal
        assert engine.decide(submission, request).allowed, example


def test_a_missing_condition_key_is_called_unconstrained(tmp_path: Path) -> None:
    result, _ = _graded(tmp_path, "aws", "permissions-policy.json", _aws)
    check = next(c for c in result.checks if c.id == "least-privilege")
    line = next(f for f in check.failures if "cloudwatch:PutMetricData" in f)
    assert "cloudwatch:namespace is not sent, so unconstrained" in line
