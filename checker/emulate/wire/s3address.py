"""Which bucket an S3 request addresses, decided once, and the one path-style form the backend is sent.

S3 reads the bucket either from the path (path-style: `s3.REGION.amazonaws.com/BUCKET/KEY`) or from
the Host header (virtual-hosted: `BUCKET.s3.REGION.amazonaws.com/KEY`), and an emulator has its own
rules for hosts it does not know (moto takes the first label of any dotted host as a bucket, after
stripping `www.`). If the gateway authorized the path's bucket while the backend read the Host's, a
request could reach any bucket. So the gateway reads the address here, authorizes exactly that, and
forwards the request rewritten to path-style with the backend's own Host: the backend then has nothing
left to interpret. A Host that is neither a known endpoint nor BUCKET.<known S3 endpoint> is refused.

Endpoint forms: "Virtual hosting of general purpose buckets" and "Amazon S3 endpoints and quotas"
(AWS General Reference): s3.amazonaws.com, s3.REGION.amazonaws.com, s3-REGION.amazonaws.com (legacy),
s3.dualstack.REGION.amazonaws.com, s3-fips..., s3-accelerate[.dualstack].amazonaws.com; LocalStack's
s3.localhost.localstack.cloud; and BUCKET.localhost, which SDKs build for a localhost endpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checker.emulate.wire.http import HttpRequest

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
# Hosts S3 (and the local emulators) serve path-style requests on; matched lower-cased, port removed.
_S3_ENDPOINT = re.compile(
    rf"s3\.amazonaws\.com(?:\.cn)?"
    rf"|s3(?:-fips)?(?:\.dualstack)?[.-]{_REGION}\.amazonaws\.com(?:\.cn)?"
    rf"|s3-accelerate(?:\.dualstack)?\.amazonaws\.com"
    rf"|s3-external-1\.amazonaws\.com"
    rf"|s3\.localhost\.localstack\.cloud"
)
_LOCAL_HOST = re.compile(r"localhost|localhost\.localstack\.cloud|[a-z0-9-]+")  # dotless: a container name
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")
_IPV6 = re.compile(r"\[[0-9a-f:.]+\]")
# "Bucket naming rules" (S3 User Guide): 3-63 characters, lowercase letters, digits, dots and
# hyphens, beginning and ending with a letter or digit. A virtual-hosted name must follow them.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# A path-style bucket label is taken only as plain characters: no percent-escapes the backend might
# decode differently (older buckets may still hold capitals and underscores, so those pass).
_PATH_BUCKET = re.compile(r"[A-Za-z0-9._-]{1,255}")


class AddressProblem(Exception):
    """The request's bucket cannot be read unambiguously; it is refused, never forwarded."""


@dataclass(frozen=True)
class S3Address:
    """The bucket a request addresses (None: the service itself, e.g. ListBuckets), as path-style."""

    bucket: str | None
    target: str  # the path-style request-target forwarded to the backend: /BUCKET/KEY?QUERY

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]


def host_name(request: HttpRequest) -> str:
    """The Host header's name, lower-cased (DNS names are case-insensitive, RFC 4343), port removed."""
    host = (request.header("host") or "").strip().lower()
    if not host:
        raise AddressProblem("the request has no Host header, so its bucket cannot be told")
    if host.startswith("["):
        name, _, port = host.partition("]")
        name += "]"
        port = port.removeprefix(":")
    else:
        name, _, port = host.partition(":")
    if port and not port.isdigit():
        raise AddressProblem(f"the Host header {host!r} has a malformed port")
    return name


def bucket_from_host(name: str) -> str | None:
    """The virtual-hosted bucket a Host name carries, None for a path-style host; else AddressProblem."""
    if (
        _S3_ENDPOINT.fullmatch(name)
        or _LOCAL_HOST.fullmatch(name)
        or _IPV4.fullmatch(name)
        or _IPV6.fullmatch(name)
    ):
        return None
    candidates = {
        name[:index]
        for index, char in enumerate(name)
        if char == "." and (_S3_ENDPOINT.fullmatch(name[index + 1 :]) or name[index + 1 :] == "localhost")
    }
    if len(candidates) != 1:
        raise AddressProblem(
            f"the Host header {name!r} is neither an S3 endpoint nor BUCKET.<S3 endpoint>"
            if not candidates
            else f"the Host header {name!r} can be read as more than one bucket"
        )
    bucket = candidates.pop()
    if not _BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
        raise AddressProblem(f"{bucket!r} in the Host header is not a valid bucket name")
    return bucket


def s3_address(request: HttpRequest) -> S3Address:
    """The bucket the request addresses and the path-style target that says exactly that."""
    path = request.raw_path
    query = request.raw_query
    suffix = f"?{query}" if query else ""
    if not path.startswith("/"):
        raise AddressProblem(f"the request path {path!r} does not start with /")
    bucket = bucket_from_host(host_name(request))
    if bucket is not None:
        return S3Address(bucket, "/" + bucket + (path if path != "/" else "") + suffix)
    label = path[1:].partition("/")[0]
    if not label:
        if path != "/":
            raise AddressProblem(f"the request path {path!r} starts with an empty bucket name")
        return S3Address(None, "/" + suffix)
    if not _PATH_BUCKET.fullmatch(label):
        raise AddressProblem(f"the bucket name {label!r} in the path holds characters S3 never allows")
    return S3Address(label, path + suffix)
