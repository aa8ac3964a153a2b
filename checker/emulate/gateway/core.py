"""What the gateway does with one request: authenticate, map, decide, then forward or refuse.

It fails closed: an unsigned request, an unknown key, a bad or stale signature, an expired session
and an operation it cannot map are all refused before anything reaches the backend.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from botocore.parsers import ResponseParserError, create_parser

from checker.emulate.audit import AuditLog, AuditRecord
from checker.emulate.authorize import Connection
from checker.emulate.backends import Backend
from checker.emulate.errors import MESSAGES, Failure, render_error
from checker.emulate.federation import LocalIssuer, WebIdentityProblem, web_identity_call
from checker.emulate.gateway.forward import BackendResponse, Forwarder
from checker.emulate.hook import audit_records
from checker.emulate.mapping import TABLES, ApiCall
from checker.emulate.mapping.botomodel import operation_model, service_model
from checker.emulate.state.credentials import ANONYMOUS, Credential
from checker.emulate.wire.http import HttpRequest
from checker.emulate.wire.identify import UnknownOperation, WireCall, identify, services_signed_as
from checker.emulate.wire.s3address import AddressProblem, s3_address
from checker.emulate.wire.sigv4 import SignatureProblem, SignedRequest, read_signature, verify

HEALTH_PATH = "/_iamlab/health"
# Answers whose credentials the gateway must learn to verify later requests signed with them.
_MINTING = {
    ("iam", "CreateAccessKey"),
    ("iam", "DeleteAccessKey"),
    ("sts", "AssumeRole"),
    ("sts", "AssumeRoleWithWebIdentity"),
    ("sts", "GetSessionToken"),
}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    reason: str = ""


class GatewayCore:
    def __init__(
        self,
        backend: Backend,
        forwarder: Forwarder,
        audit: AuditLog | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        secure_transport: bool = True,
        web_identity: LocalIssuer | None = None,
    ) -> None:
        self.backend = backend
        # The only identity provider whose tokens AssumeRoleWithWebIdentity accepts (None: no provider).
        self.web_identity = web_identity
        self.forwarder = forwarder
        self.audit = audit
        self.clock = clock
        # Clients reach AWS over TLS, and policies that deny plain HTTP should not fail every lab call
        # because the loopback gateway speaks HTTP; False reports the plain HTTP the gateway really sees.
        self.secure_transport = secure_transport

    def handle(self, request: HttpRequest) -> Reply:
        if request.raw_path == HEALTH_PATH:
            body = json.dumps({"status": "running", "backend": self.backend.name}).encode()
            return Reply(200, [("Content-Type", "application/json")], body)
        now = self.clock()
        protocol = wire_protocol(request)

        def refuse(service: str, failure: Failure, message: str) -> Reply:
            return self._refuse(service, failure, message, protocol)

        try:
            signed = read_signature(request)
        except SignatureProblem as problem:
            return refuse("sts", Failure(problem.kind), problem.message)
        if signed is None:
            if self._guess_service(request) == "s3":
                return self._anonymous_s3(request, now)
            web = self._web_identity(request, now, protocol)
            if web is not None:
                return web
            return refuse(self._guess_service(request), Failure.MISSING_AUTH, MESSAGES[Failure.MISSING_AUTH])
        service_hint = self._service_for(signed)
        credential = self.backend.credentials.find(signed.access_key)
        if credential is None:
            return refuse(service_hint, Failure.UNKNOWN_KEY, MESSAGES[Failure.UNKNOWN_KEY])
        try:
            verify(request, signed, credential.secret_access_key, now)
        except SignatureProblem as problem:
            return refuse(service_hint, Failure(problem.kind), problem.message)
        failure = _session_failure(credential, signed, now)
        if failure is not None:
            return refuse(service_hint, failure, MESSAGES[failure])
        try:
            forward = self._addressed(request, service_hint)
        except AddressProblem as problem:
            return refuse(service_hint, Failure.BAD_ADDRESS, _address_message(problem))
        connection = Connection(request.client_ip, request.secure or self.secure_transport, now)
        try:
            wire = identify(request, signed.service, signed.region, TABLES)
            call = ApiCall(
                wire.service,
                wire.operation,
                wire.params,
                wire.region,
                credential.account,
                caller_arn=credential.principal_arn,
                lookups=self.backend.state,
            )
            verdict = self.backend.authorizer.decide(credential, call, connection)
        except UnknownOperation as exc:
            return self._refuse_unknown(service_hint, credential, connection, str(exc), protocol)
        except Exception as exc:  # fail closed: whatever went wrong, nothing reaches the backend
            why = f"it could not be read or decided ({type(exc).__name__}: {exc})"
            return self._refuse_unknown(service_hint, credential, connection, why, protocol)
        self._audit(audit_records(verdict, connection))
        if not verdict.allowed:
            failure = Failure.UNMAPPED if verdict.unmapped else Failure.ACCESS_DENIED
            return refuse(wire.service, failure, verdict.message)
        response = self.forwarder.send(forward)
        if response.status < 300:
            self._learn(credential, wire, response)
        return Reply(response.status, response.headers, response.body, response.reason)

    def _anonymous_s3(self, request: HttpRequest, now: datetime) -> Reply:
        """An unsigned S3 request is an anonymous one: only a bucket policy naming everyone allows it."""
        region = self.backend.region
        anonymous = Credential("", "", ANONYMOUS, self.backend.account)
        try:
            forward = self._addressed(request, "s3")
        except AddressProblem as problem:
            return self._refuse("s3", Failure.BAD_ADDRESS, _address_message(problem))
        connection = Connection(request.client_ip, request.secure or self.secure_transport, now)
        try:
            wire = identify(request, "s3", region, TABLES)
            call = ApiCall(
                wire.service,
                wire.operation,
                wire.params,
                region,
                self.backend.account,
                lookups=self.backend.state,
            )
            verdict = self.backend.authorizer.decide(anonymous, call, connection)
        except Exception as exc:  # fail closed, as for signed requests
            return self._refuse_unknown(
                "s3", anonymous, connection, f"it could not be read or decided ({exc})", None
            )
        self._audit(audit_records(verdict, connection))
        if not verdict.allowed:
            return self._refuse(
                "s3", Failure.ACCESS_DENIED, "Access Denied"
            )  # S3's words for anonymous callers
        response = self.forwarder.send(forward)
        return Reply(response.status, response.headers, response.body, response.reason)

    def _web_identity(self, request: HttpRequest, now: datetime, protocol: str | None) -> Reply | None:
        """AssumeRoleWithWebIdentity (unsigned by design): verify the token, then the trust policy decides."""
        try:
            wire = identify(request, "sts", self.backend.region, TABLES)
        except Exception:
            return None  # not an STS call this gateway can read: the caller refuses it as unsigned
        if wire.operation != "AssumeRoleWithWebIdentity":
            return None
        try:
            credential, call = web_identity_call(
                self.web_identity, wire.params, wire.region, self.backend.account, self.backend.state, now.timestamp()
            )
        except WebIdentityProblem as problem:
            kind = Failure.EXPIRED_IDENTITY_TOKEN if problem.kind == "expired" else Failure.INVALID_IDENTITY_TOKEN
            return self._refuse("sts", kind, problem.message, protocol)
        connection = Connection(request.client_ip, request.secure or self.secure_transport, now)
        try:
            verdict = self.backend.authorizer.decide(credential, call, connection)
        except Exception as exc:  # fail closed
            why = f"it could not be decided ({type(exc).__name__}: {exc})"
            return self._refuse_unknown("sts", credential, connection, why, protocol)
        self._audit(audit_records(verdict, connection))
        if not verdict.allowed:
            failure = Failure.UNMAPPED if verdict.unmapped else Failure.ACCESS_DENIED
            return self._refuse("sts", failure, verdict.message, protocol)
        response = self.forwarder.send(request)
        if response.status < 300:
            self._learn(credential, wire, response)
        return Reply(response.status, response.headers, response.body, response.reason)

    # -- helpers
    @staticmethod
    def _addressed(request: HttpRequest, service: str) -> HttpRequest:
        """The request as forwarded: S3 rewritten to the path-style form of the bucket authorized."""
        if service != "s3":
            return request
        return replace(request, target=s3_address(request).target)

    def _service_for(self, signed: SignedRequest) -> str:
        names = services_signed_as(signed.service, TABLES)
        return names[0] if names else "sts"

    @staticmethod
    def _guess_service(request: HttpRequest) -> str:
        if request.header("x-amz-target") or (request.header("content-type") or "").startswith(
            "application/x-amz-json"
        ):
            return "kms"  # any JSON-protocol service: the error body is the same
        if "Action=" in request.raw_query or "form-urlencoded" in (request.header("content-type") or ""):
            return "sts"
        return "s3"

    def _refuse(self, service: str, failure: Failure, message: str, protocol: str | None = None) -> Reply:
        error = render_error(service, failure, message, protocol=protocol)
        return Reply(error.status, list(error.headers.items()), error.body)

    def _refuse_unknown(
        self, service: str, credential: Credential, connection: Connection, why: str, protocol: str | None
    ) -> Reply:
        message = (
            f"User: {credential.principal_arn} is not authorized to perform this request because the lab gateway "
            f"cannot map it to IAM actions ({why}), so it denies it"
        )
        when = connection.now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._audit(
            [
                AuditRecord(
                    when,
                    credential.principal_arn,
                    "unknown",
                    "*",
                    "implicit_deny",
                    None,
                    service,
                    "",
                    connection.source_ip,
                    why,
                )
            ]
        )
        return self._refuse(service, Failure.UNMAPPED, message, protocol)

    def _audit(self, records: list[AuditRecord]) -> None:
        if self.audit is not None:
            for record in records:
                self.audit.write(record)

    def _learn(self, caller: Credential, wire: WireCall, response: BackendResponse) -> None:
        state = self.backend.state
        if (wire.service, wire.operation) in _MINTING:
            try:
                parsed = _parse_response(wire.service, wire.operation, response)
                self.backend.credentials.observe(
                    caller, wire.service, wire.operation, wire.params, parsed, state.user_arn
                )
            except (ValueError, KeyError, TypeError, ResponseParserError):
                pass  # an answer we cannot read mints no credentials we could verify later
        state.note_call(wire.service, wire.operation)


def wire_protocol(request: HttpRequest) -> str | None:
    """The protocol a request was sent in, when its form shows it; errors answer in the same one."""
    if (request.header("smithy-protocol") or "").lower() == "rpc-v2-cbor":
        return "smithy-rpc-v2-cbor"
    if request.header("x-amz-target"):
        return "json"
    if "form-urlencoded" in (request.header("content-type") or "") or "Action=" in request.raw_query:
        return "query"
    return None


def _address_message(problem: AddressProblem) -> str:
    return (
        f"The lab gateway refuses this request: {problem}. It authorizes the bucket a request names and "
        "must be sure the backend acts on that same bucket; use path-style addressing "
        "(endpoint/BUCKET/KEY) or BUCKET.s3.REGION.amazonaws.com / BUCKET.localhost"
    )


def _session_failure(credential: Credential, signed: SignedRequest, now: datetime) -> Failure | None:
    if (credential.session_token or None) != (signed.security_token or None):
        return Failure.UNKNOWN_KEY  # a temporary key without its token, or a token that is not its own
    if credential.expired(now):
        return Failure.EXPIRED_TOKEN
    return None


def _parse_response(service: str, operation: str, response: BackendResponse) -> Any:
    """The backend's answer parsed the way boto3 parses it (botocore's response parsers)."""
    model = operation_model(service, operation)
    if model.output_shape is None:
        return {}
    model_of_service = service_model(service)
    parser = create_parser(getattr(model_of_service, "resolved_protocol", None) or model_of_service.protocol)
    headers = {name: value for name, value in response.headers}
    return parser.parse(
        {"status_code": response.status, "headers": headers, "body": response.body}, model.output_shape
    )
