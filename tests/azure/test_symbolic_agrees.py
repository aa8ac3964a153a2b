"""The z3 encoding of conditions and decisions agrees with the evaluator on random concrete requests.

The analysis is only as exact as its encoding, so the encoding is pinned against the evaluator (the
executable form of the documented rules): random conditions from a small grammar, random requests,
and the formula evaluated with every variable fixed to the request must give the evaluator's answer.
"""

from __future__ import annotations

from typing import Any

import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.azure.analysis.symbolic import Encoder, Unsupported
from checker.azure.batch import CASE_FIELDS, model_from_case
from checker.azure.catalog import builtin_catalog
from checker.azure.conditions import ConditionRequest, Truth, evaluate_condition, parse_condition
from checker.azure.conditions.attributes import BLOB_PATH, CONTAINER_NAME
from checker.azure.evaluate import decide
from checker.azure.parse import Fields, field_locator
from checker.azure.request import REQUEST_FIELDS, parse_request

from .helpers import ACCOUNT, CONTAINER, PRINCIPAL, assign, case

READ = "microsoft.storage/storageaccounts/blobservices/containers/blobs/read"
WRITE = "microsoft.storage/storageaccounts/blobservices/containers/blobs/write"
TAG = "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>]"
NUMBER = "@Request[n:count]"
WORDS = ["v3/", "v3/a", "V3/", "a", "", "v3/*", "*.csv", "v?/a*"]

string_ops = st.sampled_from(["StringEquals", "StringNotEquals", "StringStartsWith", "StringNotStartsWith",
                              "StringLike", "StringNotLike", "StringEqualsIgnoreCase", "StringStartsWithIgnoreCase",
                              "StringLikeIgnoreCase", "StringNotEqualsIgnoreCase"])
leaf = st.one_of(
    st.builds(lambda op, w: f"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] {op} '{w}'",
              string_ops, st.sampled_from(WORDS)),
    st.builds(lambda op, w: f"{TAG} {op} '{w}'", string_ops, st.sampled_from(WORDS)),
    st.builds(lambda q, op, ws: f"{TAG} {q}:{op} {{{', '.join(repr(w) for w in ws)}}}",
              st.sampled_from(["ForAnyOfAnyValues", "ForAllOfAnyValues", "ForAnyOfAllValues", "ForAllOfAllValues"]),
              st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "StringEqualsIgnoreCase"]),
              st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)),
    st.builds(lambda op, n: f"{NUMBER} {op} {n}",
              st.sampled_from(["NumericEquals", "NumericLessThan", "NumericGreaterThanEquals", "NumericNotEquals"]),
              st.integers(-2, 2)),
    st.just(f"Exists {TAG}"),
    st.just(f"ActionMatches{{'{READ}'}}"),
    st.just("SubOperationMatches{'Blob.List'}"),
    st.just("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'datasets'"),
)
conditions = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda a: f"NOT ({a})", inner),
        st.builds(lambda a, b, op: f"({a}) {op} ({b})", inner, inner, st.sampled_from(["AND", "OR"])),
    ),
    max_leaves=5,
)
tag_values = st.one_of(st.none(), st.sampled_from(WORDS), st.integers(0, 1), st.lists(st.sampled_from(WORDS), max_size=3))
numbers = st.one_of(st.none(), st.integers(-3, 3), st.just("7"))
requests = st.fixed_dictionaries({
    "action": st.sampled_from([READ, WRITE]),
    "sub": st.sampled_from([None, "Blob.List"]),
    "path": st.sampled_from(["v3/a", "V3/a.csv", "v4/x", "a"]),
    "container": st.sampled_from(["datasets", "other"]),
    "tag": tag_values,
    "count": numbers,
})


def _fix(encoder: Encoder, shape: Any, request: dict[str, Any]) -> list[Any]:
    """Constraints fixing every variable to the concrete request."""
    fixed = [encoder.operation == z3.StringVal(request["action"]),
             encoder.has_sub == (request["sub"] is not None),
             shape.container == z3.StringVal(request["container"]),
             shape.path == z3.StringVal(request["path"])]
    if request["sub"] is not None:
        fixed.append(encoder.sub == z3.StringVal(request["sub"].lower()))
    for key, value in (("@request[microsoft.storage/storageaccounts/blobservices/containers/blobs/tags:Project<$key_case_sensitive$>]",
                        request["tag"]), ("@request[n:count]", request["count"])):
        attribute = encoder.attributes.get(key)
        if attribute is None:
            continue
        fixed.append(attribute.exists == (value is not None))
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if attribute.count is None and isinstance(value, list) and len(value) != 1:
            fixed.append(z3.Not(attribute.ok))  # several (or no) values under a single-value operator
            continue
        expected = str if attribute.family.value == "string" else int
        well_formed = all(isinstance(v, expected) for v in values)
        if attribute.count is not None and len(values) > len(attribute.values):
            values = values[: len(attribute.values)]  # more than k values: beyond the small-model bound
        fixed.append(attribute.ok == well_formed)
        if not well_formed:
            continue
        if attribute.count is not None:
            fixed.append(attribute.count == len(values))
        for var, item in zip(attribute.values, values, strict=False):
            fixed.append(var == (z3.StringVal(item) if isinstance(item, str) else z3.IntVal(item)))
    return fixed


