"""Who can assume a role: a proof that a trust policy lets nobody beyond an allowed set assume it.

The allowed set is itself a trust policy (the lab's `may_assume`). The question is asked over every
caller AWS could present - account roots, users, roles, role sessions, federated users, service
principals, web-identity and SAML providers, anonymous callers - and every context, for every action a
trust policy decides (sts:AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML, TagSession,
SetSourceIdentity, SetContext: IAM User Guide, "Roles terms and concepts", and the STS API reference).

Callers are infinitely many, but a Principal element only tells them apart by the exact entries it
names. So the callers are split into finitely many classes - each named entry, and per account and per
kind "everyone not named" - that every Principal and NotPrincipal element of both policies treats alike.
Within a class the keys AWS derives from the caller (aws:PrincipalArn, aws:PrincipalAccount,
aws:username, aws:PrincipalServiceName) are not sampled: they stay symbolic, bounded only by what the class
admits, so a condition such as `ArnLike aws:PrincipalArn arn:aws:iam::*:role/ci-*` is decided for every
role it can match. Every counterexample is rebuilt as a concrete caller and re-decided by the evaluator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from checker.aws.analyze.inclusion import CallerSetting, Question
from checker.aws.analyze.public import _as_identity
from checker.aws.analyze.recheck import principal_context
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import ConditionClause, Effect, Policy, PolicyKind, Statement, parse_policy
from checker.aws.principals import CallerKind, parse_caller
from checker.aws.request import Request
from checker.aws.services.sts import TRUST_ACTIONS, WEB_IDENTITY_PROVIDERS
from checker.aws.variables import Variable
from checker.core.engine import WithinResult, WithinStatus
from checker.core.errors import InputError, Where
from checker.core.findings import Counterexample

# As AWS spells them, for the allowed set's default Action and for messages.
ASSUME_ACTIONS = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
)
assert {a.lower() for a in ASSUME_ACTIONS} == TRUST_ACTIONS
# The keys the evaluator derives from the caller (checker.aws.request._implicit_context); never sent.
CALLER_KEYS = ("aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username", "aws:principalservicename")
_CALLER_POLICY = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]},
    name="the caller's own identity policy (taken to allow sts:*)",
)
_CALLER_SESSION = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]},
    name="the session policy the caller passed (taken to allow sts:*)",
    kind=PolicyKind.SESSION,
)
_ONLY_TRUST_ACTIONS = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": list(ASSUME_ACTIONS), "Resource": "*"}]},
    name="only the actions a trust policy decides",
)
Values = Mapping[str, str]  # the caller keys a counterexample chose, lowercased


@dataclass(frozen=True)
class CallerClass:
    """Callers every Principal element of both policies treats alike."""

    representative: str  # a caller of the class, as a request principal
    bounds: Mapping[str, Any]  # a Condition block: what the varying caller keys may hold in this class
    varying: tuple[str, ...]  # caller keys that are symbolic in this class
    rebuild: Callable[[Values], str]  # a concrete caller of the class with the chosen key values


def assumers_within(
    trust: Policy, allowed: Policy, role_arn: str, *, limit: int = 1, timeout_ms: int = 5_000
) -> WithinResult:
    """PROVED when every caller the trust policy lets assume `role_arn`, under any context, is one the
    allowed set lets assume it too; else counterexamples (caller, action, context) or UNKNOWN."""
    account = _role_account(role_arn)
    names = _Names.of([trust, allowed], account)
    reasons: list[str] = []
    found: list[Counterexample] = []
    for caller_class in names.classes():
        inside = _as_identity(trust, caller_class.representative)
        if not any(s.effect is Effect.ALLOW for s in inside.statements):
            continue  # the trust policy lets nobody of this class in
        outside = _as_identity(allowed, caller_class.representative)
        result = _ask(caller_class, inside, outside, trust, allowed, role_arn, account, limit - len(found), timeout_ms)
        if result.status is WithinStatus.COUNTEREXAMPLE:
            found.extend(result.counterexamples)
            if len(found) >= limit:
                break
        elif result.status is WithinStatus.UNKNOWN:
            reasons.append(result.reason)
    if found:
        return WithinResult(WithinStatus.COUNTEREXAMPLE, tuple(found[:limit]))
    if reasons:
        return WithinResult(WithinStatus.UNKNOWN, reason="; ".join(dict.fromkeys(reasons)))
    return WithinResult(WithinStatus.PROVED)


def allowed_set_policy(entries: Any, where: str = "may_assume") -> Policy:
    """The lab's allowed set as a trust policy: each entry {principal, condition?, action?} one Allow."""
    if not isinstance(entries, list):
        raise InputError(f"{where} must be a list of {{principal: ..., condition: ...}} entries (it may be empty)")
    statements: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or "principal" not in entry:
            raise InputError(f"{where}[{index}] must be a mapping with `principal` (a Principal element)")
        unknown = set(entry) - {"principal", "condition", "action"}
        if unknown:
            raise InputError(f"{where}[{index}] has unknown field(s) {sorted(unknown)}; use principal, condition, action")
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": entry["principal"],
            "Action": entry.get("action", list(ASSUME_ACTIONS)),
        }
        if "condition" in entry:
            statement["Condition"] = entry["condition"]
        statements.append(statement)
    if not statements:
        statements.append({"Effect": "Deny", "Principal": "*", "Action": "sts:*"})  # nobody may assume
    try:
        return parse_policy({"Version": "2012-10-17", "Statement": statements}, name=where, kind=PolicyKind.TRUST)
    except InputError as exc:
        # Point into the lab's entries (/0/principal/...), not into the policy built from them.
        pointer = exc.where.pointer if exc.where is not None and exc.where.pointer else ""
        parts = pointer.split("/")
        if len(parts) >= 4 and parts[1] == "Statement":
            pointer = "/".join(["", parts[2], parts[3].lower(), *parts[4:]])
        raise InputError(exc.message, Where("<input>", pointer=pointer or "/"), exc.hint) from None


