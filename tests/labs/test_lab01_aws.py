"""Lab 01, AWS: realistic wrong answers fail exactly the checks that name their mistake, and right answers
written differently still score full marks."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.labs.answers import Doc, failing, grade_changed, statement

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "01-training-job"
SOLUTION = REPO / "solutions" / "01-training-job" / "aws"


def submit(tmp_path: Path, change: Callable[..., None]) -> dict[str, Any]:
    """Copy the reference answer, apply one change, grade it; return {check id: result, "result": ...}."""
    return grade_changed(LAB, SOLUTION, ("permissions-policy.json", "trust-policy.json", "training-job.json"), change, tmp_path)


# (name, change, checks that must fail, text the within counterexample must show or None)
WRONG: list[tuple[str, Callable[[Doc, Doc, Doc], None], set[str], str | None]] = [
    (
        "prefix without its slash",
        lambda p, t, j: statement(p, "ReadTrainingData").update(Resource="arn:aws:s3:::acme-ml-datasets/fraud/v3*"),
        {"least-privilege", "common-traps"},
        "acme-ml-datasets/fraud/v3",
    ),
    (
        "look-alike bucket wildcard",
        lambda p, t, j: statement(p, "ReadTrainingData").update(Resource="arn:aws:s3:::acme-ml-datasets*/fraud/v3/*"),
        {"least-privilege", "common-traps"},
        "acme-ml-datasets",
    ),
    (
        "listing without the prefix condition",
        lambda p, t, j: statement(p, "ListTrainingDataPrefix").pop("Condition"),
        {"least-privilege", "common-traps", "live-run"},
        "s3:ListBucket",
    ),
    (
        "s3:Get* instead of s3:GetObject",
        lambda p, t, j: statement(p, "ReadTrainingData").update(Action="s3:Get*"),
        {"least-privilege"},
        "s3:Get",
    ),
    (
        "writes also allowed on the dataset",
        lambda p, t, j: statement(p, "WriteModelArtifacts").update(
            Resource=["arn:aws:s3:::acme-ml-artifacts/fraud/models/*", "arn:aws:s3:::acme-ml-datasets/*"]
        ),
        {"least-privilege", "common-traps", "live-run"},
        "s3:PutObject",
    ),
    (
        "deletes models",
        lambda p, t, j: statement(p, "WriteModelArtifacts").update(Action=["s3:PutObject", "s3:DeleteObject"]),
        {"least-privilege", "common-traps"},
        "s3:DeleteObject",
    ),
    (
        "passes its own role",
        lambda p, t, j: p["Statement"].append(
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/fraud-training-role"}
        ),
        {"least-privilege", "common-traps"},
        "iam:PassRole",
    ),
    (
        "metrics in any namespace",
        lambda p, t, j: statement(p, "PublishTrainingMetrics").pop("Condition"),
        {"least-privilege"},
        "cloudwatch:PutMetricData",
    ),
    (
        "trust also names the account root",
        lambda p, t, j: t["Statement"].append(
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
        ),
        # The account's users and roles may assume it, whatever the source: both trust proofs fail.
        {"only-sagemaker-assumes", "confused-deputy"},
        None,
    ),
    (
        "trust without source conditions (confused deputy)",
        lambda p, t, j: t["Statement"][0].pop("Condition"),
        {"confused-deputy"},
        None,
    ),
    (
        "job runs with network access",
        lambda p, t, j: j.update(EnableNetworkIsolation=False),
        {"job-definition"},
        None,
    ),
    (
        "job reads a sibling prefix",
        lambda p, t, j: j["InputDataConfig"][0]["DataSource"]["S3DataSource"].update(S3Uri="s3://acme-ml-datasets/fraud/v30/"),
        {"job-definition"},
        None,
    ),
]


@pytest.mark.parametrize(("change", "expected", "shown"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_the_check_that_names_it(
    tmp_path: Path, change: Callable[[Doc, Doc, Doc], None], expected: set[str], shown: str | None
) -> None:
    outcome = submit(tmp_path, change)
    assert failing(outcome) == expected
    if shown is not None:
        check = outcome["least-privilege"]
        assert check.counterexample is not None, check.message
        assert shown in f"{check.counterexample.action} {check.counterexample.resource}"


def test_missing_source_condition_is_a_gate_with_a_counterexample_context(tmp_path: Path) -> None:
    """Issue 13: the confused-deputy requirement is a gate; the proof shows SageMaker acting for another
    account (no aws:SourceAccount of this account, no aws:SourceArn in it)."""
    outcome = submit(tmp_path, lambda p, t, j: t["Statement"][0].pop("Condition"))
    assert not outcome["result"].passed
    example = outcome["confused-deputy"].counterexample
    assert example is not None and example.principal == "sagemaker.amazonaws.com"
    assert not _acts_for_a_fraud_job_of_this_account(example.context)


def _acts_for_a_fraud_job_of_this_account(context: dict[str, object]) -> bool:
    source = str(context.get("aws:SourceArn", ""))
    parts = source.split(":", 5)
    return (
        len(parts) == 6
        and parts[4] in ("111122223333", "")
        and parts[5].startswith("training-job/fraud-")
        and context.get("aws:SourceAccount", "111122223333") == "111122223333"
    )




RIGHT: list[tuple[str, Callable[[Doc, Doc, Doc], None]]] = [
    ("no logs or metrics at all", lambda p, t, j: p.update(Statement=p["Statement"][:3])),
    (
        "log group named without the :* suffix",
        lambda p, t, j: statement(p, "WriteTrainingLogs").update(
            Resource=[
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/sagemaker/TrainingJobs",
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/sagemaker/TrainingJobs:log-stream:*",
            ]
        ),
    ),
    (
        "exact prefix instead of a pattern for listing",
        lambda p, t, j: statement(p, "ListTrainingDataPrefix").update(Condition={"StringEquals": {"s3:prefix": ["fraud/v3/"]}}),
    ),
    (
        "one statement per action, no Sids",
        lambda p, t, j: p.update(
            Statement=[{k: v for k, v in s.items() if k != "Sid"} for s in copy.deepcopy(p["Statement"])]
        ),
    ),
    ("action names in another case", lambda p, t, j: statement(p, "ReadTrainingData").update(Action="S3:getobject")),
    (
        "trust guarded by SourceArn alone",
        lambda p, t, j: t["Statement"][0].update(
            Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-*"}}
        ),
    ),
    (
        "a Deny that changes nothing the job needs",
        lambda p, t, j: p["Statement"].append({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}),
    ),
]


@pytest.mark.parametrize("change", [r[1] for r in RIGHT], ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently_scores_full_marks(tmp_path: Path, change: Callable[[Doc, Doc, Doc], None]) -> None:
    outcome = submit(tmp_path, change)
    result = outcome["result"]
    assert failing(outcome) == set(), {c.id: c.message for c in result.checks if not c.passed}
    assert result.score == result.max_score


# --- trust is proved, not sampled (issue 13) -------------------------------------------------------------
# lab.yaml lists a few example principals; a trust policy that lets anyone else in must fail however it is
# written. Each trick below scored full marks when only the listed principals were decided.
SAGEMAKER = {"Service": "sagemaker.amazonaws.com"}
LISTED_AWS = [
    "arn:aws:iam::111122223333:user/data-scientist",
    "arn:aws:iam::111122223333:role/ci-deployer",
    "arn:aws:iam::444455556666:root",
]
LISTED_SERVICES = ["ec2.amazonaws.com", "lambda.amazonaws.com"]


def also_trust(extra: Doc) -> Callable[[Doc, Doc, Doc], None]:
    return lambda p, t, j: t["Statement"].append({"Effect": "Allow", "Action": "sts:AssumeRole", **extra})


TRICKS: list[tuple[str, Callable[[Doc, Doc, Doc], None]]] = [
    (
        "everyone, then a Deny naming exactly the listed principals",
        lambda p, t, j: t["Statement"].extend(
            [
                {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": LISTED_AWS, "Service": LISTED_SERVICES},
                    "Action": "sts:AssumeRole",
                },
            ]
        ),
    ),
    (
        "an Allow with NotPrincipal listing the denied principals",
        also_trust({"NotPrincipal": {"AWS": LISTED_AWS, "Service": LISTED_SERVICES}}),
    ),
    (
        # IAM User Guide, "Create a role for OIDC federation": {"Federated": "cognito-identity.amazonaws.com"}
        # with sts:AssumeRoleWithWebIdentity lets the identity pool's users assume the role.
        "an added Federated web-identity principal",
        lambda p, t, j: t["Statement"].append(
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ),
    ),
    (
        "an added SAML provider",
        lambda p, t, j: t["Statement"].append(
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/corp"},
                "Action": "sts:AssumeRoleWithSAML",
            }
        ),
    ),
    ("another account's root", also_trust({"Principal": {"AWS": "arn:aws:iam::999988887777:root"}})),
    (
        "any AWS principal with aws:SourceAccount of this account (any caller can send it)",
        also_trust({"Principal": {"AWS": "*"}, "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}),
    ),
    (
        "any AWS principal that sends an external id",
        also_trust({"Principal": {"AWS": "*"}, "Condition": {"Null": {"sts:ExternalId": "false"}}}),
    ),
    (
        "any AWS principal with a principal tag",
        also_trust({"Principal": {"AWS": "*"}, "Condition": {"StringEquals": {"aws:PrincipalTag/team": "fraud"}}}),
    ),
    (
        "any AWS principal from a broad address range",
        also_trust({"Principal": {"AWS": "*"}, "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}),
    ),
    (
        "any AWS principal whose ARN matches a pattern the examples miss",
        also_trust(
            {"Principal": {"AWS": "*"}, "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ml-*"}}}
        ),
    ),
    (
        "the account may tag sessions (a trust action other than AssumeRole)",
        lambda p, t, j: t["Statement"].append(
            {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": ["sts:TagSession", "sts:SetSourceIdentity"]}
        ),
    ),
    ("another service", also_trust({"Principal": {"Service": "glue.amazonaws.com"}})),
]


@pytest.mark.parametrize("change", [t[1] for t in TRICKS], ids=[t[0] for t in TRICKS])
def test_a_trust_policy_letting_others_in_fails_with_a_counterexample(
    tmp_path: Path, change: Callable[[Doc, Doc, Doc], None]
) -> None:
    outcome = submit(tmp_path, change)
    check = outcome["only-sagemaker-assumes"]
    assert not check.passed and not outcome["result"].passed
    example = check.counterexample
    assert example is not None and example.principal not in (None, "sagemaker.amazonaws.com"), check.failures
    assert example.resource == "arn:aws:iam::111122223333:role/fraud-training-role"
    assert example.action.lower().startswith("sts:")
    assert any(str(example.principal) in line and "not one of those allowed" in line for line in check.failures)


def test_a_trick_counterexample_names_the_context_it_needs(tmp_path: Path) -> None:
    outcome = submit(
        tmp_path,
        also_trust({"Principal": {"AWS": "*"}, "Condition": {"StringEquals": {"aws:PrincipalTag/team": "fraud"}}}),
    )
    example = outcome["only-sagemaker-assumes"].counterexample
    assert example is not None and example.context == {"aws:PrincipalTag/team": "fraud"}


def with_source(condition: Doc) -> Callable[[Doc, Doc, Doc], None]:
    return lambda p, t, j: t["Statement"][0].update(Condition=condition)


# README task 5: "guard the trust with aws:SourceAccount (111122223333) and/or aws:SourceArn
# (arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-*)": SageMaker may act only for this account.
DEPUTY_WRONG: list[tuple[str, Callable[[Doc, Doc, Doc], None]]] = [
    (
        # IAM User Guide, "...IfExists condition operators": the condition holds when the key is absent.
        "SourceAccount with IfExists",
        with_source({"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}}),
    ),
    (
        "SourceAccount of this account or a third one",
        with_source({"StringEquals": {"aws:SourceAccount": ["111122223333", "999988887777"]}}),
    ),
    ("SourceAccount that is merely not the example account", with_source({"StringNotEquals": {"aws:SourceAccount": "444455556666"}})),
    (
        "SourceArn of fraud jobs in any account",
        with_source({"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:*:*:training-job/fraud-*"}}),
    ),
    (
        "a second SageMaker statement without conditions",
        lambda p, t, j: t["Statement"].append({"Effect": "Allow", "Principal": SAGEMAKER, "Action": "sts:AssumeRole"}),
    ),
]


@pytest.mark.parametrize("change", [w[1] for w in DEPUTY_WRONG], ids=[w[0] for w in DEPUTY_WRONG])
def test_sagemaker_acting_for_another_account_fails_the_gate(tmp_path: Path, change: Callable[[Doc, Doc, Doc], None]) -> None:
    outcome = submit(tmp_path, change)
    check = outcome["confused-deputy"]
    assert not check.passed and not outcome["result"].passed
    assert outcome["only-sagemaker-assumes"].passed
    example = check.counterexample
    assert example is not None and example.principal == "sagemaker.amazonaws.com"
    assert example.context.get("aws:SourceAccount") != "111122223333"


DEPUTY_RIGHT: list[tuple[str, Callable[[Doc, Doc, Doc], None]]] = [
    (
        "SourceArn with StringLike and the README's region",
        with_source({"StringLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-*"}}),
    ),
    (
        "SourceArn with ArnLike in any region",
        with_source({"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:*:111122223333:training-job/fraud-*"}}),
    ),
    (
        "SourceArn with ArnEquals (the same matching as ArnLike)",
        with_source({"ArnEquals": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-*"}}),
    ),
    (
        "SourceAccount as a one-item list, SourceArn of fraud jobs in any account",
        with_source(
            {
                "StringEquals": {"aws:SourceAccount": ["111122223333"]},
                "ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:*:*:training-job/fraud-*"},
            }
        ),
    ),
    (
        "an unconditioned Allow and a Deny for every other source",
        lambda p, t, j: t.update(
            Statement=[
                {"Effect": "Allow", "Principal": SAGEMAKER, "Action": "sts:AssumeRole"},
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sts:AssumeRole",
                    "Condition": {"ArnNotLike": {"aws:SourceArn": "arn:aws:sagemaker:*:111122223333:training-job/fraud-*"}},
                },
            ]
        ),
    ),
    (
        "SageMaker may also tag its session",
        lambda p, t, j: t["Statement"][0].update(Action=["sts:AssumeRole", "sts:TagSession"]),
    ),
]


@pytest.mark.parametrize("change", [r[1] for r in DEPUTY_RIGHT], ids=[r[0] for r in DEPUTY_RIGHT])
def test_a_source_guard_written_differently_scores_full_marks(tmp_path: Path, change: Callable[[Doc, Doc, Doc], None]) -> None:
    outcome = submit(tmp_path, change)
    result = outcome["result"]
    assert failing(outcome) == set(), {c.id: c.failures for c in result.checks if not c.passed}
    assert result.score == result.max_score


# Issue 13: "SageMaker acting only for this account's fraud-* jobs" - the account alone is not enough.
ACCOUNT_ONLY_WRONG: list[tuple[str, Callable[[Doc, Doc, Doc], None]]] = [
    ("SourceAccount alone", with_source({"StringEquals": {"aws:SourceAccount": "111122223333"}})),
    (
        "SourceArn for any training job of this account",
        with_source({"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/*"}}),
    ),
    (
        "SourceArn for any SageMaker resource named fraud-* of this account",
        with_source({"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:*/fraud-*"}}),
    ),
]


@pytest.mark.parametrize("change", [w[1] for w in ACCOUNT_ONLY_WRONG], ids=[w[0] for w in ACCOUNT_ONLY_WRONG])
def test_sagemaker_acting_for_another_job_of_this_account_fails_the_gate(
    tmp_path: Path, change: Callable[[Doc, Doc, Doc], None]
) -> None:
    outcome = submit(tmp_path, change)
    check = outcome["confused-deputy"]
    assert not check.passed and not outcome["result"].passed
    example = check.counterexample
    assert example is not None and example.principal == "sagemaker.amazonaws.com"
    assert not _acts_for_a_fraud_job_of_this_account(example.context), example.context
