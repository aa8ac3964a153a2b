"""Policy variables with no value, decided by the evaluator and by the prover, one row per documented rule.

Doc pages (IAM User Guide):
  VARS   = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
           (section "Policy variables with no value", #policy-vars-no-value)
  OPS    = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
           ("Important" box; section "...IfExists condition operators", #Conditions_IfExists)
  SINGLE = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html

A condition value whose variable cannot be filled (the key is not in the request and the variable has no
default) is a null value. It never makes the statement invalid on its own: the missing-key rules come first,
then the clause compares the request against the values that could be filled. Both engines must give the
documented answer for every row (the evaluator in `checker.aws.conditions`, the prover in
`checker.aws.analyze.condition_encoding`), so they agree with each other too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import z3

from checker.aws import PolicyKind, PolicySet, Request, evaluate, parse_policy
from checker.aws.analyze.symbolic import Encoder, new_space
from tests.aws.helpers import allow, condition_allows, decide, deny, policy

K = "s3:ExistingObjectTag/Team"
V = "${aws:PrincipalTag/Team}"  # the guide's own example: the principal has no Team tag in these rows
TAGS = "aws:TagKeys"
VARS = "VARS"
OPS = "OPS"
SINGLE = "SINGLE"


@dataclass(frozen=True)
class Row:
    name: str
    doc: str
    quote: str
    condition: dict[str, Any]
    context: dict[str, Any]
    expected: bool
    prover: bool = True  # False: the prover reports the clause as unsupported (an "unknown", never a guess)


INVERTED = "Inverted condition operators like StringNotEquals or StringNotLike do match against a null value"
ABSENT_NEGATED = (
    "If the policy condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and the "
    "right key is not present, the condition is true"
)
ABSENT_POSITIVE = (
    "If the key that you specify in a policy condition is not present in the request context, the values do "
    "not match and the condition is false"
)
IF_EXISTS = "To prevent variables from causing invalid statements, use the ...IfExists condition operator"
FOR_ALL = "The ForAllValues set operator also returns true if there are no context keys in the request"
FOR_ANY = "ForAnyValue ... returns false if the key is not present"
POSITIVE = "a null value is not a value a positive operator can match (issue 14, §1: 'positive operators do not match a null value')"
OPEN = "the guide does not say how a null value beside literal values is read: the literals decide (docs/aws-differences.md)"

ROWS = [
    # Negated operators match against a null value, whether the key is present or not.
    Row("StringNotEquals, key present", VARS, INVERTED, {"StringNotEquals": {K: V}}, {K: "red"}, True),
    Row("StringNotLike, key present", VARS, INVERTED, {"StringNotLike": {K: V}}, {K: "red"}, True),
    Row("StringNotLike, null inside a pattern", VARS, INVERTED, {"StringNotLike": {K: f"team-{V}-*"}}, {K: "team--x"}, True),
    Row("StringNotEqualsIfExists, key present", VARS, INVERTED, {"StringNotEqualsIfExists": {K: V}}, {K: "red"}, True),
    Row("ArnNotEquals, key present", VARS, INVERTED,
        {"ArnNotEquals": {"aws:SourceArn": f"arn:aws:s3:::{V}"}}, {"aws:SourceArn": "arn:aws:s3:::red"}, True,
        prover=False),
    Row("StringNotEquals, key absent", OPS, ABSENT_NEGATED, {"StringNotEquals": {K: V}}, {}, True),
    # Positive operators do not match a null value.
    Row("StringEquals, key present", VARS, POSITIVE, {"StringEquals": {K: V}}, {K: "red"}, False),
    Row("StringLike, key present", VARS, POSITIVE, {"StringLike": {K: f"{V}*"}}, {K: "red"}, False),
    Row("StringEqualsIfExists, key present", VARS, POSITIVE, {"StringEqualsIfExists": {K: V}}, {K: "red"}, False),
    Row("StringEquals, key absent", OPS, ABSENT_POSITIVE, {"StringEquals": {K: V}}, {}, False),
    # The missing-key rules come before any variable is looked at.
    Row("StringEqualsIfExists, key absent", VARS, IF_EXISTS, {"StringEqualsIfExists": {K: V}}, {}, True),
    Row("StringLikeIfExists, key absent", VARS, IF_EXISTS, {"StringLikeIfExists": {K: f"{V}/*"}}, {}, True),
    Row("ForAllValues:StringEquals, key absent", SINGLE, FOR_ALL, {"ForAllValues:StringEquals": {TAGS: V}}, {}, True),
    Row("ForAnyValue:StringNotEquals, key absent", SINGLE, FOR_ANY, {"ForAnyValue:StringNotEquals": {TAGS: V}}, {}, False),
    # Set operators compare each request value against the values that could be filled (none here).
    Row("ForAllValues:StringEquals, key present", VARS, POSITIVE,
        {"ForAllValues:StringEquals": {TAGS: V}}, {TAGS: ["team"]}, False),
    Row("ForAllValues:StringNotEquals, key present", VARS, INVERTED,
        {"ForAllValues:StringNotEquals": {TAGS: V}}, {TAGS: ["team"]}, True),
    Row("ForAnyValue:StringNotEquals, key present", VARS, INVERTED,
        {"ForAnyValue:StringNotEquals": {TAGS: V}}, {TAGS: ["team"]}, True),
    Row("ForAnyValue:StringEquals, key present", VARS, POSITIVE,
        {"ForAnyValue:StringEquals": {TAGS: V}}, {TAGS: ["team"]}, False),
    # A null value beside literal values: the literals decide.
    Row("StringEquals [null, red], request red", VARS, OPEN, {"StringEquals": {K: [V, "red"]}}, {K: "red"}, True),
    Row("StringEquals [null, red], request blue", VARS, OPEN, {"StringEquals": {K: [V, "red"]}}, {K: "blue"}, False),
    Row("StringNotEquals [null, red], request red", VARS, OPEN, {"StringNotEquals": {K: [V, "red"]}}, {K: "red"}, False),
    Row("StringNotEquals [null, red], request blue", VARS, OPEN, {"StringNotEquals": {K: [V, "red"]}}, {K: "blue"}, True),
    # A default is a value, not a null value.
    Row("default fills the variable", VARS, "${key, 'default'} uses the default when the key is absent",
        {"StringNotEquals": {K: "${aws:PrincipalTag/Team, 'none'}"}}, {K: "none"}, False),
]


def _ids(rows: list[Row]) -> list[str]:
    return [f"{r.name} [{r.doc}]" for r in rows]


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_evaluator(row: Row) -> None:
    assert condition_allows(row.condition, row.context) is row.expected, f"{row.doc}: {row.quote}"


def prover_allows(document: dict[str, Any], context: dict[str, Any], resource: str = "arn:aws:s3:::b/k") -> bool | None:
    """What the prover's formula says about one concrete request (None: a part was unsupported)."""
    parsed = parse_policy(document, name="policy", kind=PolicyKind.IDENTITY)
    space = new_space([parsed], strings_by_solver=True)
    formula = Encoder(space).allows([parsed], widen=False)
    if space.approximations:
        return None
    space.finish()
    facts = [*space.constraints, space.resource == z3.StringVal(resource)]
    lowered = {key.lower(): value for key, value in context.items()}
    for name, key in space.keys.items():
        value = lowered.get(name)
        values = [] if value is None else (value if isinstance(value, list) else [value])
        assert len(values) <= len(key.slots), f"the space has too few slots for {name}"
        for index, slot in enumerate(key.slots):
            assert slot.text is not None
            if index < len(values):
                facts += [slot.used, slot.text == z3.StringVal(str(values[index]))]
            else:
                facts.append(z3.Not(slot.used))
    solver = z3.Solver()
    solver.add(*facts)
    can_allow = solver.check(formula) == z3.sat
    can_deny = solver.check(z3.Not(formula)) == z3.sat
    assert can_allow != can_deny, "the request is not fixed: the formula should decide it"
    return can_allow


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_prover_decides_the_same_clause(row: Row) -> None:
    document = {"Version": "2012-10-17", "Statement": [allow("*", "*", Condition=row.condition)]}
    answer = prover_allows(document, row.context)
    if not row.prover:
        assert answer is None  # reported as unsupported, so `within` answers "unknown", never a guess
        return
    assert answer is row.expected, f"{row.doc}: {row.quote}"
    assert condition_allows(row.condition, row.context) is answer


