"""Trust policy findings (IAM User Guide: "Principal", "The confused deputy problem", "How to use an
external ID", "Create a role for OpenID Connect federation").

A statement is a trust statement when it allows an sts:AssumeRole* action to a principal.
"""

from __future__ import annotations

import re

from checker.aws.analyze.findings.base import finding
from checker.aws.policy import ConditionClause, Effect, Policy, Statement
from checker.aws.wildcard import compile_glob
from checker.core.findings import Finding, Severity

ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml")
ORGANIZATION_KEYS = ("aws:principalorgid", "aws:principalorgpaths", "aws:resourceorgid")
NARROWING_KEYS = ORGANIZATION_KEYS + (
    "aws:principalarn",
    "aws:principalaccount",
    "aws:sourceaccount",
    "aws:userid",
)
DEPUTY_KEYS = (
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
)


def check(policy: Policy, account: str | None = None) -> list[Finding]:
    found: list[Finding] = []
    for statement in policy.statements:
        if statement.effect is not Effect.ALLOW or statement.principal is None or not _assumes(statement):
            continue
        keys = {c.key_lower for c in statement.conditions}
        spec = statement.principal
        where = f"{statement.pointer}/Principal"
        if spec.wildcard and not keys & set(NARROWING_KEYS):
            found.append(
                finding(
                    "AWS-TRUST-PUBLIC",
                    policy,
                    where,
                    f"statement {statement.label} lets any AWS principal (in any account) assume this role",
                )
            )
        for entry in spec.aws:
            other = _account_of(entry)
            if other is None or other == account:
                continue
            if "sts:externalid" in keys or keys & set(ORGANIZATION_KEYS):
                continue
            if account is None:
                message = (
                    f"statement {statement.label} trusts account {other}; if that is not your own account, "
                    "anyone there with sts:AssumeRole can use this role"
                )
                found.append(finding("AWS-TRUST-CROSS-ACCOUNT", policy, where, message, Severity.WARNING))
            else:
                message = (
                    f"statement {statement.label} lets account {other} assume this role with no sts:ExternalId "
                    "or organization condition"
                )
                found.append(finding("AWS-TRUST-CROSS-ACCOUNT", policy, where, message))
        if spec.service and not keys & set(DEPUTY_KEYS):
            services = ", ".join(spec.service)
            found.append(
                finding(
                    "AWS-TRUST-CONFUSED-DEPUTY",
                    policy,
                    where,
                    f"statement {statement.label}: {services} can assume this role when acting for any account "
                    "(the confused deputy problem)",
                )
            )
        found.extend(_oidc(policy, statement))
    return found


def _assumes(statement: Statement) -> bool:
    if statement.actions is None:
        return (
            statement.not_actions is not None
        )  # NotAction with a principal: assume is included unless listed
    return any(any(p.matches(a) for a in ASSUME_ACTIONS) for p in statement.actions)


def _account_of(entry: str) -> str | None:
    if len(entry) == 12 and entry.isdigit():
        return entry
    parts = entry.split(":", 5)
    if len(parts) == 6 and parts[4].isdigit():
        return parts[4]
    return None


def _oidc(policy: Policy, statement: Statement) -> list[Finding]:
    assert statement.principal is not None
    providers = [f for f in statement.principal.federated if "saml-provider/" not in f]
    if not providers:
        return []
    web = statement.actions is None or any(
        p.matches("sts:assumerolewithwebidentity") for p in statement.actions
    )
    if not web:
        return []
    sub_clauses = [c for c in statement.conditions if c.key_lower.endswith(":sub")]
    where = f"{statement.pointer}/Condition" if statement.conditions else f"{statement.pointer}/Principal"
    found: list[Finding] = []
    github = [p for p in providers if p.endswith(":oidc-provider/" + GITHUB_HOST)]
    if github and not any(c.key_lower == f"{GITHUB_HOST}:aud" for c in statement.conditions):
        found.append(
            finding(
                "AWS-TRUST-OIDC-NO-AUD",
                policy,
                where,
                f"statement {statement.label} trusts GitHub's OIDC provider without checking the token's aud, so a "
                "token a workflow requested for another service (any audience) can assume the role",
            )
        )
    if not sub_clauses:
        return found + [
            finding(
                "AWS-TRUST-OIDC-NO-SUB",
                policy,
                where,
                f"statement {statement.label} trusts {', '.join(providers)} without checking the token's sub, so "
                "any identity of that provider (any repository, any cluster) can assume the role",
            )
        ]
    for clause in sub_clauses:
        wild = clause.operator.wildcards and any(
            v == "*" or v.endswith(":*") or v.count("*") > 0 for v in clause.raw_values
        )
        if wild or clause.operator.negated:
            admitted = _github_admits(clause) if clause.key_lower == f"{GITHUB_HOST}:sub" and wild else ""
            found.append(
                finding(
                    "AWS-TRUST-OIDC-WILDCARD-SUB",
                    policy,
                    clause.pointer,
                    f"{clause.operator_text} on {clause.key} accepts {', '.join(clause.raw_values)}: "
                    + (admitted or "more subjects than the one workload"),
                )
            )
    return found


GITHUB_HOST = "token.actions.githubusercontent.com"
_GITHUB_REPO = re.compile(r"repo:([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]*)")


def _github_admits(clause: ConditionClause) -> str:
    """Which kinds of GitHub subjects (GitHub's documented sub formats) a wildcard value also admits."""
    kinds: list[str] = []
    for value in clause.raw_values:
        glob = compile_glob(value)  # StringLike is case-sensitive
        match = _GITHUB_REPO.match(value)
        owner, repo = match.groups() if match else ("ORG", "REPO")
        repo = repo or "some-repo"
        probes = [
            (f"repo:{owner}/{repo}:pull_request", "pull requests (also pull_request_target runs started from forks)"),
            (f"repo:{owner}/{repo}:ref:refs/heads/any-branch", "any branch"),
            (f"repo:{owner}/{repo}:ref:refs/tags/any-tag", "any tag"),
            (f"repo:{owner}/{repo}:environment:any-environment", "any environment"),
            (f"repo:{owner}/another-repo:ref:refs/heads/main", f"other repositories of {owner}"),
            (f"repo:another-owner/{repo}:ref:refs/heads/main", "repositories of other owners"),
        ]
        for subject, kind in probes:
            if glob.matches(subject) and kind not in kinds:
                kinds.append(kind)
    if not kinds:
        return ""
    return "it also admits tokens from " + ", ".join(kinds)