def _role_account(role_arn: str) -> str:
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/") or not parts[4]:
        raise InputError(f"the identity {role_arn!r} is not a role ARN such as arn:aws:iam::111122223333:role/NAME")
    return parts[4]


def _ask(
    caller_class: CallerClass,
    inside: Policy,
    outside: Policy,
    trust: Policy,
    allowed: Policy,
    role_arn: str,
    account: str,
    limit: int,
    timeout_ms: int,
) -> WithinResult:
    bounded = _bounded(inside, caller_class, [inside, outside])
    fixed = {k: v for k, v in principal_context(caller_class.representative).items() if k not in caller_class.varying}
    absent = tuple(k for k in CALLER_KEYS if k not in fixed and k not in caller_class.varying)

    def decide(example: Counterexample) -> Counterexample | None:
        """The example as a concrete request, when the evaluator confirms it (trust allows, allowed set not)."""
        if example.action.lower() not in TRUST_ACTIONS:
            return None
        values = {k.lower(): str(v) for k, v in example.context.items() if k.lower() in CALLER_KEYS}
        context = {k: v for k, v in example.context.items() if k.lower() not in CALLER_KEYS}
        principal = caller_class.rebuild(values)
        request = Request(principal, example.action, role_arn, account, context)
        try:
            lets_in = evaluate(request, _caller_side(trust)).allowed
            permitted = evaluate(request, _caller_side(allowed)).allowed
        except InputError:
            return None
        return Counterexample(example.action, role_arn, context, principal) if lets_in and not permitted else None

    setting = CallerSetting(fixed, absent, lambda example: decide(example) is not None, caller_class.varying)
    question = Question([bounded, _ONLY_TRUST_ACTIONS], [outside], None, timeout_ms, caller=setting)
    answer = question.differences(limit)
    shown = tuple(e for e in (decide(x) for x in answer.examples) if e is not None)
    if answer.status is WithinStatus.COUNTEREXAMPLE and shown:
        return WithinResult(WithinStatus.COUNTEREXAMPLE, shown)
    if answer.status is WithinStatus.PROVED:
        return WithinResult(WithinStatus.PROVED)
    return WithinResult(WithinStatus.UNKNOWN, reason=answer.reason or "a counterexample could not be confirmed")


