"""Which tokens can assume a role: `within` and `compare` on trust policies for one OIDC provider.

For a fixed caller (the IAM OIDC provider) a trust statement's Principal/NotPrincipal either applies or not,
so the trust policy decides exactly as an identity-style policy made of the statements that apply, with the
Principal element removed (and `Resource: "*"`, since a trust policy's resource is its own role). The
prover answers on that projection; every counterexample is then decided again by the evaluator on the real
trust policies with the provider as caller, and shown as the token whose claims make the difference.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from checker.aws.analyze.compare import Relation, relation_of
from checker.aws.analyze.within import within
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.federation import ACTION, token_context
from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.aws.principals import excluded_by_not_principal, grant_for, parse_caller
from checker.aws.request import Request
from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample


@dataclass(frozen=True)
class TrustAnswer:
    """A `within` answer about trust, with each counterexample also shown as a token's claims."""

    result: WithinResult
    tokens: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.result.status.value,
            "reason": self.result.reason,
            "tokens": [dict(t) for t in self.tokens],
        }


def project(trust: Policy, provider: str) -> Policy:
    """The identity-style policy that decides as `trust` does for the caller `provider`."""
    try:
        caller = parse_caller(provider)
    except ValueError as exc:
        raise InputError(f"provider: {exc}") from None
    raw = trust.document.data.get("Statement") if isinstance(trust.document.data, dict) else None
    raw_statements = raw if isinstance(raw, list) else [raw]
    kept: list[dict[str, Any]] = []
    for statement, source in zip(trust.statements, raw_statements, strict=True):
        if statement.principal is not None and grant_for(statement.principal, caller) is None:
            continue
        if statement.not_principal is not None and excluded_by_not_principal(statement.not_principal, caller):
            continue
        body = {k: copy.deepcopy(v) for k, v in source.items() if k not in ("Principal", "NotPrincipal")}
        if "Resource" not in body and "NotResource" not in body:
            body["Resource"] = "*"
        kept.append(body)
    return parse_policy(
        {"Version": trust.version, "Statement": kept},
        name=f"{trust.name} (for {provider})",
        kind=PolicyKind.IDENTITY,
    )


def tokens_within(trust: Policy, envelope: Policy, provider: str, role_arn: str, limit: int = 3) -> TrustAnswer:
    """Does `envelope` admit every token `trust` admits? Counterexamples are tokens `trust` alone admits.

    The prover decides; when it finds a difference, GitHub-shaped tokens (a pull request, another branch,
    another repository of the same owner, another environment) are tried first so the learner sees a token
    a real workflow would present. Every token shown is decided again by the evaluator on the real policies.
    """
    inside, outside = project(trust, provider), project(envelope, provider)
    answer = within([_only_web_identity(inside)], [outside], limit=limit)
    if answer.status is not WithinStatus.COUNTEREXAMPLE:
        return TrustAnswer(answer, ())
    confirmed: list[Counterexample] = []
    tokens: list[dict[str, Any]] = []
    candidates = [_context_of(provider, claims) for claims in _github_candidates(trust, envelope, provider)]
    for context in candidates + [dict(e.context) for e in answer.counterexamples]:
        if len(confirmed) >= limit:
            break
        request = Request(provider, ACTION, role_arn, None, context)
        if evaluate(request, PolicySet(resource=trust)).allowed and not evaluate(
            request, PolicySet(resource=envelope)
        ).allowed:
            token = _as_token(provider, context)
            if token not in tokens:
                confirmed.append(Counterexample(ACTION, role_arn, context, provider))
                tokens.append(token)
    if not confirmed:
        return TrustAnswer(WithinResult(WithinStatus.UNKNOWN, (), "no counterexample survived re-evaluation"), ())
    return TrustAnswer(WithinResult(WithinStatus.COUNTEREXAMPLE, tuple(confirmed)), tuple(tokens))


