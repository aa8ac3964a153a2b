"""A batch's caches never hand one case another case's parse (issue 24).

`simulate aws --batch` keeps parsed policies by content, statements by content without the Sid, and
rebuilds a policy with new Sids from statements parsed before. Each test below runs cases that differ in
one small way, in one process and in both orders (so that each is decided from the other's cache entries
too), and checks every answer against the documented rule: a cache keyed too loosely would give the second
case the first one's answer.
"""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest

from checker.aws.policy import PolicyKind, parse_policy
from checker.cli.simulate import run_batch

ROLE = "arn:aws:iam::111122223333:role/ml-train"
BUCKET_OBJECTS = "arn:aws:s3:::acme-ml-datasets/*"


def _case(statement: dict[str, Any], sid: str | None = None, **request: Any) -> dict[str, Any]:
    statement = dict(statement, **({"Sid": sid} if sid is not None else {}))
    return {
        "principal": ROLE,
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::acme-ml-datasets/train.csv",
        "context": {"aws:PrincipalTag/team": "ml"},
        "identity_policies": [{"Version": "2012-10-17", "Statement": [statement]}],
        **request,
    }


def _decide_in_turn(cases: list[dict[str, Any]], explain: bool = False) -> list[dict[str, Any]]:
    """Every case in one batch run, then again in reverse order, with the caches of the first run kept."""
    answers = []
    for ordered in (cases, cases[::-1]):
        out = io.StringIO()
        assert run_batch([json.dumps(c) for c in ordered], "aws", explain, out) == 0, out.getvalue()
        answers.append([json.loads(line) for line in out.getvalue().splitlines()])
    first, second = answers
    assert first == second[::-1], "a case was decided differently after the other cases were cached"
    return first


ALLOW_TEAM = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": BUCKET_OBJECTS,
    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ml"}},
}


@pytest.mark.parametrize(
    ("value", "decision"),
    [
        # IAM User Guide, "IAM JSON policy elements: Condition": "Case-sensitivity of context key values depends
        # on the condition operator that you use ... the StringEquals operator to make sure that only requests
        # made by johndoe match. Users named JohnDoe are denied access."
        pytest.param("ml", "allow", id="same value: StringEquals matches"),
        pytest.param("ML", "implicit_deny", id="value differs in case only: StringEquals is case-sensitive"),
        pytest.param("ml ", "implicit_deny", id="value with a trailing space: no exact match"),
    ],
)
def test_statements_differing_only_in_a_condition_value(value: str, decision: str) -> None:
    changed = copy.deepcopy(ALLOW_TEAM)
    changed["Condition"]["StringEquals"]["aws:PrincipalTag/team"] = value
    for sids in ((None, None), ("A", "B"), ("Same", "Same")):
        answers = _decide_in_turn([_case(ALLOW_TEAM, sids[0]), _case(changed, sids[1])])
        assert [a["decision"] for a in answers] == ["allow", decision]


def test_statements_differing_only_in_the_case_of_a_condition_key() -> None:
    """IAM User Guide, "IAM JSON policy elements: Condition": "Context key names are not case-sensitive. For
    example, including the aws:SourceIP context key is equivalent to testing for AWS:SourceIp." Both spellings
    allow, and each is its own statement (its explanation quotes the key as written)."""
    shouted = copy.deepcopy(ALLOW_TEAM)
    shouted["Condition"] = {"StringEquals": {"AWS:PRINCIPALTAG/TEAM": "ml"}}
    wrong_value = copy.deepcopy(shouted)
    wrong_value["Condition"]["StringEquals"]["AWS:PRINCIPALTAG/TEAM"] = "ops"
    answers = _decide_in_turn([_case(ALLOW_TEAM, "A"), _case(shouted, "B"), _case(wrong_value, "C")], explain=True)
    assert [a["decision"] for a in answers] == ["allow", "allow", "implicit_deny"]
    assert "AWS:PRINCIPALTAG/TEAM" in json.dumps(answers[2]["explain"])


def test_resources_differing_only_in_a_trailing_space() -> None:
    """IAM User Guide, "IAM JSON policy elements: Resource": wildcards "(* and ?) within any ARN segment"
    stand for other characters; every other character, a trailing space included, must be in the request's ARN."""
    spaced = dict(ALLOW_TEAM, Resource=BUCKET_OBJECTS + " ")
    answers = _decide_in_turn([_case(ALLOW_TEAM, "Read"), _case(spaced, "Read"), _case(spaced), _case(ALLOW_TEAM)])
    assert [a["decision"] for a in answers] == ["allow", "implicit_deny", "implicit_deny", "allow"]