def _caller_side(trust: Policy) -> PolicySet:
    """The trust policy with a caller whose own policies allow what it asks: its identity policy and,
    for a session (a GetFederationToken user passes one or gets nothing), the session policy it chose."""
    return PolicySet(identity=[_CALLER_POLICY], resource=trust, session=_CALLER_SESSION)


def _bounded(policy: Policy, caller_class: CallerClass, policies: list[Policy]) -> Policy:
    """The policy with the class bounds added to every Allow: only requests of this class are asked about.

    Bounds on keys no policy reads change nothing and are left out (they would only cost solver time)."""
    used = {key for p in policies for key in _keys_read(p.statements)}
    clauses: tuple[ConditionClause, ...] = ()
    bounds = _clauses(caller_class.bounds) if caller_class.bounds else ()
    while True:  # a bound that reads another key (${aws:PrincipalAccount}) brings that key's bounds along
        clauses = tuple(c for c in bounds if c.key_lower in used)
        grown = used | set(_keys_read([_holder(clauses)]))
        if grown == used:
            break
        used = grown
    if not clauses:
        return policy
    statements = tuple(
        replace(s, conditions=s.conditions + clauses) if s.effect is Effect.ALLOW else s for s in policy.statements
    )
    return replace(policy, statements=statements)


def _keys_read(statements: Iterable[Statement]) -> set[str]:
    """Condition keys the statements compare, and keys their condition values read as ${...}."""
    keys: set[str] = set()
    for statement in statements:
        for clause in statement.conditions:
            keys.add(clause.key_lower)
            keys |= {t.key for tokens in clause.values for t in tokens if isinstance(t, Variable)}
    return keys


def _clauses(block: Mapping[str, Any]) -> tuple[ConditionClause, ...]:
    holder = parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": block}]},
        name="the caller class",
    )
    return holder.statements[0].conditions


def _holder(clauses: tuple[ConditionClause, ...]) -> Statement:
    return replace(_ONLY_TRUST_ACTIONS.statements[0], conditions=clauses)


