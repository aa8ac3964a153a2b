"""The gateway reads back exactly the call boto3 made: service, operation and parameters.

Each request is the real HTTP request boto3 builds (captured before sending), covering the query,
JSON, CBOR, REST-JSON and REST-XML protocols of the lab services.
"""

from __future__ import annotations

from typing import Any

import pytest

from checker.emulate.mapping import TABLES
from checker.emulate.wire.identify import UnknownOperation, identify
from checker.emulate.wire.sigv4 import read_signature
from tests.emulate.wire_capture import capture

CASES: list[tuple[str, str, dict[str, Any], str, dict[str, Any]]] = [
    ("s3", "list_buckets", {}, "ListBuckets", {}),
    ("s3", "create_bucket", {"Bucket": "ml-data"}, "CreateBucket", {"Bucket": "ml-data"}),
    (
        "s3",
        "list_objects_v2",
        {"Bucket": "ml-data", "Prefix": "datasets/", "MaxKeys": 5},
        "ListObjectsV2",
        {"Bucket": "ml-data", "Prefix": "datasets/", "MaxKeys": 5},
    ),
    ("s3", "list_objects", {"Bucket": "ml-data"}, "ListObjects", {"Bucket": "ml-data"}),
    (
        "s3",
        "get_object",
        {"Bucket": "ml-data", "Key": "datasets/a b+c.csv"},
        "GetObject",
        {"Bucket": "ml-data", "Key": "datasets/a b+c.csv"},
    ),
    (
        "s3",
        "get_object",
        {"Bucket": "ml-data", "Key": "k", "VersionId": "v1"},
        "GetObject",
        {"VersionId": "v1"},
    ),
    ("s3", "head_object", {"Bucket": "ml-data", "Key": "k"}, "HeadObject", {"Key": "k"}),
    ("s3", "head_bucket", {"Bucket": "ml-data"}, "HeadBucket", {"Bucket": "ml-data"}),
    (
        "s3",
        "put_object",
        {
            "Bucket": "ml-data",
            "Key": "models/m",
            "Body": b"x",
            "ServerSideEncryption": "aws:kms",
            "Tagging": "a=b",
        },
        "PutObject",
        {"ServerSideEncryption": "aws:kms", "Tagging": "a=b"},
    ),
    (
        "s3",
        "copy_object",
        {"Bucket": "ml-data", "Key": "c", "CopySource": {"Bucket": "src", "Key": "k"}},
        "CopyObject",
        {"CopySource": "src/k"},
    ),
    ("s3", "delete_object", {"Bucket": "ml-data", "Key": "k"}, "DeleteObject", {"Key": "k"}),
    (
        "s3",
        "delete_objects",
        {"Bucket": "ml-data", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b"}]}},
        "DeleteObjects",
        {"Delete": {"Objects": [{"Key": "a"}, {"Key": "b"}]}},
    ),
    (
        "s3",
        "create_multipart_upload",
        {"Bucket": "ml-data", "Key": "big"},
        "CreateMultipartUpload",
        {"Key": "big"},
    ),
    (
        "s3",
        "upload_part",
        {"Bucket": "ml-data", "Key": "big", "PartNumber": 1, "UploadId": "u1", "Body": b"p"},
        "UploadPart",
        {"PartNumber": 1, "UploadId": "u1"},
    ),
    ("s3", "get_bucket_policy", {"Bucket": "ml-data"}, "GetBucketPolicy", {"Bucket": "ml-data"}),
    ("s3", "put_bucket_policy", {"Bucket": "ml-data", "Policy": "{}"}, "PutBucketPolicy", {"Policy": "{}"}),
    ("s3", "get_object_tagging", {"Bucket": "ml-data", "Key": "k"}, "GetObjectTagging", {"Key": "k"}),
    ("sts", "get_caller_identity", {}, "GetCallerIdentity", {}),
    (
        "sts",
        "assume_role",
        {
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "RoleSessionName": "s1",
            "Tags": [{"Key": "p", "Value": "1"}],
        },
        "AssumeRole",
        {"RoleArn": "arn:aws:iam::123456789012:role/r", "Tags": [{"Key": "p", "Value": "1"}]},
    ),
    (
        "iam",
        "create_user",
        {"UserName": "u", "Tags": [{"Key": "team", "Value": "ml"}]},
        "CreateUser",
        {"UserName": "u", "Tags": [{"Key": "team", "Value": "ml"}]},
    ),
    (
        "iam",
        "put_role_policy",
        {"RoleName": "r", "PolicyName": "p", "PolicyDocument": "{}"},
        "PutRolePolicy",
        {"RoleName": "r"},
    ),
    ("iam", "list_roles", {}, "ListRoles", {}),
    (
        "sagemaker",
        "create_training_job",
        {
            "TrainingJobName": "j",
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "img"},
            "OutputDataConfig": {"S3OutputPath": "s3://b/m"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
            "StoppingCondition": {"MaxRuntimeInSeconds": 60},
            "EnableNetworkIsolation": True,
        },
        "CreateTrainingJob",
        {"TrainingJobName": "j", "EnableNetworkIsolation": True},
    ),
    ("sagemaker", "list_training_jobs", {}, "ListTrainingJobs", {}),
    (
        "sagemaker-runtime",
        "invoke_endpoint",
        {"EndpointName": "e", "Body": b"{}"},
        "InvokeEndpoint",
        {"EndpointName": "e"},
    ),
    ("ecr", "get_authorization_token", {}, "GetAuthorizationToken", {}),
    (
        "ecr",
        "batch_get_image",
        {"repositoryName": "train", "imageIds": [{"imageTag": "latest"}]},
        "BatchGetImage",
        {"repositoryName": "train"},
    ),
    (
        "lambda",
        "invoke",
        {"FunctionName": "score", "Qualifier": "prod"},
        "Invoke",
        {"FunctionName": "score", "Qualifier": "prod"},
    ),
    ("lambda", "list_functions", {}, "ListFunctions", {}),
    (
        "lambda",
        "create_function",
        {
            "FunctionName": "f",
            "Role": "arn:aws:iam::123456789012:role/r",
            "Code": {"ZipFile": b"z"},
            "Runtime": "python3.12",
            "Handler": "h.h",
        },
        "CreateFunction",
        {"FunctionName": "f", "Role": "arn:aws:iam::123456789012:role/r"},
    ),
    ("apigateway", "get_rest_apis", {}, "GetRestApis", {}),
    (
        "apigateway",
        "create_deployment",
        {"restApiId": "a1", "stageName": "prod"},
        "CreateDeployment",
        {"restApiId": "a1", "stageName": "prod"},
    ),
    (
        "logs",
        "create_log_group",
        {"logGroupName": "/ml/train"},
        "CreateLogGroup",
        {"logGroupName": "/ml/train"},
    ),
    (
        "logs",
        "put_log_events",
        {"logGroupName": "g", "logStreamName": "s", "logEvents": [{"timestamp": 1, "message": "m"}]},
        "PutLogEvents",
        {"logStreamName": "s"},
    ),
    (
        "cloudwatch",
        "put_metric_data",
        {"Namespace": "ML/Train", "MetricData": [{"MetricName": "loss", "Value": 0.5}]},
        "PutMetricData",
        {"Namespace": "ML/Train"},
    ),
    ("cloudwatch", "describe_alarms", {"AlarmNames": ["a"]}, "DescribeAlarms", {"AlarmNames": ["a"]}),
    (
        "kms",
        "decrypt",
        {"CiphertextBlob": b"\x01\x02", "KeyId": "alias/models"},
        "Decrypt",
        {"CiphertextBlob": b"\x01\x02", "KeyId": "alias/models"},
    ),
    ("kms", "list_keys", {}, "ListKeys", {}),
    # Bedrock Runtime signs as "bedrock"; the model id is a URI label (an ARN's "/" percent-encoded), the
    # guardrail travels in headers for InvokeModel and in the JSON body for Converse.
    (
        "bedrock-runtime",
        "invoke_model",
        {"modelId": "us.anthropic.claude-3-haiku-20240307-v1:0", "body": b"{}", "guardrailIdentifier": "g1", "guardrailVersion": "3"},
        "InvokeModel",
        {"modelId": "us.anthropic.claude-3-haiku-20240307-v1:0", "guardrailIdentifier": "g1", "guardrailVersion": "3"},
    ),
    (
        "bedrock-runtime",
        "converse_stream",
        {
            "modelId": "arn:aws:bedrock:us-east-2:111122223333:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0",
            "messages": [{"role": "user", "content": [{"text": "hi"}]}],
            "guardrailConfig": {"guardrailIdentifier": "g1", "guardrailVersion": "3"},
        },
        "ConverseStream",
        {
            "modelId": "arn:aws:bedrock:us-east-2:111122223333:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0",
            "guardrailConfig": {"guardrailIdentifier": "g1", "guardrailVersion": "3"},
        },
    ),
    (
        "bedrock-runtime",
        "invoke_model_with_response_stream",
        {"modelId": "amazon.titan-text-express-v1", "body": b"{}"},
        "InvokeModelWithResponseStream",
        {"modelId": "amazon.titan-text-express-v1"},
    ),
    ("bedrock-runtime", "converse", {"modelId": "amazon.titan-text-express-v1", "messages": []}, "Converse", {}),
    (
        "dynamodb",
        "query",
        {"TableName": "fraud-cases", "IndexName": "by-customer", "KeyConditionExpression": "c = :c"},
        "Query",
        {"TableName": "fraud-cases", "IndexName": "by-customer"},
    ),
    ("dynamodb", "get_item", {"TableName": "fraud-cases", "Key": {"case_id": {"S": "C-1"}}}, "GetItem", {"TableName": "fraud-cases"}),
    (
        "organizations",
        "attach_policy",
        {"PolicyId": "p-1", "TargetId": "ou-1"},
        "AttachPolicy",
        {"PolicyId": "p-1", "TargetId": "ou-1"},
    ),
]


@pytest.mark.parametrize(
    ("service", "method", "params", "operation", "expected"),
    CASES,
    ids=[f"{c[0]}:{c[3]}#{i}" for i, c in enumerate(CASES)],
)
def test_request_reads_back_as_the_call(
    service: str, method: str, params: dict[str, Any], operation: str, expected: dict[str, Any]
) -> None:
    request = capture(service, method, params)
    signed = read_signature(request)
    assert signed is not None
    call = identify(request, signed.service, signed.region, TABLES)
    assert (call.service, call.operation) == (service, operation)
    for key, value in expected.items():
        assert call.params.get(key) == value, key


def test_virtual_hosted_s3_requests_name_the_bucket() -> None:
    request = capture(
        "s3", "get_object", {"Bucket": "ml-data", "Key": "k"}, endpoint="http://s3.us-east-1.amazonaws.com"
    )
    signed = read_signature(request)
    assert signed is not None
    call = identify(request, "s3", "us-east-1", TABLES)
    assert (call.operation, call.params["Bucket"], call.params["Key"]) == ("GetObject", "ml-data", "k")


def test_unknown_target_and_service_are_refused() -> None:
    request = capture("sagemaker", "list_training_jobs")
    forged = type(request)(
        request.method, request.target, {**request.headers, "x-amz-target": "SageMaker.Nope"}, request.body
    )
    with pytest.raises(UnknownOperation, match="SageMaker.Nope"):
        identify(forged, "sagemaker", "us-east-1", TABLES)
    ec2 = capture("ec2", "describe_instances")
    with pytest.raises(UnknownOperation, match="not for a service the labs use"):
        identify(ec2, "ec2", "us-east-1", TABLES)
