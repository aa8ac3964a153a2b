"""In-process enforcement against moto: allowed calls reach moto, others raise AWS's ClientError.

Message wording: IAM User Guide, "Troubleshoot access denied error messages".
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from checker.emulate.audit import AuditLog
from checker.emulate.authorize import Verdict
from checker.emulate.backends import Backend
from checker.emulate.hook import InProcessEnforcer
from tests.emulate.conftest import doc, seed_training_world

ROLE_ARN = "arn:aws:iam::123456789012:role/ml-train"


def training_session(
    backend: Backend, audit: AuditLog | None = None, **assume: Any
) -> tuple[Any, InProcessEnforcer]:
    enforcer = InProcessEnforcer(backend.authorizer, backend.credentials, audit)
    admin = enforcer.session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    creds = admin.client("sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="job-1", **assume)[
        "Credentials"
    ]
    session = enforcer.session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )
    return session, enforcer


def test_allowed_calls_reach_moto(moto_backend: Backend) -> None:
    seed_training_world(moto_backend)
    session, _ = training_session(moto_backend)
    s3 = session.client("s3")
    listed = s3.list_objects_v2(Bucket="ml-data", Prefix="datasets/")
    assert [o["Key"] for o in listed["Contents"]] == ["datasets/train.csv"]
    assert s3.get_object(Bucket="ml-data", Key="datasets/train.csv")["Body"].read() == b"a,b\n1,2\n"
    s3.put_object(Bucket="ml-data", Key="models/m.bin", Body=b"weights")
    assert (
        moto_backend.admin_client("s3").get_object(Bucket="ml-data", Key="models/m.bin")["Body"].read()
        == b"weights"
    )


@pytest.mark.parametrize(
    ("operation", "params", "action", "resource"),
    [
        (
            "get_object",
            {"Bucket": "ml-data", "Key": "secrets/other.csv"},
            "s3:GetObject",
            "arn:aws:s3:::ml-data/secrets/other.csv",
        ),
        (
            "put_object",
            {"Bucket": "ml-data", "Key": "datasets/x", "Body": b"1"},
            "s3:PutObject",
            "arn:aws:s3:::ml-data/datasets/x",
        ),
        (
            "delete_object",
            {"Bucket": "ml-data", "Key": "datasets/train.csv"},
            "s3:DeleteObject",
            "arn:aws:s3:::ml-data/datasets/train.csv",
        ),
        ("list_buckets", {}, "s3:ListAllMyBuckets", "*"),
        (
            "list_objects_v2",
            {"Bucket": "ml-data", "Prefix": "secrets/"},
            "s3:ListBucket",
            "arn:aws:s3:::ml-data",
        ),
    ],
)
def test_denied_calls_raise_access_denied_in_aws_words(
    moto_backend: Backend, operation: str, params: dict[str, Any], action: str, resource: str
) -> None:
    seed_training_world(moto_backend)
    session, _ = training_session(moto_backend)
    with pytest.raises(ClientError) as raised:
        getattr(session.client("s3"), operation)(**params)
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        f"User: arn:aws:sts::123456789012:assumed-role/ml-train/job-1 is not authorized to perform: {action} "
        f"on resource: {resource} because no identity-based policy allows the {action} action"
    )
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_denied_write_never_reaches_moto(moto_backend: Backend) -> None:
    seed_training_world(moto_backend)
    session, _ = training_session(moto_backend)
    with pytest.raises(ClientError):
        session.client("s3").delete_object(Bucket="ml-data", Key="datasets/train.csv")
    assert moto_backend.admin_client("s3").head_object(Bucket="ml-data", Key="datasets/train.csv")


def test_json_services_answer_access_denied_exception(moto_backend: Backend) -> None:
    seed_training_world(moto_backend)
    session, _ = training_session(moto_backend)
    with pytest.raises(ClientError) as raised:
        session.client("sagemaker").list_training_jobs()
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(ClientError) as raised_iam:
        session.client("iam").create_user(UserName="mallory")
    assert raised_iam.value.response["Error"]["Code"] == "AccessDenied"
    assert "iam:CreateUser" in raised_iam.value.response["Error"]["Message"]


def test_session_policy_narrows_the_role(moto_backend: Backend) -> None:
    """IAM User Guide, "Session policies": the session gets the intersection."""
    seed_training_world(moto_backend)
    only_models = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}],
    }
    session, _ = training_session(moto_backend, Policy=doc(only_models))
    s3 = session.client("s3")
    s3.put_object(Bucket="ml-data", Key="models/m.bin", Body=b"1")
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="ml-data", Key="datasets/train.csv")
    assert raised.value.response["Error"]["Message"].endswith(
        "because no session policy allows the s3:GetObject action"
    )


def test_boundary_and_explicit_deny_are_named(moto_backend: Backend) -> None:
    seed_training_world(moto_backend)
    iam = moto_backend.admin_client("iam")
    boundary = iam.create_policy(
        PolicyName="boundary",
        PolicyDocument=doc(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="ml-train", PermissionsBoundary=boundary)
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-data/datasets/secret*"}
        ],
    }
    iam.put_role_policy(RoleName="ml-train", PolicyName="deny-secret", PolicyDocument=doc(deny))
    session, _ = training_session(moto_backend)
    s3 = session.client("s3")
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="ml-data", Key="models/m.bin", Body=b"1")
    assert raised.value.response["Error"]["Message"].endswith(
        "because no permissions boundary allows the s3:PutObject action"
    )
    with pytest.raises(ClientError) as raised_deny:
        s3.get_object(Bucket="ml-data", Key="datasets/secret.csv")
    assert raised_deny.value.response["Error"]["Message"].endswith(
        "with an explicit deny in an identity-based policy"
    )


def test_bucket_policy_deny_applies(moto_backend: Backend) -> None:
    """A bucket policy's explicit deny wins over the role's allow (IAM policy evaluation logic)."""
    seed_training_world(moto_backend)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::ml-data", "arn:aws:s3:::ml-data/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    moto_backend.admin_client("s3").put_bucket_policy(Bucket="ml-data", Policy=json.dumps(policy))
    session, enforcer = training_session(moto_backend)
    with pytest.raises(ClientError) as raised:
        session.client("s3", endpoint_url="http://s3.amazonaws.com").get_object(
            Bucket="ml-data", Key="datasets/train.csv"
        )
    assert raised.value.response["Error"]["Message"].endswith(
        "with an explicit deny in a resource-based policy"
    )
    # Over HTTPS (boto3's default endpoint) the engine allows the same call.
    verdicts: list[Verdict] = []
    enforcer.on_verdict = verdicts.append
    assert session.client("s3").get_object(Bucket="ml-data", Key="datasets/train.csv")["Body"].read()
    assert verdicts and verdicts[-1].allowed


def test_user_keys_created_through_the_enforcer_are_known(moto_backend: Backend) -> None:
    seed_training_world(moto_backend)
    enforcer = InProcessEnforcer(moto_backend.authorizer, moto_backend.credentials)
    admin = enforcer.session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    iam = admin.client("iam")
    iam.create_user(UserName="analyst", Path="/ml/", Tags=[{"Key": "team", "Value": "vision"}])
    tag_scoped = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::ml-data/${aws:PrincipalTag/team}/*",
            }
        ],
    }
    iam.put_user_policy(UserName="analyst", PolicyName="team", PolicyDocument=doc(tag_scoped))
    key = iam.create_access_key(UserName="analyst")["AccessKey"]
    moto_backend.admin_client("s3").put_object(Bucket="ml-data", Key="vision/a.txt", Body=b"v")
    user = enforcer.session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    ).client("s3")
    assert user.get_object(Bucket="ml-data", Key="vision/a.txt")["Body"].read() == b"v"
    with pytest.raises(ClientError) as raised:
        user.get_object(Bucket="ml-data", Key="datasets/train.csv")
    assert raised.value.response["Error"]["Message"].startswith(
        "User: arn:aws:iam::123456789012:user/ml/analyst "
    )


def test_wrong_secret_and_unknown_key_are_refused(moto_backend: Backend) -> None:
    seed_training_world(moto_backend)
    enforcer = InProcessEnforcer(moto_backend.authorizer, moto_backend.credentials)
    wrong = enforcer.session(aws_access_key_id="test", aws_secret_access_key="nope", region_name="us-east-1")
    with pytest.raises(ClientError) as raised:
        wrong.client("sts").get_caller_identity()
    assert raised.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    unknown = enforcer.session(
        aws_access_key_id="AKIAUNKNOWN", aws_secret_access_key="x", region_name="us-east-1"
    )
    with pytest.raises(ClientError) as raised_unknown:
        unknown.client("s3").list_buckets()
    assert raised_unknown.value.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_every_decision_is_audited(moto_backend: Backend) -> None:
    seed_training_world(moto_backend)
    stream = io.StringIO()
    session, _ = training_session(moto_backend, audit=AuditLog(stream))
    s3 = session.client("s3")
    s3.get_object(Bucket="ml-data", Key="datasets/train.csv")
    with pytest.raises(ClientError):
        s3.list_buckets()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    get = next(line for line in lines if line["action"] == "s3:GetObject")
    assert get["decision"] == "allow"
    assert get["principal"] == "arn:aws:sts::123456789012:assumed-role/ml-train/job-1"
    assert "ReadDataset" in get["statement"]
    listed = next(line for line in lines if line["action"] == "s3:ListAllMyBuckets")
    assert listed["decision"] == "implicit_deny" and listed["statement"] is None


def test_session_tags_need_tag_session_and_become_principal_tags(moto_backend: Backend) -> None:
    """IAM User Guide, "Passing session tags in AWS STS": the trust policy must allow sts:TagSession,
    and a session tag is an aws:PrincipalTag of the session."""
    seed_training_world(moto_backend)
    enforcer = InProcessEnforcer(moto_backend.authorizer, moto_backend.credentials)
    admin = enforcer.session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    sts = admin.client("sts")
    tags = [{"Key": "project", "Value": "shared"}]
    with pytest.raises(ClientError) as raised:
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="tagged", Tags=tags)
    assert "sts:TagSession" in raised.value.response["Error"]["Message"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
    admin.client("iam").update_assume_role_policy(RoleName="ml-train", PolicyDocument=doc(trust))
    by_tag = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::ml-data/${aws:PrincipalTag/project}/*",
            }
        ],
    }
    admin.client("iam").put_role_policy(RoleName="ml-train", PolicyName="by-tag", PolicyDocument=doc(by_tag))
    creds = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="tagged", Tags=tags)["Credentials"]
    s3 = enforcer.session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    ).client("s3")
    moto_backend.admin_client("s3").put_object(Bucket="ml-data", Key="shared/x", Body=b"1")
    moto_backend.admin_client("s3").put_object(Bucket="ml-data", Key="other/x", Body=b"1")
    assert s3.get_object(Bucket="ml-data", Key="shared/x")["Body"].read() == b"1"  # only the tag allows it
    with pytest.raises(ClientError):
        s3.get_object(Bucket="ml-data", Key="other/x")