@dataclass
class _Names:
    """Every principal entry either policy names, grouped the way Principal elements tell callers apart."""

    own_account: str
    accounts: set[str]
    exact: dict[CallerKind, set[str]]  # named user, role, session and federated-user ARNs
    role_names: dict[str, set[str]]  # per account: role names whose sessions a Principal element names
    services: set[str]
    providers: set[str]

    @classmethod
    def of(cls, policies: Iterable[Policy], own_account: str) -> _Names:
        names = cls(own_account, set(), {k: set() for k in CallerKind}, {}, set(), set())
        for policy in policies:
            for statement in policy.statements:
                for spec in (statement.principal, statement.not_principal):
                    if spec is not None:
                        names._add(spec.aws, spec.service, spec.federated)
        return names

    def _add(self, aws: Iterable[str], services: Iterable[str], federated: Iterable[str]) -> None:
        for entry in aws:
            try:
                caller = parse_caller(entry)
            except ValueError:
                continue  # a unique id (AROA...) names no caller a request can carry
            if caller.account:
                self.accounts.add(caller.account)
            if caller.kind is not CallerKind.ROOT:
                self.exact[caller.kind].add(caller.arn)
            if caller.role_name is not None and caller.account:
                self.role_names.setdefault(caller.account, set()).add(caller.role_name)
        self.services |= {s.lower() for s in services}
        self.providers |= set(federated)

    def classes(self) -> list[CallerClass]:
        found: list[CallerClass] = []
        for account in sorted(self.accounts):
            found.extend(self._account_classes(account))
        found.extend(self._other_account_classes())
        found.extend(self._service_classes())
        found.extend(self._provider_classes())
        found.append(CallerClass("*", {}, (), lambda _v: "*"))
        return found

    def _named(self, kind: CallerKind, account: str) -> list[str]:
        return sorted(a for a in self.exact[kind] if a.split(":")[4] == account)

    def _account_classes(self, account: str) -> list[CallerClass]:
        found: list[CallerClass] = []
        shapes = (
            (CallerKind.USER, f"arn:aws:iam::{account}:user/", "any-user"),
            (CallerKind.ROLE, f"arn:aws:iam::{account}:role/", "any-role"),
            (CallerKind.FEDERATED_USER, f"arn:aws:sts::{account}:federated-user/", "any-federated-user"),
        )
        for kind, prefix, base in shapes:
            named = self._named(kind, account)
            fresh = _unused(base, {arn[len(prefix) :] for arn in named})
            found.extend(_fixed(arn) for arn in named)
            bounds: dict[str, Any] = {"StringLike": {"aws:PrincipalArn": prefix + "*"}}
            if named:
                bounds["StringNotEquals"] = {"aws:PrincipalArn": named}
            varying = ("aws:principalarn", "aws:username") if kind is CallerKind.USER else ("aws:principalarn",)
            found.append(CallerClass(prefix + fresh, bounds, varying, _from_arn(prefix + fresh)))
        # Sessions: of each role a Principal names (by role name), then of every other role of the account.
        sessions = self._named(CallerKind.SESSION, account)
        found.extend(_fixed(arn) for arn in sessions)
        roles = sorted(self.role_names.get(account, set()))
        for role in roles:
            found.append(_fixed(f"arn:aws:sts::{account}:assumed-role/{role}/{_fresh_session(sessions)}"))
        bounds = {
            "StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:role/*"},
            "StringNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:role/*/*"},
        }
        if roles:
            bounds["StringNotEquals"] = {"aws:PrincipalArn": [f"arn:aws:iam::{account}:role/{r}" for r in roles]}
        other_role = _unused("any-role", set(roles))
        representative = f"arn:aws:sts::{account}:assumed-role/{other_role}/any-session"
        found.append(CallerClass(representative, bounds, ("aws:principalarn",), _session_from_role(representative)))
        found.append(_fixed(f"arn:aws:iam::{account}:root"))  # last: a root user cannot assume roles itself
        return found

    def _other_account_classes(self) -> list[CallerClass]:
        """Every caller of an account no Principal element names: the account itself is symbolic too."""
        fresh = next(a for a in (f"{n:012d}" for n in range(999_999_999_999, 0, -1)) if a not in self.accounts)
        shapes = (
            ("user", "arn:aws:iam::{a}:user/any-user", ("aws:username",)),
            ("role", "arn:aws:iam::{a}:role/any-role", ()),
            ("federated-user", "arn:aws:sts::{a}:federated-user/any-federated-user", ()),
            ("root", "arn:aws:iam::{a}:root", ()),
        )
        account_bounds: dict[str, Any] = {"StringLike": {"aws:PrincipalAccount": "?*"}, "StringNotLike": {"aws:PrincipalAccount": "*:*"}}
        if self.accounts:
            account_bounds["StringNotEquals"] = {"aws:PrincipalAccount": sorted(self.accounts)}
        found: list[CallerClass] = []
        for _kind, template, extra in shapes:
            representative = template.format(a=fresh)
            pattern = template.format(a="${aws:PrincipalAccount}").rsplit(":", 1)[0] + ":" + _tail_pattern(template)
            bounds = _merge(account_bounds, {"StringLike": {"aws:PrincipalArn": pattern}})
            rebuild = _from_arn_or_account(representative, fresh)
            found.append(CallerClass(representative, bounds, ("aws:principalarn", "aws:principalaccount", *extra), rebuild))
        representative = f"arn:aws:sts::{fresh}:assumed-role/any-role/any-session"
        bounds = _merge(
            account_bounds,
            {
                "StringLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"},
                "StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*/*"},
            },
        )
        rebuild_session = _session_from_role(representative)
        found.append(
            CallerClass(
                representative,
                bounds,
                ("aws:principalarn", "aws:principalaccount"),
                lambda v: rebuild_session(v) if "aws:principalarn" in v else _swap_account(representative, fresh, v),
            )
        )
        return found

    def _service_classes(self) -> list[CallerClass]:
        found = [_fixed(service) for service in sorted(self.services)]
        excluded = sorted(self.services | set(WEB_IDENTITY_PROVIDERS))
        bounds = {
            "StringLike": {"aws:PrincipalServiceName": ["*.amazonaws.com", "*.amazonaws.com.cn"]},
            "StringNotEqualsIgnoreCase": {"aws:PrincipalServiceName": excluded},
        }
        representative = _unused("any-service", {s.removesuffix(".amazonaws.com") for s in self.services}) + ".amazonaws.com"
        found.append(
            CallerClass(
                representative,
                bounds,
                ("aws:principalservicename",),
                lambda v: v.get("aws:principalservicename", representative),
            )
        )
        return found

    def _provider_classes(self) -> list[CallerClass]:
        found: list[CallerClass] = []
        for provider in sorted(self.providers):
            try:
                if parse_caller(provider).kind is CallerKind.PROVIDER:
                    found.append(_fixed(provider))
            except ValueError:
                continue  # a Federated entry no request can carry
        found.append(_fixed(_unused("any-idp", {p.removesuffix(".example") for p in self.providers}) + ".example"))
        return found


