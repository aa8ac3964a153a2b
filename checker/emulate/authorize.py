"""Decide an API call with the project's engine, from the caller's credential and the backend's state.

For every IAM check of the mapped call this builds the policy set AWS would consult (identity
policies of the user or role, permissions boundary, session policy, the resource's policy, SCPs by
level) and the request context (global keys such as aws:SourceIp, aws:CurrentTime,
aws:PrincipalTag/*), evaluates, and stops at the first denial, as AWS answers one AccessDenied.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from checker.aws import Policy, PolicyKind, PolicySet, Request, evaluate, parse_policy
from checker.core.decision import Decision, DecisionKind
from checker.core.errors import InputError
from checker.emulate.errors import POLICY_TYPE_WORDS, DenialWords, access_denied_message, implicit_policy_type
from checker.emulate.mapping import ApiCall, AuthorizationCheck, MappedCall, UnmappedOperation, map_call
from checker.emulate.state.credentials import Credential
from checker.emulate.state.reader import BackendState
from checker.emulate.state.snapshot import Document, Entity

ROOT_POLICY: Document = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass(frozen=True)
class Connection:
    """What the network tells about a request: where it came from, over what, and when."""

    source_ip: str = "127.0.0.1"
    secure_transport: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class CheckOutcome:
    check: AuthorizationCheck
    decision: Decision
    statement: str | None  # "policy name, statement label" of the deciding statement
    policy_kind: str | None = None  # its kind: "identity", "boundary", "session", "resource", "trust", "scp"


@dataclass(frozen=True)
class Verdict:
    """The answer for one call: allowed, or the first denial with AWS's message."""

    allowed: bool
    principal: str
    call: ApiCall
    mapped: MappedCall | None
    outcomes: tuple[CheckOutcome, ...]
    message: str = ""
    unmapped: UnmappedOperation | None = None

    @property
    def denied(self) -> CheckOutcome | None:
        for outcome in self.outcomes:
            if not outcome.decision.allowed:
                return outcome
        return None


class PolicyCache:
    """Parsed policies, so each document is parsed once however many calls it decides.

    Documents from the backend's cached state are the same objects call after call, so the object
    identity is tried first; the text is the key for documents built per call (session policies).
    """

    def __init__(self, limit: int = 4096) -> None:
        self._by_identity: dict[tuple[str, PolicyKind, int], tuple[Document, Policy]] = {}
        self._by_text: dict[tuple[str, PolicyKind, str], Policy] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, document: Document, name: str, kind: PolicyKind) -> Policy:
        identity_key = (name, kind, id(document))
        with self._lock:
            held = self._by_identity.get(identity_key)
        if held is not None and held[0] is document:
            return held[1]
        text_key = (name, kind, json.dumps(document, sort_keys=True))
        with self._lock:
            policy = self._by_text.get(text_key)
        if policy is None:
            policy = parse_policy(dict(document), name=name, kind=kind)
        with self._lock:
            if len(self._by_text) >= self._limit or len(self._by_identity) >= self._limit:
                self._by_text.clear()
                self._by_identity.clear()
            self._by_text[text_key] = policy
            self._by_identity[identity_key] = (document, policy)  # holding the document keeps its id unique
        return policy


