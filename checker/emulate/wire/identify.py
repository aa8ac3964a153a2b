"""Which AWS operation an HTTP request calls, and with which parameters, from botocore's models.

The signing name in the credential scope narrows the service; then the wire form decides: an
X-Amz-Target header (JSON protocol), a /service/.../operation/NAME path (RPC v2 CBOR), an Action
form field (query protocol), or the method and path matched against the operations' REST URIs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qsl, unquote

import cbor2
from botocore.model import OperationModel

from checker.emulate.mapping.botomodel import operation_model, service_model
from checker.emulate.wire.decode import (
    DecodeError,
    from_json_document,
    from_query,
    from_rest,
    parse_json_body,
)
from checker.emulate.wire.http import HttpRequest
from checker.emulate.wire.s3address import s3_address

_CBOR_PATH = re.compile(r"^/service/(?P<service>[^/]+)/operation/(?P<operation>[^/?]+)$")


class UnknownOperation(Exception):
    """The request does not name an operation this gateway can read; it is denied, never forwarded."""


class AmbiguousOperation(UnknownOperation):
    """The request could be read as more than one operation; denied, never forwarded."""


@dataclass(frozen=True)
class WireCall:
    service: str  # botocore service name
    operation: str
    params: dict[str, object]
    region: str


@dataclass(frozen=True)
class _RestRoute:
    operation: str
    method: str
    pattern: re.Pattern[str]
    labels: dict[str, str]  # regex group -> URI label name
    literal_query: tuple[tuple[str, str | None], ...]
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]
    greedy: int
    literal_length: int

    def query_keys(self) -> set[str]:
        return {key for key, _ in self.literal_query} | set(self.required_query)

    def score(self) -> tuple[int, int, int, int]:
        return (
            len(self.literal_query),
            len(self.required_headers) + len(self.required_query),
            -self.greedy,
            self.literal_length,
        )


def services_signed_as(signing_name: str, candidates: Iterable[str]) -> list[str]:
    return list(_signed_as(signing_name, tuple(candidates)))


@cache
def _signed_as(signing_name: str, candidates: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in candidates if service_model(name).signing_name == signing_name)


@cache
def _routes(service: str) -> tuple[_RestRoute, ...]:
    model = service_model(service)
    routes = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        routes.append(_route(operation))
    return tuple(routes)


@cache
def _routes_for_method(service: str, method: str) -> tuple[_RestRoute, ...]:
    return tuple(route for route in _routes(service) if route.method == method)


def _route(operation: OperationModel) -> _RestRoute:
    uri = str(operation.http["requestUri"])
    path, _, query = uri.partition("?")
    regex = ""
    labels: dict[str, str] = {}
    greedy = 0
    literal_length = 0
    position = 0
    for index, match in enumerate(re.finditer(r"\{([^}]+)\}", path)):
        literal = path[position : match.start()]
        regex += re.escape(literal)
        literal_length += len(literal)
        label = match.group(1)
        group = f"g{index}"
        if label.endswith("+"):
            labels[group] = label[:-1]
            regex += f"(?P<{group}>.+)"
            greedy += 1
        else:
            labels[group] = label
            regex += f"(?P<{group}>[^/]+)"
        position = match.end()
    tail = path[position:]
    regex += re.escape(tail)
    literal_length += len(tail)
    pattern = re.compile(f"^{regex}/?$" if not regex.endswith("/") else f"^{regex}$")
    literal_query = tuple(
        (key, value if sep else None)
        for key, sep, value in (part.partition("=") for part in query.split("&") if part)
    )
    shape = operation.input_shape
    required_query: list[str] = []
    required_headers: list[str] = []
    if shape is not None:
        for member_name in shape.required_members:
            member = shape.members[member_name]
            location = member.serialization.get("location")
            wire = member.serialization.get("name", member_name)
            if location == "querystring":
                required_query.append(wire)
            elif location == "header":
                required_headers.append(wire.lower())
    return _RestRoute(
        operation.name,
        str(operation.http["method"]).upper(),
        pattern,
        labels,
        literal_query,
        tuple(required_query),
        tuple(required_headers),
        greedy,
        literal_length,
    )


def _match_rest(service: str, request: HttpRequest) -> tuple[str, dict[str, str]]:
    # S3: the one path-style address the gateway also forwards (s3address); AddressProblem propagates.
    path = s3_address(request).path if service == "s3" else request.raw_path
    query = {key for key, _ in request.query_items()}
    query_values = dict(request.query_items())
    best: tuple[tuple[int, int, int, int], str, dict[str, str], _RestRoute] | None = None
    for route in _routes_for_method(service, request.method.upper()):
        match = route.pattern.match(path)
        if match is None:
            continue
        if any(
            key not in query or (value is not None and query_values.get(key) != value)
            for key, value in route.literal_query
        ):
            continue
        if any(key not in query for key in route.required_query):
            continue
        if any(name not in request.headers for name in route.required_headers):
            continue
        labels = {route.labels[group]: value for group, value in match.groupdict().items()}
        if service == "s3" and labels.get("Bucket", "").count("/"):
            continue
        if best is None or route.score() > best[0]:
            best = (route.score(), route.operation, labels, route)
    if best is None:
        raise UnknownOperation(f"no {service} operation matches {request.method} {path}")
    if service == "s3":
        _one_subresource(request, best[3], query)
    return best[1], best[2]


def _one_subresource(request: HttpRequest, route: _RestRoute, query: set[str]) -> None:
    """Refuse a request whose query names a sub-resource the chosen operation does not use.

    S3 (and moto, in its own order) picks the operation from query keys such as `acl`, `tagging`,
    `attributes` or `uploadId`; with two of them, or one the chosen operation ignores, the backend may
    run another operation than the one authorized (GET KEY?attributes without its header is GetObject
    here but GetObjectAttributes in moto).
    """
    extra = (query & _dispatch_keys("s3", request.method.upper())) - route.query_keys()
    if extra:
        raise AmbiguousOperation(
            f"the query names {', '.join(sorted(extra))}, which {route.operation} does not use, so the "
            "operation the backend would run is ambiguous"
        )


@cache
def _dispatch_keys(service: str, method: str) -> frozenset[str]:
    """Query keys that select an operation among this method's routes (never x-id, a label only)."""
    keys: set[str] = set()
    for route in _routes_for_method(service, method):
        keys |= route.query_keys()
    return frozenset(keys - {"x-id"})


