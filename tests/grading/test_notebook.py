"""The lab notebooks: what they display (checker/grading/notebook.py, a result's own HTML table) and the
pattern every notebook under notebooks/ follows (docs/notebooks.md), which `make notebooks` then runs
under nbval comparing the stored outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from IPython.lib.pretty import pretty

from checker.aws import PolicyKind, PolicySet, Request, evaluate, parse_policy
from checker.aws.analyze.isolation import reaches
from checker.core.findings import Counterexample
from checker.grading.notebook import decide_aws, proof
from checker.grading.result import CheckResult, LabResult

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
Notebook = tuple[Path, dict[str, Any]]
FULL = Counterexample(
    action="s3:GetObject",
    resource="arn:aws:s3:::acme-ml-datasets/growth/churn/train.csv",
    context={"aws:PrincipalTag/team": "risk", "s3:ExistingObjectTag/split": ["a", "b"], "aws:SecureTransport": False},
    principal="arn:aws:iam::111122223333:role/teams/risk/risk-job-runner",
    resource_account="444455556666",
)


def test_a_counterexample_lists_every_field_it_has() -> None:
    fields = dict(FULL.fields())
    # Every field of the JSON shape is shown: principal, action, resource, the resource's account, each key.
    assert fields == {
        "principal": FULL.principal,
        "action": "s3:GetObject",
        "resource": FULL.resource,
        "resource account": "444455556666",
        "context aws:PrincipalTag/team": '"risk"',
        "context aws:SecureTransport": "false",
        "context s3:ExistingObjectTag/split": '["a", "b"]',
    }
    assert dict(Counterexample("s3:ListBucket", "arn:aws:s3:::b").fields()) == {
        "action": "s3:ListBucket", "resource": "arn:aws:s3:::b"
    }


def _result_with(example: Counterexample) -> LabResult:
    check = CheckResult(
        id="least-privilege", kind="within", title="nothing more", passed=False, points=0, max_points=3,
        message="Your policy grants more.", counterexample=example, gate=True, fix=None, hint=None,
        failures=("one",), notes=(),
    )
    return LabResult("03-x", "X", "aws", 0, 3, 3, False, (check,))


def test_a_result_in_jupyter_lists_its_counterexample_in_full() -> None:
    """The table Jupyter shows (and `iamlab check --format html`) names the principal and the resource's
    account too: the same action on the same resource may be allowed for one caller or account only."""
    html = _result_with(FULL)._repr_html_()
    table = html[html.index('<table class="iamlab counterexample">') :]
    for name, value in FULL.fields():
        assert f"<th>{name}</th><td><code>{value.replace(chr(34), '&quot;')}</code></td>" in table, name
    assert pretty(_result_with(FULL)) == "03-x (aws): not passed yet: required check(s) failing: least-privilege; 0/3 points, 3 needed"


def test_decisions_show_every_request_field_and_the_engines_decision() -> None:
    policy = parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                                                 "Resource": "arn:aws:s3:::acme-ml-datasets",
                                                 "Condition": {"StringLike": {"s3:prefix": "fraud/v3/*"}}}]},
        name="listing",
    )
    role = "arn:aws:iam::111122223333:role/fraud-training-role"
    requests = [
        Request(role, "s3:ListBucket", "arn:aws:s3:::acme-ml-datasets", context={"s3:prefix": "fraud/v3/"}),
        Request(role, "s3:ListBucket", "arn:aws:s3:::acme-ml-datasets", context={"s3:prefix": "<customers>/"}),
    ]
    shown = decide_aws(PolicySet(identity=[policy]), requests)
    assert shown.kinds == [evaluate(r, PolicySet(identity=[policy])).kind.value for r in requests]
    assert shown.kinds == ["allow", "implicit_deny"]
    # No request names a resource account, so that column is left out; the context is shown as JSON.
    assert shown.columns == ("principal", "action", "resource", "context")
    html = shown._repr_html_()
    assert "<code>{&quot;s3:prefix&quot;: &quot;&lt;customers&gt;/&quot;}</code>" in html  # escaped, in full
    assert html.count("<tr class=") == 2 and "no identity-based policy allows s3:ListBucket" in html
    assert pretty(shown).splitlines()[1] == (
        f'{role} s3:ListBucket arn:aws:s3:::acme-ml-datasets {{"s3:prefix": "<customers>/"}} -> implicit_deny'
    )


def test_a_proof_lists_each_counterexample_in_full_and_says_proved_only_when_proved() -> None:
    wide = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                        name="anything")
    boundary = parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                 "Resource": "arn:aws:s3:::acme-ml-datasets/${aws:PrincipalTag/team}/*"}]},
        name="boundary", kind=PolicyKind.BOUNDARY,
    )
    role = "arn:aws:iam::111122223333:role/teams/risk/risk-job-runner"
    growth = [{"action": "*", "resource": "arn:aws:s3:::acme-ml-datasets/growth/*"}]
    isolated = proof("risk reaches nothing of growth's", reaches(PolicySet(identity=[wide], boundary=boundary), role,
                                                                 {"team": "risk"}, growth))
    leaky = proof("risk reaches nothing of growth's", reaches(PolicySet(identity=[wide]), role, {"team": "risk"}, growth))
    assert isolated.proved and pretty(isolated) == "proved: risk reaches nothing of growth's"
    assert "<table" not in isolated._repr_html_()
    assert not leaky.proved and leaky.result.counterexamples
    html, text = leaky._repr_html_(), pretty(leaky)
    assert text.startswith("counterexample to: risk reaches nothing of growth's\n  counterexample: ")
    for example in leaky.result.counterexamples:
        for name, value in example.fields():
            assert f"<th>{name}</th><td><code>{value.replace(chr(34), '&quot;')}</code></td>" in html, name
            assert f"{name}={value}" in text


# --- the pattern of a lab notebook (docs/notebooks.md) ---------------------------------------------------------


def test_there_are_notebooks() -> None:
    assert [path.name for path in NOTEBOOKS][:1] == ["01-training-job.ipynb"]


@pytest.fixture(params=NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def notebook(request: pytest.FixtureRequest) -> Notebook:
    path: Path = request.param
    return path, json.loads(path.read_text(encoding="utf-8"))


def _code_cells(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [cell for cell in data["cells"] if cell["cell_type"] == "code"]


def test_a_notebook_is_named_after_its_lab(notebook: Notebook) -> None:
    path, _ = notebook
    assert (REPO / "labs" / path.stem / "lab.yaml").is_file(), f"{path.name}: name it after its folder in labs/"


def test_a_notebook_stores_its_outputs_with_html_tables(notebook: Notebook) -> None:
    """nbval compares what a cell shows with what the notebook stores: a notebook committed without outputs
    would compare nothing. Results show as HTML tables; no error and no path of this machine is stored."""
    path, data = notebook
    outputs = [output for cell in _code_cells(data) for output in cell.get("outputs", [])]
    html = [output["data"]["text/html"] for output in outputs if "text/html" in output.get("data", {})]
    assert any("<table" in "".join(text) for text in html), f"{path.name}: no HTML table stored; run make notebook-outputs"
    assert not [output for output in outputs if output["output_type"] == "error"], path.name
    assert str(REPO) not in path.read_text(encoding="utf-8"), f"{path.name}: an absolute path is stored"


def test_an_output_left_uncompared_says_why(notebook: Notebook) -> None:
    """Only what truly varies is left out of the comparison, and the cell says why in its first line."""
    path, data = notebook
    for cell in _code_cells(data):
        tags = set(cell.get("metadata", {}).get("tags", []))
        source = "".join(cell["source"])
        if tags & {"nbval-ignore-output", "nbval-skip"} or re.search(r"#\s*NBVAL_", source):
            assert source.startswith("# "), f"{path.name}: a cell not compared must say why first:\n{source}"
