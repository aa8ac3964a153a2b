"""Azure engine throughput on a lab-sized setting: decisions per second (target >= 20,000/s).

Run: python bench/bench_azure.py
Figures: decisions on a parsed model (what grading does: one parse per run, many requests), and
whole batch cases (parse the case, then decide), as `iamlab simulate azure --batch` does.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.azure.batch import CASE_FIELDS, batch_scope, decide_case, model_from_case  # noqa: E402
from checker.azure.evaluate import decide  # noqa: E402
from checker.azure.parse import Fields, field_locator  # noqa: E402
from checker.azure.request import REQUEST_FIELDS, parse_request  # noqa: E402

SUB = "/subscriptions/00000000-0000-0000-0000-00000000aaaa"
RG = f"{SUB}/resourceGroups/ml-rg"
ACCOUNT = f"{RG}/providers/Microsoft.Storage/storageAccounts/mldata"
CONTAINERS = [f"{ACCOUNT}/blobServices/default/containers/{name}" for name in ("datasets", "models", "logs")]
TRAINER, SCIENTIST, OPERATOR, GROUP = (f"{n}1111111-1111-1111-1111-111111111111" for n in "1234")
READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
WRITE = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"
GUARD = ("((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND NOT "
         "SubOperationMatches{'Blob.List'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/"
         "containers/blobs:path] StringStartsWith 'fraud/v3/' OR @Resource[Microsoft.Storage/storageAccounts/"
         "blobServices/containers/blobs/tags:stage<$key_case_sensitive$>] StringEquals 'approved'))")

SETTING: dict[str, Any] = {
    "role_definitions": [{
        "id": "ml-writer", "roleName": "ML model writer",
        "permissions": [{"actions": ["Microsoft.Storage/storageAccounts/blobServices/containers/read"],
                         "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
                         "notDataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"]}],
        "assignableScopes": [SUB]}],
    "role_assignments": [
        {"principalId": TRAINER, "roleDefinitionId": "Storage Blob Data Reader", "scope": CONTAINERS[0], "condition": GUARD},
        {"principalId": TRAINER, "roleDefinitionId": "ml-writer", "scope": CONTAINERS[1]},
        {"principalId": SCIENTIST, "roleDefinitionId": "AzureML Data Scientist", "scope": RG},
        {"principalId": SCIENTIST, "roleDefinitionId": "Reader", "scope": RG},
        {"principalId": GROUP, "roleDefinitionId": "Storage Blob Data Reader", "scope": CONTAINERS[2]},
        {"principalId": OPERATOR, "roleDefinitionId": "AzureML Compute Operator", "scope": RG},
        {"principalId": OPERATOR, "roleDefinitionId": "Storage Account Contributor", "scope": ACCOUNT},
        {"principalId": GROUP, "roleDefinitionId": "Reader", "scope": SUB,
         "start": "2026-11-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"},
    ],
    "deny_assignments": [
        {"principals": ["00000000-0000-0000-0000-000000000000"], "excludePrincipals": [OPERATOR],
         "permissions": [{"actions": ["Microsoft.Storage/storageAccounts/delete"]}], "scope": ACCOUNT},
        {"principals": [GROUP], "permissions": [{"dataActions": ["*/delete"]}], "scope": CONTAINERS[2],
         "doNotApplyToChildScopes": False},
    ],
    "management_groups": {SUB: "/providers/Microsoft.Management/managementGroups/ml"},
}


def requests() -> list[dict[str, Any]]:
    shapes = []
    for principal, groups in ((TRAINER, []), (SCIENTIST, [GROUP]), (OPERATOR, [])):
        for container, path in itertools.product(CONTAINERS, ("fraud/v3/a.csv", "fraud/v2/a.csv", "x.bin")):
            for action, sub in ((READ, None), (WRITE, None), (READ, "Blob.List")):
                scope = container if sub else f"{container}/blobs/{path}"
                shapes.append({"principal": principal, "groups": groups, "action": action, "data_action": True,
                               "scope": scope, "sub_operation": sub, "request_time": "2026-11-28T10:00:00Z",
                               "attributes": {"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags]":
                                              {"stage": "approved" if "v2" in path else "draft"}}})
        shapes.append({"principal": principal, "groups": groups, "action": "Microsoft.Storage/storageAccounts/delete",
                       "data_action": False, "scope": ACCOUNT, "request_time": "2026-11-28T10:00:00Z"})
    return shapes


def rate(run: Any, count: int, seconds: float = 1.5) -> float:
    """Per CPU-second of this process (time.process_time), so that other work on the machine does not
    change the figure."""
    done, started = 0, time.process_time()
    while time.process_time() - started < seconds:
        run()
        done += count
    return done / (time.process_time() - started)


def main() -> None:
    cases = [dict(SETTING, id=f"c{i}", **request) for i, request in enumerate(requests())]
    model = model_from_case(Fields(cases[0], "", field_locator("bench"), "case", CASE_FIELDS))
    parsed = [parse_request(Fields(r, "", field_locator("bench"), "a request", REQUEST_FIELDS)) for r in requests()]
    outcomes = {decide(model, r, explain=False).kind.value for r in parsed}

    def evaluate_only() -> None:
        for request in parsed:
            decide(model, request, explain=False)

    def evaluate_explained() -> None:
        for request in parsed:
            decide(model, request, explain=True)

    def whole_cases() -> None:
        with batch_scope():  # as `simulate azure --batch` runs: one catalog for the whole run
            for case in cases:
                decide_case(case, explain=False)

    lines = json.dumps(cases[0])
    print(f"lab-sized setting: {len(SETTING['role_assignments'])} role assignments (1 with a condition, 1 eligible), "
          f"{len(SETTING['deny_assignments'])} deny assignments, 1 custom role; {len(parsed)} distinct requests; "
          f"outcomes seen: {sorted(outcomes)}; one case is {len(lines):,} bytes of JSON")
    evaluator = rate(evaluate_only, len(parsed))
    print(f"decisions/s, parsed model (grading path):        {evaluator:>10,.0f}")
    print(f"decisions/s, parsed model, with explanations:    {rate(evaluate_explained, len(parsed)):>10,.0f}")
    batch = rate(whole_cases, len(cases))
    print(f"cases/s, parse + decide (simulate --batch path): {batch:>10,.0f}")
    # The machine may be shared: the ratio of two rates measured in the same run moves less than either.
    print(f"batch path / parsed-model path, same run:        {batch / evaluator:>10.2f}")
    print(f"target: >= 20,000 decisions (cases) per CPU-second: {'met' if batch >= 20_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