def identify(request: HttpRequest, signing_name: str, region: str, services: Iterable[str]) -> WireCall:
    """The call an HTTP request makes; UnknownOperation when no supported operation matches."""
    candidates = services_signed_as(signing_name, services)
    if not candidates:
        raise UnknownOperation(f"requests signed for {signing_name!r} are not for a service the labs use")
    try:
        return _identify(request, candidates, region)
    except DecodeError as exc:
        raise UnknownOperation(f"the request cannot be read: {exc}") from None


def _identify(request: HttpRequest, candidates: list[str], region: str) -> WireCall:
    target = request.header("x-amz-target")
    if target:
        prefix, _, operation = target.rpartition(".")
        for service in candidates:
            model = service_model(service)
            if model.metadata.get("targetPrefix") == prefix and operation in model.operation_names:
                shape = operation_model(service, operation).input_shape
                params = from_json_document(shape, parse_json_body(request.body))
                return WireCall(service, operation, dict(params) if isinstance(params, dict) else {}, region)
        raise UnknownOperation(f"X-Amz-Target {target!r} names no operation of {', '.join(candidates)}")
    cbor_match = _CBOR_PATH.match(request.raw_path)
    if cbor_match and (request.header("smithy-protocol") or "").lower() == "rpc-v2-cbor":
        operation = unquote(cbor_match.group("operation"))
        for service in candidates:
            if operation in service_model(service).operation_names:
                try:
                    data = cbor2.loads(request.body) if request.body else {}
                except (cbor2.CBORDecodeError, ValueError) as exc:
                    raise DecodeError(f"the CBOR body is malformed: {exc}") from None
                params = from_json_document(operation_model(service, operation).input_shape, data)
                return WireCall(service, operation, dict(params) if isinstance(params, dict) else {}, region)
        raise UnknownOperation(f"{operation!r} is not an operation of {', '.join(candidates)}")
    content_type = (request.header("content-type") or "").lower()
    form_text = ""
    if "application/x-www-form-urlencoded" in content_type:
        form_text = request.body.decode("utf-8", errors="replace")
    elif request.method.upper() == "GET" and "Action=" in request.raw_query:
        form_text = request.raw_query
    if form_text:
        form = dict(parse_qsl(form_text, keep_blank_values=True))
        operation = form.get("Action", "")
        for service in candidates:
            if operation in service_model(service).operation_names:
                params = from_query(operation_model(service, operation).input_shape, form)
                return WireCall(service, operation, params, region)
        raise UnknownOperation(f"Action {operation!r} is not an operation of {', '.join(candidates)}")
    for service in candidates:
        if service_model(service).protocol not in ("rest-json", "rest-xml"):
            continue
        try:
            operation, labels = _match_rest(service, request)
        except AmbiguousOperation:
            raise
        except UnknownOperation:
            continue
        shape = operation_model(service, operation).input_shape
        params = from_rest(
            shape, labels, request.query_items(), request.headers, request.body, service == "s3"
        )
        return WireCall(service, operation, params, region)
    raise UnknownOperation(
        f"{request.method} {request.raw_path} matches no operation of {', '.join(candidates)}"
    )
