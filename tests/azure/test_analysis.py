"""within/compare: exact answers with counterexamples re-checked by the evaluator.

Rules exercised (docs as in test_evaluate.py): scope inheritance, Actions vs DataActions, NotActions,
deny assignments, conditions' action guards, eligible windows."""

from __future__ import annotations

import time
from typing import Any

import pytest

from checker.azure.analysis import compare, within
from checker.azure.batch import CASE_FIELDS, decide_case, model_from_case
from checker.azure.model import AzureModel
from checker.azure.parse import Fields, field_locator
from checker.core.engine import WithinStatus
from checker.core.errors import InputError

from .helpers import ACCOUNT, CONTAINER, GROUP, OTHER, PRINCIPAL, RG, SUB, assign, case

PATH = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]"
READ_GUARD = ("!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} "
              "AND NOT SubOperationMatches{'Blob.List'})")
V3_ONLY = f"({READ_GUARD}) OR ({PATH} StringStartsWith 'v3/')"
V3_LIKE = f"({READ_GUARD}) OR ({PATH} StringLike 'v3/*')"
V3_DEEP = f"({READ_GUARD}) OR ({PATH} StringStartsWith 'v3/train/')"
EVERYONE = "00000000-0000-0000-0000-000000000000"
LIST_V3 = ("(!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND "
           "@Request[subOperation] ForAnyOfAnyValues:StringEqualsIgnoreCase {'Blob.List'})) OR "
           "(@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix] StringStartsWith 'v3/')")


def model(assignments: list[dict[str, Any]], **extra: Any) -> AzureModel:
    data = case(role_assignments=assignments, **extra)
    return model_from_case(Fields(data, "", field_locator("test"), "case", CASE_FIELDS))


READER_AT_CONTAINER = [assign("Storage Blob Data Reader", CONTAINER)]

PROVED = [
    ("identical", READER_AT_CONTAINER, READER_AT_CONTAINER, {}),
    ("narrower scope inside a wider one", READER_AT_CONTAINER, [assign("Storage Blob Data Reader", ACCOUNT)], {}),
    ("reader inside contributor", READER_AT_CONTAINER, [assign("Storage Blob Data Contributor", CONTAINER)], {}),
    ("path condition inside the unconditioned role", [assign("Storage Blob Data Reader", CONTAINER, condition=V3_ONLY)],
     READER_AT_CONTAINER, {}),
    ("StartsWith 'v3/' and Like 'v3/*' are the same set", [assign("Storage Blob Data Reader", CONTAINER, condition=V3_ONLY)],
     [assign("Storage Blob Data Reader", CONTAINER, condition=V3_LIKE)], {}),
    ("deeper prefix inside a shorter one", [assign("Storage Blob Data Reader", CONTAINER, condition=V3_DEEP)],
     [assign("Storage Blob Data Reader", CONTAINER, condition=V3_ONLY)], {}),
    ("Owner has no data actions, so it is inside a data role for data", [assign("Reader", CONTAINER)],
     [assign("Reader", RG)], {}),
    ("nothing is inside anything", [], READER_AT_CONTAINER, {}),
    ("a deny assignment removes what is outside", [assign("Storage Blob Data Contributor", CONTAINER)],
     READER_AT_CONTAINER,
     {"deny_assignments": [{"principals": [EVERYONE], "permissions": [{"dataActions": ["*"], "notDataActions": [
         "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]}, {"actions": ["*"], "notActions": [
             "Microsoft.Storage/storageAccounts/blobServices/containers/read",
             "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"]}],
                            "scope": SUB}]}),
    ("listing limited by @Request[subOperation] inside the unconditioned role",
     [assign("Storage Blob Data Reader", CONTAINER, condition=LIST_V3)], READER_AT_CONTAINER, {}),
    ("eligible window inside a permanent assignment",
     [assign("Storage Blob Data Reader", CONTAINER, start="2026-01-01T00:00:00Z", end="2026-02-01T00:00:00Z")],
     READER_AT_CONTAINER, {}),
]