def test_guide_example_deny_when_the_principal_has_no_team_tag() -> None:
    """VARS, "Policy variables with no value": Deny s3:GetObject with StringNotEquals
    s3:ExistingObjectTag/Team = ${aws:PrincipalTag/Team} denies a principal without a Team tag."""
    statement = deny("s3:GetObject", "*", Condition={"StringNotEquals": {K: V}})
    policies = [policy(allow("s3:GetObject", "*")), policy(statement)]
    assert decide(policies, context={K: "red"}) == "explicit_deny"
    assert decide(policies, context={K: "red", "aws:PrincipalTag/Team": "red"}) == "allow"
    assert decide(policies, context={K: "red", "aws:PrincipalTag/Team": "blue"}) == "explicit_deny"


RESOURCE_ROWS = [
    # An entry naming a variable with no value matches no resource: a Resource entry grants nothing, and a
    # NotResource entry excludes nothing (docs/aws-differences.md: iam-simulate reads the NotResource case
    # differently).
    ("Resource with a null value matches nothing", {"Resource": f"arn:aws:s3:::b/{V}/*"}, False),
    ("Resource: the other entry still matches", {"Resource": [f"arn:aws:s3:::b/{V}/*", "arn:aws:s3:::b/*"]}, True),
    ("NotResource with a null value excludes nothing", {"NotResource": f"arn:aws:s3:::b/{V}/*"}, True),
]


@pytest.mark.parametrize(("name", "element", "expected"), RESOURCE_ROWS, ids=[r[0] for r in RESOURCE_ROWS])
def test_resource_entries_with_a_null_value(name: str, element: dict[str, Any], expected: bool) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", **element}
    target = "arn:aws:s3:::b/red/k"
    assert (decide([policy(statement)], target=target) == "allow") is expected
    document = {"Version": "2012-10-17", "Statement": [dict(statement, Action="*")]}
    assert prover_allows(document, {}, resource=target) is expected


def test_explanation_names_the_variable_with_no_value() -> None:
    """A learner reading why an Allow did not apply is told which variable had no value."""
    statement = allow("s3:GetObject", "*", Condition={"StringEquals": {K: V}})
    request = Request("arn:aws:iam::111122223333:role/ml-train", "s3:GetObject", "arn:aws:s3:::b/k", None, {K: "red"})
    decision = evaluate(request, PolicySet(identity=[policy(statement)]), explain=True)
    detail = decision.reasons[0].detail
    assert "${aws:principaltag/team} has no value in this request" in detail
