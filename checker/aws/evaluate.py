"""The AWS evaluation flow (IAM User Guide, "Policy evaluation logic", "Cross-account policy evaluation
logic", and "How AWS enforcement code logic evaluates requests").

1. An explicit Deny in any applicable policy wins: RCPs, SCPs, the resource-based policy, identity-based
   policies, the permissions boundary and the session policy.
2. RCPs (when given and the service supports them) and SCPs (when given: no SCPs means no organization)
   must allow at every level of the organization path.
3. Within one account, an identity-based Allow (limited by the boundary and the session policy) or a
   resource-based Allow grants access. A resource-based policy naming the user or the role session directly
   is not limited by the boundary or session policy; naming the role ARN is; naming the account is a
   delegation that needs an identity-based Allow. `"Principal": "*"` names no one directly, so it is
   limited like a role ARN (only the user or session ARN is exempt, as the docs say), except that
   "Permissions boundaries and session policies do not limit permissions granted using the
   aws:PrincipalArn condition key with a wildcard(*) in the Principal element, unless the identity-based
   policies contain an explicit deny" (an explicit deny wins anyway, step 1).
4. Across accounts, both the identity side and the resource-based policy must allow.
5. Role trust policies and KMS key policies must allow the caller even within the account.
6. "By default, all requests are implicitly denied with the exception of the AWS account root user, which
   has full access": the root user's identity side allows everything (SCPs, explicit denies, key policies
   and, across accounts, the other account's resource-based policy still decide). Roles cannot be assumed
   with root credentials, so trust policies are not covered.
7. A federated user session from GetFederationToken gets the intersection of the IAM user's policies and
   the session policy passed to the call; "if you do not pass a policy with the GetFederationToken API call,
   the resulting temporary security credentials have no permissions. However, a resource-based policy can
   provide additional permissions for the session" (Permissions for GetFederationToken). `session` None
   for such a caller means no policy was passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from checker.aws.conditions import evaluate_clause
from checker.aws.policy import ConditionClause, Effect, Policy, PolicyKind, ResourcePattern, Statement
from checker.aws.principals import (
    CallerKind,
    Grant,
    excluded_by_not_principal,
    grant_for,
    grants_by_principal_arn,
)
from checker.aws.request import PreparedRequest, Request, prepare_request
from checker.aws.services import iam as iam_rules
from checker.aws.services import kms as kms_rules
from checker.aws.services import s3 as s3_rules
from checker.aws.services import sts as sts_rules
from checker.aws.variables import Variable, fill
from checker.aws.wildcard import compile_filled
from checker.core.decision import Decision, DecisionKind, Reason
from checker.core.errors import InputError


@dataclass(frozen=True)
class PolicySet:
    """Every policy that can apply to one request. `scps` and `rcps` list levels from root to account."""

    identity: Sequence[Policy] = ()
    resource: Policy | None = None
    boundary: Policy | None = None
    session: Policy | None = None
    scps: Sequence[Sequence[Policy]] = ()
    rcps: Sequence[Sequence[Policy]] = ()
    restrict_public_buckets: bool = False

    def all_policies(self) -> list[Policy]:
        found = list(self.identity)
        found += [p for p in (self.resource, self.boundary, self.session) if p is not None]
        found += [p for level in self.scps for p in level]
        found += [p for level in self.rcps for p in level]
        return found


@dataclass
class _Trace:
    """What each statement did; reasons are kept only when an explanation was asked for."""

    explain: bool
    reasons: list[Reason] = field(default_factory=list)

    def add(self, policy: Policy, statement: Statement | None, effect: str, detail: str) -> None:
        if self.explain:
            self.reasons.append(Reason(policy.name, statement.label if statement else None, effect, detail))


# Shared by every request decided without an explanation: it never records anything.
_SILENT = _Trace(False)


@dataclass(slots=True)
class _Outcome:
    """The statements of one policy (or level) that apply to a request, by effect."""

    allows: tuple[tuple[Policy, Statement], ...]
    denies: tuple[tuple[Policy, Statement], ...]


_NOTHING_APPLIES = _Outcome((), ())

# An organization level's outcome by action, when each of its policies' outcomes is kept for the action
# (`fixed_outcome`: nothing else of the request can change it). A batch's SCP levels are the same objects in
# case after case (checker/aws/batch.py keeps them by content), so they are found by identity; each entry holds
# its level, so that no other object can take its id while it is kept.
_level_outcomes: dict[int, tuple[Sequence[Policy], dict[str, _Outcome]]] = {}
_LEVEL_OUTCOME_ENTRIES = 1024
_ACTIONS_KEPT = 512  # outcomes kept per policy or level, whatever actions the input invents


def _keep_level_outcome(level: Sequence[Policy], action: str, outcome: _Outcome) -> None:
    kept = _level_outcomes.get(id(level))
    if kept is None or kept[0] is not level:
        if len(_level_outcomes) >= _LEVEL_OUTCOME_ENTRIES:
            _level_outcomes.clear()
        kept = _level_outcomes[id(level)] = (level, {})
    if len(kept[1]) >= _ACTIONS_KEPT:
        kept[1].clear()
    kept[1][action] = outcome


def _first_deny(outcomes: Sequence[_Outcome | None]) -> tuple[Policy, Statement] | None:
    """The first denying statement among the outcomes, in order."""
    for outcome in outcomes:
        if outcome is not None and outcome.denies:
            return outcome.denies[0]
    return None
_ALLOW = Effect.ALLOW  # a module constant: cheaper to read in the per-statement loop than the enum member


def evaluate(request: Request, policies: PolicySet, *, explain: bool = False) -> Decision:
    """Decide one request. Raise InputError when the request itself is malformed."""
    try:
        prepared = prepare_request(request)
    except ValueError as exc:
        raise InputError(f"principal: {exc}") from None
    if ":" not in prepared.action_lower:
        raise InputError(f"action {request.action!r} has no service prefix, as in s3:GetObject")
    return _Evaluator(prepared, policies, _Trace(True) if explain else _SILENT).run()


class _Evaluator:
    def __init__(self, request: PreparedRequest, policies: PolicySet, trace: _Trace) -> None:
        self.request = request
        self.policies = policies
        self.trace = trace

    def decision(self, kind: DecisionKind, summary: str) -> Decision:
        return Decision(kind, summary, tuple(self.trace.reasons))

    def run(self) -> Decision:
        request, policies = self.request, self.policies
        caller = request.caller
        if sts_rules.always_allowed(request.action_lower) and caller.kind is not CallerKind.ANONYMOUS:
            return self.decision(
                DecisionKind.ALLOW, "sts:GetCallerIdentity needs no permission; AWS always allows it"
            )
        identity_applies = caller.is_aws_principal
        # SCPs limit every principal of a member account, its root user included; not service principals.
        scp_levels = [self.outcome_of_all(level) for level in policies.scps] if policies.scps and identity_applies else []
        rcp_levels = (
            [self.outcome_of_all(level) for level in policies.rcps]
            if policies.rcps and caller.kind is not CallerKind.SERVICE and request.service in _rcp_services()
            else []
        )
        resource = self.outcome(policies.resource, with_principal=True) if policies.resource else None
        identity = [self.outcome(p) for p in policies.identity] if identity_applies else []
        boundary = self.outcome(policies.boundary) if policies.boundary and identity_applies else None
        session = self.outcome(policies.session) if policies.session and identity_applies else None

        denied = _first_deny(rcp_levels) or _first_deny(scp_levels) or _first_deny(identity)
        denied = denied or _first_deny((resource, boundary, session))
        if denied is not None:
            policy, statement = denied
            return self.decision(
                DecisionKind.EXPLICIT_DENY, f"explicitly denied by {policy.name}, statement {statement.label}"
            )
        # RCPs never deny implicitly: RCPFullAWSAccess is attached to the root, every OU and every account
        # as soon as RCPs are enabled and cannot be detached, so every level always has an Allow.
        for index, level in enumerate(scp_levels):
            if not level.allows:
                return self.decision(
                    DecisionKind.IMPLICIT_DENY,
                    f"no service control policy at organization level {index + 1} allows {request.request.action}",
                )
        if request.service == "iam":
            immutable = iam_rules.immutable_target(request.action_lower, request.resource)
            if immutable:
                return self.decision(DecisionKind.IMPLICIT_DENY, immutable)

        grant = self.resource_grant(resource) if resource is not None else None
        identity_allows = False
        for outcome in identity:  # a plain loop: any() with a generator costs more on this hot path
            if outcome.allows:
                identity_allows = True
                break
        if caller.kind is CallerKind.ROOT and not sts_rules.is_trust_action(request.action_lower):
            identity_allows = True  # "the AWS account root user, which has full access"
        boundary_ok = boundary is None or bool(boundary.allows)
        session_ok = bool(session.allows) if session is not None else caller.kind is not CallerKind.FEDERATED_USER
        identity_path = identity_allows and boundary_ok and session_ok
        return self.combine(grant, identity_allows, boundary_ok, session_ok, identity_path)

    def combine(
        self, grant: Grant | None, identity_allows: bool, boundary_ok: bool, session_ok: bool, identity_path: bool
    ) -> Decision:
        request = self.request
        caller = request.caller
        action = request.request.action
        trust = sts_rules.is_trust_action(request.action_lower)
        key_policy = not trust and kms_rules.requires_key_policy(request.service, request.resource)
        needs_resource_policy = trust or key_policy
        resource_word = "trust policy" if trust else ("key policy" if key_policy else "resource-based policy")
        allow = DecisionKind.ALLOW
        deny = DecisionKind.IMPLICIT_DENY

        if not caller.is_aws_principal:
            if grant is not None:
                return self.decision(allow, f"the {resource_word} allows {caller.arn}")
            return self.decision(deny, f"no {resource_word} statement allows {caller.arn} to perform {action}")

        if needs_resource_policy and grant is None:
            return self.decision(
                deny,
                f"the {resource_word} does not allow this principal; for {action} it must, "
                "even within the same account",
            )
        if request.cross_account:
            if grant is None:
                return self.decision(
                    deny,
                    f"cross-account request: the {resource_word} in account {request.resource_account} "
                    "does not allow this principal",
                )
            if not identity_path:
                return self.decision(deny, self.identity_gap(identity_allows, boundary_ok, session_ok, cross=True))
            return self.decision(allow, "allowed by both the identity side and the resource-based policy (cross-account)")

        # Same account.
        if grant is Grant.DIRECT:
            return self.decision(allow, f"the {resource_word} names this principal directly")
        if grant is Grant.LIMITED and boundary_ok and session_ok:
            return self.decision(allow, f"the {resource_word} allows this principal (its role or everyone)")
        if identity_path:
            identity_word = (
                "the account root user has full access within its own account"
                if caller.kind is CallerKind.ROOT
                else "an identity-based policy allows"
            )
            if needs_resource_policy:
                return self.decision(allow, f"the {resource_word} delegates to the account and {identity_word}")
            return self.decision(allow, identity_word if caller.kind is CallerKind.ROOT else "allowed by an identity-based policy")
        return self.decision(deny, self.identity_gap(identity_allows, boundary_ok, session_ok, cross=False))

    def identity_gap(self, identity_allows: bool, boundary_ok: bool, session_ok: bool, cross: bool) -> str:
        action = self.request.request.action
        if self.request.caller.kind is CallerKind.FEDERATED_USER and self.policies.session is None:
            return (
                "a federated user session from GetFederationToken without a session policy has no permissions "
                "from identity-based policies; pass a session policy (session_policy) or name the session in a "
                "resource-based policy"
            )
        if not identity_allows:
            text = f"no identity-based policy allows {action}"
            return text + (" (cross-account access needs an Allow on both sides)" if cross else "")
        if not boundary_ok:
            return f"an identity-based policy allows {action}, but the permissions boundary does not"
        return f"an identity-based policy allows {action}, but the session policy does not"

    def resource_grant(self, resource: _Outcome | None) -> Grant | None:
        if resource is None or not resource.allows:
            return None
        request = self.request
        policy = self.policies.resource
        assert policy is not None
        best: Grant | None = None
        for _policy, statement in resource.allows:
            grant = Grant.DIRECT if statement.principal is None else grant_for(statement.principal, request.caller)
            if grant is Grant.LIMITED and request.caller.is_aws_principal and grants_by_principal_arn(statement):
                grant = Grant.DIRECT  # boundaries and session policies do not limit an aws:PrincipalArn grant
                self.trace.add(
                    policy, statement, "allow",
                    'Principal "*" narrowed by aws:PrincipalArn: permissions boundaries and session policies do not '
                    "limit this grant (only an explicit deny does)",
                )
            if statement.not_principal is not None:
                grant = Grant.LIMITED  # everyone not listed: not a grant that names this principal
            if grant is None:
                continue
            if (
                self.policies.restrict_public_buckets
                and request.service == "s3"
                and s3_rules.policy_is_public(policy)
                and request.caller.kind is not CallerKind.SERVICE
                and (request.caller.account is None or request.caller.account != request.resource_account)
            ):
                self.trace.add(
                    policy, statement, "blocked", "S3 Block Public Access (RestrictPublicBuckets) ignores this public grant"
                )
                continue
            best = grant if best is None else max(best, grant)
        return best

    # Statement matching --------------------------------------------------------------------------

    def outcome_of_all(self, level: Sequence[Policy]) -> _Outcome:
        action = self.request.action_lower
        kept = _level_outcomes.get(id(level))
        if kept is not None and kept[0] is level and not self.trace.explain:
            found = kept[1].get(action)
            if found is not None:
                return found
        allows: list[tuple[Policy, Statement]] = []
        denies: list[tuple[Policy, Statement]] = []
        fixed = not self.trace.explain and type(level) is tuple  # (a list could change after it was kept)
        for policy in level:
            outcome = self.outcome(policy, with_principal=policy.kind is PolicyKind.RCP)
            allows.extend(outcome.allows)
            denies.extend(outcome.denies)
            own = policy._fixed_outcomes
            fixed = fixed and policy.kind is not PolicyKind.RCP and own is not None and bool(own.get(action))
        found = _Outcome(tuple(allows), tuple(denies))
        if fixed:
            _keep_level_outcome(level, action, found)
        return found

    def outcome(self, policy: Policy, with_principal: bool = False) -> _Outcome:
        kept = policy._fixed_outcomes  # None: a policy decided once, whose outcomes are not kept
        if kept is not None and not self.trace.explain and not with_principal:
            fixed = kept.get(self.request.action_lower)
            if fixed:
                return fixed  # type: ignore[no-any-return]
            if fixed is None:
                return self.fixed_outcome(policy)
        if not self.trace.explain:
            # Fast path: only statements whose Action / NotAction admit this action can apply, and most
            # policies have none or one that applies, so tuples are grown only when one does.
            allowing: tuple[tuple[Policy, Statement], ...] = ()
            denying: tuple[tuple[Policy, Statement], ...] = ()
            mismatch = self.mismatch
            action = self.request.action_lower
            # A policy decided once keeps nothing by action (Policy._fixed_outcomes): its statements are
            # matched here, without the memo of those admitting the action.
            admitting = (
                policy.statements_for(action) if kept is not None
                else [s for s in policy.statements if s.admits_action(action)]
            )
            for statement in admitting:
                if mismatch(policy, statement, with_principal) is None:
                    if statement.effect is _ALLOW:
                        allowing += ((policy, statement),)
                    else:
                        denying += ((policy, statement),)
            return _Outcome(allowing, denying) if allowing or denying else _NOTHING_APPLIES
        allows: list[tuple[Policy, Statement]] = []
        denies: list[tuple[Policy, Statement]] = []
        for statement in policy.statements:
            failure: str | ConditionClause | None = (
                "NotAction" if statement.not_actions is not None else "Action"
            ) if not statement.admits_action(self.request.action_lower) else self.mismatch(
                policy, statement, with_principal
            )
            if failure is None:
                (allows if statement.effect is Effect.ALLOW else denies).append((policy, statement))
                self.trace.add(policy, statement, statement.effect.value.lower(), "applies to this request")
            else:
                self.trace.add(policy, statement, "not applicable", self.describe(failure))
        return _Outcome(tuple(allows), tuple(denies))

    def fixed_outcome(self, policy: Policy) -> _Outcome:
        """The outcome of a policy without its Principal read, kept for the action when every statement that
        admits the action applies to any request (no Condition, no NotResource, a "*" Resource or none):
        nothing else of the request can change it. SCPs repeat in case after case of a batch."""
        action = self.request.action_lower
        statements = policy.statements_for(action)
        fixed = True
        for statement in statements:
            if statement.conditions or statement.not_resources is not None or (
                statement.resources is not None and not any(r.universal for r in statement.resources)
            ):
                fixed = False
                break
        cache = policy._fixed_outcomes
        assert cache is not None  # (`outcome` asks only for policies that keep their outcomes)
        if len(cache) >= _ACTIONS_KEPT:
            cache.clear()
        if not fixed:
            cache[action] = False
            return self.outcome(policy)
        found = cache[action] = _Outcome(
            tuple([(policy, s) for s in statements if s.effect is _ALLOW]),
            tuple([(policy, s) for s in statements if s.effect is not _ALLOW]),
        ) if statements else _NOTHING_APPLIES
        return found

    def mismatch(self, policy: Policy, statement: Statement, with_principal: bool) -> str | ConditionClause | None:
        """None when a statement whose Action / NotAction admits the action applies; otherwise the part that
        did not match (worded by `describe`, which runs only when an explanation was asked for)."""
        request = self.request
        if statement.resources is not None:
            for resource in statement.resources:
                if self.resource_matches(resource, policy):
                    break
            else:
                return "Resource"
        elif statement.not_resources is not None:
            for resource in statement.not_resources:
                if self.resource_matches(resource, policy):
                    return "NotResource"
        if with_principal:
            if statement.principal is not None and grant_for(statement.principal, request.caller) is None:
                return "Principal"
            if (
                statement.not_principal is not None
                and excluded_by_not_principal(statement.not_principal, request.caller)
                and not self.not_principal_ignored(statement)
            ):
                return "NotPrincipal"
        lookup = request.context.get  # the dict's own method: no Python frame per key lookup
        for clause in statement.conditions:
            if not evaluate_clause(clause, lookup):
                return clause
        return None

    def describe(self, failure: str | ConditionClause) -> str:
        request = self.request
        if isinstance(failure, str):
            return {
                "Action": f"Action does not match {request.request.action}",
                "NotAction": f"NotAction lists {request.request.action}",
                "Resource": f"Resource does not match {request.resource}",
                "NotResource": f"NotResource lists {request.resource}",
                "Principal": f"Principal does not name {request.caller.arn}",
                "NotPrincipal": f"NotPrincipal excludes {request.caller.arn}",
            }[failure]
        present = request.lookup(failure.key_lower)
        shown = "is absent from the request" if present is None else f"is {present!r}"
        expected = ", ".join(repr(v) for v in failure.raw_values[:5]) + (", ..." if len(failure.raw_values) > 5 else "")
        text = f"condition {failure.operator_text} on {failure.key} failed: the key {shown}"
        if expected:
            text += f", the statement compares it with {expected}"
        unfilled = sorted(
            {
                token.key
                for tokens in failure.values
                for token in tokens
                if isinstance(token, Variable) and token.default is None and not isinstance(request.lookup(token.key), str | int | float | bool)
            }
        )
        if present is not None and unfilled:
            names = ", ".join("${" + key + "}" for key in unfilled)
            text += f"; {names} has no value in this request, and a policy variable with no value matches nothing"
        return text

    def not_principal_ignored(self, statement: Statement) -> bool:
        """A Deny with NotPrincipal always denies a principal that has a permissions boundary.

        (IAM User Guide, "Permissions boundaries for IAM entities" and "NotPrincipal": the NotPrincipal list
        cannot exempt such a principal.)
        """
        return statement.effect is Effect.DENY and self.policies.boundary is not None and self.request.caller.is_aws_principal

    def resource_matches(self, pattern: ResourcePattern, policy: Policy) -> bool:
        if pattern.universal:
            return True
        request = self.request
        tail = pattern.tail
        if tail is not None and request.resource_fields is not None:
            # The first five fields are plain text: one string comparison, then the resource field.
            return pattern.head == request.resource_head and tail.matches(request.resource_fields[5])
        if pattern.compiled is not None and request.resource_fields is not None:
            fields = request.resource_fields
            globs = pattern.compiled
            return (
                globs[5].matches(fields[5])
                and globs[4].matches(fields[4])
                and globs[2].matches(fields[2])
                and globs[3].matches(fields[3])
                and globs[1].matches(fields[1])
                and globs[0].matches(fields[0])
            )
        if pattern.fields is not None and request.resource_fields is not None:
            for tokens, value in zip(pattern.fields, request.resource_fields, strict=True):
                pieces = fill(tokens, request.lookup)
                if pieces is None or not compile_filled(pieces).matches(value):
                    return False
            return True
        pieces = fill(pattern.whole, request.lookup)
        return pieces is not None and compile_filled(pieces).matches(request.resource)


_RCP_SERVICES: frozenset[str] | None = None


def _rcp_services() -> frozenset[str]:
    """Services that support resource control policies, from the catalog."""
    global _RCP_SERVICES
    if _RCP_SERVICES is None:
        from checker.aws.catalog import rcp_supported_services

        _RCP_SERVICES = frozenset(rcp_supported_services())
    return _RCP_SERVICES