@pytest.mark.parametrize(("name", "submission", "envelope", "extra"), PROVED, ids=[p[0] for p in PROVED])
def test_proved(name: str, submission: list[dict[str, Any]], envelope: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    result = within(model(submission, **extra), model(envelope))
    assert result.status is WithinStatus.PROVED, result


COUNTER = [
    # (name, submission, envelope, expected action fragment of some counterexample)
    ("wider scope", [assign("Storage Blob Data Reader", ACCOUNT)], READER_AT_CONTAINER, "blobs/read"),
    ("contributor beyond reader", [assign("Storage Blob Data Contributor", CONTAINER)], READER_AT_CONTAINER, None),
    ("unconditioned beyond the path condition", READER_AT_CONTAINER,
     [assign("Storage Blob Data Reader", CONTAINER, condition=V3_ONLY)], "blobs/read"),
    ("shorter prefix beyond a deeper one", [assign("Storage Blob Data Reader", CONTAINER, condition=V3_ONLY)],
     [assign("Storage Blob Data Reader", CONTAINER, condition=V3_DEEP)], "blobs/read"),
    ("Owner beyond Reader", [assign("Owner", RG)], [assign("Reader", RG)], None),
    ("group assignment reaches other members", [assign("Storage Blob Data Reader", CONTAINER, GROUP)],
     READER_AT_CONTAINER, "blobs/read"),
    ("permanent beyond an eligible window", READER_AT_CONTAINER,
     [assign("Storage Blob Data Reader", CONTAINER, start="2026-01-01T00:00:00Z", end="2026-02-01T00:00:00Z")], None),
    ("another principal", [assign("Storage Blob Data Reader", CONTAINER, OTHER)], READER_AT_CONTAINER, None),
    ("listing beyond the prefix", READER_AT_CONTAINER, [assign("Storage Blob Data Reader", CONTAINER, condition=LIST_V3)],
     "blobs/read"),
]


@pytest.mark.parametrize(("name", "submission", "envelope", "fragment"), COUNTER, ids=[c[0] for c in COUNTER])
def test_counterexamples_are_real(name: str, submission: list[dict[str, Any]], envelope: list[dict[str, Any]],
                                  fragment: str | None) -> None:
    result = within(model(submission), model(envelope))
    assert result.status is WithinStatus.COUNTEREXAMPLE, result
    for example in result.counterexamples:
        request = {
            "principal": example.principal, "action": example.action, "scope": example.resource,
            "data_action": example.context["data_action"], "groups": example.context.get("groups", []),
            "sub_operation": example.context.get("sub_operation"),
            "attributes": {k: v for k, v in example.context.items() if k.startswith("@")},
        }
        if "request_time" in example.context:
            request["request_time"] = example.context["request_time"]
        allowed = decide_case(case(**request, role_assignments=submission), explain=False)
        refused = decide_case(case(**request, role_assignments=envelope), explain=False)
        assert allowed["decision"] == "allow" and refused["decision"] != "allow"
    if fragment:
        assert any(fragment in e.action for e in result.counterexamples)


def test_counterexample_outside_the_prefix_has_a_witness_path() -> None:
    result = within(model(READER_AT_CONTAINER), model([assign("Storage Blob Data Reader", CONTAINER, condition=V3_ONLY)]))
    blobs = [e for e in result.counterexamples if "/blobs/" in e.resource]
    assert blobs and all(not e.resource.split("/blobs/", 1)[1].startswith("v3/") for e in blobs)


def test_compare_reports_both_directions() -> None:
    wide, narrow = model([assign("Storage Blob Data Reader", ACCOUNT)]), model(READER_AT_CONTAINER)
    result = compare(wide, narrow)
    assert result.left_only.status is WithinStatus.COUNTEREXAMPLE
    assert result.right_only.status is WithinStatus.PROVED
    assert not result.equivalent
    assert compare(narrow, model(READER_AT_CONTAINER)).equivalent


def test_unsupported_construct_is_unknown_not_proved() -> None:
    odd = "@Resource[x:y] StringEquals 'a' OR @Resource[x:y] NumericEquals 1"
    result = within(model([assign("Storage Blob Data Reader", CONTAINER, condition=odd)]), model(READER_AT_CONTAINER))
    assert result.status is WithinStatus.UNKNOWN and "compared both" in result.reason


def test_case_sensitive_sub_operation_attribute_is_unknown() -> None:
    exact = LIST_V3.replace("StringEqualsIgnoreCase", "StringEquals")
    result = within(model([assign("Storage Blob Data Reader", CONTAINER, condition=exact)]), model(READER_AT_CONTAINER))
    assert result.status is WithinStatus.UNKNOWN and "subOperation" in result.reason


def test_principal_in_counterexample_is_named() -> None:
    result = within(model([assign("Storage Blob Data Reader", CONTAINER, OTHER)]), model(READER_AT_CONTAINER))
    assert any(e.principal == OTHER or OTHER in e.context.get("groups", []) for e in result.counterexamples)
    assert PRINCIPAL  # the envelope's principal is not needed in the counterexample


def test_a_like_pattern_over_the_limits_is_refused_as_input() -> None:
    """Before, StringLike 'v3/' + '*a*b' * 100 took over 20 s per proof and ended unknown (issue 13)."""
    hostile = "v3/" + "*a?" * 6  # 12 wildcards: more than the 10 the prover compares
    condition = f"({READ_GUARD}) OR ({PATH} StringLike '{hostile}')"
    submission = model([assign("Storage Blob Data Reader", CONTAINER, condition=condition)])
    with pytest.raises(InputError, match=r"condition line 1, column \d+ \(StringLike\): this pattern holds 12 wildcards"):
        within(submission, model(READER_AT_CONTAINER))
    with pytest.raises(InputError, match="12 wildcards"):
        compare(model(READER_AT_CONTAINER), submission)


def test_like_patterns_at_the_limits_are_proved_quickly() -> None:
    inner = "v3/" + "*a*b" * 2 + "*c"  # 6 wildcards
    outer = "v3/" + "*a*b" * 2 + "*"
    like = f"({READ_GUARD}) OR ({PATH} StringLike 'PATTERN')"
    started = time.monotonic()
    result = within(
        model([assign("Storage Blob Data Reader", CONTAINER, condition=like.replace("PATTERN", inner))]),
        model([assign("Storage Blob Data Reader", CONTAINER, condition=like.replace("PATTERN", outer))]),
    )
    assert result.status is WithinStatus.PROVED, result
    assert time.monotonic() - started < 10


def _data_role(role_id: str, data_actions: list[str]) -> dict[str, Any]:
    return {"id": role_id, "roleName": role_id, "permissions": [{"dataActions": data_actions}], "assignableScopes": []}


def test_an_operation_no_catalog_entry_names_is_shown_with_a_readable_name() -> None:
    """A wildcard beyond every listed operation: the counterexample is an operation the catalog does not list.
    The solver fills the wildcard with text of its own choosing (empty, or `8_8jh_!` after other proofs in the
    same process); the learner sees the wildcard's own spelling with a name that says what it stands for."""
    listed = ["Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action"]
    roles = [_data_role("wide", ["Microsoft.CognitiveServices/accounts/OpenAI/*"]), _data_role("listed", listed)]
    submission = model([assign("wide", RG)], role_definitions=roles)
    envelope = model([assign("listed", RG)], role_definitions=roles)
    for _ in range(2):  # the second proof runs after the first left the solver's caches warm
        result = within(submission, envelope)
        assert result.status is WithinStatus.COUNTEREXAMPLE, result
        actions = {e.action for e in result.counterexamples}
        assert actions == {"Microsoft.CognitiveServices/accounts/OpenAI/unlistedOperation/action"}, actions