def _fixed(representative: str) -> CallerClass:
    return CallerClass(representative, {}, (), lambda _v: representative)


def _fresh_session(named_sessions: list[str]) -> str:
    used = {arn.rsplit("/", 1)[-1] for arn in named_sessions}
    return _unused("any-session", used)


def _unused(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`... : a name no policy uses, so its class holds only unnamed callers."""
    return next(name for name in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3))) if name not in taken)


def _tail_pattern(template: str) -> str:
    """The part after the account field, with the fresh name widened: 'role/any-role' -> 'role/*'."""
    tail = template.split(":", 5)[5]
    return tail if tail == "root" else tail.split("/", 1)[0] + "/*"


def _merge(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {operator: dict(keys) for operator, keys in first.items()}
    for operator, keys in second.items():
        merged.setdefault(operator, {}).update(keys)
    return merged


def _from_arn(representative: str) -> Callable[[Values], str]:
    return lambda values: values.get("aws:principalarn") or _named_as(representative, values)


def _named_as(representative: str, values: Values) -> str:
    """A user is named by aws:username when the policies read that key and not its ARN."""
    name = values.get("aws:username")
    if name and ":user/" in representative:
        return representative.rsplit("/", 1)[0] + "/" + name
    return representative


def _swap_account(representative: str, fresh: str, values: Values) -> str:
    account = values.get("aws:principalaccount")
    return representative.replace(f"::{fresh}:", f"::{account}:") if account else representative


def _from_arn_or_account(representative: str, fresh: str) -> Callable[[Values], str]:
    def rebuild(values: Values) -> str:
        if "aws:principalarn" in values:
            return values["aws:principalarn"]
        return _named_as(_swap_account(representative, fresh, values), values)

    return rebuild


def _session_from_role(representative: str) -> Callable[[Values], str]:
    """A session of the role aws:PrincipalArn names (a session's aws:PrincipalArn is its role's ARN)."""

    def rebuild(values: Values) -> str:
        role_arn = values.get("aws:principalarn")
        if role_arn is None:
            return representative
        parts = role_arn.split(":", 5)
        if len(parts) != 6 or not parts[5].startswith("role/"):
            return representative
        return f"arn:aws:sts::{parts[4]}:assumed-role/{parts[5][len('role/'):]}/any-session"

    return rebuild
