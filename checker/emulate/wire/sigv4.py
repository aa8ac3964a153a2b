"""Verify AWS Signature Version 4, per "Create a signed AWS API request" (IAM User Guide).

The gateway recomputes the signature with the secret it holds for the access key and compares in
constant time. It checks the credential scope's date against X-Amz-Date, the request time against a
window (15 minutes either way, as AWS does), presigned URLs' X-Amz-Expires, and that a signed
payload hash matches the body. Chunk signatures of aws-chunked uploads are not re-verified: the
seed signature (which covers the headers) is.
"""

from __future__ import annotations

import hashlib
import hmac
import posixpath
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

from checker.emulate.wire.http import HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
TIME_WINDOW = timedelta(minutes=15)
UNSIGNED_PAYLOADS = ("UNSIGNED-PAYLOAD", "STREAMING-")


class SignatureProblem(Exception):
    """Why a request's signature is not accepted; `kind` is one of the errors.Failure values."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class SignedRequest:
    """The parts of a SigV4 signature, read from the Authorization header or a presigned URL."""

    access_key: str
    date: str  # yyyymmdd of the scope
    region: str
    service: str  # the signing name: s3, sts, monitoring, ...
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str  # yyyymmddThhmmssZ
    presigned: bool = False
    expires: int | None = None
    security_token: str | None = None

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def read_signature(request: HttpRequest) -> SignedRequest | None:
    """The signature's parts, or None for an unsigned request; SignatureProblem when malformed."""
    header = request.header("authorization")
    if header:
        return _from_header(header, request)
    query = dict(request.query_items())
    if query.get("X-Amz-Algorithm"):
        return _from_query(query)
    return None