def test_a_policy_rebuilt_from_cached_statements_names_its_own_sids() -> None:
    """The explanation names the statement by the Sid this case wrote, not the one a cached copy had."""
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": BUCKET_OBJECTS}
    answers = _decide_in_turn([_case(deny, "FirstCase"), _case(deny, "SecondCase")], explain=True)
    assert [a["decision"] for a in answers] == ["explicit_deny", "explicit_deny"]
    assert "FirstCase" in answers[0]["explain"]["summary"] and "SecondCase" not in json.dumps(answers[0])
    assert "SecondCase" in answers[1]["explain"]["summary"] and "FirstCase" not in json.dumps(answers[1])


def test_duplicate_sids_are_refused_even_when_every_statement_is_cached() -> None:
    """IAM User Guide, "IAM JSON policy elements: Sid": "In IAM, the Sid value must be unique within a JSON
    policy." Rebuilding the policy from cached statements must not skip the check."""
    statements = [ALLOW_TEAM, dict(ALLOW_TEAM, Resource="arn:aws:s3:::acme-ml-models/*")]
    unique = _case(ALLOW_TEAM)
    unique["identity_policies"][0]["Statement"] = [dict(s, Sid=f"S{i}") for i, s in enumerate(statements)]
    twice = copy.deepcopy(unique)
    twice["identity_policies"][0]["Statement"][1]["Sid"] = "S0"
    out = io.StringIO()
    assert run_batch([json.dumps(unique), json.dumps(twice)], "aws", False, out) == 2
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["decision"] == "allow"
    assert "Sid 'S0' is used by more than one statement" in second["error"]


@pytest.mark.parametrize("sid", ["Plain", "é-accent", 'quote"and\\slash', "tab\there", ""])
def test_a_rebuilt_policy_has_the_size_the_parser_measures(sid: str) -> None:
    """The size AWS's quotas are checked against is the whitespace-free JSON; a policy rebuilt from cached
    statements adds it up from theirs and must land on the same number, whatever its Sids hold."""
    document = {
        "Version": "2012-10-17",
        "Id": "cache-size",
        "Statement": [dict(ALLOW_TEAM, Sid=sid), {"Effect": "Deny", "Action": "s3:*", "NotResource": BUCKET_OBJECTS}],
    }
    fresh = parse_policy(copy.deepcopy(document), kind=PolicyKind.IDENTITY)
    parse_policy(copy.deepcopy(document), kind=PolicyKind.IDENTITY, size_limit=10**7, reuse_statements=True)
    rebuilt = parse_policy(copy.deepcopy(document), kind=PolicyKind.IDENTITY, size_limit=10**7, reuse_statements=True)
    assert rebuilt.size == fresh.size == len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))
    assert [s.sid for s in rebuilt.statements] == [s.sid for s in fresh.statements]
    assert rebuilt.statements == fresh.statements


