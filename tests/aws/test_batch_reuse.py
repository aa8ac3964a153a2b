"""A batch reuses what it parsed before (issue 24: thousands of cases repeat a few statements): a reused
statement or policy must be exactly what a fresh parse gives, in its own case's terms - its Sid, its name,
its kind's rules and its Version - and an invalid one is refused every time it appears."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.aws import batch
from checker.aws.policy import PolicyKind, _compact_decoded, compact_json, parse_policy
from checker.core.errors import InputError

ALLOW_GET = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}


def document(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    data: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        data["Version"] = version
    return data


def reused(data: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Any:
    return parse_policy(data, name="p", kind=kind, reuse_statements=True)


def test_a_reused_statement_keeps_the_sid_of_its_own_case() -> None:
    first = reused(document(dict(ALLOW_GET, Sid="One")))
    second = reused(document(dict(ALLOW_GET, Sid="Two")))
    third = reused(document(ALLOW_GET))
    assert [s.sid for s in (*first.statements, *second.statements, *third.statements)] == ["One", "Two", None]
    fresh = parse_policy(document(dict(ALLOW_GET, Sid="Two")), name="p")
    assert second.statements == fresh.statements


def test_the_version_decides_whether_a_variable_is_read_even_for_the_same_text() -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags": with Version 2008-10-17 (or none),
    "${aws:username}" is literal text, not a variable."""
    current = reused(document(ALLOW_GET))
    old = reused(document(ALLOW_GET, version=None))
    assert current.statements[0].resources != old.statements[0].resources
    assert old.statements == parse_policy(document(ALLOW_GET, version=None), name="p").statements


def test_a_statement_valid_for_one_kind_is_still_refused_for_another() -> None:
    """A resource-based policy statement needs a Principal (IAM User Guide, "IAM JSON policy elements:
    Principal"); the same text parsed for an identity policy first must not let it through."""
    reused(document(ALLOW_GET))
    with pytest.raises(InputError, match="needs a Principal"):
        reused(document(ALLOW_GET), kind=PolicyKind.RESOURCE)


def test_an_invalid_statement_is_refused_every_time() -> None:
    bad = {"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}
    for _ in range(2):
        with pytest.raises(InputError, match="has no service prefix"):
            reused(document(bad))


def test_a_number_is_not_mistaken_for_the_same_text_as_a_string() -> None:
    """JSON text would spell 1 and "1" alike as keys; the reuse key does not (a YAML request can hold both)."""
    as_text = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
               "Condition": {"StringEquals": {"aws:username": "1"}}}
    as_number = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:username": 1.0}}}
    reused(document(as_text))
    assert reused(document(as_number)).statements[0].conditions[0].raw_values == ("1.0",)


def test_a_policy_met_again_under_another_field_is_named_by_that_field() -> None:
    """A decision's reasons name the policy as the case lists it."""
    policy = document(dict(ALLOW_GET, Resource="arn:aws:s3:::b/*"))
    case = {
        "principal": "arn:aws:iam::111122223333:role/r",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k",
        "identity_policies": [policy],
        "permissions_boundary": policy,
    }
    _request, policies = batch.case_to_request(case)
    assert policies.identity[0].name == "identity_policies[0]"
    assert policies.boundary is not None and policies.boundary.name == "permissions_boundary"
    assert policies.boundary.statements == policies.identity[0].statements
    explained = batch.decide_case(case, explain=True)
    assert explained["decision"] == "allow"
    named = {reason["policy"] for reason in explained["explain"]["reasons"]}
    assert {"identity_policies[0]", "permissions_boundary"} <= named


SIZED = [
    document(dict(ALLOW_GET, Sid="One"), dict(ALLOW_GET, Effect="Deny", Sid="Two")),
    document(dict(ALLOW_GET, Sid=None)),
    document(dict(ALLOW_GET, Sid='quote " backslash \\ tab \t bell \x07 é 雪 😀')),
    document(ALLOW_GET, version=None),
    {"Version": None, "Id": None, "Statement": [ALLOW_GET]},
    {"Id": "policy-\u2028id", "Statement": dict(ALLOW_GET, Sid="Single")},
    document(),
    document(dict(ALLOW_GET, Condition={"NumericLessThan": {"s3:max-keys": [1e15, 2.5, -0.0, 10]},
                                        "Bool": {"aws:SecureTransport": True}})),
]


@pytest.mark.parametrize("data", SIZED, ids=range(len(SIZED)))
def test_a_reused_policy_is_sized_as_its_compact_json(data: dict[str, Any]) -> None:
    """AWS counts a policy's size without whitespace (IAM API Reference, GetAccountSummary:
    "AssumeRolePolicySizeQuota - The maximum allowed size for assume role policy documents (trust policies),
    in non-whitespace characters"); a batch adds the size up from its reused statements, which must give
    exactly the length of the compact JSON, Sids and escapes included."""
    for _ in range(2):  # parsed, then reused
        assert reused(data).size == len(compact_json(data))