def _from_header(header: str, request: HttpRequest) -> SignedRequest:
    algorithm, _, rest = header.partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureProblem(
            "bad_signature", f"only {ALGORITHM} signatures are accepted, not {algorithm!r}"
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value
    amz_date = request.header("x-amz-date") or ""
    return _assemble(
        fields.get("Credential", ""),
        fields.get("SignedHeaders", ""),
        fields.get("Signature", ""),
        amz_date,
        False,
        None,
        request.header("x-amz-security-token"),
    )


def _from_query(query: dict[str, str]) -> SignedRequest:
    if query.get("X-Amz-Algorithm") != ALGORITHM:
        raise SignatureProblem("bad_signature", f"only {ALGORITHM} presigned URLs are accepted")
    try:
        expires = int(query.get("X-Amz-Expires", "0"))
    except ValueError:
        raise SignatureProblem("bad_signature", "X-Amz-Expires is not a number") from None
    return _assemble(
        query.get("X-Amz-Credential", ""),
        query.get("X-Amz-SignedHeaders", ""),
        query.get("X-Amz-Signature", ""),
        query.get("X-Amz-Date", ""),
        True,
        expires,
        query.get("X-Amz-Security-Token"),
    )


def _assemble(
    credential: str,
    signed_headers: str,
    signature: str,
    amz_date: str,
    presigned: bool,
    expires: int | None,
    token: str | None,
) -> SignedRequest:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not signed_headers or not signature:
        raise SignatureProblem(
            "bad_signature", "the signature's Credential, SignedHeaders or Signature is malformed"
        )
    if not amz_date:
        raise SignatureProblem("bad_signature", "the request has no X-Amz-Date")
    return SignedRequest(
        parts[0],
        parts[1],
        parts[2],
        parts[3],
        tuple(signed_headers.lower().split(";")),
        signature.lower(),
        amz_date,
        presigned,
        expires,
        token,
    )


def request_time(signed: SignedRequest) -> datetime:
    try:
        return datetime.strptime(signed.amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SignatureProblem(
            "bad_signature", f"X-Amz-Date {signed.amz_date!r} is not yyyymmddThhmmssZ"
        ) from None


def check_time(signed: SignedRequest, now: datetime) -> None:
    """Refuse requests signed too far from now (replays, skewed clocks) and expired presigned URLs."""
    when = request_time(signed)
    if signed.date != signed.amz_date[:8]:
        raise SignatureProblem("bad_signature", "the credential scope's date differs from X-Amz-Date")
    if signed.presigned:
        if when > now + TIME_WINDOW:
            raise SignatureProblem("time_skew", "Request is not yet valid")
        if signed.expires is not None and now > when + timedelta(seconds=signed.expires):
            raise SignatureProblem("expired_token", "Request has expired")
        return
    if abs(now - when) > TIME_WINDOW:
        raise SignatureProblem(
            "time_skew",
            f"Signature expired: {signed.amz_date} is now earlier than "
            f"{(now - TIME_WINDOW).strftime('%Y%m%dT%H%M%SZ')} ({now.strftime('%Y%m%dT%H%M%SZ')} - 15 min.)"
            if when < now
            else f"Signature not yet current: {signed.amz_date} is still later than "
            f"{(now + TIME_WINDOW).strftime('%Y%m%dT%H%M%SZ')} ({now.strftime('%Y%m%dT%H%M%SZ')} + 15 min.)",
        )


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_uri(raw_path: str, service: str) -> str:
    if service == "s3":
        return raw_path or "/"  # S3 paths are encoded once (the client's encoding) and not normalized
    path = posixpath.normpath(raw_path) if raw_path not in ("", "/") else "/"
    if raw_path.endswith("/") and path != "/":
        path += "/"
    path = path.replace("//", "/")
    return quote(path, safe="/~")


def canonical_query(request: HttpRequest, presigned: bool) -> str:
    pairs = []
    for part in request.raw_query.split("&") if request.raw_query else []:
        key, _, value = part.partition("=")
        key, value = unquote(key.replace("+", " ")), unquote(value.replace("+", " "))
        if presigned and key == "X-Amz-Signature":
            continue
        pairs.append((_uri_encode(key), _uri_encode(value)))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_headers(request: HttpRequest, names: tuple[str, ...]) -> str:
    lines = []
    for name in names:
        value = request.headers.get(name)
        if value is None:
            raise SignatureProblem("bad_signature", f"the signed header {name!r} is missing from the request")
        lines.append(f"{name}:{' '.join(value.split())}\n")
    return "".join(lines)


def payload_hash(request: HttpRequest, signed: SignedRequest) -> str:
    declared = request.header("x-amz-content-sha256")
    if signed.presigned and signed.service == "s3":
        return declared or "UNSIGNED-PAYLOAD"
    actual = hashlib.sha256(request.body).hexdigest()
    if declared is None:
        return actual
    if declared.startswith(UNSIGNED_PAYLOADS):
        return declared
    if declared != actual:
        raise SignatureProblem(
            "bad_signature", "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    return declared


def canonical_request(request: HttpRequest, signed: SignedRequest) -> str:
    return "\n".join(
        (
            request.method.upper(),
            canonical_uri(request.raw_path, signed.service),
            canonical_query(request, signed.presigned),
            canonical_headers(request, signed.signed_headers),
            ";".join(signed.signed_headers),
            payload_hash(request, signed),
        )
    )


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def expected_signature(request: HttpRequest, signed: SignedRequest, secret_key: str) -> str:
    digest = hashlib.sha256(canonical_request(request, signed).encode("utf-8")).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{signed.amz_date}\n{signed.scope}\n{digest}"
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), signed.date)
    for part in (signed.region, signed.service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(request: HttpRequest, signed: SignedRequest, secret_key: str, now: datetime) -> None:
    """Raise SignatureProblem unless the request is signed with `secret_key` within the time window."""
    check_time(signed, now)
    if "host" not in signed.signed_headers:
        raise SignatureProblem("bad_signature", "the Host header must be signed")
    # Compared as bytes: compare_digest refuses str with non-ASCII characters, and the signature is input.
    provided = signed.signature.encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(expected_signature(request, signed, secret_key).encode("ascii"), provided):
        raise SignatureProblem(
            "bad_signature",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
