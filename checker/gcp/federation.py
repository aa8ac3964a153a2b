"""Workload identity federation: which external tokens a pool provider accepts, and the principal they become.

Following the IAM API reference for WorkloadIdentityPoolProvider and "Workload identity federation":
- the token's `iss` must be the provider's OIDC issuer; its `aud` must be one of `allowed_audiences`, or, when
  none are set, "the full canonical resource name of the WorkloadIdentityPoolProvider, with or without the
  HTTPS prefix";
- `attribute_mapping` maps CEL expressions over `assertion` (the token's claims) to `google.subject`
  (required), `google.groups` and `attribute.NAME`;
- `attribute_condition`, a CEL expression over `assertion`, `google` and `attribute`, "must output a boolean
  representing whether to allow the federation": the token is accepted only when it is true (an error or a
  non-boolean never accepts);
- the accepted identity is `principal://iam.googleapis.com/POOL/subject/SUBJECT`, and belongs to
  `principalSet://iam.googleapis.com/POOL/attribute.NAME/VALUE` and `.../group/GROUP` sets and `POOL/*`.
A custom attribute whose mapping fails (a claim the token lacks) is left unset, so it can only match less.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import celpy
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

from checker.core.errors import InputError, Where

IAM_HOST = "iam.googleapis.com"


@dataclass(frozen=True)
class Provider:
    name: str  # projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/ID
    issuer: str
    allowed_audiences: Sequence[str]
    attribute_mapping: Mapping[str, str]
    attribute_condition: str | None
    where: Where | None = None

    @property
    def pool(self) -> str:
        return self.name.rsplit("/providers/", 1)[0]


@dataclass(frozen=True)
class Exchange:
    accepted: bool
    reason: str
    principal: str | None = None
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "attribute.NAME" -> values
    groups: tuple[str, ...] = ()  # principalSet://.../group/G identifiers


def exchange(provider: Provider, claims: Mapping[str, Any]) -> Exchange:
    """What Security Token Service does with a token presented to this provider."""
    if claims.get("iss") != provider.issuer:
        return Exchange(False, f"the token's iss {claims.get('iss')!r} is not the provider's issuer {provider.issuer!r}")
    audiences = list(provider.allowed_audiences) or [f"//{IAM_HOST}/{provider.name}", f"https://{IAM_HOST}/{provider.name}"]
    raw_audience = claims.get("aud")
    presented: list[Any] = raw_audience if isinstance(raw_audience, list) else [raw_audience]
    if not any(a in audiences for a in presented):
        return Exchange(False, f"the token's aud {claims.get('aud')!r} is none of the allowed audiences {audiences!r}")
    if "google.subject" not in provider.attribute_mapping:
        raise InputError("attribute_mapping must map google.subject", provider.where)
    assertion = celpy.json_to_cel(dict(claims))  # type: ignore[attr-defined]
    google: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for target, expression in provider.attribute_mapping.items():
        try:
            value = _evaluate(expression, {"assertion": assertion}, provider, target)
        except CELEvalError:
            if target == "google.subject":
                return Exchange(False, f"google.subject ({expression}) cannot be computed from this token")
            continue
        if target.startswith("google."):
            google[target.removeprefix("google.")] = value
        elif target.startswith("attribute."):
            custom[target.removeprefix("attribute.")] = value
        else:
            raise InputError(f"attribute_mapping key {target!r} must start with google. or attribute.", provider.where)
    subject = google.get("subject")
    if not isinstance(subject, str) or not subject:
        return Exchange(False, "google.subject is empty for this token")
    if provider.attribute_condition:
        activation = {"assertion": assertion, "google": celpy.json_to_cel(google),  # type: ignore[attr-defined]
                      "attribute": celpy.json_to_cel(custom)}  # type: ignore[attr-defined]
        try:
            verdict = _evaluate(provider.attribute_condition, activation, provider, "attribute_condition")
        except CELEvalError as exc:
            return Exchange(False, f"attribute_condition fails on this token ({exc.args[0]}), so it is rejected")
        if verdict is not True:
            return Exchange(False, f"attribute_condition ({provider.attribute_condition}) is {verdict!r} for this token")
    pool = provider.pool
    attributes = {f"attribute.{k}": tuple(v) if isinstance(v, list) else (str(v),) for k, v in custom.items()}
    groups = google.get("groups") or []
    return Exchange(
        True, "",
        principal=f"principal://{IAM_HOST}/{pool}/subject/{subject}",
        attributes=attributes,
        groups=tuple(f"principalSet://{IAM_HOST}/{pool}/group/{g}" for g in (groups if isinstance(groups, list) else [groups])),
    )


def _evaluate(expression: str, activation: dict[str, Any], provider: Provider, what: str) -> Any:
    environment = celpy.Environment()
    try:
        program = environment.program(environment.compile(expression))
    except CELParseError as exc:
        raise InputError(f"{what}: invalid CEL {expression!r}: {exc}", provider.where) from None
    return _plain(program.evaluate(activation))


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if type(value).__name__ == "BoolType":
        return bool(value)
    return str(value)
