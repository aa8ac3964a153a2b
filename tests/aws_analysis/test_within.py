"""within(policy, envelope): known answers, including the traps learners fall into.

Semantics are the IAM User Guide's: "IAM JSON policy elements: Resource" (field-by-field ARN matching,
wildcards), "IAM JSON policy elements: Action / NotAction" (case-insensitive action names),
"Condition operators" (IfExists, negated operators, Null), "Set operators for multivalued context keys"
(ForAllValues / ForAnyValue), "IAM policy elements: Variables and tags" and "Policy evaluation logic"
(explicit Deny wins over Allow).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from checker.aws.analyze import compare, within
from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from tests.aws_analysis.helpers import ROLE, USER, allow, allowed_by, deny, policy

BUCKET_OBJECTS = "arn:aws:s3:::bucket/*"


def check_counterexamples(inside: Any, outside: Any, result: Any) -> None:
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert result.counterexamples
    inside_list = inside if isinstance(inside, list) else [inside]
    outside_list = outside if isinstance(outside, list) else [outside]
    for example in result.counterexamples:
        assert allowed_by(inside_list, example), example
        assert not allowed_by(outside_list, example), example


def test_identical_policies_are_proved() -> None:
    p = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    assert within(p, p).status is WithinStatus.PROVED


def test_bucket_star_also_matches_bucket_prod() -> None:
    # Resource doc: `*` in the resource part matches any characters, so bucket* names other buckets too.
    p = policy(allow("s3:GetObject", "arn:aws:s3:::bucket*"))
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    result = within(p, e)
    check_counterexamples(p, e, result)
    assert result.counterexamples[0].resource == "arn:aws:s3:::bucket-prod"


def test_prefix_without_trailing_slash_also_matches_sibling_folders() -> None:
    p = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/fraud/v3*"))
    e = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/fraud/v3/*"))
    result = within(p, e)
    check_counterexamples(p, e, result)
    assert result.counterexamples[0].resource.startswith("arn:aws:s3:::bucket/fraud/v30/")


def test_trailing_slash_prefix_is_within_the_wider_prefix() -> None:
    p = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/fraud/v3/*"))
    e = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/fraud/v3*"))
    assert within(p, e).status is WithinStatus.PROVED


def test_get_star_reaches_far_more_than_get_object() -> None:
    p = policy(allow("s3:Get*", BUCKET_OBJECTS))
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    result = within(p, e)
    check_counterexamples(p, e, result)
    assert all(c.action.lower().startswith("s3:get") for c in result.counterexamples)
    assert len(result.counterexamples) == 3  # three different action classes


def test_action_names_are_case_insensitive() -> None:
    p = policy(allow("S3:gEtObJeCt", BUCKET_OBJECTS))
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    assert within(p, e).status is WithinStatus.PROVED
    assert within(e, p).status is WithinStatus.PROVED


def test_resource_arns_are_case_sensitive() -> None:
    p = policy(allow("s3:GetObject", "arn:aws:s3:::Bucket/*"))
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    check_counterexamples(p, e, within(p, e))


def test_not_action_with_allow_grants_every_other_service() -> None:
    p = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    e = policy(allow("s3:*", "*"))
    result = within(p, e)
    check_counterexamples(p, e, result)
    assert not any(c.action.lower().startswith(("iam:", "s3:")) for c in result.counterexamples)


def test_not_action_that_excludes_everything_outside_is_proved() -> None:
    p = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, deny("s3:*"))
    e = policy({"Effect": "Allow", "NotAction": ["iam:*", "s3:*"], "Resource": "*"})
    assert within(p, e).status is WithinStatus.PROVED


def test_deny_narrowing_an_allow_is_taken_into_account() -> None:
    p = policy(allow("s3:*", BUCKET_OBJECTS), deny("s3:Put*", "*"), deny("s3:Delete*", "*"))
    e = policy(
        allow(
            [
                "s3:Get*",
                "s3:List*",
                "s3:AbortMultipartUpload",
                "s3:Restore*",
                "s3:Replicate*",
                "s3:Bypass*",
                "s3:Create*",
                "s3:Describe*",
                "s3:Initiate*",
                "s3:Object*",
                "s3:Pause*",
                "s3:Submit*",
                "s3:Tag*",
                "s3:Untag*",
                "s3:Update*",
                "s3:Associate*",
                "s3:Dissociate*",
            ],
            BUCKET_OBJECTS,
        )
    )
    result = within(p, e)
    assert result.status in (WithinStatus.PROVED, WithinStatus.COUNTEREXAMPLE)
    if result.status is WithinStatus.COUNTEREXAMPLE:
        check_counterexamples(p, e, result)
        assert not any(c.action.lower().startswith(("s3:put", "s3:delete")) for c in result.counterexamples)


def test_deny_in_the_envelope_makes_a_counterexample() -> None:
    p = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS), deny("s3:GetObject", "arn:aws:s3:::bucket/secret/*"))
    result = within(p, e)
    check_counterexamples(p, e, result)
    assert result.counterexamples[0].resource.startswith("arn:aws:s3:::bucket/secret/")


def test_not_resource_with_allow() -> None:
    p = policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"})
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    check_counterexamples(p, e, within(p, e))


def test_if_exists_passes_when_the_key_is_absent() -> None:
    condition = {"aws:SourceVpce": "vpce-1a2b3c"}
    p = policy(allow("s3:GetObject", BUCKET_OBJECTS, Condition={"StringEqualsIfExists": condition}))
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS, Condition={"StringEquals": condition}))
    result = within(p, e)
    check_counterexamples(p, e, result)
    assert result.counterexamples[0].context == {}
    assert within(e, p).status is WithinStatus.PROVED


def test_for_all_values_is_true_for_an_absent_key() -> None:
    p = policy(
        allow(
            "s3:PutObject",
            BUCKET_OBJECTS,
            Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost"]}},
        )
    )
    e = policy(
        allow(
            "s3:PutObject",
            BUCKET_OBJECTS,
            Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "cost"]}},
        )
    )
    result = within(p, e)
    check_counterexamples(p, e, result)
    assert "aws:TagKeys" not in result.counterexamples[0].context


def test_for_all_values_with_a_null_guard_is_within_any_value() -> None:
    guarded = {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}, "Null": {"aws:TagKeys": "false"}}
    p = policy(allow("s3:PutObject", BUCKET_OBJECTS, Condition=guarded))
    e = policy(
        allow(
            "s3:PutObject", BUCKET_OBJECTS, Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}
        )
    )
    assert within(p, e).status is WithinStatus.PROVED


def test_for_all_values_needs_a_list_to_show_the_difference() -> None:
    p = policy(
        allow(
            "s3:PutObject", BUCKET_OBJECTS, Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}
        )
    )
    e = policy(
        allow(
            "s3:PutObject",
            BUCKET_OBJECTS,
            Condition={
                "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]},
                "Null": {"aws:TagKeys": "false"},
            },
        )
    )
    result = within(p, e)
    check_counterexamples(p, e, result)
    tags = result.counterexamples[0].context["aws:TagKeys"]
    assert isinstance(tags, list) and "team" in tags and len(tags) == 2


def test_negated_operator_holds_when_the_key_is_absent() -> None:
    p = policy(
        allow("s3:GetObject", BUCKET_OBJECTS, Condition={"StringNotEquals": {"aws:SourceVpc": "vpc-bad"}})
    )
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS, Condition={"Null": {"aws:SourceVpc": "false"}}))
    result = within(p, e)
    check_counterexamples(p, e, result)
    assert result.counterexamples[0].context == {}


def test_string_like_condition_prefix_trap() -> None:
    p = policy(
        allow("s3:ListBucket", "arn:aws:s3:::bucket", Condition={"StringLike": {"s3:prefix": "home/alice*"}})
    )
    e = policy(
        allow("s3:ListBucket", "arn:aws:s3:::bucket", Condition={"StringLike": {"s3:prefix": "home/alice/*"}})
    )
    result = within(p, e)
    check_counterexamples(p, e, result)
    assert result.counterexamples[0].context["s3:prefix"].startswith("home/alice")


def test_ignore_case_matches_the_kelvin_sign() -> None:
    # Python's str.lower (used by the evaluator) maps KELVIN SIGN to "k"; the proof must know it.
    p = policy(
        allow("s3:GetObject", "*", Condition={"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "kyc"}})
    )
    e = policy(
        allow(
            "s3:GetObject",
            "*",
            Condition={
                "StringEquals": {
                    "aws:PrincipalTag/team": ["kyc", "KYC", "Kyc", "kYc", "kyC", "KYc", "KyC", "kYC"]
                }
            },
        )
    )
    result = within(p, e)
    check_counterexamples(p, e, result)
    assert result.counterexamples[0].context["aws:PrincipalTag/team"].lower() == "kyc"


@pytest.mark.parametrize(
    ("inner", "outer", "expected"),
    [
        (
            {"NumericLessThanEquals": {"s3:max-keys": "10"}},
            {"NumericLessThan": {"s3:max-keys": "10"}},
            WithinStatus.COUNTEREXAMPLE,
        ),
        (
            {"NumericLessThanEquals": {"s3:max-keys": "10"}},
            {"NumericLessThanEquals": {"s3:max-keys": "10.5"}},
            WithinStatus.PROVED,
        ),
        (
            {"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
            {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
            WithinStatus.PROVED,
        ),
        (
            {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
            {"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
            WithinStatus.COUNTEREXAMPLE,
        ),
        (
            {"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}},
            {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            WithinStatus.PROVED,
        ),
        (
            {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            {"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}},
            WithinStatus.COUNTEREXAMPLE,
        ),
        (
            {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            {"NotIpAddress": {"aws:SourceIp": "10.1.0.0/16"}},
            WithinStatus.PROVED,
        ),
        (
            {"Bool": {"aws:SecureTransport": "true"}},
            {"Bool": {"aws:SecureTransport": "TRUE"}},
            WithinStatus.PROVED,
        ),
        (
            {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
            {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            WithinStatus.COUNTEREXAMPLE,
        ),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket-*"}},
            {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
            WithinStatus.PROVED,
        ),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:bucket"}},
            {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::bucket"}},
            WithinStatus.COUNTEREXAMPLE,
        ),
        (
            {"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
            {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
            WithinStatus.PROVED,
        ),
    ],
)
def test_condition_operator_families(
    inner: dict[str, Any], outer: dict[str, Any], expected: WithinStatus
) -> None:
    p = policy(allow("s3:GetObject", BUCKET_OBJECTS, Condition=inner))
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS, Condition=outer))
    result = within(p, e)
    assert result.status is expected, result
    if expected is WithinStatus.COUNTEREXAMPLE:
        check_counterexamples(p, e, result)


def test_arn_like_wildcard_stays_inside_its_field() -> None:
    # "arn:aws:s3:*:*:bucket" cannot match a value with extra colons in the region field.
    p = policy(allow("s3:GetObject", "*", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:bucket"}}))
    e = policy(allow("s3:GetObject", "*", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:*"}}))
    assert within(p, e).status is WithinStatus.PROVED


def test_policy_variable_is_one_value_shared_by_both_policies() -> None:
    home = "arn:aws:s3:::bucket/home/${aws:username}/*"
    p = policy(allow("s3:GetObject", home))
    e = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/home/*"))
    assert within(p, e).status is WithinStatus.PROVED
    result = within(e, p)
    check_counterexamples(e, p, result)


def test_policy_variable_with_principal_is_fixed() -> None:
    p = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/*"))
    e = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/home/alice/*"))
    assert within(p, e, principal=USER).status is WithinStatus.PROVED
    result = within(p, e)
    assert result.status is WithinStatus.COUNTEREXAMPLE


def test_variables_are_literal_under_version_2008() -> None:
    p = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:username}"), version="2008-10-17")
    e = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/$*"))
    result = within(p, e)
    assert result.status is WithinStatus.PROVED
    back = within(e, p)
    check_counterexamples(e, p, back)


def test_unknown_action_in_envelope_does_not_hide_catalog_actions() -> None:
    p = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    e = policy(allow("s3:GetObjekt", BUCKET_OBJECTS))
    check_counterexamples(p, e, within(p, e))


def test_several_policies_on_each_side() -> None:
    p = [policy(allow("s3:GetObject", BUCKET_OBJECTS)), policy(allow("s3:PutObject", BUCKET_OBJECTS))]
    e = [policy(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::bucket/*"))]
    assert within(p, e).status is WithinStatus.PROVED


def test_kms_and_assume_role_counterexamples_are_confirmed() -> None:
    p = policy(allow(["kms:Decrypt", "sts:AssumeRole"], "*"))
    e = policy(allow("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/abc"))
    check_counterexamples(p, e, within(p, e))


def test_binary_condition_is_never_proved_by_guessing() -> None:
    p = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS, Condition={"BinaryEquals": {"aws:SourceIp": "QUJD"}}))
    result = within(p, e)
    assert result.status is not WithinStatus.PROVED
    if result.status is WithinStatus.COUNTEREXAMPLE:
        check_counterexamples(p, e, result)


def test_within_rejects_resource_policies_with_a_plain_message() -> None:
    from checker.aws import PolicyKind

    bucket = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": BUCKET_OBJECTS},
        kind=PolicyKind.RESOURCE,
    )
    with pytest.raises(InputError, match="identity-style"):
        within(bucket, bucket)


def test_bad_principal_is_an_input_error() -> None:
    p = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    with pytest.raises(InputError):
        within(p, p, principal="not a principal")


def test_hostile_wildcards_are_decided_without_hanging() -> None:
    hostile = "arn:aws:s3:::" + "*a?" * 5  # 10 wildcards: the most the prover compares
    p = policy(allow("s3:GetObject", hostile))
    e = policy(allow("s3:GetObject", BUCKET_OBJECTS))
    result = within(p, e)
    assert result.status is not WithinStatus.PROVED
    if result.status is WithinStatus.COUNTEREXAMPLE:
        check_counterexamples(p, e, result)


def test_wildcard_patterns_over_the_limits_are_refused_as_input() -> None:
    """Before, "*a?" * 40 was explored for seconds and `a?` runs of that kind for minutes (issue 13)."""
    for hostile, says in (
        ("arn:aws:s3:::" + "*a?" * 40, "holds 80 wildcards (* and ?), more than the 10 the prover compares"),
        ("arn:aws:s3:::b/" + "x" * 300 + "*", "is 316 characters long, more than the 256 the prover compares"),
    ):
        p = policy(allow("s3:GetObject", ["arn:aws:s3:::b/ok/*", hostile]))
        e = policy(allow("s3:GetObject", BUCKET_OBJECTS))
        with pytest.raises(InputError) as raised:
            within(p, e)
        assert says in raised.value.message
        assert raised.value.where is not None and raised.value.where.pointer == "/Statement/0/Resource/1"
        with pytest.raises(InputError, match="the prover compares"):
            compare(e, p)  # `iamlab diff` asks the same question: the same limits
    condition = {"StringLike": {"s3:prefix": ["home/" + "?*" * 6]}}
    p = policy(allow("s3:ListBucket", "arn:aws:s3:::b", Condition=condition))
    with pytest.raises(InputError, match="12 wildcards") as raised:
        within(p, p)
    assert raised.value.where is not None and raised.value.where.pointer == "/Statement/0/Condition/StringLike/s3:prefix/0"
    literal = {"StringEquals": {"s3:prefix": ["home/" + "?*" * 6]}}  # compared as plain text: no limit
    p = policy(allow("s3:ListBucket", "arn:aws:s3:::b", Condition=literal))
    assert within(p, p).status is WithinStatus.PROVED


def test_long_patterns_within_the_limits_are_proved_quickly() -> None:
    """Five 250-character patterns of 10 wildcards each, at the limits: about 1 s (3 s before the bit-mask
    automata); the budget keeps any input from running long (regions.EXPLORE_STEPS)."""
    letters = "abcdefghijklmnopqrstuvwxyz"

    def pattern(seed: int) -> str:
        parts = ["".join(letters[(seed * 7 + i * 3 + j * 5) % 26] for j in range(22)) for i in range(10)]
        return "arn:aws:s3:::b/" + "*".join(parts[:9]) + "*" + parts[9]

    p = policy(allow("s3:GetObject", [pattern(seed) for seed in range(5)]))
    e = policy(allow("s3:GetObject", "arn:aws:s3:::b/*"))
    started = time.thread_time()
    assert within(p, e).status is WithinStatus.PROVED
    assert time.thread_time() - started < 15  # CPU time: the same on a busy machine


def test_a_role_never_sends_aws_username() -> None:
    # aws:username exists only for IAM users (IAM User Guide, "AWS global condition context keys").
    p = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/*"))
    e = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/shared/*"))
    role = "arn:aws:iam::111122223333:role/ml-train"
    assert within(p, e, principal=role).status is WithinStatus.PROVED
    result = within(p, e)
    assert result.status is WithinStatus.COUNTEREXAMPLE
    assert "aws:username" in result.counterexamples[0].context


def test_undecided_construct_in_the_policy_is_named_not_proved() -> None:
    p = policy(allow("s3:GetObject", BUCKET_OBJECTS, Condition={"BinaryEquals": {"aws:SourceIp": "QUJD"}}))
    e = policy(allow("s3:PutObject", BUCKET_OBJECTS))
    result = within(p, e)
    assert result.status is not WithinStatus.PROVED
    if result.status is WithinStatus.UNKNOWN:
        assert "BinaryEquals" in result.reason
    else:
        check_counterexamples(p, e, result)


def test_a_proof_over_many_long_patterns_ends_within_its_budget() -> None:
    """Twenty patterns at the limits on each side: the automaton product stops at its budget
    (regions.EXPLORE_STEPS), the solver's strings at theirs; the answer comes in seconds, never minutes,
    and an undecided proof is UNKNOWN, never PROVED."""
    letters = "abcdefghijklmnopqrstuvwxyz"

    def pattern(seed: int) -> str:
        parts = ["".join(letters[(seed * 7 + i * 3 + j * 5) % 26] for j in range(22)) for i in range(10)]
        return "arn:aws:s3:::b/" + "*".join(parts[:9]) + "*" + parts[9]

    p = policy(allow("s3:GetObject", [pattern(seed) for seed in range(20)]))
    e = policy(allow("s3:GetObject", ["arn:aws:s3:::b/*" + pattern(seed + 50)[-30:] for seed in range(20)]))
    started = time.thread_time()
    result = within(p, e, principal=ROLE)
    assert time.thread_time() - started < 20  # CPU seconds; measured: 16.5 s before the budget, 4.6 s with it
    assert result.status is not WithinStatus.PROVED
    if result.status is WithinStatus.COUNTEREXAMPLE:
        check_counterexamples(p, e, result)


def test_lowercase_preimages_are_every_character_that_lowercases_to_another() -> None:
    """StringEqualsIgnoreCase is proved with the characters whose str.lower() is a given character; the
    table is built block by block, and must be exactly the one a character-by-character scan gives, in
    the same order (KELVIN SIGN lowercases to k, so a policy's "k" also admits it)."""
    from checker.aws.analyze.condition_encoding import _lowercase_preimages

    expected: dict[str, list[str]] = {}
    for code in range(0x30000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if char.lower() != char and len(char.lower()) == 1:
            expected.setdefault(char.lower(), []).append(char)
    table = _lowercase_preimages()
    assert list(table.items()) == [(key, tuple(chars)) for key, chars in expected.items()]
    assert table["k"] == ("K", "\u212a") and "i" in table and "\u0130" not in table["i"]
