"""SigV4 verification, per "Create a signed AWS API request" (IAM User Guide): boto3 signs, we verify."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config

from checker.emulate.wire.http import HttpRequest
from checker.emulate.wire.sigv4 import SignatureProblem, read_signature, request_time, verify
from tests.emulate.wire_capture import capture

SIGNED_CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("s3", "get_object", {"Bucket": "ml-data", "Key": "datasets/a b+c=d.csv"}),
    ("s3", "put_object", {"Bucket": "ml-data", "Key": "models/m", "Body": b"weights"}),
    ("s3", "list_objects_v2", {"Bucket": "ml-data", "Prefix": "data sets/", "Delimiter": "/"}),
    ("sts", "get_caller_identity", {}),
    ("iam", "create_user", {"UserName": "u", "Path": "/a b/"}),
    ("kms", "encrypt", {"KeyId": "k", "Plaintext": b"x"}),
    ("lambda", "invoke", {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:f:prod"}),
    ("apigateway", "get_resources", {"restApiId": "a1"}),
    ("cloudwatch", "put_metric_data", {"Namespace": "ML", "MetricData": [{"MetricName": "m", "Value": 1.0}]}),
    ("logs", "describe_log_groups", {}),
]


def _now(request: HttpRequest) -> datetime:
    signed = read_signature(request)
    assert signed is not None
    return request_time(signed)


@pytest.mark.parametrize(
    ("service", "method", "params"), SIGNED_CALLS, ids=[f"{c[0]}.{c[1]}" for c in SIGNED_CALLS]
)
def test_boto3_signatures_verify_with_the_right_secret(
    service: str, method: str, params: dict[str, Any]
) -> None:
    request = capture(service, method, params, key="AKIAEXAMPLE", secret="s3cret")
    signed = read_signature(request)
    assert signed is not None and signed.access_key == "AKIAEXAMPLE"
    verify(request, signed, "s3cret", _now(request))


def test_wrong_secret_is_a_bad_signature() -> None:
    request = capture("sts", "get_caller_identity", key="AKIAEXAMPLE", secret="s3cret")
    signed = read_signature(request)
    assert signed is not None
    with pytest.raises(SignatureProblem) as raised:
        verify(request, signed, "other", _now(request))
    assert raised.value.kind == "bad_signature"


def test_tampered_body_is_a_bad_signature() -> None:
    request = capture("iam", "create_user", {"UserName": "u"}, key="AKIAEXAMPLE", secret="s3cret")
    signed = read_signature(request)
    assert signed is not None
    tampered = replace(request, body=request.body.replace(b"UserName=u", b"UserName=admin"))
    with pytest.raises(SignatureProblem):
        verify(tampered, signed, "s3cret", _now(request))


def test_s3_payload_hash_must_match_the_body() -> None:
    request = capture(
        "s3", "put_object", {"Bucket": "b1x", "Key": "k", "Body": b"one"}, key="AKIAEXAMPLE", secret="s3cret"
    )
    signed = read_signature(request)
    assert signed is not None
    with pytest.raises(SignatureProblem, match="x-amz-content-sha256"):
        verify(replace(request, body=b"two"), signed, "s3cret", _now(request))


@pytest.mark.parametrize("minutes", [16, -16, 60 * 24])
def test_replay_outside_the_time_window_is_refused(minutes: int) -> None:
    request = capture("sts", "get_caller_identity", key="AKIAEXAMPLE", secret="s3cret")
    signed = read_signature(request)
    assert signed is not None
    with pytest.raises(SignatureProblem) as raised:
        verify(request, signed, "s3cret", _now(request) + timedelta(minutes=minutes))
    assert raised.value.kind == "time_skew"
    verify(request, signed, "s3cret", _now(request) + timedelta(minutes=14))


def test_presigned_url_verifies_until_it_expires() -> None:
    client: Any = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:4599",
        region_name="us-east-1",
        aws_access_key_id="AKIAEXAMPLE",
        aws_secret_access_key="s3cret",
        config=Config(signature_version="s3v4"),
    )
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": "ml-data", "Key": "a b.csv"}, ExpiresIn=60
    )
    parts = urlsplit(url)
    request = HttpRequest("GET", f"{parts.path}?{parts.query}", {"host": parts.netloc})
    signed = read_signature(request)
    assert signed is not None and signed.presigned
    verify(request, signed, "s3cret", datetime.now(UTC))
    with pytest.raises(SignatureProblem) as raised:
        verify(request, signed, "s3cret", datetime.now(UTC) + timedelta(seconds=120))
    assert raised.value.kind == "expired_token"


@pytest.mark.parametrize(
    "authorization",
    [
        "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3, SignedHeaders=host, Signature=00",
        "AWS AKIA:signature",
        "AWS4-HMAC-SHA256 garbage",
    ],
)
def test_malformed_authorization_is_refused(authorization: str) -> None:
    request = HttpRequest(
        "GET", "/", {"host": "x", "authorization": authorization, "x-amz-date": "20260101T000000Z"}
    )
    with pytest.raises(SignatureProblem):
        read_signature(request)
