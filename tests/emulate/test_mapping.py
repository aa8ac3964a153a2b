"""Mapping of every operation the labs use to IAM action, resource and request context.

Each vector names the vendor page it encodes. Vectors run through `map_call`; a second set of tests
checks the tables against botocore (operation names exist) and the Service Authorization Reference
(actions exist, service condition keys are ones the action lists).
"""

from __future__ import annotations

from typing import Any

import pytest

from checker.emulate.mapping import TABLES, ApiCall, UnmappedOperation, map_call
from checker.emulate.mapping.botomodel import operation_names
from checker.emulate.mapping.catalog import action_details

ACCOUNT = "111122223333"
REGION = "eu-west-1"
S3_PERMS = "S3 User Guide: Required permissions for Amazon S3 API operations"
SAR = "Service Authorization Reference"


class FakeBackendFacts:
    """Facts a backend would supply; a real one is tested with moto in test_state.py."""

    def iam_path(self, kind: str, name: str) -> str | None:
        return "/ml/" if name == "trainer" else None

    def kms_key_id(self, key_ref: str, region: str, account: str) -> str | None:
        return "1234abcd-12ab-34cd-56ef-1234567890ab" if key_ref == "alias/models" else None

    def kms_key_of_ciphertext(self, blob: bytes) -> str | None:
        return None

    def organizations_arn(self, entity_id: str) -> str | None:
        known = {
            "organization": "arn:aws:organizations::111111111111:organization/o-abc123",
            "p-deny1": "arn:aws:organizations::111111111111:policy/o-abc123/service_control_policy/p-deny1",
            "ou-root-ml": "arn:aws:organizations::111111111111:ou/o-abc123/ou-root-ml",
        }
        return known.get(entity_id)

    def inference_profile_models(self, profile_arn: str) -> tuple[str, ...] | None:
        return PROFILE_MODELS if profile_arn == PROFILE else None

    def dynamodb_partition_key(self, table_arn: str) -> str | None:
        return "caseId" if table_arn == CASES else None

    def iam_boundary(self, kind: str, name: str) -> str | None:
        return BOUNDARY if name in ("trainer", "alice") else None


def call(service: str, operation: str, caller: str | None = None, **params: Any) -> ApiCall:
    return ApiCall(service, operation, params, REGION, ACCOUNT, caller_arn=caller, lookups=FakeBackendFacts())


def checks(api_call: ApiCall) -> list[tuple[str, str, dict[str, Any]]]:
    return [(c.action, c.resource, dict(c.context)) for c in map_call(api_call).checks]


B = "arn:aws:s3:::data"
BOUNDARY = "arn:aws:iam::111122223333:policy/team-boundary"
BOUNDARY_KEY_PAGE = (
    "SAR, IAM condition keys: iam:PermissionsBoundary 'Filters access if the specified policy is set as the "
    "permissions boundary on the IAM entity (user or role)'"
)
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ml-train"

# Bedrock: the lab 04 names, in the caller's Region (REGION).
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
PROFILE = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/eu.{HAIKU}"
PROFILE_MODELS = tuple(f"arn:aws:bedrock:{r}::foundation-model/{HAIKU}" for r in ("eu-west-1", "eu-central-1"))
TITAN = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.titan-text-express-v1"
GUARDRAIL = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/fraudgr01"
INVOKE_PAGE = (
    "Bedrock API reference, InvokeModel: 'If you use a base model, specify the model ID or its ARN. If you use "
    "an inference profile, specify the inference profile ID or its ARN.'"
)
CONVERSE_PAGE = (
    "Bedrock API reference, InvokeModel: 'you need to deny access to the bedrock:InvokeModel and "
    "bedrock:InvokeModelWithResponseStream actions. Doing this also denies access to the resource through the "
    "Converse API actions (Converse and ConverseStream)'"
)
PROFILE_PAGE = (
    "Bedrock User Guide, Prerequisites for inference profiles: 'When you specify an inference profile in the "
    "Resource field in the first statement, you must also specify the foundation model in each Region "
    "associated with it.'"
)
GUARDRAIL_PAGE = (
    "Bedrock User Guide, Enforce the use of specific guardrails in model inference requests: Example 1 "
    "conditions bedrock:GuardrailIdentifier on 'arn:aws:bedrock:us-east-1:123456789012:guardrail/guardrail-id:1'"
)
DDB_SAR = "SAR, Amazon DynamoDB: each item action on resource type table (arn:...:table/${TableName})"
DDB_INDEX = "SAR, Amazon DynamoDB: Query and Scan take resource type index (arn:...:table/${TableName}/index/${IndexName})"
CASES = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/fraud-cases"
DDB_FGAC = ("DynamoDB Developer Guide, Using IAM policy conditions for fine-grained access control: "
            "dynamodb:LeadingKeys lets a policy allow access only to items with a partition key value that matches")
CASE_1 = {"caseId": {"S": "case-1"}, "openedAt": {"N": "20261205"}}
_MESSAGES = [{"role": "user", "content": [{"text": "hi"}]}]

