"""runner.decider: single requests decided as the lab's `allows` and `denies` checks decide them."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.core.decision import DecisionKind
from checker.grading.runner import decider
from checker.grading.spec import load_lab

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "04-genai-inference"


@pytest.mark.parametrize("cloud", ["aws", "azure", "gcp"])
def test_the_solution_is_decided_as_its_checks_decide(cloud: str) -> None:
    lab = load_lab(LAB)
    decide = decider(lab, cloud, REPO / "solutions" / lab.id / cloud)
    spec = lab.cloud(cloud)
    seen = 0
    for check in spec.checks:
        if check.kind not in ("allows", "denies"):
            continue
        for request in check.body:  # the kind's body is its tuple of requests
            # Leave the lab's identity out: the decider makes the request as the identity, as lab.yaml does.
            asked = {k: v for k, v in request.data.items() if not (k == "principal" and v == spec.identity)}
            kind = decide(asked).kind
            assert (kind is DecisionKind.ALLOW) is (check.kind == "allows"), (check.id, asked, kind)
            seen += 1
    assert seen >= 10
