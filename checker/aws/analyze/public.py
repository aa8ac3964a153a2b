"""is_public(resource_policy, account): can anyone outside the account get access, and how?

A resource-based policy (bucket, key, queue, trust policy, ...) is public when a caller outside the
owner's account and organization (an anonymous caller, or a principal of another account whose own
identity policies allow everything) gets some access from it. The caller's own keys (aws:PrincipalArn,
aws:PrincipalAccount, ...) are fixed by who it is; keys that only the owner's organization or network
can supply (aws:PrincipalOrgID, aws:SourceVpce, aws:SourceAccount, ...) are absent; every other key is
chosen freely, because the caller sends it. Each answer is confirmed with the evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from checker.aws.analyze.inclusion import CallerSetting, Question
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import Policy, PolicyKind, Statement, parse_policy
from checker.aws.principals import excluded_by_not_principal, grant_for, parse_caller
from checker.aws.request import Request, prepare_request
from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample

OUTSIDER_ACCOUNT = "444455556666"
OWNER_ONLY_KEYS = (
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:vpcsourceip",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalisawsservice",
    "aws:username",
    "aws:userid",
)
PRINCIPAL_KEYS = ("aws:principalarn", "aws:principalaccount", "aws:principaltype")
_EMPTY = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
_EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class Exposure:
    public: bool | None  # None: undecided (see reason)
    examples: tuple[Counterexample, ...] = ()
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "public": self.public,
            "examples": [e.to_json() for e in self.examples],
            "reason": self.reason,
        }


def is_public(resource_policy: Policy, account: str, *, limit: int = 3) -> Exposure:
    if resource_policy.kind not in (PolicyKind.RESOURCE, PolicyKind.TRUST):
        raise InputError(
            f"{resource_policy.name!r} is a {resource_policy.kind.value} policy, not a resource-based policy"
        )
    if not (len(account) == 12 and account.isdigit()):
        raise InputError(f"account must be a 12-digit account id, not {account!r}")
    reasons: list[str] = []
    found: list[Counterexample] = []
    for caller in _outsiders(resource_policy, account):
        applying = _as_identity(resource_policy, caller)
        if not any(s.effect.value == "Allow" for s in applying.statements):
            continue
        setting = _setting(resource_policy, caller, account)
        nothing = parse_policy(_EMPTY, name="no access", kind=PolicyKind.IDENTITY)
        result = Question([applying], [nothing], caller, caller=setting).differences(limit - len(found))
        if result.status is WithinStatus.COUNTEREXAMPLE:
            found.extend(result.examples)
        elif result.status is WithinStatus.UNKNOWN:
            reasons.append(result.reason)
        if len(found) >= limit:
            break
    if found:
        return Exposure(True, tuple(found))
    if reasons:
        return Exposure(None, reason="; ".join(reasons))
    return Exposure(False)


def _outsiders(policy: Policy, account: str) -> list[str]:
    """Anonymous, a principal of another account, and every outside principal the policy names."""
    callers = ["*", f"arn:aws:iam::{OUTSIDER_ACCOUNT}:role/outsider"]
    for statement in policy.statements:
        for entry in statement.principal.aws if statement.principal else ():
            arn = f"arn:aws:iam::{entry}:root" if entry.isdigit() else entry
            try:
                caller = parse_caller(arn)
            except ValueError:
                continue
            if caller.account is not None and caller.account != account:
                callers.append(arn)
    return list(dict.fromkeys(callers))


def _applies_to(statement: Statement, caller: str) -> bool:
    who = parse_caller(caller)
    if statement.principal is not None:
        return grant_for(statement.principal, who) is not None
    if statement.not_principal is not None:
        return not excluded_by_not_principal(statement.not_principal, who)
    return False


def _as_identity(policy: Policy, caller: str) -> Policy:
    """The statements that name this caller, as an identity-style policy (principal already matched)."""
    statements = tuple(
        replace(s, principal=None, not_principal=None) for s in policy.statements if _applies_to(s, caller)
    )
    return replace(policy, kind=PolicyKind.IDENTITY, statements=statements)


def _setting(policy: Policy, caller: str, account: str) -> CallerSetting:
    fixed = dict(prepare_request(Request(caller, "sts:GetCallerIdentity")).context)
    absent = tuple(k for k in OWNER_ONLY_KEYS + PRINCIPAL_KEYS if k not in fixed)
    who = parse_caller(caller)
    identity = (
        [] if not who.is_aws_principal else [parse_policy(_EVERYTHING, name="the outsider's own policy")]
    )

    def confirm(example: Counterexample) -> bool:
        owner = example.resource_account or account
        request = Request(caller, example.action, example.resource, owner, dict(example.context))
        try:
            return evaluate(request, PolicySet(identity=identity, resource=policy)).allowed
        except InputError:
            return False

    return CallerSetting(fixed, absent, confirm, resource_account=account)