# (doc, call, expected checks)
VECTORS: list[tuple[str, ApiCall, list[tuple[str, str, dict[str, Any]]]]] = [
    # --- S3
    (S3_PERMS, call("s3", "ListBuckets"), [("s3:ListAllMyBuckets", "*", {})]),
    (S3_PERMS, call("s3", "CreateBucket", Bucket="data"), [("s3:CreateBucket", B, {})]),
    (S3_PERMS, call("s3", "HeadBucket", Bucket="data"), [("s3:ListBucket", B, {})]),
    (
        S3_PERMS + "; S3 User Guide home-folder example (s3:prefix '')",
        call("s3", "ListObjectsV2", Bucket="data"),
        [("s3:ListBucket", B, {"s3:prefix": ""})],
    ),
    (
        S3_PERMS,
        call("s3", "ListObjectsV2", Bucket="data", Prefix="datasets/", Delimiter="/", MaxKeys=10),
        [("s3:ListBucket", B, {"s3:prefix": "datasets/", "s3:delimiter": "/", "s3:max-keys": 10})],
    ),
    (
        S3_PERMS,
        call("s3", "ListObjects", Bucket="data", Prefix="a"),
        [("s3:ListBucket", B, {"s3:prefix": "a"})],
    ),
    (
        S3_PERMS,
        call("s3", "ListObjectVersions", Bucket="data"),
        [("s3:ListBucketVersions", B, {"s3:prefix": ""})],
    ),
    (S3_PERMS, call("s3", "GetObject", Bucket="data", Key="d/x.csv"), [("s3:GetObject", B + "/d/x.csv", {})]),
    (
        S3_PERMS,
        call("s3", "GetObject", Bucket="data", Key="x", VersionId="v1"),
        [("s3:GetObjectVersion", B + "/x", {"s3:VersionId": "v1"})],
    ),
    (S3_PERMS, call("s3", "HeadObject", Bucket="data", Key="x"), [("s3:GetObject", B + "/x", {})]),
    (
        S3_PERMS + "; s3:x-amz-server-side-encryption",
        call(
            "s3",
            "PutObject",
            Bucket="data",
            Key="m/model.tar.gz",
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId="k1",
        ),
        [
            (
                "s3:PutObject",
                B + "/m/model.tar.gz",
                {
                    "s3:x-amz-server-side-encryption": "aws:kms",
                    "s3:x-amz-server-side-encryption-aws-kms-key-id": "k1",
                },
            )
        ],
    ),
    (
        "S3 API Reference PutObject: tagging needs s3:PutObjectTagging; ACL needs s3:PutObjectAcl",
        call("s3", "PutObject", Bucket="data", Key="k", Tagging="team=ml", ACL="private"),
        [
            (
                "s3:PutObject",
                B + "/k",
                {
                    "s3:x-amz-acl": "private",
                    "s3:RequestObjectTag/team": "ml",
                    "s3:RequestObjectTagKeys": ["team"],
                },
            ),
            ("s3:PutObjectAcl", B + "/k", {"s3:x-amz-acl": "private"}),
            (
                "s3:PutObjectTagging",
                B + "/k",
                {"s3:RequestObjectTag/team": "ml", "s3:RequestObjectTagKeys": ["team"]},
            ),
        ],
    ),
    (S3_PERMS, call("s3", "DeleteObject", Bucket="data", Key="x"), [("s3:DeleteObject", B + "/x", {})]),
    (
        S3_PERMS,
        call("s3", "DeleteObject", Bucket="data", Key="x", VersionId="v2"),
        [("s3:DeleteObjectVersion", B + "/x", {"s3:VersionId": "v2"})],
    ),
    (
        S3_PERMS + " (DeleteObjects: s3:DeleteObject per key)",
        call(
            "s3",
            "DeleteObjects",
            Bucket="data",
            Delete={"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v"}]},
        ),
        [("s3:DeleteObject", B + "/a", {}), ("s3:DeleteObjectVersion", B + "/b", {})],
    ),
    (
        S3_PERMS + " (CopyObject)",
        call("s3", "CopyObject", Bucket="data", Key="copy", CopySource={"Bucket": "src", "Key": "k/1"}),
        [
            ("s3:PutObject", B + "/copy", {"s3:x-amz-copy-source": "src/k/1"}),
            ("s3:GetObject", "arn:aws:s3:::src/k/1", {}),
        ],
    ),
    (
        S3_PERMS + " (CopyObject with versionId)",
        call("s3", "CopyObject", Bucket="data", Key="c", CopySource="src/k?versionId=3"),
        [
            ("s3:PutObject", B + "/c", {"s3:x-amz-copy-source": "src/k?versionId=3"}),
            ("s3:GetObjectVersion", "arn:aws:s3:::src/k", {}),
        ],
    ),
    (
        S3_PERMS,
        call("s3", "CreateMultipartUpload", Bucket="data", Key="big"),
        [("s3:PutObject", B + "/big", {})],
    ),
    (
        S3_PERMS,
        call("s3", "UploadPart", Bucket="data", Key="big", PartNumber=1, UploadId="u"),
        [("s3:PutObject", B + "/big", {})],
    ),
    (
        S3_PERMS,
        call("s3", "CompleteMultipartUpload", Bucket="data", Key="big", UploadId="u"),
        [("s3:PutObject", B + "/big", {})],
    ),
    (
        S3_PERMS,
        call("s3", "AbortMultipartUpload", Bucket="data", Key="big", UploadId="u"),
        [("s3:AbortMultipartUpload", B + "/big", {})],
    ),
    (
        S3_PERMS,
        call("s3", "ListParts", Bucket="data", Key="big", UploadId="u"),
        [("s3:ListMultipartUploadParts", B + "/big", {})],
    ),
    (S3_PERMS, call("s3", "ListMultipartUploads", Bucket="data"), [("s3:ListBucketMultipartUploads", B, {})]),
    (S3_PERMS, call("s3", "GetBucketPolicy", Bucket="data"), [("s3:GetBucketPolicy", B, {})]),
    (S3_PERMS, call("s3", "PutBucketPolicy", Bucket="data", Policy="{}"), [("s3:PutBucketPolicy", B, {})]),
    (S3_PERMS, call("s3", "GetBucketEncryption", Bucket="data"), [("s3:GetEncryptionConfiguration", B, {})]),
    (S3_PERMS, call("s3", "PutBucketEncryption", Bucket="data"), [("s3:PutEncryptionConfiguration", B, {})]),
    (S3_PERMS, call("s3", "DeleteBucketTagging", Bucket="data"), [("s3:PutBucketTagging", B, {})]),
    (S3_PERMS, call("s3", "PutPublicAccessBlock", Bucket="data"), [("s3:PutBucketPublicAccessBlock", B, {})]),
    (
        S3_PERMS,
        call("s3", "GetObjectTagging", Bucket="data", Key="x"),
        [("s3:GetObjectTagging", B + "/x", {})],
    ),
    # --- STS
    (
        "STS API Reference GetCallerIdentity: no permissions are required",
        call("sts", "GetCallerIdentity"),
        [],
    ),
    ("STS API Reference GetSessionToken: no permissions are required", call("sts", "GetSessionToken"), []),
    (
        "IAM User Guide: Passing session tags in AWS STS (sts:TagSession)",
        call(
            "sts",
            "AssumeRole",
            RoleArn=ROLE,
            RoleSessionName="job-1",
            Tags=[{"Key": "project", "Value": "p1"}],
        ),
        [
            (
                "sts:AssumeRole",
                ROLE,
                {"sts:RoleSessionName": "job-1", "aws:RequestTag/project": "p1", "aws:TagKeys": ["project"]},
            ),
            (
                "sts:TagSession",
                ROLE,
                {"sts:RoleSessionName": "job-1", "aws:RequestTag/project": "p1", "aws:TagKeys": ["project"]},
            ),
        ],
    ),
    (
        "STS API Reference AssumeRole (sts:ExternalId)",
        call("sts", "AssumeRole", RoleArn=ROLE, RoleSessionName="s", ExternalId="e-1"),
        [("sts:AssumeRole", ROLE, {"sts:RoleSessionName": "s", "sts:ExternalId": "e-1"})],
    ),
    # --- IAM
    (
        SAR + ": IAM CreateUser",
        call("iam", "CreateUser", UserName="mallory"),
        [("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/mallory", {})],
    ),
    (
        SAR + ": IAM role ARNs include the path (GetRole lists iam:PermissionsBoundary: the role's own)",
        call("iam", "GetRole", RoleName="trainer"),
        [("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/ml/trainer", {"iam:PermissionsBoundary": BOUNDARY})],
    ),
    (
        SAR + ": IAM CreateRole (aws:RequestTag, iam:PermissionsBoundary)",
        call(
            "iam",
            "CreateRole",
            RoleName="r",
            Path="/svc/",
            AssumeRolePolicyDocument="{}",
            Tags=[{"Key": "team", "Value": "ml"}],
            PermissionsBoundary="arn:aws:iam::111122223333:policy/boundary",
        ),
        [
            (
                "iam:CreateRole",
                f"arn:aws:iam::{ACCOUNT}:role/svc/r",
                {
                    "aws:RequestTag/team": "ml",
                    "aws:TagKeys": ["team"],
                    "iam:PermissionsBoundary": "arn:aws:iam::111122223333:policy/boundary",
                },
            )
        ],
    ),
    (
        SAR + ": iam:PolicyARN",
        call(
            "iam", "AttachRolePolicy", RoleName="r", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        ),
        [
            (
                "iam:AttachRolePolicy",
                f"arn:aws:iam::{ACCOUNT}:role/r",
                {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"},
            )
        ],
    ),
    (
        SAR,
        call("iam", "PutRolePolicy", RoleName="r", PolicyName="p", PolicyDocument="{}"),
        [("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/r", {})],
    ),
    (
        BOUNDARY_KEY_PAGE + " (the role's own boundary, from the backend)",
        call("iam", "PutRolePolicy", RoleName="trainer", PolicyName="p", PolicyDocument="{}"),
        [("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/ml/trainer", {"iam:PermissionsBoundary": BOUNDARY})],
    ),
    (
        BOUNDARY_KEY_PAGE,
        call("iam", "AttachRolePolicy", RoleName="trainer", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"),
        [("iam:AttachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/ml/trainer",
          {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess", "iam:PermissionsBoundary": BOUNDARY})],
    ),
    (
        BOUNDARY_KEY_PAGE,
        call("iam", "DeleteRolePermissionsBoundary", RoleName="trainer"),
        [("iam:DeleteRolePermissionsBoundary", f"arn:aws:iam::{ACCOUNT}:role/ml/trainer",
          {"iam:PermissionsBoundary": BOUNDARY})],
    ),
    (
        BOUNDARY_KEY_PAGE + " (the calling user's own boundary)",
        call("iam", "PutUserPolicy", caller=f"arn:aws:iam::{ACCOUNT}:user/dev/alice", PolicyName="p",
             PolicyDocument="{}"),
        [("iam:PutUserPolicy", f"arn:aws:iam::{ACCOUNT}:user/dev/alice", {"iam:PermissionsBoundary": BOUNDARY})],
    ),
    (
        BOUNDARY_KEY_PAGE + " (a request that sets a boundary carries the one it sets)",
        call("iam", "PutRolePermissionsBoundary", RoleName="trainer",
             PermissionsBoundary="arn:aws:iam::111122223333:policy/other"),
        [("iam:PutRolePermissionsBoundary", f"arn:aws:iam::{ACCOUNT}:role/ml/trainer",
          {"iam:PermissionsBoundary": "arn:aws:iam::111122223333:policy/other"})],
    ),
    (
        BOUNDARY_KEY_PAGE + " (an action that does not list the key gets none)",
        call("iam", "TagRole", RoleName="trainer", Tags=[]),
        [("iam:TagRole", f"arn:aws:iam::{ACCOUNT}:role/ml/trainer", {})],
    ),
    (
        "IAM API Reference CreateAccessKey: without UserName, the calling user",
        call("iam", "CreateAccessKey", caller=f"arn:aws:iam::{ACCOUNT}:user/dev/alice"),
        [("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/dev/alice", {})],
    ),
    (SAR, call("iam", "ListRoles"), [("iam:ListRoles", "*", {})]),
    (
        SAR,
        call("iam", "CreatePolicy", PolicyName="p", PolicyDocument="{}"),
        [("iam:CreatePolicy", f"arn:aws:iam::{ACCOUNT}:policy/p", {})],
    ),
    (
        SAR,
        call("iam", "GetPolicy", PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/p"),
        [("iam:GetPolicy", f"arn:aws:iam::{ACCOUNT}:policy/p", {})],
    ),
    # --- SageMaker
    (
        "IAM User Guide: Grant a user permissions to pass a role; SageMaker AI condition keys",
        call(
            "sagemaker",
            "CreateTrainingJob",
            TrainingJobName="job-2",
            RoleArn=ROLE,
            EnableNetworkIsolation=True,
            ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            OutputDataConfig={
                "S3OutputPath": "s3://data/models/",
                "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k",
            },
            VpcConfig={"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
        ),
        [
            (
                "sagemaker:CreateTrainingJob",
                f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/job-2",
                {
                    "sagemaker:NetworkIsolation": True,
                    "sagemaker:InstanceTypes": ["ml.m5.xlarge"],
                    "sagemaker:OutputKmsKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/k",
                    "sagemaker:MaxRuntimeInSeconds": 3600,
                    "sagemaker:VpcSubnets": ["subnet-1"],
                    "sagemaker:VpcSecurityGroupIds": ["sg-1"],
                },
            ),
            ("iam:PassRole", ROLE, {"iam:PassedToService": "sagemaker.amazonaws.com"}),
        ],
    ),
    (
        SAR + ": SageMaker",
        call("sagemaker", "DescribeTrainingJob", TrainingJobName="job-2"),
        [("sagemaker:DescribeTrainingJob", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/job-2", {})],
    ),
    (SAR, call("sagemaker", "ListTrainingJobs"), [("sagemaker:ListTrainingJobs", "*", {})]),
    (
        SAR,
        call("sagemaker", "CreateModel", ModelName="m", ExecutionRoleArn=ROLE),
        [
            (
                "sagemaker:CreateModel",
                f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/m",
                {"sagemaker:NetworkIsolation": False},
            ),
            ("iam:PassRole", ROLE, {"iam:PassedToService": "sagemaker.amazonaws.com"}),
        ],
    ),
    (
        SAR,
        call("sagemaker", "CreateEndpoint", EndpointName="e", EndpointConfigName="c"),
        [("sagemaker:CreateEndpoint", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/e", {})],
    ),
    (
        SAR + ": sagemaker:InvokeEndpoint",
        call("sagemaker-runtime", "InvokeEndpoint", EndpointName="e", Body=b"{}"),
        [("sagemaker:InvokeEndpoint", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/e", {})],
    ),
    # --- ECR
    (SAR + ": ECR", call("ecr", "GetAuthorizationToken"), [("ecr:GetAuthorizationToken", "*", {})]),
    (
        SAR,
        call("ecr", "BatchGetImage", repositoryName="train", imageIds=[{"imageTag": "latest"}]),
        [("ecr:BatchGetImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/train", {})],
    ),
    (
        SAR,
        call(
            "ecr",
            "GetDownloadUrlForLayer",
            repositoryName="train",
            layerDigest="sha256:1",
            registryId="444455556666",
        ),
        [("ecr:GetDownloadUrlForLayer", f"arn:aws:ecr:{REGION}:444455556666:repository/train", {})],
    ),
    (
        SAR,
        call("ecr", "DescribeRepositories"),
        [("ecr:DescribeRepositories", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*", {})],
    ),
    (
        SAR,
        call("ecr", "PutImage", repositoryName="train", imageManifest="{}"),
        [("ecr:PutImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/train", {})],
    ),
    # --- Lambda
    (
        "Lambda Developer Guide: Invoke needs lambda:InvokeFunction",
        call("lambda", "Invoke", FunctionName="score"),
        [("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:score", {})],
    ),
    (
        "Lambda Developer Guide: qualified ARNs",
        call("lambda", "Invoke", FunctionName=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:score:prod"),
        [("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:score:prod", {})],
    ),
    (
        "Lambda Developer Guide: partial ARN with Qualifier",
        call("lambda", "GetFunction", FunctionName="444455556666:function:score", Qualifier="3"),
        [("lambda:GetFunction", f"arn:aws:lambda:{REGION}:444455556666:function:score:3", {})],
    ),
    (SAR, call("lambda", "ListFunctions"), [("lambda:ListFunctions", "*", {})]),
    (
        "Lambda Developer Guide: execution role needs iam:PassRole",
        call("lambda", "CreateFunction", FunctionName="score", Role=ROLE, Code={}, Tags={"team": "ml"}),
        [
            (
                "lambda:CreateFunction",
                f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:score",
                {"aws:RequestTag/team": "ml", "aws:TagKeys": ["team"]},
            ),
            ("iam:PassRole", ROLE, {"iam:PassedToService": "lambda.amazonaws.com"}),
        ],
    ),
    # --- API Gateway
    (
        "API Gateway Developer Guide: Control access for managing an API with IAM permissions",
        call("apigateway", "GetRestApis"),
        [("apigateway:GET", f"arn:aws:apigateway:{REGION}::/restapis", {})],
    ),
    (
        "API Gateway Developer Guide: Control access for managing an API with IAM permissions",
        call("apigateway", "CreateDeployment", restApiId="a1b2", stageName="prod"),
        [("apigateway:POST", f"arn:aws:apigateway:{REGION}::/restapis/a1b2/deployments", {})],
    ),
    (
        "API Gateway Developer Guide: Control access for managing an API with IAM permissions",
        call("apigateway", "DeleteRestApi", restApiId="a1b2"),
        [("apigateway:DELETE", f"arn:aws:apigateway:{REGION}::/restapis/a1b2", {})],
    ),
    # --- CloudWatch Logs
    (
        "CloudWatch Logs: Overview of managing access permissions (log-group:NAME:*)",
        call("logs", "CreateLogGroup", logGroupName="/aws/sagemaker/TrainingJobs"),
        [
            (
                "logs:CreateLogGroup",
                f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs:log-stream:",
                {},
            )
        ],
    ),
    (
        "CloudWatch Logs: Overview of managing access permissions (log streams)",
        call("logs", "PutLogEvents", logGroupName="g", logStreamName="s", logEvents=[]),
        [("logs:PutLogEvents", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:g:log-stream:s", {})],
    ),
    (SAR, call("logs", "DescribeLogGroups"), [("logs:DescribeLogGroups", "*", {})]),
    # --- CloudWatch
    (
        SAR + ": cloudwatch:namespace",
        call("cloudwatch", "PutMetricData", Namespace="ML/Training", MetricData=[]),
        [("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "ML/Training"})],
    ),
    (SAR, call("cloudwatch", "GetMetricData", MetricDataQueries=[]), [("cloudwatch:GetMetricData", "*", {})]),
    (
        SAR,
        call("cloudwatch", "DescribeAlarms", AlarmNames=["a"]),
        [("cloudwatch:DescribeAlarms", f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:a", {})],
    ),
    # --- KMS
    (
        "KMS Developer Guide: AWS KMS permissions; encryption context condition keys",
        call(
            "kms", "Decrypt", KeyId="alias/models", CiphertextBlob=b"x", EncryptionContext={"project": "p1"}
        ),
        [
            (
                "kms:Decrypt",
                f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                {
                    "kms:CallerAccount": ACCOUNT,
                    "kms:EncryptionContext:project": "p1",
                    "kms:EncryptionContextKeys": ["project"],
                    "kms:RequestAlias": "alias/models",
                },
            )
        ],
    ),
    (
        "KMS Developer Guide: AWS KMS permissions",
        call("kms", "GenerateDataKey", KeyId="k-1", KeySpec="AES_256"),
        [("kms:GenerateDataKey", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k-1", {"kms:CallerAccount": ACCOUNT})],
    ),
    (
        "KMS Developer Guide: Controlling access to aliases (alias and key)",
        call("kms", "CreateAlias", AliasName="alias/new", TargetKeyId="k-1"),
        [
            ("kms:CreateAlias", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/new", {"kms:CallerAccount": ACCOUNT}),
            ("kms:CreateAlias", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k-1", {"kms:CallerAccount": ACCOUNT}),
        ],
    ),
    (SAR, call("kms", "ListKeys"), [("kms:ListKeys", "*", {"kms:CallerAccount": ACCOUNT})]),
    # --- Organizations
    (
        SAR + ": Organizations",
        call("organizations", "DescribeOrganization"),
        [("organizations:DescribeOrganization", "*", {})],
    ),
    (
        SAR + ": organizations:PolicyType",
        call("organizations", "AttachPolicy", PolicyId="p-deny1", TargetId="ou-root-ml"),
        [
            (
                "organizations:AttachPolicy",
                "arn:aws:organizations::111111111111:policy/o-abc123/service_control_policy/p-deny1",
                {"organizations:PolicyType": "SERVICE_CONTROL_POLICY"},
            ),
            (
                "organizations:AttachPolicy",
                "arn:aws:organizations::111111111111:ou/o-abc123/ou-root-ml",
                {"organizations:PolicyType": "SERVICE_CONTROL_POLICY"},
            ),
        ],
    ),
    (
        SAR + ": organizations:PolicyType",
        call(
            "organizations",
            "CreatePolicy",
            Name="deny",
            Type="SERVICE_CONTROL_POLICY",
            Content="{}",
            Description="",
        ),
        [
            (
                "organizations:CreatePolicy",
                "arn:aws:organizations::111111111111:policy/o-abc123/service_control_policy/*",
                {"organizations:PolicyType": "SERVICE_CONTROL_POLICY"},
            )
        ],
    ),
    # --- Bedrock Runtime
    (
        INVOKE_PAGE + " (a base model's ID: its ARN has no account)",
        call("bedrock-runtime", "InvokeModel", modelId="amazon.titan-text-express-v1", body=b"{}"),
        [("bedrock:InvokeModel", TITAN, {})],
    ),
    (
        INVOKE_PAGE + " (a base model's ARN, as given); " + GUARDRAIL_PAGE + " (an ID gets the caller's ARN)",
        call(
            "bedrock-runtime", "InvokeModel", modelId=TITAN, body=b"{}", guardrailIdentifier="fraudgr01",
            guardrailVersion="3",
        ),
        [("bedrock:InvokeModel", TITAN, {"bedrock:GuardrailIdentifier": GUARDRAIL + ":3"})],
    ),
    (
        GUARDRAIL_PAGE + " (the guardrail given by its ARN)",
        call(
            "bedrock-runtime", "InvokeModelWithResponseStream", modelId="amazon.titan-text-express-v1",
            body=b"{}", guardrailIdentifier=GUARDRAIL, guardrailVersion="2",
        ),
        [("bedrock:InvokeModelWithResponseStream", TITAN, {"bedrock:GuardrailIdentifier": GUARDRAIL + ":2"})],
    ),
    (
        CONVERSE_PAGE + "; " + PROFILE_PAGE + " (the profile's ID: its ARN has the caller's account)",
        call(
            "bedrock-runtime", "Converse", modelId=f"eu.{HAIKU}", messages=_MESSAGES,
            guardrailConfig={"guardrailIdentifier": "fraudgr01", "guardrailVersion": "3"},
        ),
        [
            ("bedrock:InvokeModel", PROFILE, {"bedrock:GuardrailIdentifier": GUARDRAIL + ":3"}),
            *[
                ("bedrock:InvokeModel", model, {"bedrock:GuardrailIdentifier": GUARDRAIL + ":3", "bedrock:InferenceProfileArn": PROFILE})
                for model in PROFILE_MODELS
            ],
        ],
    ),
    (
        CONVERSE_PAGE + "; " + PROFILE_PAGE + " (the profile's ARN; no guardrail, no key)",
        call("bedrock-runtime", "ConverseStream", modelId=PROFILE, messages=_MESSAGES),
        [
            ("bedrock:InvokeModelWithResponseStream", PROFILE, {}),
            *[
                ("bedrock:InvokeModelWithResponseStream", model, {"bedrock:InferenceProfileArn": PROFILE})
                for model in PROFILE_MODELS
            ],
        ],
    ),
    # --- DynamoDB
    (DDB_SAR, call("dynamodb", "GetItem", TableName="fraud-cases", Key={}), [("dynamodb:GetItem", CASES, {})]),
    (
        DDB_SAR + " (TableName may be the table's ARN)",
        call("dynamodb", "PutItem", TableName=CASES, Item={}, ReturnValues="ALL_OLD"),
        [("dynamodb:PutItem", CASES, {"dynamodb:ReturnValues": "ALL_OLD"})],
    ),
    (DDB_SAR, call("dynamodb", "UpdateItem", TableName="fraud-cases", Key={}), [("dynamodb:UpdateItem", CASES, {})]),
    (DDB_SAR, call("dynamodb", "DeleteItem", TableName="fraud-cases", Key={}), [("dynamodb:DeleteItem", CASES, {})]),
    (
        DDB_SAR,
        call("dynamodb", "Query", TableName="fraud-cases", Select="COUNT", KeyConditionExpression="caseId = :c",
             ExpressionAttributeValues={":c": {"S": "case-1"}}),
        [("dynamodb:Query", CASES, {"dynamodb:Select": "COUNT", "dynamodb:LeadingKeys": ["case-1"]})],
    ),
    (
        DDB_SAR + " (a table the backend does not know: no partition key to read)",
        call("dynamodb", "Query", TableName="payments", Select="COUNT"),
        [("dynamodb:Query", CASES.replace("fraud-cases", "payments"), {"dynamodb:Select": "COUNT"})],
    ),
    (
        DDB_INDEX,
        call("dynamodb", "Query", TableName="fraud-cases", IndexName="by-customer"),
        [("dynamodb:Query", CASES + "/index/by-customer", {})],
    ),
    (DDB_INDEX, call("dynamodb", "Scan", TableName="fraud-cases"), [("dynamodb:Scan", CASES, {})]),
    (
        DDB_SAR + "; a batch names each table in RequestItems",
        call("dynamodb", "BatchGetItem", RequestItems={"payments": {}, "fraud-cases": {}}),
        [("dynamodb:BatchGetItem", CASES, {}), ("dynamodb:BatchGetItem", CASES.replace("fraud-cases", "payments"), {})],
    ),
    (
        DDB_SAR,
        call("dynamodb", "BatchWriteItem", RequestItems={"fraud-cases": []}),
        [("dynamodb:BatchWriteItem", CASES, {})],
    ),
    (DDB_FGAC, call("dynamodb", "GetItem", TableName="fraud-cases", Key=CASE_1),
     [("dynamodb:GetItem", CASES, {"dynamodb:LeadingKeys": ["case-1"]})]),
    (DDB_FGAC, call("dynamodb", "PutItem", TableName="fraud-cases", Item={**CASE_1, "note": {"S": "x"}}),
     [("dynamodb:PutItem", CASES, {"dynamodb:LeadingKeys": ["case-1"]})]),
    (DDB_FGAC + " (a number key as written)", call("dynamodb", "DeleteItem", TableName="fraud-cases",
                                                    Key={"caseId": {"N": "42"}}),
     [("dynamodb:DeleteItem", CASES, {"dynamodb:LeadingKeys": ["42"]})]),
    (DDB_FGAC + " (the key condition's partition equality)",
     call("dynamodb", "Query", TableName="fraud-cases", KeyConditionExpression="#c = :c AND openedAt BETWEEN :a AND :b",
          ExpressionAttributeNames={"#c": "caseId"},
          ExpressionAttributeValues={":c": {"S": "case-1"}, ":a": {"N": "1"}, ":b": {"N": "2"}}),
     [("dynamodb:Query", CASES, {"dynamodb:LeadingKeys": ["case-1"]})]),
    (DDB_FGAC + " (legacy KeyConditions)",
     call("dynamodb", "Query", TableName="fraud-cases",
          KeyConditions={"caseId": {"AttributeValueList": [{"S": "case-7"}], "ComparisonOperator": "EQ"}}),
     [("dynamodb:Query", CASES, {"dynamodb:LeadingKeys": ["case-7"]})]),
    (DDB_FGAC + " (every key of the batch, per table; a table the backend does not know gets none)",
     call("dynamodb", "BatchGetItem", RequestItems={
         "fraud-cases": {"Keys": [CASE_1, {"caseId": {"S": "case-2"}}]}, "payments": {"Keys": [{"id": {"S": "p"}}]}}),
     [("dynamodb:BatchGetItem", CASES, {"dynamodb:LeadingKeys": ["case-1", "case-2"]}),
      ("dynamodb:BatchGetItem", CASES.replace("fraud-cases", "payments"), {})]),
    (DDB_FGAC, call("dynamodb", "BatchWriteItem", RequestItems={"fraud-cases": [
        {"PutRequest": {"Item": CASE_1}}, {"DeleteRequest": {"Key": {"caseId": {"S": "case-9"}}}}]}),
     [("dynamodb:BatchWriteItem", CASES, {"dynamodb:LeadingKeys": ["case-1", "case-9"]})]),
    (DDB_FGAC + " (a Scan names no key)", call("dynamodb", "Scan", TableName="fraud-cases", Select="COUNT"),
     [("dynamodb:Scan", CASES, {"dynamodb:Select": "COUNT"})]),
    (DDB_SAR, call("dynamodb", "DescribeTable", TableName="fraud-cases"), [("dynamodb:DescribeTable", CASES, {})]),
    (DDB_SAR, call("dynamodb", "DeleteTable", TableName="fraud-cases"), [("dynamodb:DeleteTable", CASES, {})]),
    (DDB_SAR + " (no resource type: '*')", call("dynamodb", "ListTables"), [("dynamodb:ListTables", "*", {})]),
]


@pytest.mark.parametrize(
    ("doc", "api_call", "expected"),
    VECTORS,
    ids=[f"{v[1].service}:{v[1].operation}#{i}" for i, v in enumerate(VECTORS)],
)
def test_operation_maps_as_documented(
    doc: str, api_call: ApiCall, expected: list[tuple[str, str, dict[str, Any]]]
) -> None:
    assert checks(api_call) == expected, doc


def test_action_that_differs_from_the_operation_says_so() -> None:
    mapped = map_call(call("s3", "ListObjectsV2", Bucket="data"))
    assert "s3:ListBucket" in mapped.note


@pytest.mark.parametrize(
    ("api_call", "why"),
    [
        (call("s3", "SelectObjectContent", Bucket="b", Key="k"), "no mapping"),
        (call("ec2", "RunInstances"), "not one the labs use"),
        (call("kms", "Encrypt", KeyId="alias/unknown", Plaintext=b"x"), "names no known KMS key"),
        (call("kms", "Decrypt", CiphertextBlob=b"x"), "ciphertext names no known key"),
        (call("iam", "CreateAccessKey", caller=ROLE), "caller is not one"),
        (call("s3", "GetObject", Bucket="b"), "parameter Key is missing"),
        (call("organizations", "DescribePolicy", PolicyId="p-unknown"), "not known"),
        # An inference profile is also authorized on the models it routes to: unknown models, no mapping.
        (call("bedrock-runtime", "InvokeModel", modelId=f"us.{HAIKU}", body=b"{}"), "inference profile the backend does not know"),
        (
            call("bedrock-runtime", "Converse", modelId=PROFILE.replace("eu.", "apac."), messages=_MESSAGES),
            "are not known to the backend",
        ),
        # The value bedrock:GuardrailIdentifier takes for a DRAFT version is not documented.
        (
            call("bedrock-runtime", "InvokeModel", modelId=TITAN, body=b"{}", guardrailIdentifier="g1", guardrailVersion="DRAFT"),
            "not documented",
        ),
        (call("bedrock-runtime", "InvokeModel", modelId="arn:aws:s3:::b", body=b"{}"), "not a Bedrock ARN"),
        (call("dynamodb", "BatchGetItem", RequestItems={}), "names no table"),
        (call("dynamodb", "GetItem", Key={}), "parameter TableName is missing"),
    ],
)
def test_calls_that_cannot_be_mapped_fail_closed(api_call: ApiCall, why: str) -> None:
    with pytest.raises(UnmappedOperation) as raised:
        map_call(api_call)
    assert why in str(raised.value)


def test_every_vector_service_is_covered() -> None:
    assert {v[1].service for v in VECTORS} == set(TABLES)


@pytest.mark.parametrize("service", sorted(TABLES))
def test_tables_name_real_botocore_operations(service: str) -> None:
    unknown = set(TABLES[service]) - set(operation_names(service))
    assert not unknown, f"{service}: not operations of the botocore model: {sorted(unknown)}"


def _listed_keys(action: str) -> set[str]:
    prefix, name = action.split(":", 1)
    details = action_details(prefix, name)
    assert details is not None, f"{action} is not in the Service Authorization Reference"
    return {key.lower().split("/")[0].split("${")[0].rstrip(":") for key in details["conditionKeys"]}


@pytest.mark.parametrize(("doc", "api_call", "expected"), VECTORS)
def test_mapped_actions_and_condition_keys_exist_in_the_reference(
    doc: str, api_call: ApiCall, expected: list[tuple[str, str, dict[str, Any]]]
) -> None:
    # One call has one request context, shared by its checks: each service key must be one that
    # the reference lists for at least one of the call's actions (catches misspelt keys).
    listed: set[str] = set()
    for action, _resource, _context in expected:
        listed |= _listed_keys(action)
    for _action, _resource, context in expected:
        for key in context:
            if key.startswith("aws:"):
                continue  # global condition keys apply to every action
            family = key.lower().split("/")[0]
            family = family.rsplit(":", 1)[0] if family.startswith("kms:encryptioncontext:") else family
            assert family in listed, f"{key} is not a condition key of {api_call.operation}'s actions"