def test_a_reused_policy_over_the_size_limit_is_refused_exactly_at_the_limit() -> None:
    data = document(dict(ALLOW_GET, Sid="S" * 50), dict(ALLOW_GET, Effect="Deny"))
    size = len(compact_json(data))
    reused(data)  # its statements are now known
    assert parse_policy(data, name="p", size_limit=size, reuse_statements=True).size == size
    with pytest.raises(InputError, match=f"the policy is {size:,} characters"):
        parse_policy(data, name="p", size_limit=size - 1, reuse_statements=True)


def test_the_same_statement_is_reused_whatever_else_shares_its_strings() -> None:
    """The JSON decoder shares repeated keys across a line; whether a statement's strings are shared with
    other parts of the case must not decide whether its earlier parse is found."""
    def fresh() -> dict[str, Any]:
        return {"Effect": "".join(["Al", "low"]), "Action": "".join(["s3:Get", "Object"]), "Resource": "*"}

    first = reused(document(fresh()))
    shared = fresh()
    also_held = [shared["Effect"], shared["Action"]]  # another reference, as a repeated decoded string has
    second = reused(document(shared))
    assert also_held and second.statements[0] is first.statements[0]


def test_a_policy_with_statements_not_seen_before_is_the_parsers_policy() -> None:
    """A batch parses a new statement of a policy next to the ones it knows (no second pass by the parser):
    the statements, Sids, size and weight are what a fresh parse gives."""
    known = dict(ALLOW_GET, Sid="Known")
    reused(document(known))
    new = {"Sid": "New", "Effect": "Deny", "Action": ["s3:PutObject", "s3:Delete*"],
           "Resource": "arn:aws:s3:::other-bucket-for-this-test/*",
           "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": ["a", "b"]}}}
    data = document(known, new)
    mixed = reused(data)
    fresh = parse_policy(data, name="p")
    assert mixed.statements == fresh.statements
    assert [s.sid for s in mixed.statements] == ["Known", "New"]
    assert mixed.size == fresh.size == len(compact_json(data))
    policy, weight = batch.weighed_policy(document(dict(known, Sid="K:2"), dict(new, Sid="N")), "p", PolicyKind.IDENTITY)
    assert weight == compact_json(document(dict(known, Sid="K:2"), dict(new, Sid="N"))).count(":")


@pytest.mark.parametrize(
    ("bad", "message", "pointer"),
    [
        ({"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}, "has no service prefix", "/Statement/1/Action"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Conditon": {}},
         "unknown statement element 'Conditon'", "/Statement/1/Conditon"),
        ({"Effect": "Allow", "Action": "s3:GetObject"}, "has no Resource or NotResource", "/Statement/1"),
    ],
)
def test_a_new_statement_the_parser_refuses_is_refused_in_its_words(bad: dict[str, Any], message: str,
                                                                    pointer: str) -> None:
    """After a known statement, a new invalid one: the error is the parser's, at the place it names."""
    reused(document(ALLOW_GET))
    with pytest.raises(InputError, match=message) as raised:
        reused(document(ALLOW_GET, bad))
    with pytest.raises(InputError) as fresh:
        parse_policy(document(ALLOW_GET, bad), name="p")
    assert str(raised.value) == str(fresh.value)
    assert raised.value.where is not None and raised.value.where.pointer == pointer


def test_identity_policies_that_never_repeat_are_not_looked_up_yet_decide_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch whose identity policies never repeat (each case's copy with Sids of its own) stops paying for
    a key per policy after a probe; a policy that then repeats is parsed again, to the same answer."""
    rate = batch._ReuseRate()
    for _ in range(batch._PROBE):
        assert rate.worth_asking()
        rate.answered(False)
    assert not any(rate.worth_asking() for _ in range(batch._REST))
    assert rate.worth_asking()  # it probes again
    found = batch._ReuseRate()
    for index in range(3 * batch._PROBE):
        assert found.worth_asking()
        found.answered(index % 4 == 0)  # one in four found: worth it

    def case(number: int) -> dict[str, Any]:
        return {"id": number, "principal": "arn:aws:iam::111122223333:role/r", "action": "s3:GetObject",
                "resource": "arn:aws:s3:::b/r/k",
                "identity_policies": [document(dict(ALLOW_GET, Resource="arn:aws:s3:::b/*", Sid=f"Case{number}"))]}

    cases = [case(n) for n in range(batch._PROBE + 5)] + [case(0)]
    monkeypatch.setattr(batch, "_identity_reuse", batch._ReuseRate())
    answers = [batch.decide_weighed_case(c, True) for c in cases]
    assert batch._identity_reuse.resting == batch._REST - 5 - 1
    monkeypatch.setattr(batch, "_identity_reuse", batch._ReuseRate())
    monkeypatch.setattr(batch, "_PROBE", 10**9)  # never rests: every policy looked up
    assert [batch.decide_weighed_case(c, True) for c in cases] == answers
    assert answers[-1] == answers[0] and answers[0][0]["decision"] == "allow"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(JSON_VALUES)
def test_a_new_statement_is_measured_as_compact_json_measures_it(value: Any) -> None:
    """The batch sizes new statements with an encoder made once: the very text `compact_json` writes."""
    assert _compact_decoded(value) == compact_json(value)
