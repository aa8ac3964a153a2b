"""The linter: each finding code on a policy that should raise it, and quiet on one that should not.

Doc pages per family are listed in checker/aws/analyze/findings/codes.py; the expectations below follow
them: IAM User Guide "Security best practices in IAM" (least privilege), "IAM JSON policy elements:
NotAction / NotResource", "Granting a user permissions to pass a role to an AWS service", "The confused
deputy problem", "Create a role for OpenID Connect federation", "IAM policy elements: Variables".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from checker.aws import PolicyKind, parse_policy
from checker.aws.analyze import lint
from checker.aws.analyze.findings import privilege
from checker.aws.analyze.findings.codes import CODES
from checker.core.findings import Severity
from checker.core.source import parse_json
from tests.aws_analysis.helpers import allow, deny, policy

GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


def codes(p: Any, **kwargs: Any) -> set[str]:
    return {f.code for f in lint(p, **kwargs)}


def trust(*statements: dict[str, Any]) -> Any:
    return policy(*statements, kind=PolicyKind.TRUST)


def test_least_privilege_policy_is_quiet() -> None:
    p = policy(
        allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::ml-data/fraud/v3/*"),
        allow("s3:ListBucket", "arn:aws:s3:::ml-data", Condition={"StringLike": {"s3:prefix": "fraud/v3/*"}}),
    )
    assert lint(p) == []


def test_every_finding_has_code_severity_location_hint_and_doc() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": [allow("s3:*", "*")]}, indent=2)
    p = parse_policy(parse_json(text, "policy.json"))
    found = lint(p)
    assert found
    for item in found:
        assert item.code in CODES
        assert item.severity is CODES[item.code].severity or item.severity in Severity
        assert item.where is not None and item.where.file == "policy.json" and item.where.line
        assert item.hint and item.doc and item.doc.startswith("https://")


def test_unknown_action_suggests_the_right_one() -> None:
    found = lint(policy(allow("s3:GetObjekt", "arn:aws:s3:::b/*")))
    unknown = [f for f in found if f.code == "AWS-UNKNOWN-ACTION"]
    assert unknown and "s3:GetObject" in unknown[0].message
    assert unknown[0].severity is Severity.ERROR
    assert unknown[0].where is not None and unknown[0].where.pointer == "/Statement/0/Action"


def test_unknown_service_and_pattern_matching_nothing() -> None:
    assert "AWS-UNKNOWN-ACTION" in codes(policy(allow("s4:GetObject", "*")))
    assert "AWS-ACTION-MATCHES-NOTHING" in codes(policy(allow("s3:Fly*", "*")))


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ("*", "AWS-WILDCARD-ACTION"),
        ("s3:*", "AWS-WILDCARD-SERVICE"),
        ("S3:*", "AWS-WILDCARD-SERVICE"),
        ("s3:Get*", "AWS-WILDCARD-PARTIAL"),
    ],
)
def test_wildcards(action: str, code: str) -> None:
    assert code in codes(policy(allow(action, "arn:aws:s3:::b/*")))


def test_resource_star_only_when_the_actions_support_resources() -> None:
    assert "AWS-RESOURCE-STAR" in codes(policy(allow("s3:GetObject", "*")))
    assert "AWS-RESOURCE-STAR" not in codes(policy(allow("s3:ListAllMyBuckets", "*")))


def test_allow_with_not_action_and_not_resource() -> None:
    found = codes(policy({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}))
    assert {"AWS-ALLOW-NOT-ACTION", "AWS-ALLOW-NOT-RESOURCE"} <= found
    assert "AWS-ALLOW-NOT-ACTION" not in codes(
        policy(
            {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"},
            allow("s3:GetObject", "arn:aws:s3:::b/*"),
        )
    )


def test_passrole_needs_a_resource_or_passed_to_service() -> None:
    assert "AWS-PASSROLE-UNRESTRICTED" in codes(policy(allow("iam:PassRole", "*")))
    limited = allow(
        "iam:PassRole", "*", Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    )
    assert "AWS-PASSROLE-UNRESTRICTED" not in codes(policy(limited))
    assert "AWS-PASSROLE-UNRESTRICTED" not in codes(
        policy(allow("iam:PassRole", "arn:aws:iam::111122223333:role/train"))
    )


@pytest.mark.parametrize(
    "action",
    [
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:AttachRolePolicy",
        "iam:PutUserPolicy",
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateAssumeRolePolicy",
        "iam:AddUserToGroup",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
    ],
)
def test_single_escalation_actions(action: str) -> None:
    assert "AWS-PRIVESC-ACTION" in codes(policy(allow(action, "arn:aws:iam::111122223333:user/x")))


@pytest.mark.parametrize(
    "compute",
    [
        ["lambda:CreateFunction", "lambda:InvokeFunction"],
        ["ec2:RunInstances"],
        ["glue:CreateDevEndpoint"],
        ["cloudformation:CreateStack"],
        ["sagemaker:CreateNotebookInstance"],
        ["sagemaker:CreateTrainingJob"],
        ["sagemaker:CreateProcessingJob"],
    ],
)
def test_passrole_with_compute_is_an_escalation(compute: list[str]) -> None:
    role = "arn:aws:iam::111122223333:role/any"
    assert "AWS-PRIVESC-COMBO" in codes(policy(allow("iam:PassRole", role), allow(compute, "*")))
    assert "AWS-PRIVESC-COMBO" not in codes(policy(allow(compute, "*")))


def test_deny_removes_an_escalation() -> None:
    p = policy(allow("iam:*", "*"), deny("iam:CreatePolicyVersion"))
    messages = " ".join(f.message for f in lint(p) if f.code == "AWS-PRIVESC-ACTION")
    assert "CreatePolicyVersion" not in messages and "AttachRolePolicy" in messages


def test_exfiltration_exposure_and_credentials() -> None:
    assert "AWS-DATA-EXFILTRATION" in codes(policy(allow("secretsmanager:GetSecretValue", "*")))
    assert "AWS-DATA-EXFILTRATION" not in codes(
        policy(
            allow(
                "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-*"
            )
        )
    )
    assert "AWS-RESOURCE-EXPOSURE" in codes(policy(allow(["s3:PutBucketPolicy", "s3:PutObjectAcl"], "*")))
    assert "AWS-CREDENTIAL-EXPOSURE" in codes(policy(allow("ecr:GetAuthorizationToken", "*")))


def test_trust_open_to_everyone() -> None:
    assert "AWS-TRUST-PUBLIC" in codes(
        trust({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    )
    narrowed = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2"}},
    }
    assert "AWS-TRUST-PUBLIC" not in codes(trust(narrowed))


def test_trust_other_account_needs_external_id_or_organization() -> None:
    other = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
        "Action": "sts:AssumeRole",
    }
    found = [f for f in lint(trust(other), account="111122223333") if f.code == "AWS-TRUST-CROSS-ACCOUNT"]
    assert found and found[0].severity is Severity.SECURITY
    with_id = dict(other, Condition={"StringEquals": {"sts:ExternalId": "vendor-42"}})
    assert "AWS-TRUST-CROSS-ACCOUNT" not in codes(trust(with_id), account="111122223333")
    own = dict(other, Principal={"AWS": "arn:aws:iam::111122223333:root"})
    assert "AWS-TRUST-CROSS-ACCOUNT" not in codes(trust(own), account="111122223333")
    unknown_owner = [f for f in lint(trust(other)) if f.code == "AWS-TRUST-CROSS-ACCOUNT"]
    assert unknown_owner and unknown_owner[0].severity is Severity.WARNING


def test_service_trust_without_source_is_a_confused_deputy() -> None:
    service = {
        "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    assert "AWS-TRUST-CONFUSED-DEPUTY" in codes(trust(service))
    guarded = dict(service, Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}})
    assert "AWS-TRUST-CONFUSED-DEPUTY" not in codes(trust(guarded))


def test_oidc_trust_needs_an_exact_sub() -> None:
    base = {"Effect": "Allow", "Principal": {"Federated": GITHUB}, "Action": "sts:AssumeRoleWithWebIdentity"}
    aud = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    assert "AWS-TRUST-OIDC-NO-SUB" in codes(trust(dict(base, Condition=aud)))
    wildcard = {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}
    assert "AWS-TRUST-OIDC-WILDCARD-SUB" in codes(trust(dict(base, Condition=wildcard)))
    exact = {
        "StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/fraud:ref:refs/heads/main"}
    }
    assert not {"AWS-TRUST-OIDC-NO-SUB", "AWS-TRUST-OIDC-WILDCARD-SUB"} & codes(
        trust(dict(base, Condition=exact))
    )


def test_unknown_condition_key_with_suggestion() -> None:
    found = [
        f
        for f in lint(
            policy(
                allow(
                    "s3:GetObject",
                    "arn:aws:s3:::b/*",
                    Condition={"IpAddress": {"aws:SourceIP ": "10.0.0.0/8"}},
                )
            )
        )
    ]
    assert any(f.code == "AWS-UNKNOWN-CONDITION-KEY" for f in found)
    assert "AWS-UNKNOWN-CONDITION-KEY" not in codes(
        policy(
            allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
        )
    )


def test_variables_under_the_old_version() -> None:
    old = policy(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"), version="2008-10-17")
    assert "AWS-VARIABLE-OLD-VERSION" in codes(old)
    missing = parse_policy({"Statement": [allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*")]})
    found = [f for f in lint(missing) if f.code == "AWS-VARIABLE-OLD-VERSION"]
    assert found and "no Version" in found[0].message
    assert "AWS-VARIABLE-OLD-VERSION" not in codes(
        policy(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"))
    )


def test_redundant_statement_is_proved_not_guessed() -> None:
    p = policy(allow("s3:*", "arn:aws:s3:::b/*"), allow("s3:GetObject", "arn:aws:s3:::b/data/*"))
    found = [f for f in lint(p) if f.code == "AWS-REDUNDANT-STATEMENT"]
    assert len(found) == 1 and found[0].where is not None and found[0].where.pointer == "/Statement/1"
    twins = policy(allow("s3:GetObject", "arn:aws:s3:::b/*"), allow("s3:GetObject", "arn:aws:s3:::b/*"))
    assert len([f for f in lint(twins) if f.code == "AWS-REDUNDANT-STATEMENT"]) == 1
    distinct = policy(allow("s3:GetObject", "arn:aws:s3:::b/*"), allow("s3:GetObject", "arn:aws:s3:::c/*"))
    assert "AWS-REDUNDANT-STATEMENT" not in codes(distinct)


def test_findings_are_sorted_most_severe_first() -> None:
    found = lint(policy(allow("*", "*"), allow("s3:GetObjekt", "*")))
    ranks = [f.severity.rank for f in found]
    assert ranks == sorted(ranks, reverse=True)


def test_public_bucket_policy() -> None:
    public = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        kind=PolicyKind.RESOURCE,
    )
    assert "AWS-RESOURCE-PUBLIC" in codes(public)
    vpce = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b"}},
    }
    assert "AWS-RESOURCE-PUBLIC" not in codes(policy(vpce, kind=PolicyKind.RESOURCE))


def test_policy_write_on_one_bucket_is_still_exposure() -> None:
    p = policy(allow("s3:*", ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]))
    assert "AWS-RESOURCE-EXPOSURE" in codes(p)
    narrowed = policy(
        allow("s3:*", ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]),
        deny(
            [
                "s3:PutBucket*",
                "s3:PutObjectAcl",
                "s3:PutObjectVersionAcl",
                "s3:PutAccessPointPolicy*",
                "s3:PutMultiRegionAccessPointPolicy",
                "s3:PutAccessGrantsInstanceResourcePolicy",
                "s3:PutStorageLensConfiguration*",
                "s3:*Policy*",
                "s3:*Acl*",
                "s3:*Grant*",
                "s3:*AccessPoint*",
                "s3:*Permission*",
                "s3:*Ownership*",
                "s3:*PublicAccessBlock*",
                "s3:*Replication*",
                "s3:*Directory*",
            ]
        ),
    )
    messages = " ".join(f.message for f in lint(narrowed) if f.code == "AWS-RESOURCE-EXPOSURE")
    assert "PutBucketPolicy" not in messages


def test_passrole_to_a_listed_role_with_compute_is_a_warning() -> None:
    scoped = policy(
        allow(
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/train",
            Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
        allow("sagemaker:CreateTrainingJob", "*"),
    )
    combo = [f for f in lint(scoped) if f.code == "AWS-PRIVESC-COMBO"]
    assert combo and combo[0].severity is Severity.WARNING


def test_action_with_a_resource_of_another_type() -> None:
    # Service Authorization Reference: s3:ListBucket acts on the bucket, s3:GetObject on objects.
    assert "AWS-RESOURCE-MISMATCH" in codes(policy(allow("s3:ListBucket", "arn:aws:s3:::b/*")))
    assert "AWS-RESOURCE-MISMATCH" in codes(policy(allow("s3:GetObject", "arn:aws:s3:::b")))
    assert "AWS-RESOURCE-MISMATCH" not in codes(policy(allow("s3:ListBucket", "arn:aws:s3:::b")))
    assert "AWS-RESOURCE-MISMATCH" not in codes(policy(allow("s3:GetObject", "arn:aws:s3:::b*")))
    log_stream = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/sagemaker/TrainingJobs:log-stream:*"
    assert "AWS-RESOURCE-MISMATCH" not in codes(policy(allow("logs:PutLogEvents", log_stream)))


def test_patterns_over_the_prover_limits_are_still_linted() -> None:
    """The limits bound the prover's questions (within, diff), not the linter's two-pattern checks."""
    long_s3 = "arn:aws:s3:::b/" + "*x?" * 8  # 24 wildcards
    assert lint(policy(allow("s3:GetObject", long_s3))) == []
    mismatch = lint(policy(allow("s3:GetObject", "arn:aws:iam::111122223333:role/" + "*x?" * 8)))
    assert [f.code for f in mismatch] == ["AWS-RESOURCE-MISMATCH"]


@pytest.mark.parametrize(
    ("action", "technique"),
    [
        ("ssm:StartSession", "ssm-001"),
        ("ssm:SendCommand", "ssm-002"),
        ("ec2-instance-connect:SendSSHPublicKey", "ec2instanceconnect-003"),
        ("codebuild:StartBuild", "codebuild-002"),
        ("cloudformation:UpdateStack", "cloudformation-002"),
        ("apprunner:UpdateService", "apprunner-002"),
    ],
)
def test_taking_over_an_existing_resource_is_an_escalation_action(action: str, technique: str) -> None:
    # pathfinding.cloud's "existing-passrole" paths: one action on a resource that runs with a role.
    found = [f for f in lint(policy(allow(action, "*"))) if f.code == "AWS-PRIVESC-ACTION"]
    assert found and technique in found[0].message


def test_assuming_listed_roles_is_a_warning_and_any_role_a_security_finding() -> None:
    listed = [
        f
        for f in lint(policy(allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/x")))
        if "PRIVESC" in f.code
    ]
    assert [f.severity for f in listed] == [Severity.WARNING]
    anyone = [f for f in lint(policy(allow("sts:AssumeRole", "*"))) if "PRIVESC" in f.code]
    assert [f.severity for f in anyone] == [Severity.SECURITY]


def test_pass_role_to_any_service_that_takes_a_role() -> None:
    # Step Functions runs a state machine as the passed role (derived from AWS's API models, not a hand list).
    found = [
        f
        for f in lint(policy(allow(["iam:PassRole", "states:CreateStateMachine"], "*")))
        if f.code == "AWS-PRIVESC-COMBO"
    ]
    assert found and "states:CreateStateMachine" in found[0].message
    assert "AWS-PRIVESC-COMBO" not in codes(policy(allow("states:CreateStateMachine", "*")))


def test_a_condition_the_attacker_cannot_meet_is_no_escalation() -> None:
    vpce = {"StringEquals": {"aws:SourceVpce": "vpce-1"}}
    blocked = policy(allow("iam:PassRole", "*"), allow("sagemaker:CreateTrainingJob", "*", Condition=vpce))
    assert "AWS-PRIVESC-COMBO" not in codes(blocked)
    tagged = {"StringEquals": {"aws:RequestTag/team": "ml"}}
    chosen = policy(allow("iam:PassRole", "*"), allow("sagemaker:CreateTrainingJob", "*", Condition=tagged))
    assert "AWS-PRIVESC-COMBO" in codes(chosen)


def test_passrole_and_compute_on_named_resources_are_still_a_technique() -> None:
    # corpus 08: CreateTrainingJob only on training-job/fraud-*, PassRole only to one role for SageMaker.
    # The attacker names the job it creates, so both count; the listed role makes it a warning.
    scoped = policy(
        allow("sagemaker:CreateTrainingJob", "arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-*"),
        allow(
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/fraud-training",
            Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
    )
    combo = [f for f in lint(scoped) if f.code == "AWS-PRIVESC-COMBO"]
    assert combo and combo[0].severity is Severity.WARNING and "sagemaker-002" in combo[0].message
    wrong_service = policy(
        allow("sagemaker:CreateTrainingJob", "*"),
        allow("iam:PassRole", "*", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
    )
    assert "sagemaker-002" not in " ".join(f.message for f in lint(wrong_service))


def test_an_escalation_with_a_pattern_over_the_prover_limits_is_still_reported() -> None:
    """The conditions of a statement whose pattern the prover refuses cannot be shown to block it."""
    hostile = "arn:aws:iam::111122223333:role/" + "*x?" * 8
    passing = allow(
        "iam:PassRole", hostile, Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    )
    # privilege.check alone: structure's redundancy proof refuses the pattern (a separate matter).
    found = privilege.check(policy(passing, allow(["lambda:CreateFunction", "lambda:InvokeFunction"], "*")))
    assert "AWS-PRIVESC-COMBO" in {f.code for f in found}