class Authorizer:
    def __init__(self, state: BackendState, policies: PolicyCache | None = None) -> None:
        self.state = state
        self.policies = policies or PolicyCache()

    # -- the call
    def decide(self, credential: Credential, call: ApiCall, connection: Connection) -> Verdict:
        principal = credential.principal_arn
        try:
            mapped = map_call(call)
        except UnmappedOperation as exc:
            message = (
                f"User: {principal} is not authorized to perform: {call.service}:{call.operation} "
                f"because the lab gateway cannot tell which IAM permission this call needs ({exc.why}), so it denies it"
            )
            return Verdict(False, principal, call, None, (), message, exc)
        outcomes: list[CheckOutcome] = []
        for check in mapped.checks:
            outcome = self.decide_check(credential, check, call.region, connection)
            outcomes.append(outcome)
            if not outcome.decision.allowed:
                message = access_denied_message(principal, check.action, check.resource, self._words(outcome))
                return Verdict(False, principal, call, mapped, tuple(outcomes), message)
        return Verdict(True, principal, call, mapped, tuple(outcomes))

    def decide_check(
        self, credential: Credential, check: AuthorizationCheck, region: str, connection: Connection
    ) -> CheckOutcome:
        policy_set, kinds = self.policy_set(credential, check)
        context = {**self.global_context(credential, region, connection), **check.context}
        request = Request(
            principal=credential.principal_arn, action=check.action, resource=check.resource, context=context
        )
        try:
            decision = evaluate(request, policy_set, explain=True)
        except InputError as exc:
            decision = Decision(
                DecisionKind.IMPLICIT_DENY, f"the request could not be evaluated: {exc.message}"
            )
        statement, kind = _deciding_statement(decision, kinds)
        return CheckOutcome(check, decision, statement, kind)

    @staticmethod
    def _words(outcome: CheckOutcome) -> DenialWords:
        decision = outcome.decision
        if decision.kind is DecisionKind.EXPLICIT_DENY:
            return DenialWords(
                True, POLICY_TYPE_WORDS.get(outcome.policy_kind or "", "identity-based policy")
            )
        return DenialWords(False, implicit_policy_type(decision.summary))

    # -- policies
    def policy_set(
        self, credential: Credential, check: AuthorizationCheck
    ) -> tuple[PolicySet, dict[str, str]]:
        """The policies AWS consults for this caller and check; also each policy's name -> kind word."""
        kinds: dict[str, str] = {}

        def parsed(document: Document, name: str, kind: PolicyKind) -> Policy:
            kinds[name] = kind.value
            return self.policies.get(document, name, kind)

        identity: list[Policy] = []
        boundary: Policy | None = None
        session: Policy | None = None
        if credential.is_anonymous:
            pass  # no identity side: only resource-based policies can allow an anonymous caller
        elif credential.is_root:
            identity.append(
                parsed(
                    ROOT_POLICY, "identity the account root user has every permission", PolicyKind.IDENTITY
                )
            )
        else:
            entity = self._entity_of(credential)
            if entity is not None:
                for name, document in self._identity_documents(entity):
                    identity.append(parsed(document, name, PolicyKind.IDENTITY))
                if entity.boundary_arn:
                    boundary_document = self.state.managed_policy(entity.boundary_arn)
                    if boundary_document is not None:
                        boundary = parsed(
                            boundary_document, f"boundary {entity.boundary_arn}", PolicyKind.BOUNDARY
                        )
            if credential.is_session and (credential.session_policy or credential.session_policy_arns):
                session = parsed(
                    self._session_document(credential), "session policy of this session", PolicyKind.SESSION
                )
        resource_document = self.state.resource_policy(check.action, check.resource)
        resource: Policy | None = None
        if resource_document is not None:
            kind = PolicyKind.TRUST if check.action.lower().startswith("sts:") else PolicyKind.RESOURCE
            resource = parsed(resource_document, f"resource policy of {check.resource}", kind)
        scps: list[Sequence[Policy]] = [
            [parsed(document, f"scp {name}", PolicyKind.SCP) for name, document in level]
            for level in self.state.service_control_policies(credential.account)
        ]
        policy_set = PolicySet(
            identity=identity, resource=resource, boundary=boundary, session=session, scps=scps
        )
        return policy_set, kinds

    def _entity_of(self, credential: Credential) -> Entity | None:
        if credential.is_session and credential.role_arn:
            return self.state.role(credential.role_arn.rsplit("/", 1)[-1])
        if ":user/" in credential.principal_arn:
            return self.state.user(credential.principal_arn.rsplit("/", 1)[-1])
        return None

    def _identity_documents(self, entity: Entity) -> list[tuple[str, Document]]:
        where = f"{entity.kind} {entity.name}"
        documents = [(f"identity inline policy {name} of {where}", doc) for name, doc in entity.inline]
        for arn in entity.attached:
            document = self.state.managed_policy(arn)
            if document is not None:
                documents.append((f"identity managed policy {arn} attached to {where}", document))
        for group_name in entity.groups:
            group = self.state.snapshot().groups.get(group_name)
            if group is None:
                continue
            documents.extend(
                (f"identity inline policy {name} of group {group_name}", doc) for name, doc in group.inline
            )
            for arn in group.attached:
                document = self.state.managed_policy(arn)
                if document is not None:
                    documents.append(
                        (f"identity managed policy {arn} attached to group {group_name}", document)
                    )
        return documents

    def _session_document(self, credential: Credential) -> Document:
        """Inline and managed session policies together: the session keeps what any of them allows."""
        statements: list[Any] = []
        documents: list[Document] = []
        if credential.session_policy:
            documents.append(credential.session_policy)
        for arn in credential.session_policy_arns:
            document = self.state.managed_policy(arn)
            if document is not None:
                documents.append(document)
        for document in documents:
            found = document.get("Statement", [])
            statements.extend(found if isinstance(found, list) else [found])
        return {"Version": "2012-10-17", "Statement": statements}

    # -- context
    def global_context(self, credential: Credential, region: str, connection: Connection) -> dict[str, Any]:
        """Global condition keys AWS adds to every signed request (IAM User Guide, global condition keys)."""
        now = connection.now.astimezone(UTC)
        context: dict[str, Any] = {
            "aws:SourceIp": connection.source_ip,
            "aws:SecureTransport": connection.secure_transport,
            "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": int(now.timestamp()),
            "aws:RequestedRegion": region,
            "aws:ViaAWSService": False,
            "aws:PrincipalIsAWSService": False,
        }
        entity = None if credential.is_root or credential.is_anonymous else self._entity_of(credential)
        tags: dict[str, str] = dict(entity.tags) if entity is not None else {}
        if credential.is_session:
            tags.update(credential.session_tags)  # a session tag overrides a role tag with the same key
            context["aws:MultiFactorAuthPresent"] = False
            if credential.issued_at is not None:
                context["aws:TokenIssueTime"] = credential.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            session_name = credential.principal_arn.rsplit("/", 1)[-1]
            if entity is not None:
                context["aws:userid"] = f"{entity.unique_id}:{session_name}"
        elif entity is not None:
            context["aws:userid"] = entity.unique_id
        elif credential.is_root:
            context["aws:userid"] = credential.account
        for key, value in tags.items():
            context[f"aws:PrincipalTag/{key}"] = value
        organization = self.state.organization()
        if organization is not None and not credential.is_anonymous:
            context["aws:PrincipalOrgID"] = organization.get("Id")
        return context


def _deciding_statement(decision: Decision, kinds: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(policy name and statement label, policy kind) of the statement that decided, if one did."""
    wanted = {DecisionKind.ALLOW: "allow", DecisionKind.EXPLICIT_DENY: "deny"}.get(decision.kind)
    if wanted is None:
        return None, None
    for reason in decision.reasons:
        if reason.effect.lower() == wanted:
            label = f", statement {reason.statement}" if reason.statement else ""
            return f"{reason.policy}{label}", kinds.get(reason.policy)
    return None, None
