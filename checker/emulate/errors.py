"""Errors the way AWS words and encodes them: AccessDenied messages, signature errors, protocol bodies.

Message wording follows the IAM User Guide, "Troubleshoot access denied error messages":
"User: ARN is not authorized to perform: ACTION on resource: ARN because no identity-based policy
allows the ACTION action" / "... with an explicit deny in a service control policy".
Error codes differ by protocol: query and REST-XML services say AccessDenied, JSON services
AccessDeniedException; signature failures likewise (SignatureDoesNotMatch / InvalidSignatureException).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from enum import StrEnum
from xml.sax.saxutils import escape

import cbor2

from checker.emulate.mapping.botomodel import service_summary


class Failure(StrEnum):
    """Kinds of refusal, each with a per-protocol error code and HTTP status."""

    ACCESS_DENIED = "access_denied"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED_TOKEN = "expired_token"
    TIME_SKEW = "time_skew"
    MISSING_AUTH = "missing_auth"
    UNMAPPED = "unmapped"
    BAD_ADDRESS = "bad_address"  # an S3 request whose bucket cannot be read unambiguously
    INVALID_IDENTITY_TOKEN = "invalid_identity_token"  # AssumeRoleWithWebIdentity: a token STS cannot validate
    EXPIRED_IDENTITY_TOKEN = "expired_identity_token"  # AssumeRoleWithWebIdentity: an expired token


# Failure -> (code for query / REST-XML services, code for JSON services, code for S3, HTTP status)
_CODES: dict[Failure, tuple[str, str, str, int]] = {
    Failure.ACCESS_DENIED: ("AccessDenied", "AccessDeniedException", "AccessDenied", 403),
    Failure.UNMAPPED: ("AccessDenied", "AccessDeniedException", "AccessDenied", 403),
    Failure.UNKNOWN_KEY: ("InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", 403),
    Failure.BAD_SIGNATURE: (
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        403,
    ),
    Failure.EXPIRED_TOKEN: ("ExpiredToken", "ExpiredTokenException", "ExpiredToken", 400),
    Failure.TIME_SKEW: ("SignatureDoesNotMatch", "InvalidSignatureException", "RequestTimeTooSkewed", 403),
    Failure.INVALID_IDENTITY_TOKEN: ("InvalidIdentityToken", "InvalidIdentityTokenException", "InvalidIdentityToken", 400),
    Failure.EXPIRED_IDENTITY_TOKEN: ("ExpiredTokenException", "ExpiredTokenException", "ExpiredTokenException", 400),
    Failure.MISSING_AUTH: (
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "AccessDenied",
        403,
    ),
    # S3's "InvalidRequest" (400), its code for a request it cannot act on as sent (S3 API Reference,
    # "Error responses"); only S3 requests are refused this way.
    Failure.BAD_ADDRESS: ("InvalidRequest", "InvalidRequestException", "InvalidRequest", 400),
}

MESSAGES: dict[Failure, str] = {
    Failure.UNKNOWN_KEY: "The security token included in the request is invalid.",
    Failure.BAD_SIGNATURE: (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method."
    ),
    Failure.EXPIRED_TOKEN: "The security token included in the request is expired",
    Failure.MISSING_AUTH: "Request is missing Authentication Token",
}


def error_code(service: str, failure: Failure, protocol: str | None = None) -> str:
    query_code, json_code, s3_code, _status = _CODES[failure]
    if service == "s3":
        return s3_code
    protocol = protocol or protocol_of(service)
    if query_compatible(service):
        return query_code  # former query services keep their query error codes (x-amzn-query-error)
    return json_code if protocol in ("json", "rest-json", "smithy-rpc-v2-cbor") else query_code


def query_compatible(service: str) -> bool:
    """True for services moved off the query protocol that still answer with query error codes."""
    try:
        return "awsQueryCompatible" in service_summary(service).metadata
    except Exception:
        return False


def error_status(failure: Failure) -> int:
    return _CODES[failure][3]


def protocol_of(service: str) -> str:
    """The protocol botocore speaks to the service (its first choice among those the model lists)."""
    try:
        model = service_summary(service)
    except Exception:  # an unknown service: answer in the query protocol's XML
        return "query"
    return str(getattr(model, "resolved_protocol", None) or model.protocol)


# Which policy type the engine's summary names, for AWS's wording of the denial.
_IMPLICIT_PHRASES: tuple[tuple[str, str], ...] = (
    ("resource control policy", "resource control policy"),
    ("service control policy", "service control policy"),
    ("permissions boundary does not", "permissions boundary"),
    ("session policy does not", "session policy"),
    ("trust policy", "resource-based policy"),
    ("key policy", "resource-based policy"),
    ("resource-based policy", "resource-based policy"),
)

POLICY_TYPE_WORDS = {
    "identity": "identity-based policy",
    "resource": "resource-based policy",
    "trust": "resource-based policy",
    "boundary": "permissions boundary",
    "session": "session policy",
    "scp": "service control policy",
    "rcp": "resource control policy",
}


@dataclass(frozen=True)
class DenialWords:
    explicit: bool
    policy_type: str  # "identity-based policy", "service control policy", ...


def access_denied_message(principal: str, action: str, resource: str, words: DenialWords) -> str:
    head = f"User: {principal} is not authorized to perform: {action} on resource: {resource}"
    if words.explicit:
        return f"{head} with an explicit deny in {_article(words.policy_type)} {words.policy_type}"
    return f"{head} because no {words.policy_type} allows the {action} action"


def implicit_policy_type(summary: str) -> str:
    for phrase, policy_type in _IMPLICIT_PHRASES:
        if phrase in summary:
            return policy_type
    return "identity-based policy"


def _article(words: str) -> str:
    return "an" if words[0] in "aeiou" else "a"


@dataclass(frozen=True)
class ErrorResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def render_error(
    service: str, failure: Failure, message: str, request_id: str | None = None, protocol: str | None = None
) -> ErrorResponse:
    """The HTTP answer AWS gives for a refusal, in the protocol the request used (or the service's)."""
    request_id = request_id or str(uuid.uuid4())
    protocol = protocol or protocol_of(service)
    code = error_code(service, failure, protocol)
    status = error_status(failure)
    if service == "s3" or protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
        )
        return ErrorResponse(
            status, {"Content-Type": "application/xml", "x-amz-request-id": request_id}, body.encode()
        )
    if protocol == "json":
        payload = json.dumps({"__type": code, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id}
        if query_compatible(service):  # keeps the query-era code and status
            headers["x-amzn-query-error"] = f"{code};Sender"
            return ErrorResponse(status, headers, payload)
        return ErrorResponse(400, headers, payload)  # JSON-protocol services answer client errors with 400
    if protocol == "rest-json":
        payload = json.dumps({"message": message, "Message": message}).encode()
        headers = {
            "Content-Type": "application/json",
            "x-amzn-RequestId": request_id,
            "x-amzn-ErrorType": code,
        }
        return ErrorResponse(status, headers, payload)
    if protocol == "smithy-rpc-v2-cbor":
        payload = cbor2.dumps({"__type": code, "message": message})
        headers = {
            "Content-Type": "application/cbor",
            "smithy-protocol": "rpc-v2-cbor",
            "x-amzn-RequestId": request_id,
        }
        if query_compatible(service):
            headers["x-amzn-query-error"] = f"{code};Sender"
        return ErrorResponse(status, headers, payload)
    body = (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return ErrorResponse(status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body.encode())
