"""A top-level `name` in a batch case is a label, ignored by every cloud (issue 14, §7): test vectors from
other tools carry one, and must run as they are. Other unknown fields stay errors."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from checker.cli.simulate import run_batch
from tests.azure.helpers import CONTAINER, assign
from tests.azure.helpers import case as azure_case
from tests.gcp.helpers import BUCKET, SA, allow, grant
from tests.gcp.helpers import case as gcp_case

AWS_CASE: dict[str, Any] = {
    "id": "a",
    "principal": "arn:aws:iam::111122223333:role/ml-train",
    "action": "s3:GetObject",
    "resource": "arn:aws:s3:::acme-ml-datasets/train.csv",
    "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}],
}
CASES = {
    "aws": AWS_CASE,
    "azure": azure_case(id="a", role_assignments=[assign("Storage Blob Data Reader", CONTAINER)]),
    "gcp": gcp_case(id="a", allow_policies=allow(BUCKET, grant("roles/storage.objectViewer", [SA]))),
}


def decide_lines(cloud: str, cases: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    code = run_batch((json.dumps(c) for c in cases), cloud, False, out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("cloud", sorted(CASES))
def test_name_is_a_label(cloud: str) -> None:
    plain = CASES[cloud]
    labelled = dict(plain, name="reads the training data (vector 17 of another tool)")
    code, answers = decide_lines(cloud, [plain, labelled])
    assert code == 0
    assert answers[0] == answers[1] == {"id": "a", "decision": "allow"}


@pytest.mark.parametrize("cloud", sorted(CASES))
def test_other_unknown_fields_are_still_errors(cloud: str) -> None:
    code, answers = decide_lines(cloud, [dict(CASES[cloud], nmae="typo")])
    assert code == 2
    assert "nmae" in answers[0]["error"]
