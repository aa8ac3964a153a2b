"""Can this holder make this request, in some context the attacker controls or always has?

A request counts when the evaluator allows it with the context an attacker can produce. The context is
found by the prover (inclusion.Question) over the keys the policies mention:
- fixed by who the caller is: aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:username,
  its principal tags (aws:PrincipalTag/<key>; a tag key a policy reads that the caller lacks is absent),
  and what the technique fixes (iam:PassedToService is the service the role is passed to);
- always present for a role session: aws:TokenIssueTime ("This key is present in requests signed with
  temporary security credentials", IAM User Guide, global condition keys), with a value it cannot pick;
- never sent by a caller acting alone from outside AWS's network and organization: the organization,
  VPC and source keys (aws:PrincipalOrgID, aws:SourceVpce, aws:SourceArn, ...), aws:ViaAWSService and
  aws:CalledVia (the attacker calls the API directly), aws:MultiFactorAuthPresent (no MFA device);
- every other key (request tags, aws:SourceIp, aws:CurrentTime, service keys) is chosen freely and shown.
Every answer is confirmed by the evaluator with the holder's identity policies and boundary.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from checker.aws import catalog
from checker.aws.analyze.fixed_keys import decided_by_fixed_keys
from checker.aws.analyze.inclusion import CallerSetting, Question
from checker.aws.analyze.keys import ALWAYS_PRESENT, single_valued_keys
from checker.aws.analyze.public import OWNER_ONLY_KEYS
from checker.aws.analyze.recheck import principal_context
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import Effect, Policy, PolicyKind, Statement, parse_policy
from checker.aws.principals import grant_for, parse_caller
from checker.aws.request import Request
from checker.aws.variables import Variable
from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample

# Keys only the account's organization, network or a service supplies (public.py's outsider keys, less
# the caller's own names), and what a caller acting alone from outside AWS never sends.
NEVER_SENT = tuple(k for k in OWNER_ONLY_KEYS if k not in ("aws:username", "aws:userid")) + (
    "aws:sourcearn",
    "aws:viaawsservice",
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
)
TOKEN_ISSUE_TIME = "aws:tokenissuetime"
SESSION_TIME = "2026-01-01T00:00:00Z"  # shown when a check needs the key but not a particular value


@dataclass(frozen=True)
class Granted:
    """One request the holder may make: the concrete resource and the context that makes it allowed."""

    action: str
    resource: str
    context: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "resource": self.resource, "context": dict(self.context)}


@dataclass(frozen=True)
class Caller:
    """Who makes the requests: the ARN AWS sees, its identity policies and boundary."""

    arn: str  # a user ARN, or an assumed-role session ARN
    account: str
    policies: tuple[Policy, ...]
    boundary: Policy | None
    session: bool  # temporary credentials (a role session)
    anyone: bool = False  # the linter's caller: who it is (aws:PrincipalArn, ...) is left to the solver
    tags: tuple[tuple[str, str], ...] = ()  # its principal tags, in every request as aws:PrincipalTag/<key>
    session_policy: Policy | None = None  # the policy its session was created with (a per-job template)
    # The organization's SCPs over its account, root level first: each level must allow, any Deny denies
    # ("How SCPs work": "permissions ... must be allowed by every SCP from the root through each OU").
    scps: tuple[tuple[Policy, ...], ...] = ()

    def tag_context(self) -> dict[str, str]:
        return {f"aws:PrincipalTag/{key}": value for key, value in self.tags}

    @property
    def limits(self) -> tuple[Policy, ...]:
        """The policy types besides the identity policies that must each allow: boundary, session policy."""
        return tuple(p for p in (self.boundary, self.session_policy) if p is not None)

    @property
    def sides(self) -> list[list[Policy]]:
        """One prover layer per policy type that must allow: identity, boundary, session, each SCP level."""
        return [list(self.policies), *([p] for p in self.limits), *(list(level) for level in self.scps)]

    def policy_set(self, resource_policy: Policy | None = None) -> PolicySet:
        return PolicySet(
            identity=list(self.policies),
            boundary=self.boundary,
            session=self.session_policy,
            resource=resource_policy,
            scps=[list(level) for level in self.scps],
        )


def new_resource_pattern(action: str, account: str) -> str:
    """Any ARN of the resource type the action requires (the attacker names what it creates), or "*"."""
    return _pattern(action.lower(), account)


@cache
def _pattern(action: str, account: str) -> str:
    info = catalog.action_info(action)
    if info is None or not info.resource_types:
        return "*"
    raw = catalog._raw_actions(info.service).get(info.name.lower(), {})
    required = [r["name"] for r in raw.get("resourceTypes", []) if r.get("required")]
    kind = (required or list(info.resource_types))[0]
    formats = catalog.resource_arn_formats(info.service, kind)
    if not formats:
        return "*"
    arn = formats[0].replace("${Partition}", "aws").replace("${Account}", account)
    while "${" in arn:
        start = arn.index("${")
        arn = arn[:start] + "*" + arn[arn.index("}", start) + 1 :]
    return arn


def names_action(policies: Sequence[Policy], action: str) -> bool:
    """Some Allow statement names the action: without one, no context helps (and no prover is needed)."""
    lowered = action.lower()
    for policy in policies:
        for statement in policy.statements:
            if statement.effect is not Effect.ALLOW:
                continue
            if statement.actions is not None and any(p.matches(lowered) for p in statement.actions):
                return True
            if statement.not_actions is not None and not any(
                p.matches(lowered) for p in statement.not_actions
            ):
                return True
    return False


def _conditional(policies: Sequence[Policy], action: str) -> bool:
    lowered = action.lower()
    return any(
        statement.conditions
        and (
            (statement.actions is not None and any(p.matches(lowered) for p in statement.actions))
            or (
                statement.not_actions is not None
                and not any(p.matches(lowered) for p in statement.not_actions)
            )
        )
        for policy in policies
        for statement in policy.statements
    )


class Access:
    """Cached answers: each (caller, action, resource, fixed context) is asked once."""

    def __init__(self) -> None:
        self._answers: dict[tuple[Any, ...], Granted | None] = {}
        self.questions = 0  # prover questions asked (the bench counts them)
        self.unknown: list[str] = []  # questions the prover could not decide, with why

    def permits(
        self,
        caller: Caller,
        action: str,
        resource: str,
        fixed: Mapping[str, str] | None = None,
        resource_policy: Policy | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> Granted | None:
        """`where` narrows the request looked for with a policy Condition block (a request whose
        iam:PermissionsBoundary is absent, say); without it any context the attacker controls counts."""
        # Policies are compared by identity: they live as long as the snapshot that holds them.
        policies = tuple(id(p) for p in (*caller.policies, caller.boundary, caller.session_policy, resource_policy,
                                          *(p for level in caller.scps for p in level)))
        shape = json.dumps(where, sort_keys=True) if where else ""
        key = (
            caller.arn,
            caller.tags,
            policies,
            action,
            resource,
            tuple(sorted((fixed or {}).items())),
            shape,
        )
        if key not in self._answers:
            self._answers[key] = self._decide(
                caller, action, resource, dict(fixed or {}), resource_policy, dict(where or {})
            )
        return self._answers[key]

    def _decide(
        self,
        caller: Caller,
        action: str,
        resource: str,
        fixed: dict[str, str],
        resource_policy: Policy | None,
        where: dict[str, Any],
    ) -> Granted | None:
        deciding = [p for p in (resource_policy,) if p is not None]
        if resource_policy is None and not names_action(caller.policies, action):
            return None
        concrete = resource == "*" or ("*" not in resource and "?" not in resource)
        base = dict(fixed)
        if caller.session:
            base.setdefault("aws:TokenIssueTime", SESSION_TIME)
        wanted = _looked_for(action, resource, where)
        # The plain request first (for a pattern: one resource it names); the prover only when that fails.
        example = resource if concrete else _example_of(resource)
        if self._allowed(caller, action, example, base, resource_policy) and _is_looked_for(
            wanted, caller, action, example, base
        ):
            return Granted(action, example, _shown(base, caller, resource_policy))
        sides = caller.sides
        if resource_policy is not None:
            sides = [[_as_identity(resource_policy, caller.arn)]] + sides
        if concrete and not where and not any(_conditional(side, action) for side in sides + [deciding]):
            return None  # the evaluator's answer did not depend on the context
        known = self._known(caller, fixed, where)
        if any(self._never_allows(side, caller, action, resource if concrete else None, known) for side in sides):
            return None  # one policy type allows it in no context: the prover would find nothing
        return self._solve(caller, sides, action, resource, fixed, resource_policy, wanted)

    def _known(self, caller: Caller, fixed: Mapping[str, str], where: Mapping[str, Any]) -> dict[str, object]:
        """Context keys with one value (None: absent) in every request the question is about."""
        known: dict[str, object] = {} if caller.anyone else dict(principal_context(caller.arn))
        known.update({k.lower(): v for k, v in caller.tag_context().items()})
        known.update({k.lower(): v for k, v in fixed.items()})
        known.update({k: None for k in NEVER_SENT if k not in known})
        known.update(_determined_by(where))
        # Principal tag keys a policy reads that the caller lacks are absent from its requests.
        policies = [p for side in caller.sides for p in side]
        known.update({k: None for k in _missing_tags(policies, known)})
        return known

    def _never_allows(
        self,
        side: Sequence[Policy],
        caller: Caller,
        action: str,
        resource: str | None,
        known: Mapping[str, object],
    ) -> bool:
        """No context makes `side` allow the request (`resource` None: some resource of a pattern).

        Conditions only ever narrow a statement, and a Deny only takes access away, so the side is
        widened to its Allow statements that admit the action, less those with a clause already false on
        a key the question fixes (the caller's names and tags, a key never sent, a value the request looked
        for carries; decided by the evaluator's own clause test, fixed_keys.py), without their other
        conditions. When even that widened side allows no such request, nothing can."""
        lowered = action.lower()
        widened: list[Policy] = []
        for policy in side:
            kept: list[Statement] = []
            for statement in policy.statements_for(lowered):
                if statement.effect is not Effect.ALLOW:
                    continue
                if any(decided_by_fixed_keys(clause, known) is False for clause in statement.conditions):
                    continue
                if resource is None or _has_variables(statement):
                    return False  # some resource of the pattern, or a resource named by a variable: may match
                kept.append(replace(statement, conditions=()))
            widened.append(replace(policy, statements=tuple(kept)))
        if resource is None:
            return True  # no Allow statement admits the action
        request = Request(caller.arn, action, resource, caller.account, caller.tag_context())
        try:
            return not evaluate(request, PolicySet(identity=widened)).allowed
        except InputError:
            return False

    def _allowed(
        self,
        caller: Caller,
        action: str,
        resource: str,
        context: Mapping[str, Any],
        resource_policy: Policy | None,
    ) -> bool:
        request = Request(
            caller.arn, action, resource, caller.account, {**dict(context), **caller.tag_context()}
        )
        policies = caller.policy_set(resource_policy)
        try:
            return evaluate(request, policies).allowed
        except InputError:
            return False

    def _solve(
        self,
        caller: Caller,
        sides: list[list[Policy]],
        action: str,
        resource: str,
        fixed: Mapping[str, str],
        resource_policy: Policy | None,
        wanted: Policy,
    ) -> Granted | None:
        """A context the attacker can produce in which every policy type allows the request (one layer per
        type, intersected as AWS does), confirmed by the evaluator in full; None when the prover proves
        there is none. An undecided question is kept in `unknown` (never read as a denial by a gate)."""
        known = {} if caller.anyone else dict(principal_context(caller.arn))
        known.update({k.lower(): v for k, v in caller.tag_context().items()})
        known.update({k.lower(): v for k, v in fixed.items()})
        policies = [p for side in sides for p in side]
        absent = tuple(k for k in NEVER_SENT if k not in known) + _missing_tags(policies, known)
        present: tuple[str, ...] = (TOKEN_ISSUE_TIME,) if caller.session else ()
        if caller.anyone:
            present += ALWAYS_PRESENT

        def confirm(example: Counterexample) -> bool:
            context = {**fixed, **example.context}  # the solver leaves fixed keys out of its examples
            if caller.session and not any(k.lower() == TOKEN_ISSUE_TIME for k in context):
                context["aws:TokenIssueTime"] = SESSION_TIME
            return self._allowed(
                caller, example.action, example.resource, context, resource_policy
            ) and _is_looked_for(wanted, caller, example.action, example.resource, context)

        # A request carries one value of a single-valued key (iam:PermissionsBoundary, a request tag).
        single = single_valued_keys([*policies, wanted])
        setting = CallerSetting(known, absent, confirm, single_valued=single, present=present)
        self.questions += 1
        result = Question([], [wanted], caller.arn, caller=setting, layers=sides).differences(1)
        if result.status is WithinStatus.UNKNOWN:
            self.unknown.append(f"{action} on {resource} as {caller.arn}: {result.reason}")
        if result.status is not WithinStatus.COUNTEREXAMPLE:
            return None
        example = result.examples[0]
        context = {k: v for k, v in example.context.items() if k.lower() not in known or k in fixed}
        context.update(fixed)
        if caller.session:
            context.setdefault("aws:TokenIssueTime", SESSION_TIME)
        return Granted(action, example.resource, _shown(context, caller, resource_policy))


def _looked_for(action: str, resource: str, where: Mapping[str, Any]) -> Policy:
    """Everything except the requests looked for: a difference from it is a request looked for."""
    deny: dict[str, Any] = {"Effect": "Deny", "Action": action, "Resource": resource}
    if where:
        deny["Condition"] = dict(where)
    return parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, deny]},
        name="the request looked for",
        kind=PolicyKind.IDENTITY,
    )


def _is_looked_for(
    wanted: Policy, caller: Caller, action: str, resource: str, context: Mapping[str, Any]
) -> bool:
    request = Request(caller.arn, action, resource, caller.account, {**dict(context), **caller.tag_context()})
    try:
        return not evaluate(request, PolicySet(identity=[wanted])).allowed
    except InputError:
        return False


def _determined_by(where: Mapping[str, Any]) -> dict[str, object]:
    """Keys a `where` block gives one value: {"Null": {key: "true"}} (absent, None) or an equality with a
    single value (ArnEquals, StringEquals); other shapes determine nothing."""
    found: dict[str, object] = {}
    for operator, clauses in where.items():
        for key, value in clauses.items():
            if operator == "Null" and value == "true":
                found[key.lower()] = None
            elif operator in ("ArnEquals", "StringEquals") and isinstance(value, str):
                found[key.lower()] = value
    return found


def _has_variables(statement: Statement) -> bool:
    patterns = (statement.resources or ()) + (statement.not_resources or ())
    return any(isinstance(token, Variable) for pattern in patterns for token in pattern.whole)


def _missing_tags(policies: Sequence[Policy], known: Mapping[str, object]) -> tuple[str, ...]:
    """Principal tag keys the policies read that the caller does not carry: absent from its requests."""
    keys = {
        clause.key_lower
        for policy in policies
        for statement in policy.statements
        for clause in statement.conditions
        if clause.key_lower.startswith("aws:principaltag/")
    }
    return tuple(sorted(k for k in keys if k not in known))


def service_assumes(trust: Policy, service: str, role_arn: str, account: str) -> bool:
    """Does the trust policy let the service assume the role when the attacker passes it?

    The service acts for the attacker's account (aws:SourceAccount is that account); the resource it
    acts for is one the attacker creates and names, so aws:SourceArn and the other keys are chosen by
    the prover. Confirmed with the evaluator."""
    base = {"aws:SourceAccount": account}
    if evaluate(
        Request(service, "sts:AssumeRole", role_arn, account, base), PolicySet(resource=trust)
    ).allowed:
        return True
    naming = _as_identity(trust, service)
    if not any(s.conditions for s in naming.statements):
        return False  # the evaluator's answer did not depend on the context
    wanted = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": role_arn},
            ],
        },
        name="the service assuming the role",
        kind=PolicyKind.IDENTITY,
    )

    def confirm(example: Counterexample) -> bool:
        request = Request(service, "sts:AssumeRole", role_arn, account, {**base, **example.context})
        return evaluate(request, PolicySet(resource=trust)).allowed

    fixed = {"aws:sourceaccount": account, "aws:principalservicename": service}
    absent = ("aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username")
    setting = CallerSetting(fixed, absent, confirm)
    return (
        Question([naming], [wanted], service, caller=setting).differences(1).status
        is WithinStatus.COUNTEREXAMPLE
    )


def _example_of(pattern: str) -> str:
    """One resource a pattern of new_resource_pattern names: a region, and "example" for each name."""
    fields = pattern.split(":", 5)
    if len(fields) == 6 and fields[3] == "*":
        fields[3] = "us-east-1"
    return ":".join(fields).replace("*", "example").replace("?", "x")


def _shown(context: Mapping[str, Any], caller: Caller, resource_policy: Policy | None) -> dict[str, Any]:
    """The context without aws:TokenIssueTime when no condition reads it (every session sends it)."""
    policies = [*caller.policies, *caller.limits, resource_policy]
    read = any(
        clause.key_lower == TOKEN_ISSUE_TIME
        for policy in policies
        if policy is not None
        for statement in policy.statements
        for clause in statement.conditions
    )
    return {k: v for k, v in context.items() if read or k.lower() != TOKEN_ISSUE_TIME}


def _as_identity(policy: Policy, caller: str) -> Policy:
    """The statements of a trust or resource policy that name this caller, as an identity-style policy."""
    who = parse_caller(caller)
    statements = tuple(
        replace(s, principal=None, not_principal=None)
        for s in policy.statements
        if s.principal is not None and grant_for(s.principal, who) is not None
    )
    return replace(policy, kind=PolicyKind.IDENTITY, statements=statements)


def anyone(policy: Policy) -> Caller:
    """The linter's caller: any principal holding this policy alone."""
    return Caller(
        "arn:aws:iam::000000000000:user/holder", "000000000000", (policy,), None, False, anyone=True
    )
