"""Requests in lab.yaml (for allows, denies and trust) and asking the engine about them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.core.decision import Decision
from checker.core.errors import InputError
from checker.core.findings import Counterexample
from checker.grading.checks.base import ParseContext, RunContext, describe_context
from checker.grading.located import Node

# `token` (AWS): the claims of an OIDC token presented to sts:AssumeRoleWithWebIdentity; the caller is then the
# IAM OIDC provider of its issuer (checker.aws.federation), so no principal is filled in for it.
REQUEST_FIELDS = frozenset({"principal", "action", "resource", "resource_account", "context", "token"})


@dataclass(frozen=True)
class LabRequest:
    data: dict[str, Any]  # handed to the engine as it is
    pointer: str  # where it sits in lab.yaml

    @property
    def action(self) -> str:
        return str(self.data.get("action", ""))

    @property
    def resource(self) -> str:
        return str(self.data.get("resource", ""))

    @property
    def principal(self) -> str | None:
        value = self.data.get("principal")
        return None if value is None else str(value)

    @property
    def context(self) -> dict[str, Any]:
        return dict(self.data.get("context") or {})

    def words(self) -> str:
        """'s3:GetObject on arn:aws:s3:::bucket/key with aws:SourceIp=10.0.0.1'."""
        token = self.data.get("token")
        if isinstance(token, dict):
            return f"{self.action} on {self.resource} with a token for sub {token.get('sub')!r}, aud {token.get('aud')!r}"
        return f"{self.action} on {self.resource}{describe_context(self.context)}"

    def counterexample(self) -> Counterexample:
        return Counterexample(self.action, self.resource, self.context, self.principal)


def parse_request(node: Node, where: ParseContext) -> LabRequest:
    """A request mapping; without a principal it is made by the identity the lab builds."""
    node.mapping(REQUEST_FIELDS, {"action", "resource"})
    for key in ("principal", "action", "resource", "resource_account"):
        if node.has(key):
            node.text(key)
    if node.has("context"):
        node.field("context").expect(dict)
    if node.has("token"):
        node.field("token").expect(dict)
    data = dict(node.value)
    if "principal" not in data and "token" not in data:
        if where.identity is None:
            raise node.error(
                "this request names no principal and the lab names no `identity` for this cloud",
                "add `principal:` to the request, or `identity:` under the cloud in lab.yaml",
            )
        data["principal"] = where.identity
    return LabRequest(data, node.pointer)


def parse_requests(node: Node, key: str, where: ParseContext) -> tuple[LabRequest, ...]:
    requests = tuple(parse_request(item, where) for item in node.field(key).items())
    if not requests:
        raise node.field(key).error(f"{key} must list at least one request")
    return requests


def decide(context: RunContext, request: LabRequest) -> Decision:
    """Ask the engine; an error about the request itself points at the request in lab.yaml."""
    try:
        return context.engine.decide(context.submission, request.data)
    except InputError as exc:
        if exc.where is not None and exc.where.file != "<input>":
            raise
        raise InputError(exc.message, context.lab.document.locate(request.pointer), exc.hint) from None
