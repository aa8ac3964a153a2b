"""IAM Conditions: parsing (clear errors with line and column), evaluation, and the fast path pinned to cel-python."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checker.core.errors import InputError
from checker.core.source import parse_json
from checker.gcp.conditions import Facts, compile_condition
from checker.gcp.conditions.ir import extract
from checker.gcp.location import Loc
from checker.gcp.parse import parse_condition

ATTRS = "https://cloud.google.com/iam/docs/conditions-attribute-reference"
DENY_RULE = "https://cloud.google.com/iam/docs/reference/rest/v2/policies#DenyRule"

MALFORMED = [
    ('resource.name.startsWith("a"', 1, "not valid CEL"),
    ("resource.name == ", 1, "not valid CEL"),
    ('resource.name == "a" &&\n  ))', 2, "not valid CEL"),
    ("'unterminated", 1, "not valid CEL"),
    ('resorce.name == "x"', 1, "unknown name 'resorce'"),
    ('resource.nmae == "x"', 1, "resource.nmae is not an IAM condition attribute"),
    ("frobnicate(1)", 1, "unknown function 'frobnicate'"),
    ('resource.name.frob("x")', 1, "unknown function 'frob'"),
    ("(" * 400 + "true" + ")" * 400, None, "nested more than 64 brackets"),
    ("!" * 3000 + "true", None, "nested too deeply"),
]


@pytest.mark.parametrize(
    ("expression", "line", "fragment"), MALFORMED, ids=[m[2][:30] + str(i) for i, m in enumerate(MALFORMED)]
)
def test_malformed_expression_is_input_error(expression: str, line: int | None, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        compile_condition(expression, Loc(label="condition"))
    assert fragment in str(caught.value)
    if line is not None:
        assert f"line {line} column" in str(caught.value)


@pytest.mark.parametrize("value", ["", "   ", None, 42, ["x"]])
def test_missing_expression(value: object) -> None:
    with pytest.raises(InputError, match="needs an expression"):
        compile_condition(value, Loc(label="condition"))


def test_too_long_expression() -> None:
    with pytest.raises(InputError, match="characters"):
        compile_condition('resource.name == "' + "a" * 20_000 + '"', Loc(label="condition"))


def test_error_in_file_points_at_line_and_column() -> None:
    text = '{\n  "title": "t",\n  "expression": "resource.name == \\"x\\" &&"\n}'
    document = parse_json(text, "cond.json")
    with pytest.raises(InputError) as caught:
        parse_condition(document.data, Loc(document=document))
    where = caught.value.where
    assert where is not None and where.file == "cond.json" and where.line == 3 and where.column is not None


def test_unknown_condition_field() -> None:
    with pytest.raises(InputError, match="unknown field 'expr'"):
        parse_condition({"expr": "true"}, Loc(label="binding"))


@pytest.mark.parametrize(
    "expression",
    [
        'resource.name.startsWith("projects/")',
        'resource.type == "storage.googleapis.com/Bucket"',
        'request.time < timestamp("2027-01-01T00:00:00Z")',
        'resource.hasTagKey("222/env") && 1 == 1',
    ],
    ids=["prefix", "type", "time", "equality"],
)
def test_deny_conditions_only_take_tag_functions(expression: str) -> None:
    # DenyRule reference: the denial condition can use CEL functions that evaluate resource tags; others are not supported.
    with pytest.raises(InputError, match="resource tag functions"):
        compile_condition(expression, Loc(label="deny"), deny=True)


def test_deny_condition_with_tags_compiles() -> None:
    compiled = compile_condition(
        '!resource.matchTag("222/env", "prod") || resource.hasTagKeyId("tagKeys/1")', Loc(), deny=True
    )
    assert compiled.fast is not None


NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
OBJECT_FACTS = Facts(
    {
        "resource.name": "projects/_/buckets/b/objects/fraud/a.csv",
        "resource.type": "storage.googleapis.com/Object",
        "resource.service": "storage.googleapis.com",
        "request.time": NOON,
    },
    {"222/env": "prod"},
    {"tagKeys/1": "tagValues/2"},
)
VERTEX_FACTS = Facts(
    {"resource.name": None, "resource.type": None, "resource.service": None, "request.time": NOON}, {}, {}
)

EVALUATION = [
    # (expression, facts, expected, doc)
    ('resource.name.startsWith("projects/_/buckets/b/objects/fraud/")', OBJECT_FACTS, True, ATTRS),
    ('resource.name.endsWith(".csv")', OBJECT_FACTS, True, ATTRS),
    ('resource.name.extract("/objects/{name}") == "fraud/a.csv"', OBJECT_FACTS, True, ATTRS),
    ('resource.name.extract("buckets/{bucket}/") == "b"', OBJECT_FACTS, True, ATTRS),
    ('resource.name.extract("/nothing/{x}") == ""', OBJECT_FACTS, True, ATTRS),
    ('resource.type == "storage.googleapis.com/Object"', OBJECT_FACTS, True, ATTRS),
    ('resource.service == "storage.googleapis.com"', OBJECT_FACTS, True, ATTRS),
    (
        'resource.type in ["storage.googleapis.com/Bucket", "storage.googleapis.com/Object"]',
        OBJECT_FACTS,
        True,
        ATTRS,
    ),
    ('!(resource.type == "storage.googleapis.com/Bucket")', OBJECT_FACTS, True, ATTRS),
    ('request.time < timestamp("2026-11-28T11:59:59Z")', OBJECT_FACTS, False, ATTRS),
    ('request.time >= timestamp("2026-11-28T12:00:00Z")', OBJECT_FACTS, True, ATTRS),
    ('request.time.getHours("America/New_York") == 7', OBJECT_FACTS, True, ATTRS),
    ('request.time.getDayOfWeek("UTC") == 6', OBJECT_FACTS, True, ATTRS),
    ("request.time.getMonth() == 10", OBJECT_FACTS, True, ATTRS),
    (
        'resource.matchTag("222/env", "prod")',
        OBJECT_FACTS,
        True,
        "https://cloud.google.com/iam/docs/tags-access-control",
    ),
    (
        'resource.matchTagId("tagKeys/1", "tagValues/2")',
        OBJECT_FACTS,
        True,
        "https://cloud.google.com/iam/docs/tags-access-control",
    ),
    (
        'resource.hasTagKey("222/team")',
        OBJECT_FACTS,
        False,
        "https://cloud.google.com/iam/docs/tags-access-control",
    ),
    ('resource.name.startsWith("projects/")', VERTEX_FACTS, False, ATTRS),
    ('!resource.name.startsWith("projects/")', VERTEX_FACTS, False, ATTRS),
    (
        'resource.name.startsWith("x") || true',
        VERTEX_FACTS,
        True,
        "https://github.com/google/cel-spec/blob/master/doc/langdef.md",
    ),
    (
        'false && resource.name.startsWith("x")',
        VERTEX_FACTS,
        False,
        "https://github.com/google/cel-spec/blob/master/doc/langdef.md",
    ),
    ('resource.type == "x" ? true : false', VERTEX_FACTS, False, ATTRS),
    (
        "resource.name == 1",
        OBJECT_FACTS,
        False,
        "https://github.com/google/cel-spec/blob/master/doc/langdef.md",
    ),
    (
        'api.getAttribute("iam.googleapis.com/modifiedGrantsByRole", []).hasOnly(["roles/storage.objectViewer"])',
        OBJECT_FACTS,
        True,
        ATTRS,
    ),
    ("size(resource.name) > 10", OBJECT_FACTS, True, ATTRS),
    ('resource.name.matches("^projects/_/buckets/b/objects/fraud/.*$")', OBJECT_FACTS, True, ATTRS),
]


@pytest.mark.parametrize(
    ("expression", "facts", "expected", "doc"), EVALUATION, ids=[e[0][:50] for e in EVALUATION]
)
def test_evaluation(expression: str, facts: Facts, expected: bool, doc: str) -> None:
    compiled = compile_condition(expression, Loc())
    api = {"iam.googleapis.com/modifiedGrantsByRole": ["roles/storage.objectViewer"]}
    assert compiled.evaluate(facts, api).applies is expected


@pytest.mark.parametrize(
    ("expression", "facts", "expected", "doc"), EVALUATION, ids=[e[0][:50] for e in EVALUATION]
)
def test_fast_path_agrees_with_cel_python(expression: str, facts: Facts, expected: bool, doc: str) -> None:
    """Differential check: our fast evaluator and cel-python give the same answer."""
    compiled = compile_condition(expression, Loc())
    if compiled.fast is None:
        pytest.skip(f"evaluated by cel-python only ({compiled.unsupported})")
    api = {"iam.googleapis.com/modifiedGrantsByRole": ["roles/storage.objectViewer"]}
    fast = compiled.evaluate(facts, api).applies
    slow = compiled._evaluate_cel(facts, api)
    assert fast is (slow is True)


@pytest.mark.parametrize(
    ("text", "template", "expected"),
    [
        ("projects/p/zones/z/instances/i", "projects/{project}/", "p"),
        ("projects/_/buckets/b/objects/a/b.csv", "/objects/{name}", "a/b.csv"),
        ("projects/_/buckets/b", "/objects/{name}", ""),
        ("projects/p/x", "projects/{project}/y", ""),
    ],
)
def test_extract(text: str, template: str, expected: str) -> None:
    # doc: "Attribute reference for IAM Conditions", extract(): no match gives an empty string.
    assert extract(text, template) == expected
