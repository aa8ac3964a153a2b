"""In-process enforcement: every boto3 call of an enforced client is decided before it is sent.

For notebooks and tests that run moto in the same process. A botocore event hook reads the call's
API parameters, resolves the caller from the client's access key, asks the engine, and on a denial
answers as AWS would, so boto3 raises the same ClientError (AccessDenied, with AWS's message).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore
import botocore.session
from botocore.args import ClientConfigString
from botocore.awsrequest import AWSResponse, HTTPHeaders

from checker.emulate.audit import AuditLog, AuditRecord
from checker.emulate.authorize import Authorizer, Connection, Verdict
from checker.emulate.errors import MESSAGES, Failure, error_code, render_error
from checker.emulate.federation import LocalIssuer, WebIdentityProblem, web_identity_call
from checker.emulate.mapping import ApiCall
from checker.emulate.mapping.botomodel import client_loader
from checker.emulate.state.credentials import Credential, CredentialStore

_PARAMS_KEY = "iamlab_api_params"
_CALLER_KEY = "iamlab_caller"


class InProcessEnforcer:
    def __init__(
        self,
        authorizer: Authorizer,
        credentials: CredentialStore,
        audit: AuditLog | None = None,
        connection: Callable[[], Connection] = Connection,
        on_verdict: Callable[[Verdict], None] | None = None,
        web_identity: LocalIssuer | None = None,
    ) -> None:
        self.web_identity = web_identity  # the only issuer whose tokens AssumeRoleWithWebIdentity accepts
        self.authorizer = authorizer
        self.credentials = credentials
        self.audit = audit
        self.connection = connection
        self.on_verdict = on_verdict

    def enforce(self, client: Any) -> Any:
        """Register the hooks on one client (they apply to that client only) and return it."""
        events = client.meta.events
        events.register_last("before-parameter-build.*.*", self._keep_params)
        events.register_last("before-call.*.*", self._decide)
        events.register_last("after-call.*.*", self._observe)
        return client

    def release(self, client: Any) -> None:
        """Remove the hooks `enforce` registered on the client (it may then serve another enforcer)."""
        events = client.meta.events
        events.unregister("before-parameter-build.*.*", self._keep_params)
        events.unregister("before-call.*.*", self._decide)
        events.unregister("after-call.*.*", self._observe)

    def session(self, **kwargs: Any) -> boto3.Session:
        """A boto3 session whose clients are all enforced."""
        enforcer = self

        class EnforcedSession(boto3.Session):
            def client(self, *args: Any, **client_kwargs: Any) -> Any:
                return enforcer.enforce(super().client(*args, **client_kwargs))

        core = botocore.session.get_session()
        core.register_component("data_loader", client_loader())  # parse each service model once
        return EnforcedSession(botocore_session=core, **kwargs)

    # -- hooks
    @staticmethod
    def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS_KEY] = dict(params)

    def _decide(
        self, model: Any, params: dict[str, Any], request_signer: Any, context: dict[str, Any], **_: Any
    ) -> Any:
        service = model.service_model.service_name
        operation = model.name
        if service == "sts" and operation == "AssumeRoleWithWebIdentity":
            return self._web_identity(params, context)
        if _sends_bearer_token(request_signer, context):
            message = (
                f"{service}:{operation} would be sent with a bearer token (a Bedrock API key, from "
                "AWS_BEARER_TOKEN_BEDROCK), not signed with the client's access key: the lab enforcer identifies "
                "callers by their SigV4 keys only, so it refuses the call rather than decide it as someone else"
            )
            return _refusal(service, Failure.UNMAPPED, message)
        frozen = request_signer._credentials.get_frozen_credentials() if request_signer._credentials else None
        if frozen is None:
            return _refusal(service, Failure.MISSING_AUTH, MESSAGES[Failure.MISSING_AUTH])
        # aws:SecureTransport follows the endpoint the client really uses.
        connection = replace(
            self.connection(), secure_transport=str(params.get("url", "")).startswith("https:")
        )
        credential = self.credentials.find(frozen.access_key)
        failure = _credential_failure(credential, frozen, connection.now)
        if failure is not None:
            return _refusal(service, failure, MESSAGES[failure])
        assert credential is not None
        region = context.get("client_region") or "us-east-1"
        call = ApiCall(
            service,
            operation,
            context.get(_PARAMS_KEY, {}),
            region,
            credential.account,
            caller_arn=credential.principal_arn,
            lookups=self.authorizer.state,
        )
        try:
            verdict = self.authorizer.decide(credential, call, connection)
        except Exception as exc:  # fail closed: the call is refused, never sent
            message = (
                f"User: {credential.principal_arn} is not authorized to perform: {service}:{operation} because "
                f"the lab enforcer could not decide it ({type(exc).__name__}: {exc})"
            )
            return _refusal(service, Failure.UNMAPPED, message)
        self._record(verdict, connection)
        if self.on_verdict is not None:
            self.on_verdict(verdict)
        if not verdict.allowed:
            return _refusal(
                service, Failure.UNMAPPED if verdict.unmapped else Failure.ACCESS_DENIED, verdict.message
            )
        context[_CALLER_KEY] = credential
        return None

    def _web_identity(self, params: dict[str, Any], context: dict[str, Any]) -> Any:
        """Unsigned by design: the token is verified here, then the role's trust policy decides."""
        connection = replace(self.connection(), secure_transport=str(params.get("url", "")).startswith("https:"))
        region = context.get("client_region") or "us-east-1"
        try:
            credential, call = web_identity_call(
                self.web_identity, context.get(_PARAMS_KEY, {}), region, self.credentials.account,
                self.authorizer.state, connection.now.timestamp(),
            )
        except WebIdentityProblem as problem:
            kind = Failure.EXPIRED_IDENTITY_TOKEN if problem.kind == "expired" else Failure.INVALID_IDENTITY_TOKEN
            return _refusal("sts", kind, problem.message)
        try:
            verdict = self.authorizer.decide(credential, call, connection)
        except Exception as exc:  # fail closed
            return _refusal("sts", Failure.UNMAPPED, f"the lab enforcer could not decide the call ({exc})")
        self._record(verdict, connection)
        if self.on_verdict is not None:
            self.on_verdict(verdict)
        if not verdict.allowed:
            return _refusal("sts", Failure.UNMAPPED if verdict.unmapped else Failure.ACCESS_DENIED, verdict.message)
        context[_CALLER_KEY] = credential
        return None

    def _observe(
        self, http_response: Any, parsed: Any, model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        caller = context.get(_CALLER_KEY)
        if caller is None or http_response.status_code >= 300:
            return
        service = model.service_model.service_name
        self.credentials.observe(
            caller, service, model.name, context.get(_PARAMS_KEY, {}), parsed, self.authorizer.state.user_arn
        )
        self.authorizer.state.note_call(service, model.name)

    def _record(self, verdict: Verdict, connection: Connection) -> None:
        if self.audit is None:
            return
        for record in audit_records(verdict, connection):
            self.audit.write(record)


def audit_records(verdict: Verdict, connection: Connection) -> list[AuditRecord]:
    """One record per decided check; an unmapped call gives one record naming the operation."""
    when = connection.now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    call = verdict.call
    if verdict.unmapped is not None:
        return [
            AuditRecord(
                when,
                verdict.principal,
                f"{call.service}:{call.operation}",
                "*",
                "implicit_deny",
                None,
                call.service,
                call.operation,
                connection.source_ip,
                f"not mapped: {verdict.unmapped.why}",
            )
        ]
    return [
        AuditRecord(
            when,
            verdict.principal,
            outcome.check.action,
            outcome.check.resource,
            outcome.decision.kind.value,
            outcome.statement,
            call.service,
            call.operation,
            connection.source_ip,
            outcome.decision.summary,
            dict(outcome.check.context),
        )
        for outcome in verdict.outcomes
    ]


def _sends_bearer_token(request_signer: Any, context: dict[str, Any]) -> bool:
    """Whether botocore will authenticate this call with a bearer token: it loads one only for a service
    that accepts bearer auth (Bedrock's API keys, from AWS_BEARER_TOKEN_BEDROCK) and then prefers it to
    SigV4 unless the client's signature version (or auth scheme preference) was set in code."""
    if getattr(request_signer, "_auth_token", None) is None:
        return False
    if "smithy.api#httpBearerAuth" not in (context.get("auth_options") or ()):
        return False
    config = context.get("client_config")
    if config is None:
        return True
    in_code = (
        isinstance(config.signature_version, ClientConfigString)
        or config.signature_version is botocore.UNSIGNED
        or isinstance(config.auth_scheme_preference, ClientConfigString)
    )
    return not in_code or config.signature_version == "bearer"


def _credential_failure(credential: Credential | None, frozen: Any, now: datetime) -> Failure | None:
    if credential is None:
        return Failure.UNKNOWN_KEY
    if credential.secret_access_key != frozen.secret_key:
        return Failure.BAD_SIGNATURE
    if credential.session_token and credential.session_token != frozen.token:
        return Failure.UNKNOWN_KEY
    if credential.expired(now):
        return Failure.EXPIRED_TOKEN
    return None


def _refusal(service: str, failure: Failure, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    """What botocore would have parsed from AWS's error answer, so the caller sees the same ClientError."""
    request_id = str(uuid.uuid4())
    answer = render_error(service, failure, message, request_id)
    http = AWSResponse(url="", status_code=answer.status, headers=HTTPHeaders(), raw=None)
    parsed = {
        "Error": {"Code": error_code(service, failure), "Message": message},
        "ResponseMetadata": {
            "RequestId": request_id,
            "HTTPStatusCode": answer.status,
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        },
    }
    return http, parsed