def test_the_same_resource_text_under_two_versions_is_read_twice() -> None:
    """IAM User Guide, "IAM JSON policy elements: Version": with 2008-10-17 "variables such as ${aws:username}
    aren't recognized as variables and are instead treated as literal strings in the policy". A parsed Resource
    is kept per Version: the same text must match the user's own folder under 2012-10-17 only."""
    mine = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-ml-datasets/${aws:username}/*"}

    def as_user(version: str) -> dict[str, Any]:
        found = _case(mine, principal="arn:aws:iam::111122223333:user/ana",
                      resource="arn:aws:s3:::acme-ml-datasets/ana/a.csv")
        found["identity_policies"][0]["Version"] = version
        return found

    answers = _decide_in_turn([as_user("2012-10-17"), as_user("2008-10-17")])
    assert [a["decision"] for a in answers] == ["allow", "implicit_deny"]


def test_a_condition_block_seen_at_another_statement_keeps_its_own_place() -> None:
    """A parsed Condition block is kept per place (each clause carries its JSON pointer): the explanation of
    the second case names the condition of its own second statement."""
    other = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": BUCKET_OBJECTS}
    first = _case(ALLOW_TEAM, context={"aws:PrincipalTag/team": "ops"})
    second = _case(ALLOW_TEAM, context={"aws:PrincipalTag/team": "ops"})
    second["identity_policies"][0]["Statement"] = [other, ALLOW_TEAM]
    answers = _decide_in_turn([first, second], explain=True)
    assert [a["decision"] for a in answers] == ["implicit_deny", "implicit_deny"]
    statements = [[r["statement"] for r in a["explain"]["reasons"] if "condition" in r["detail"]] for a in answers]
    assert statements == [["0"], ["1"]]
    parsed = [
        parse_policy(c["identity_policies"][0], kind=PolicyKind.IDENTITY, reuse_statements=True) for c in (first, second)
    ]
    assert parsed[0].statements[0].conditions[0].pointer == "/Statement/0/Condition/StringEquals/aws:PrincipalTag~1team"
    assert parsed[1].statements[1].conditions[0].pointer == "/Statement/1/Condition/StringEquals/aws:PrincipalTag~1team"


REGION_GUARD = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}]}
ROOT_ALLOW = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
S3_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def test_an_organization_level_whose_outcome_depends_on_the_request_is_decided_case_by_case() -> None:
    """The same SCP levels in case after case: a level kept by action (its policies' outcomes need nothing
    else of the request) must never answer for a level with a condition, nor for another action."""
    allow_all = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    cases = []
    for region, action in [("eu-west-1", "s3:GetObject"), ("us-east-1", "s3:GetObject"),
                           ("us-east-1", "iam:GetRole"), ("eu-west-1", "ec2:RunInstances")]:
        case = _case(allow_all, action=action, context={"aws:RequestedRegion": region})
        case["scps"] = [[ROOT_ALLOW], [ROOT_ALLOW, REGION_GUARD], [S3_ONLY]]
        cases.append(case)
    answers = [a["decision"] for a in _decide_in_turn(cases)]
    # AWS Organizations User Guide, "SCP evaluation": every level from the root to the account must allow;
    # an explicit Deny in any level wins.
    assert answers == ["allow", "explicit_deny", "implicit_deny", "implicit_deny"]


def test_a_level_given_as_a_list_that_changes_is_read_again() -> None:
    """Levels are kept by action only when they cannot change (tuples, as a batch builds them); a caller's
    list may gain a policy between two requests."""
    from checker.aws.evaluate import PolicySet, evaluate
    from checker.aws.request import Request

    identity = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                            name="identity")
    level = [parse_policy(ROOT_ALLOW, name="root", kind=PolicyKind.SCP)]
    policies = PolicySet(identity=[identity], scps=[level])
    request = Request(ROLE, "s3:GetObject", "arn:aws:s3:::b/k")
    assert evaluate(request, policies).kind.value == "allow"
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    level.append(parse_policy(deny, name="deny", kind=PolicyKind.SCP))
    assert evaluate(request, policies).kind.value == "explicit_deny"


def test_a_batch_builds_the_request_and_policies_its_types_would() -> None:
    """The batch fills Request and PolicySet without their constructors: every field, the same values."""
    from dataclasses import fields

    from checker.aws import batch
    from checker.aws.evaluate import PolicySet
    from checker.aws.request import Request

    case = _case(ALLOW_TEAM, resource_account="111122223333", restrict_public_buckets=True)
    case["scps"] = [[ROOT_ALLOW]]
    request, policies = batch.case_to_request(case)
    assert set(vars(request)) == {f.name for f in fields(Request)}
    assert set(vars(policies)) == {f.name for f in fields(PolicySet)}
    assert request == Request(ROLE, "s3:GetObject", "arn:aws:s3:::acme-ml-datasets/train.csv", "111122223333",
                              {"aws:PrincipalTag/team": "ml"})
    assert policies == PolicySet(identity=list(policies.identity), scps=policies.scps, restrict_public_buckets=True)
    assert hash(request.principal) and policies.restrict_public_buckets is True


def test_a_guardrail_that_exempts_one_role_is_read_for_each_caller() -> None:
    """The common SCP guardrail "deny tag changes except by the platform role" (an ArnNotLike on
    aws:PrincipalArn): a level the platform role passed must not let a team role through in a later case of the
    same batch, nor the other way round."""
    guard = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["sagemaker:AddTags", "sagemaker:DeleteTags"], "Resource": "*",
         "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ml-platform-orchestrator"}}}]}
    allow_all = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    cases = []
    for role in ("ml-platform-orchestrator", "team-risk-admin", "ml-platform-orchestrator-copy"):
        case = _case(allow_all, principal=f"arn:aws:iam::111122223333:role/{role}", action="sagemaker:AddTags",
                     resource="arn:aws:sagemaker:us-east-1:111122223333:training-job/risk-train-001", context={})
        case["scps"] = [[ROOT_ALLOW], [guard]]
        cases.append(case)
    assert [a["decision"] for a in _decide_in_turn(cases)] == ["allow", "explicit_deny", "explicit_deny"]
