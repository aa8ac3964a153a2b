"""Property tests (small budgets): the fast condition evaluator agrees with cel-python, the z3 encoding
agrees with the evaluator, and a PROVED `within` is never contradicted by a concrete request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.core.decision import DecisionKind
from checker.core.engine import WithinStatus
from checker.gcp.analyze.encode import Variables, boolean, micros
from checker.gcp.analyze.within import within
from checker.gcp.conditions import Facts, compile_condition
from checker.gcp.evaluate import decide
from checker.gcp.hierarchy import parse_hierarchy
from checker.gcp.location import Loc
from checker.gcp.members import parse_principal
from checker.gcp.model import PolicySet, Request
from checker.gcp.names import parse_resource_name
from checker.gcp.parse import parse_bindings
from tests.gcp.helpers import BUCKET, PROJECT, SA

# cel-python raises the interpreter's recursion limit when its environment is first built; build it
# here, at collection, so hypothesis does not see the limit change inside a test.
compile_condition("true", Loc())

PREFIXES = [
    "projects/_/buckets/b/objects/",
    "projects/_/buckets/b/objects/fraud/",
    "projects/_/buckets/b",
    "projects/x",
]
NAMES = [
    "projects/_/buckets/b",
    "projects/_/buckets/b/objects/fraud/a.csv",
    "projects/_/buckets/b/objects/raw/a.csv",
]
TYPES = ["storage.googleapis.com/Bucket", "storage.googleapis.com/Object"]
TIMES = ["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"]

atoms = st.one_of(
    st.sampled_from(PREFIXES).map(lambda p: f'resource.name.startsWith("{p}")'),
    st.sampled_from(NAMES).map(lambda n: f'resource.name == "{n}"'),
    st.sampled_from(TYPES).map(lambda t: f'resource.type == "{t}"'),
    st.sampled_from(TIMES).map(lambda t: f'request.time < timestamp("{t}")'),
    st.sampled_from(['resource.matchTag("1/env", "prod")', 'resource.hasTagKey("1/env")']),
    st.sampled_from(["true", "false"]),
)
expressions = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]} && {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} || {p[1]})"),
        inner.map(lambda e: f"!({e})"),
    ),
    max_leaves=5,
)
facts_strategy = st.builds(
    lambda name, type_, supplied, hours, tag: Facts(
        {
            "resource.name": name if supplied else None,
            "resource.type": type_ if supplied else None,
            "resource.service": "storage.googleapis.com" if supplied else None,
            "request.time": datetime(2026, 6, 1, tzinfo=UTC) + timedelta(hours=hours),
        },
        {"1/env": tag} if tag else {},
        {},
    ),
    st.sampled_from(NAMES),
    st.sampled_from(TYPES),
    st.booleans(),
    st.integers(min_value=0, max_value=24 * 400),
    st.sampled_from(["", "prod", "dev"]),
)


@settings(max_examples=80, deadline=None)
@given(expressions, facts_strategy)
def test_fast_path_matches_cel_python(expression: str, facts: Facts) -> None:
    compiled = compile_condition(expression, Loc())
    assert compiled.fast is not None
    fast = compiled.evaluate(facts).applies
    slow = compiled._evaluate_cel(facts, {})
    assert fast is (slow is True), expression


@settings(max_examples=60, deadline=None)
@given(expressions, facts_strategy)
def test_z3_encoding_matches_evaluator(expression: str, facts: Facts) -> None:
    compiled = compile_condition(expression, Loc())
    assert compiled.fast is not None
    supplied = facts.values["resource.name"] is not None
    v = Variables(z3.String("n"), z3.String("t"), z3.String("s"), z3.Int("time"), supplied)
    true, _false = boolean(compiled.fast, v)
    moment = facts.values["request.time"]
    assert isinstance(moment, datetime)
    pins = [v.time == micros(moment)]
    if supplied:
        pins += [
            v.name == z3.StringVal(str(facts.values["resource.name"])),
            v.type == z3.StringVal(str(facts.values["resource.type"])),
        ]
    for key, atom in v.tags.items():
        function, *arguments = key
        value = facts.tags.get(arguments[0])
        holds = value == arguments[1] if function == "matchTag" else value is not None
        pins.append(atom == z3.BoolVal(holds))
    solver = z3.Solver()
    solver.add(*pins)
    solver.add(true)
    assert (solver.check() == z3.sat) is compiled.evaluate(facts).applies, expression


HIERARCHY = parse_hierarchy({BUCKET: PROJECT}, Loc())
SIMPLE = st.one_of(
    st.sampled_from(PREFIXES).map(
        lambda p: f'resource.name.startsWith("{p.replace("buckets/b", "buckets/acme-ml-datasets")}")'
    ),
    st.sampled_from(TYPES).map(lambda t: f'resource.type == "{t}"'),
    st.sampled_from(TIMES).map(lambda t: f'request.time < timestamp("{t}")'),
)
conditions = st.one_of(st.none(), SIMPLE, st.tuples(SIMPLE, SIMPLE).map(lambda p: f"{p[0]} || {p[1]}"))
roles = st.sampled_from(
    ["roles/storage.objectViewer", "roles/storage.objectCreator", "roles/storage.legacyBucketReader"]
)


def _bindings(role: str, condition: str | None) -> list:  # type: ignore[type-arg]
    item: dict[str, object] = {"role": role, "members": [SA]}
    if condition is not None:
        item["condition"] = {"title": "c", "expression": condition}
    return parse_bindings([item], parse_resource_name(BUCKET, Loc()), Loc(), {})


OBJECTS = (BUCKET + "/objects/fraud/a.csv", BUCKET + "/objects/raw/a.csv")
PROBES = [
    (permission, resource, time)
    for permission, resources in (
        ("storage.objects.get", OBJECTS),
        ("storage.objects.create", OBJECTS),
        ("storage.objects.list", (*OBJECTS, BUCKET)),
        ("storage.buckets.get", (BUCKET,)),
    )
    for resource in resources
    for time in (datetime(2026, 6, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))
]


@settings(max_examples=25, deadline=None)
@given(roles, conditions, roles, conditions)
def test_proved_within_holds_on_concrete_requests(
    role_a: str, cond_a: str | None, role_e: str, cond_e: str | None
) -> None:
    left, right = _bindings(role_a, cond_a), _bindings(role_e, cond_e)
    result = within(left, right, {}, HIERARCHY)
    assert result.status is not WithinStatus.UNKNOWN, result.reason  # every construct here is modelled
    if result.status is not WithinStatus.PROVED:
        return
    principal = parse_principal(SA, [], None, Loc())
    for permission, resource, moment in PROBES:
        name = parse_resource_name(resource, Loc())
        request = Request(principal, permission, name, None, HIERARCHY.ancestors(name), moment)
        if decide(PolicySet(tuple(left)), request, explain=False).kind is DecisionKind.ALLOW:
            assert decide(PolicySet(tuple(right)), request, explain=False).kind is DecisionKind.ALLOW, (
                permission,
                resource,
            )


MEMBERS = st.sampled_from([SA, "group:ml@acme.example", "allAuthenticatedUsers", "user:ana@acme.example"])
PLACES = st.sampled_from([BUCKET, PROJECT])
OTHER_BUCKET = "//storage.googleapis.com/projects/_/buckets/another"
PRINCIPALS = [
    parse_principal(SA, [], None, Loc()),
    parse_principal(SA, ["group:ml@acme.example"], None, Loc()),
    parse_principal("user:ana@acme.example", [], None, Loc()),
    parse_principal("user:zed@example.org", [], None, Loc()),
]
WIDE_PROBES = [
    (permission, resource, ancestors)
    for permission, resources in (
        ("storage.objects.get", (*OBJECTS, OTHER_BUCKET + "/objects/fraud/a.csv")),
        ("storage.objects.list", (BUCKET, OTHER_BUCKET)),
        ("resourcemanager.projects.get", (PROJECT,)),
    )
    for resource in resources
    for ancestors in ([[PROJECT]] if "another" in resource else [None])
]


def _placed(place: str, member: str, role: str, condition: str | None) -> list:  # type: ignore[type-arg]
    item: dict[str, object] = {"role": role, "members": [member]}
    if condition is not None:
        item["condition"] = {"title": "c", "expression": condition}
    return parse_bindings([item], parse_resource_name(place, Loc()), Loc(), {})


@settings(max_examples=25, deadline=None)
@given(PLACES, MEMBERS, roles, conditions, PLACES, MEMBERS, roles, conditions)
def test_within_verdicts_agree_with_the_evaluator(
    place_a: str,
    member_a: str,
    role_a: str,
    cond_a: str | None,
    place_e: str,
    member_e: str,
    role_e: str,
    cond_e: str | None,
) -> None:
    left = _placed(place_a, member_a, role_a, cond_a)
    right = _placed(place_e, member_e, role_e, cond_e)
    result = within(left, right, {}, HIERARCHY)
    assert result.status is not WithinStatus.UNKNOWN, result.reason  # every construct here is modelled
    if result.status is not WithinStatus.PROVED:
        return
    for principal in PRINCIPALS:
        for permission, resource, ancestors in WIDE_PROBES:
            name = parse_resource_name(resource, Loc())
            chain = (
                tuple(parse_resource_name(a, Loc()) for a in ancestors)
                if ancestors is not None
                else HIERARCHY.ancestors(name)
            )
            if name.service == "storage.googleapis.com" and "/objects/" in resource and ancestors is not None:
                chain = (parse_resource_name(resource.split("/objects/")[0], Loc()), *chain)
            for moment in (datetime(2026, 6, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC)):
                request = Request(principal, permission, name, None, chain, moment)
                if decide(PolicySet(tuple(left)), request, explain=False).kind is DecisionKind.ALLOW:
                    verdict = decide(PolicySet(tuple(right)), request, explain=False).kind
                    assert verdict is DecisionKind.ALLOW, (principal.text, permission, resource)
