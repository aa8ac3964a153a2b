"""The Azure ENGINE through the face grading uses: load_submission, decide, within, findings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker.azure import ENGINE
from checker.core.engine import Engine, WithinStatus
from checker.core.errors import InputError
from checker.core.source import parse_json

from .helpers import ACCOUNT, BLOB_READ, CONTAINER, PRINCIPAL, RG, SUB, blob

ASSIGNMENTS = [
    {"role": "Storage Blob Data Reader", "principalId": PRINCIPAL, "scope": CONTAINER,
     "condition": "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND NOT "
                  "SubOperationMatches{'Blob.List'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/"
                  "containers/blobs:path] StringStartsWith 'v3/'))",
     "conditionVersion": "2.0"},
    {"role": "training-launcher", "principalId": PRINCIPAL, "scope": RG},
]
CUSTOM = [{"Name": "ML training launcher", "Id": "training-launcher", "IsCustom": True,
           "Actions": ["Microsoft.MachineLearningServices/workspaces/read"], "NotActions": [],
           "DataActions": [], "NotDataActions": [], "AssignableScopes": [SUB]}]


def load(assignments: Any = None, custom: Any = None, setting: dict[str, Any] | None = None) -> Any:
    files = {"role_assignments": parse_json(json.dumps(assignments if assignments is not None else ASSIGNMENTS, indent=2),
                                            "role-assignments.json")}
    if custom is not None or assignments is None:
        files["custom_roles"] = parse_json(json.dumps(custom if custom is not None else CUSTOM, indent=2), "custom-roles.json")
    return ENGINE.load_submission(files, setting or {})


def test_engine_satisfies_the_face() -> None:
    engine: Engine = ENGINE
    assert engine.cloud == "azure"


def test_decide_with_batch_fields() -> None:
    submission = load()
    allowed = ENGINE.decide(submission, {"principal": PRINCIPAL, "action": BLOB_READ, "data_action": True,
                                         "scope": blob("v3/a.csv")})
    denied = ENGINE.decide(submission, {"principal": PRINCIPAL, "action": BLOB_READ, "data_action": True,
                                        "scope": blob("v2/a.csv")})
    assert allowed.allowed and not denied.allowed


def test_decide_with_grading_fields() -> None:
    submission = load()
    decision = ENGINE.decide(submission, {"principal": PRINCIPAL, "action": BLOB_READ, "resource": CONTAINER,
                                          "context": {"sub_operation": "Blob.List", "data_action": True}})
    assert decision.allowed
    custom = ENGINE.decide(submission, {"principal": PRINCIPAL, "resource": f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/ws",
                                        "action": "Microsoft.MachineLearningServices/workspaces/read"})
    assert custom.allowed and "ML training launcher" in custom.summary


def test_errors_point_at_file_line_and_column() -> None:
    broken = [dict(ASSIGNMENTS[0], condition="@Resource[x:y] StringEquals")]
    with pytest.raises(InputError) as caught:
        load(broken, [])
    where = caught.value.where
    assert where is not None and where.file == "role-assignments.json"
    assert (where.line, where.pointer) == (6, "/0/condition")
    assert "condition line 1, column 28" in caught.value.message


def test_unknown_role_is_located() -> None:
    with pytest.raises(InputError) as caught:
        load([{"role": "Storage Blob Data Reeder", "principalId": PRINCIPAL, "scope": CONTAINER}], [])
    assert caught.value.where is not None and caught.value.where.line == 3 and "unknown role" in caught.value.message


def test_custom_role_outside_assignable_scopes() -> None:
    custom = [dict(CUSTOM[0], AssignableScopes=["/subscriptions/elsewhere"])]
    with pytest.raises(InputError, match="assignableScopes"):
        load(ASSIGNMENTS, custom)


def test_setting_management_groups_and_deny_assignments() -> None:
    mg = "/providers/Microsoft.Management/managementGroups/ml"
    submission = load([{"role": "Storage Blob Data Reader", "principalId": PRINCIPAL, "scope": mg}], [],
                      {"management_groups": {SUB: mg},
                       "deny_assignments": [{"principals": ["00000000-0000-0000-0000-000000000000"],
                                             "permissions": [{"dataActions": ["*/delete"]}], "scope": SUB}]})
    assert ENGINE.decide(submission, {"principal": PRINCIPAL, "action": BLOB_READ, "data_action": True,
                                      "scope": blob("x")}).allowed


def test_within_envelope_list_and_object() -> None:
    submission = load()
    proved = ENGINE.within(submission, {"role_assignments": [
        {"role": "Storage Blob Data Reader", "principalId": PRINCIPAL, "scope": ACCOUNT},
        {"role": "Reader", "principalId": PRINCIPAL, "scope": RG}]})
    assert proved.status is WithinStatus.PROVED
    narrower = ENGINE.within(submission, parse_json(json.dumps(
        [{"role": "Storage Blob Data Reader", "principalId": PRINCIPAL, "scope": CONTAINER}]), "envelope.json"))
    assert narrower.status is WithinStatus.COUNTEREXAMPLE
    assert any("MachineLearningServices" in e.action for e in narrower.counterexamples)


def test_within_envelope_errors_are_located() -> None:
    with pytest.raises(InputError) as caught:
        ENGINE.within(load(), parse_json('[{"role": "Nope", "principalId": "x", "scope": "/"}]', "envelope.json"))
    assert caught.value.where is not None and caught.value.where.file == "envelope.json"


def test_findings_of_a_submission() -> None:
    submission = load([{"role": "Owner", "principalId": PRINCIPAL, "scope": SUB}], [])
    codes = {f.code for f in ENGINE.findings(submission)}
    assert {"AZ001", "AZ002", "AZ003", "AZ004"} <= codes
    assert all(f.where is not None and f.where.file == "role-assignments.json" for f in ENGINE.findings(submission))


def test_missing_files() -> None:
    with pytest.raises(InputError, match="role_assignments"):
        ENGINE.load_submission({}, {})
