"""A platform's principals on Azure: the setting `principals`, per-job role-assignment templates, and the
isolation (`reaches`) and confinement (`confined`) proofs for one principal.

Sources:
- "Azure role assignment condition format and syntax", Principal attributes: "Principal attributes are
  custom security attributes associated with the principal requesting access"; a condition on an
  attribute the principal does not have cannot be evaluated, so the assignment does not grant.
- "Actions and attributes for Azure role assignment conditions for Azure Blob Storage": List blobs
  (Blob.List) supplies the request's prefix; blob index tags reach conditions on the tag operations.
- "Delegate Azure role assignment management to others with conditions": RoleDefinitionId and
  PrincipalType request attributes of Microsoft.Authorization/roleAssignments/write.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker.azure import ENGINE
from checker.core.decision import DecisionKind
from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from checker.core.source import parse_json

from .helpers import BLOB_READ, CONTAINER, RG, SUB, blob

TEAM = "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Platform_team]"
PATH = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]"
PREFIX = "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix]"
RISK, GROWTH, GROUP = ("1a000000-0000-4000-8000-000000000011", "2b000000-0000-4000-8000-000000000011",
                       "1a000000-0000-4000-8000-000000000001")
JOB = "1a000000-0000-4000-8000-000000000101"
PRINCIPALS = [
    {"name": "risk-admin", "id": RISK, "groups": [GROUP], "attributes": {TEAM: "risk"}, "fill": {"team": "risk"}},
    {"name": "growth-admin", "id": GROWTH, "attributes": {TEAM: "growth"}},
    {"name": "nobody", "id": "9c000000-0000-4000-8000-000000000001"},
    {"name": "risk-job", "id": JOB, "template": "job_template", "fill": {"team": "risk", "job": "train-001"}},
]
BY_ATTRIBUTE = {"role": "Storage Blob Data Reader", "principalId": GROUP, "scope": CONTAINER,
                "condition": f"((!(ActionMatches{{'{BLOB_READ}'}} AND NOT SubOperationMatches{{'Blob.List'}})) OR "
                             f"({PATH} StringStartsWith {TEAM})) AND "
                             f"((!(ActionMatches{{'{BLOB_READ}'}} AND SubOperationMatches{{'Blob.List'}})) OR "
                             f"({PREFIX} StringStartsWith {TEAM}))"}
TEMPLATE = [{"role": "Storage Blob Data Reader", "principalId": "{{principal}}", "scope": CONTAINER,
             "condition": f"((!(ActionMatches{{'{BLOB_READ}'}} AND NOT SubOperationMatches{{'Blob.List'}})) OR "
                          f"({PATH} StringStartsWith '{{{{team}}}}/{{{{job}}}}/')) AND "
                          f"((!(ActionMatches{{'{BLOB_READ}'}} AND SubOperationMatches{{'Blob.List'}})) OR "
                          f"({PREFIX} StringStartsWith '{{{{team}}}}/{{{{job}}}}/'))"}]
GROWTH_DATA = [
    {"action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*", "resource": CONTAINER,
     "condition": f"NOT SubOperationMatches{{'Blob.List'}} AND {PATH} StringStartsWith 'growth/'"},
    {"action": BLOB_READ, "resource": CONTAINER,
     "condition": f"SubOperationMatches{{'Blob.List'}} AND {PREFIX} StringStartsWith 'growth'"},
    {"action": "*", "resource": f"{SUB}/resourceGroups/growth-ml"},
]


def load(assignments: list[dict[str, Any]], template: list[dict[str, Any]] | None = None,
         principals: list[dict[str, Any]] | None = None) -> Any:
    files = {"role_assignments": parse_json(json.dumps(assignments, indent=2), "role-assignments.json"),
             "job_template": parse_json(json.dumps(template if template is not None else TEMPLATE, indent=2),
                                        "job-assignments-template.json")}
    return ENGINE.load_submission(files, {"principals": principals or PRINCIPALS})


def read(principal: str, path: str, **context: Any) -> dict[str, Any]:
    return {"principal": principal, "action": BLOB_READ, "resource": blob(path), "context": {"data_action": True, **context}}


def test_a_request_by_name_carries_the_principals_groups_and_attributes() -> None:
    sub = load([BY_ATTRIBUTE])
    assert ENGINE.decide(sub, read("risk-admin", "risk/a.csv")).kind is DecisionKind.ALLOW
    assert ENGINE.decide(sub, read("risk-admin", "growth/a.csv")).kind is DecisionKind.IMPLICIT_DENY
    # A principal without the attribute: the condition cannot be evaluated, so nothing is granted.
    assert ENGINE.decide(sub, read("nobody", "risk/a.csv", groups=[GROUP])).kind is DecisionKind.IMPLICIT_DENY


def test_the_template_is_filled_for_each_job_identity() -> None:
    sub = load([])
    assert ENGINE.decide(sub, read("risk-job", "risk/train-001/part-0.csv")).allowed
    assert not ENGINE.decide(sub, read("risk-job", "risk/train-002/part-0.csv")).allowed
    listing = read("risk-job", "", sub_operation="Blob.List")
    listing["resource"] = CONTAINER
    listing["context"][PREFIX] = "risk/train-001/"
    assert ENGINE.decide(sub, listing).allowed


def test_a_template_must_assign_to_the_jobs_own_identity() -> None:
    wrong = [dict(TEMPLATE[0], principalId=GROWTH)]
    with pytest.raises(InputError) as error:
        load([], wrong)
    assert "not to the job's identity" in error.value.message
    assert error.value.where is not None and error.value.where.file == "job-assignments-template.json"


def test_an_unfilled_placeholder_is_an_error_at_its_line() -> None:
    wrong = [dict(TEMPLATE[0], scope=CONTAINER + "{{region}}")]
    with pytest.raises(InputError) as error:
        load([], wrong)
    assert "{{region}}" in error.value.message
    assert error.value.where is not None and error.value.where.line is not None


def test_isolation_proved_with_the_principals_own_attribute() -> None:
    sub = load([BY_ATTRIBUTE])
    assert ENGINE.reaches(sub, "risk-admin", GROWTH_DATA).status is WithinStatus.PROVED
    assert ENGINE.reaches(sub, "risk-job", GROWTH_DATA).status is WithinStatus.PROVED


def test_isolation_counterexample_names_the_request() -> None:
    too_wide = dict(BY_ATTRIBUTE, condition=None)
    del too_wide["condition"]
    result = ENGINE.reaches(load([too_wide]), "risk-admin", GROWTH_DATA)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    example = result.counterexamples[0]
    assert example.principal == RISK
    assert example.action == BLOB_READ
    assert "/blobs/growth/" in example.resource or example.context.get("sub_operation") == "Blob.List"
    # Re-decided by the evaluator exactly as shown:
    request = {"principal": RISK, "action": example.action, "resource": example.resource, "context": example.context}
    assert ENGINE.decide(load([too_wide]), request).allowed


def test_isolation_with_the_other_teams_resource_group() -> None:
    contributor = {"role": "Contributor", "principalId": GROUP, "scope": SUB}
    result = ENGINE.reaches(load([contributor]), "risk-admin", GROWTH_DATA)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert "/resourceGroups/growth-ml" in result.counterexamples[0].resource
    own = dict(contributor, scope=RG)
    assert ENGINE.reaches(load([own]), "risk-admin", GROWTH_DATA).status is WithinStatus.PROVED


def test_an_undecidable_construct_is_unknown_naming_it_never_a_pass() -> None:
    mixed = dict(BY_ATTRIBUTE, condition=f"{PATH} StringStartsWith 'risk/' OR {PATH} NumericEquals 3")
    result = ENGINE.reaches(load([mixed]), "risk-admin", GROWTH_DATA)
    assert result.status is WithinStatus.UNKNOWN
    assert result.reason is not None and "blobs:path" in result.reason


def test_unknown_principal_is_a_clear_error() -> None:
    with pytest.raises(InputError) as error:
        ENGINE.reaches(load([]), "mallory", GROWTH_DATA)
    assert "mallory" in error.value.message


def test_confined_fills_the_envelope_for_the_principal() -> None:
    sub = load([])
    assert ENGINE.confined(sub, "risk-job", TEMPLATE).status is WithinStatus.PROVED
    wider = load([], [dict(TEMPLATE[0], condition=TEMPLATE[0]["condition"].replace("{{team}}/{{job}}/", "{{team}}/"))])
    result = ENGINE.confined(wider, "risk-job", TEMPLATE)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert result.counterexamples[0].principal == JOB


def test_delegation_conditions_on_role_definition_and_principal_type() -> None:
    """The delegate-with-conditions example: only the listed role, only to service principals."""
    data_scientist = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
    condition = ("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
                 "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
                 f"{{{data_scientist}}} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] "
                 "ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}))")
    sub = load([{"role": "Role Based Access Control Administrator", "principalId": GROUP, "scope": RG,
                 "condition": condition}])
    target = f"{RG}/providers/Microsoft.Authorization/roleAssignments/0c0c0c0c-0000-4000-8000-000000000001"

    def write(role: str, kind: str) -> bool:
        return ENGINE.decide(sub, {"principal": "risk-admin", "action": "Microsoft.Authorization/roleAssignments/write",
                                   "resource": target, "context": {
                                       "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]": role,
                                       "@Request[Microsoft.Authorization/roleAssignments:PrincipalType]": kind}}).allowed

    assert write(data_scientist, "ServicePrincipal")
    assert not write("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "ServicePrincipal")  # Owner
    assert not write(data_scientist, "User")


def test_a_listing_prefix_without_its_slash_is_shown_not_left_unproved() -> None:
    """'risk/train-001' instead of 'risk/train-001/' also lists risk/train-0010/...: the prover shows such a
    listing (List blobs supplies the request's prefix), rather than giving up as "could not prove"."""
    loose = [dict(TEMPLATE[0], condition=TEMPLATE[0]["condition"].replace("{{job}}/'", "{{job}}'"))]
    result = ENGINE.confined(load([], loose), "risk-job", TEMPLATE)
    assert result.status is WithinStatus.COUNTEREXAMPLE, result.reason
    example = result.counterexamples[0]
    assert example.context.get("sub_operation") == "Blob.List"
    prefix = next(value for key, value in example.context.items() if key.lower() == PREFIX.lower())
    assert prefix.startswith("risk/train-001") and not prefix.startswith("risk/train-001/")
    request = {"principal": JOB, "action": example.action, "resource": example.resource, "context": example.context}
    assert ENGINE.decide(load([], loose), request).allowed


def test_another_principals_assignments_do_not_enter_a_principals_proof() -> None:
    """Only the role assignments made to the principal or one of its groups can grant it anything ("Understand
    Azure role assignments": an assignment attaches a role to a security principal), so a construct the
    prover cannot decide in growth's assignment leaves risk's proof exact."""
    undecidable = {"role": "Storage Blob Data Reader", "principalId": GROWTH, "scope": CONTAINER,
                   "condition": f"{PATH} StringStartsWith 'growth/' OR {PATH} NumericEquals 3"}
    sub = load([BY_ATTRIBUTE, undecidable])
    assert ENGINE.reaches(sub, "risk-admin", GROWTH_DATA).status is WithinStatus.PROVED
    assert ENGINE.reaches(sub, "growth-admin", GROWTH_DATA).status is WithinStatus.UNKNOWN
