"""Who can act as a service account: every member holding a token-minting or act-as permission on it.

In GCP a principal acts as a service account through permissions on the service account's own resource,
granted by bindings there or on any ancestor (its project, folders, organization):
https://cloud.google.com/iam/docs/service-account-impersonation and "Roles for service account
authentication" (https://cloud.google.com/iam/docs/service-account-permissions) list them - actAs
(Service Account User), getAccessToken, getOpenIdToken, implicitDelegation, signBlob, signJwt (Service
Account Token Creator, and getAccessToken through Workload Identity User); a key created with
iam.serviceAccountKeys.create is the account's own credential; iam.serviceAccounts.setIamPolicy lets its
holder grant itself any of these.

Allow policies grant only through bindings, so the members of every binding on the chain whose role holds
one of these permissions are all the principals that can act as the account - whatever a binding's
condition, which is taken to hold (a grant under some condition is still a grant). A member the lab does
not allow is a counterexample; when it names a concrete principal the evaluator decides the request too.

Workload identity federation: when the lab allows tokens (`{token: {CLAIM: value}}` entries of `may_assume`)
and the submission has pool providers, a `principal://` or `principalSet://` member of a pool is judged by
the tokens that can become it (analyze/tokens.py proves there is none the lab does not allow, or shows one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from checker.core.decision import Decision
from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample
from checker.gcp.evaluate import role_permissions
from checker.gcp.federation import Provider
from checker.gcp.hierarchy import Hierarchy, service_account_resource
from checker.gcp.location import Loc
from checker.gcp.members import MemberKind, parse_allow_member
from checker.gcp.model import Binding, PolicySet
from checker.gcp.names import parse_resource_name

TAKEOVER_PERMISSIONS = (
    "iam.serviceAccounts.actAs",
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.getOpenIdToken",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "iam.serviceAccountKeys.create",
    "iam.serviceAccounts.setIamPolicy",
)


def allowed_members(may_assume: Any) -> frozenset[str]:
    """The lab's allowed set: a list of members (user:, serviceAccount:, group:, ...), compared by identity;
    `{token: ...}` entries (allowed federated tokens) are read by allowed_tokens."""
    if not isinstance(may_assume, list):
        raise InputError("may_assume must be a list of members such as serviceAccount:NAME@PROJECT.iam.gserviceaccount.com")
    keys: set[str] = set()
    for index, item in enumerate(may_assume):
        if isinstance(item, dict) and "token" in item:
            continue
        member = parse_allow_member(item, Loc(label="may_assume").child(index))
        keys.add(_member_key(member.kind, member.text))
    return frozenset(keys)


def _member_key(kind: MemberKind, text: str) -> str:
    # Emails are compared case-insensitively, as the evaluator does (members.Principal.key).
    return text.lower() if kind in (MemberKind.USER, MemberKind.SERVICE_ACCOUNT, MemberKind.GROUP, MemberKind.DOMAIN) else text


def actors_within(
    bindings: Sequence[Binding],
    policies: PolicySet,
    hierarchy: Hierarchy,
    identity: str,
    may_assume: Any,
    decide: Any,
    providers: Sequence[Provider] = (),
) -> WithinResult:
    """PROVED when every member able to act as `identity` is allowed; else one example per other member.

    `decide(request)` is the engine's decision for a request mapping (used to show a concrete request)."""
    allowed = allowed_members(may_assume)
    tokens = [item for item in may_assume if isinstance(item, dict) and "token" in item]
    resource = service_account_resource(identity) or identity
    account = parse_resource_name(resource, Loc(label="identity"))
    chain = hierarchy.chain(account)
    found: list[Counterexample] = []
    seen: set[str] = set()
    try:
        for binding in bindings:
            if binding.attached not in chain:
                continue
            granted = [p for p in TAKEOVER_PERMISSIONS if p in role_permissions(binding.role, policies)]
            if not granted:
                continue
            for member in binding.members:
                key = _member_key(member.kind, member.text)
                if key in allowed or key in seen or member.kind is MemberKind.DELETED:
                    continue
                seen.add(key)
                if tokens and providers:
                    example = _federated_example(member.text, tokens, providers, granted, resource, binding)
                    if example is not None:
                        if example is not _NOBODY:
                            found.append(example)
                        continue
                found.append(_example(member.text, member.kind, granted, resource, binding, decide))
    except _Unknown as exc:
        return WithinResult(WithinStatus.UNKNOWN, reason=str(exc))
    if found:
        return WithinResult(WithinStatus.COUNTEREXAMPLE, tuple(found))
    return WithinResult(WithinStatus.PROVED)


_NOBODY = Counterexample("", "", {})  # a federated member no token outside the allowed ones can become


def _federated_example(
    text: str, tokens: list[Any], providers: Sequence[Provider], granted: list[str], resource: str, binding: Binding
) -> Counterexample | None:
    """For a pool member: a token the lab does not allow that becomes it, _NOBODY, or None (not federated)."""
    from checker.gcp.analyze.encode import Undecidable
    from checker.gcp.analyze.tokens import federated_member, parse_allowed, reaches, tokens_reaching

    try:
        member = federated_member(text)
        if member is None:
            return None
        allowed = parse_allowed(tokens)
        for provider in providers:
            claims = tokens_reaching(provider, member, allowed)
            if claims is not None:
                where = f"{binding.role} on {binding.attached.full}"
                shown = _shown(claims, provider)
                if not reaches(provider, member, shown):
                    shown = claims  # the provider reads a claim in a way the short form would lose
                return Counterexample(granted[0], resource, {"token": shown, "granted_by": where}, text)
    except Undecidable as exc:
        raise _Unknown(str(exc)) from None
    return _NOBODY


_CORE_CLAIMS = ("iss", "aud", "sub", "repository", "ref", "environment", "event_name")


def _shown(claims: dict[str, str], provider: Provider) -> dict[str, str]:
    """The claims a learner reads: GitHub's usual ones and those the provider's CEL reads (all decided alike)."""
    read = set(re.findall(r"assertion\.(\w+)", " ".join([*provider.attribute_mapping.values(), provider.attribute_condition or ""])))
    return {k: v for k, v in claims.items() if k in _CORE_CLAIMS or k in read}


class _Unknown(Exception):
    """The token question could not be decided: the proof's answer is UNKNOWN."""


def _example(
    text: str, kind: MemberKind, granted: list[str], resource: str, binding: Binding, decide: Any
) -> Counterexample:
    """The member's grant as a request; for a concrete principal, the permission the evaluator allows."""
    where = f"{binding.role} on {binding.attached.full}"
    if binding.condition is not None:
        where += f" when {binding.condition.expression}"
    context = {"granted_by": where}
    if kind in (MemberKind.USER, MemberKind.SERVICE_ACCOUNT):
        for permission in granted:
            decision: Decision = decide({"principal": text, "permission": permission, "resource": resource})
            if decision.allowed:
                return Counterexample(permission, resource, context, text)
    return Counterexample(granted[0], resource, context, text)