@settings(max_examples=100, deadline=None)
@given(conditions, requests)
def test_condition_encoding_agrees_with_evaluator(text: str, request: dict[str, Any]) -> None:
    expr = parse_condition(text)
    attributes: dict[str, Any] = {BLOB_PATH: request["path"], CONTAINER_NAME: request["container"]}
    if request["tag"] is not None:
        attributes["@request[microsoft.storage/storageaccounts/blobservices/containers/blobs/tags:Project<$key_case_sensitive$>]"] = (
            tuple(request["tag"]) if isinstance(request["tag"], list) else request["tag"])
    if request["count"] is not None:
        attributes["@request[n:count]"] = request["count"]
    if isinstance(request["tag"], list) and len(request["tag"]) > 3:
        return
    truth = evaluate_condition(expr, ConditionRequest(request["action"], request["sub"].lower() if request["sub"] else None,
                                                      attributes)).truth
    model = model_from_case(Fields(case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER, condition=text)]),
                                   "", field_locator("t"), "case", CASE_FIELDS))
    try:
        encoder = Encoder([model], model.groups, builtin_catalog())
    except Unsupported:
        return  # answered "unknown" by the analysis, never "proved": nothing to compare
    shape = next(s for s in encoder.shapes if s.path is not None)
    definitely_true, definitely_false = encoder.condition(expr, shape)
    solver = z3.Solver()
    solver.add(_fix(encoder, shape, request))
    tag = request["tag"]
    key = "@request[microsoft.storage/storageaccounts/blobservices/containers/blobs/tags:Project<$key_case_sensitive$>]"
    if isinstance(tag, list) and key in encoder.attributes and encoder.attributes[key].count is not None \
            and len(tag) > len(encoder.attributes[key].values):
        return  # the encoding holds at most k values; larger lists are covered by the small-model argument
    assert solver.check() == z3.sat
    solution = solver.model()
    symbolic = (Truth.TRUE if z3.is_true(solution.eval(definitely_true, model_completion=True))
                else Truth.FALSE if z3.is_true(solution.eval(definitely_false, model_completion=True)) else Truth.UNKNOWN)
    assert symbolic is truth, (text, request)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([READ, WRITE, "microsoft.storage/storageaccounts/listkeys/action"]), st.booleans(),
       st.sampled_from([CONTAINER, ACCOUNT, f"{CONTAINER}/blobs/v3/a.csv"]),
       st.sampled_from(["Storage Blob Data Reader", "Owner", "Storage Account Contributor", "Contributor"]),
       st.sampled_from([CONTAINER, ACCOUNT]), st.booleans())
def test_decision_encoding_agrees_with_evaluator(action: str, data: bool, target: str, role: str, at: str,
                                                 denied: bool) -> None:
    deny = [{"principals": ["00000000-0000-0000-0000-000000000000"], "permissions": [{"dataActions": ["*/write"],
                                                                                     "actions": ["*/listkeys/action"]}],
             "scope": ACCOUNT}] if denied else []
    model = model_from_case(Fields(case(role_assignments=[assign(role, at)], deny_assignments=deny), "",
                                   field_locator("t"), "case", CASE_FIELDS))
    request = parse_request(Fields({"principal": PRINCIPAL, "action": action, "data_action": data, "scope": target},
                                   "", field_locator("t"), "a request", REQUEST_FIELDS))
    expected = decide(model, request, explain=False).allowed
    encoder = Encoder([model], model.groups, builtin_catalog())
    if "/blobs/" in target:
        shape = next(s for s in encoder.shapes if s.path is not None)
        pins = [shape.container == z3.StringVal("datasets"), shape.path == z3.StringVal("v3/a.csv")]
    elif "/containers/" in target:
        shape = next(s for s in encoder.shapes if s.container is not None and s.path is None and s.segments[-2] == "containers")
        pins = [shape.container == z3.StringVal("datasets")]
    else:
        shape = next(s for s in encoder.shapes if s.account is not None and s.segments[-2] == "storageaccounts")
        pins = []
    pins += [shape.sub == z3.StringVal("00000000-0000-0000-0000-00000000aaaa"), shape.account == z3.StringVal("mldata")]
    pins += [v == z3.StringVal("ml-rg") for v, _k in shape.names if str(v) == "resource_group"]
    pins += [encoder.operation == z3.StringVal(action), z3.Not(encoder.has_sub), encoder.member[PRINCIPAL]]
    solver = z3.Solver()
    solver.add(pins)
    assert solver.check() == z3.sat
    assert z3.is_true(solver.model().eval(encoder.allowed(model, shape, data), model_completion=True)) is expected


SEGMENT_PATTERNS = [
    "Microsoft.MachineLearningServices/workspaces/computes/*/write",
    "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
    "a/*/*/b",
    "*/*/read",
    "a/*b/c",
]
SEGMENT_OPERATIONS = [
    "microsoft.machinelearningservices/workspaces/computes/write",
    "microsoft.machinelearningservices/workspaces/computes/ci-1/write",
    "microsoft.machinelearningservices/workspaces/computeswrite",
    "microsoft.managedidentity/userassignedidentities/assign/action",
    "a/b", "a//b", "a/x/y/b", "ab", "a/read", "read", "ab/c", "a/xb/c",
]


def test_segment_star_encoding_agrees_with_evaluator() -> None:
    """docs/azure.md "Wildcards and empty segments": the z3 regex and the matcher give the same answers."""
    from checker.azure.operations import compile_pattern

    model = model_from_case(Fields(case(role_assignments=[]), "", field_locator("t"), "case", CASE_FIELDS))
    encoder = Encoder([model], model.groups, builtin_catalog())
    for text in SEGMENT_PATTERNS:
        pattern = compile_pattern(text)
        for operation in SEGMENT_OPERATIONS:
            solver = z3.Solver()
            solver.add(encoder.operation == z3.StringVal(operation), encoder.matches_operation(pattern))
            assert (solver.check() == z3.sat) is pattern.matches(operation), (text, operation)