def _only_web_identity(policy: Policy) -> Policy:
    """Ask only about sts:AssumeRoleWithWebIdentity: other trust actions are not what a token does."""
    data = copy.deepcopy(policy.document.data)
    data["Statement"] = [
        s for s, parsed in zip(data["Statement"], policy.statements, strict=True)
        if parsed.admits_action(ACTION.lower())
    ]
    for statement in data["Statement"]:
        if statement.get("Effect") == "Allow":
            statement.pop("NotAction", None)
            statement["Action"] = ACTION
    return parse_policy(data, name=policy.name, kind=PolicyKind.IDENTITY)


_REPO = re.compile(r"repo:([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")


def _github_candidates(trust: Policy, envelope: Policy, provider: str) -> list[dict[str, Any]]:
    """Tokens a GitHub workflow could present, built from the repositories and audiences the policies name."""
    host = provider.split(":oidc-provider/", 1)[-1]
    values: dict[str, list[str]] = {}
    for policy in (envelope, trust):
        for statement in policy.statements:
            for clause in statement.conditions:
                claim = clause.key_lower.removeprefix(host.lower() + ":")
                values.setdefault(claim, []).extend(v for v in clause.raw_values if isinstance(v, str))
    repos = [m.groups() for v in values.get("sub", []) for m in [_REPO.match(v)] if m]
    if not repos:
        return []
    owner, repo = repos[0]
    audiences = [a for a in values.get("aud", []) if "*" not in a and "?" not in a] or ["sts.amazonaws.com"]
    shapes = [
        (f"{owner}/{repo}", "refs/pull/1/merge", "pull_request", None),
        (f"{owner}/{repo}", "refs/heads/feature", "ref:refs/heads/feature", None),
        (f"{owner}/{repo}", "refs/tags/v0.0.1", "ref:refs/tags/v0.0.1", None),
        (f"{owner}/{repo}", "refs/heads/main", "environment:staging", "staging"),
        (f"{owner}/another-repo", "refs/heads/main", "ref:refs/heads/main", None),
        (f"{owner}/{repo}-fork", "refs/pull/1/merge", "pull_request", None),
        (f"{owner}/{repo}", "refs/heads/main", "ref:refs/heads/main", None),
    ]
    candidates = []
    for repository, ref, tail, environment in shapes:
        claims: dict[str, Any] = {
            "aud": audiences[0],
            "sub": f"repo:{repository}:{tail}",
            "repository": repository,
            "ref": ref,
            "job_workflow_ref": f"{repository}/.github/workflows/deploy.yml@{ref}",
        }
        if environment is not None:
            claims["environment"] = environment
        candidates.append(claims)
    return candidates


def _context_of(provider: str, claims: dict[str, Any]) -> dict[str, Any]:
    host = provider.split(":oidc-provider/", 1)[-1]
    return token_context({"iss": f"https://{host}", **claims})


def _as_token(provider: str, context: dict[str, Any]) -> dict[str, Any]:
    """The claims a token needs to produce `context` (keys `<host>:<claim>`)."""
    host = provider.split(":oidc-provider/", 1)[-1]
    claims: dict[str, Any] = {"iss": f"https://{host}"}
    prefix = host.lower() + ":"
    for key, value in context.items():
        if key.lower().startswith(prefix):
            claims[key[len(prefix):]] = value
    return claims


@dataclass(frozen=True)
class TrustComparison:
    """Tokens only `a` admits and tokens only `b` admits (each side a `within` answer with tokens)."""

    only_a: TrustAnswer
    only_b: TrustAnswer

    @property
    def relation(self) -> Relation:
        return relation_of(self.only_a.result, self.only_b.result)

    def to_json(self) -> dict[str, Any]:
        return {"relation": self.relation.value, "only_a": self.only_a.to_json(), "only_b": self.only_b.to_json()}


def compare_tokens(a: Policy, b: Policy, provider: str, role_arn: str, limit: int = 3) -> TrustComparison:
    """Which tokens one trust policy admits and the other does not, both ways (e.g. a change to a role's trust)."""
    return TrustComparison(tokens_within(a, b, provider, role_arn, limit), tokens_within(b, a, provider, role_arn, limit))
