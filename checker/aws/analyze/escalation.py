"""Privilege-escalation paths through an account snapshot, with the published techniques.

The attacker starts as one user or role and collects what it can act as ("holders"): other users and
roles (assume, credentials, trust rewrite), roles passed to new compute or held by existing resources it
takes over, groups it joins, itself without its boundary. Every technique comes from techniques.py (the
knowledge base the linter also uses); every permission a step needs is decided by escalation_access
(the evaluator, and the prover for the context), never guessed. A path is reported when the holder
reached can do something the start cannot (proved with `within`, shown with an example request), or
when a policy write gives a holder every action ("admin").
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.aws import catalog
from checker.aws.analyze.escalation_access import (
    Access,
    Caller,
    Granted,
    names_action,
    new_resource_pattern,
    service_assumes,
)
from checker.aws.analyze.inclusion import Question
from checker.aws.analyze.snapshot import Principal, Snapshot
from checker.aws.analyze.snapshot_resources import BY_KEY, DEFAULT_REGION, Resource, arn_of
from checker.aws.analyze.substitute import substitute
from checker.aws.analyze.techniques import (
    Need,
    Technique,
    all_techniques,
    creation_techniques,
)
from checker.aws.analyze.within import within
from checker.aws.evaluate import evaluate
from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.aws.request import Request
from checker.core.engine import WithinStatus
from checker.core.findings import Counterexample

MAX_STEPS = 6
BOUNDARY_KEY = "iam:PermissionsBoundary"
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ACCESS_ACTIONS = ("sts:assumerole", "iam:createaccesskey", "iam:updateassumerolepolicy")


@dataclass(frozen=True)
class Holder:
    """Someone the attacker can act as: a principal, possibly with a group joined or its boundary gone."""

    key: str
    principal: Principal
    policies: tuple[Policy, ...]
    boundary: Policy | None
    label: str
    rewritten: tuple[str, ...] = ()  # managed policies whose content the attacker has written
    session: Session | None = None  # a session of the role minted with a session policy and tags

    @property
    def limits(self) -> tuple[Policy, ...]:
        """The policy types besides its identity policies that must each allow (AWS intersects them)."""
        session = (self.session.policy,) if self.session is not None and self.session.policy else ()
        return ((self.boundary,) if self.boundary else ()) + session

    def caller(self, account: str, scps: tuple[tuple[Policy, ...], ...] = ()) -> Caller:
        tags = dict(self.principal.tags)
        if self.session is not None:
            tags.update(self.session.tags)  # session tags override the role's tags of the same key
        ordered = tuple(sorted(tags.items()))
        if self.principal.kind == "role":
            name = self.session.name if self.session is not None else "escalation"
            arn = f"arn:aws:sts::{account}:assumed-role/{self.principal.name}/{name}"
            policy = self.session.policy if self.session is not None else None
            return Caller(
                arn,
                account,
                self.policies,
                self.boundary,
                True,
                tags=ordered,
                session_policy=policy,
                scps=scps,
            )
        return Caller(
            self.principal.arn, account, self.policies, self.boundary, False, tags=ordered, scps=scps
        )


@dataclass(frozen=True)
class Session:
    """A role session minted for a start: its name, session policy and session tags ("Session policies
    limit the permissions ... The resulting session's permissions are the intersection of the role's
    identity-based policies and the session policies", IAM User Guide, Session policies)."""

    name: str
    policy: Policy | None
    tags: Mapping[str, str]


@dataclass(frozen=True)
class Step:
    actor: str  # the holder acting (an ARN, with "+group/NAME" or " (boundary removed)" when changed)
    kind: str  # pass-role, takeover, principal, write, admin
    technique: str  # the public name ("iam:PassRole + ecs:RegisterTaskDefinition + ecs:RunTask")
    technique_id: str  # pathfinding.cloud's id where it has one
    requests: tuple[Granted, ...]  # each request made, with the context that allows it
    target: str  # what is reached: a role, user, group or "admin"
    grants: str  # what the step gives next
    explanation: str
    also: tuple[str, ...] = ()  # other techniques that give the same step

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.action for r in self.requests))

    def to_json(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "kind": self.kind,
            "technique": self.technique,
            "technique_id": self.technique_id,
            "also": list(self.also),
            "requests": [r.to_json() for r in self.requests],
            "actions": list(self.actions),
            "target": self.target,
            "grants": self.grants,
            "why": self.explanation,
        }


@dataclass(frozen=True)
class Path:
    start: str
    steps: tuple[Step, ...]
    admin: bool = False  # the end holds every permission
    example: Counterexample | None = None  # a request the end may make and the start may not

    @property
    def end(self) -> str:
        return self.steps[-1].target

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "admin": self.admin,
            "new_permission": self.example.to_json() if self.example else None,
            "steps": [s.to_json() for s in self.steps],
        }

    def describe(self) -> str:
        if self.steps[-1].kind == "admin" and len(self.steps) == 1:
            return f"{self.start} already has admin-equivalent permissions"
        reach = "admin-equivalent access" if self.admin else f"new permissions ({_short(self.end)})"
        lines = [f"{self.start} reaches {reach} in {len(self.steps)} step(s):"]
        for number, step in enumerate(self.steps, start=1):
            if step.kind == "admin":
                lines.append(f"  {number}. {step.explanation}")
                continue
            also = f" (also: {', '.join(step.also[:5])})" if step.also else ""
            lines.append(f"  {number}. [{step.technique_id}] {step.technique}: {step.explanation}{also}")
            for request in step.requests:
                context = f" with {_context_text(request.context)}" if request.context else ""
                lines.append(f"       {request.action} on {request.resource}{context}")
            lines.append(f"       -> {step.grants}")
        if self.example is not None and not self.admin:
            context = f" with {_context_text(self.example.context)}" if self.example.context else ""
            lines.append(
                f"  for example {self.example.action} on {self.example.resource}{context}, which "
                f"{_short(self.start)} cannot do"
            )
        return "\n".join(lines)


def _context_text(context: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in context.items())


def _short(arn: str) -> str:
    return arn.split(":", 5)[-1]


@dataclass
class _Move:
    step: Step
    holder: Holder | None  # None: admin (a policy write)


@dataclass
class Account:
    """The snapshot with cached answers; every question about a request goes through `access`."""

    snapshot: Snapshot
    access: Access = field(default_factory=Access)
    techniques: tuple[Technique, ...] = field(default_factory=all_techniques)
    # The organization's SCP levels over the account (root first); every principal's requests pass them.
    scps: tuple[tuple[Policy, ...], ...] = ()

    def __post_init__(self) -> None:
        self._service_trust: dict[tuple[str, str], bool] = {}
        self._admin: dict[tuple[int, ...], bool] = {}
        self._by_service: dict[str, list[Technique]] = {}
        for technique in self.techniques:
            if technique.kind == "pass-role":
                for service in technique.services:
                    self._by_service.setdefault(service, []).append(technique)
        self.services = sorted(self._by_service)
        self._possible: dict[tuple[tuple[int, ...], str], bool] = {}
        self._trusted: dict[str, list[str]] = {}
        self.everything = parse_policy(EVERYTHING, name="every action", kind=PolicyKind.IDENTITY)
        self.creation_techniques = creation_techniques()
        # A boundary is a customer managed policy too: a new default version of it is iam-001's write.
        self.boundary_rewrite = next(t for t in self.techniques if t.id == "iam-001")
        # principal and policy ids -> (the originals, kept alive so their ids stay theirs; the filled ones)
        self._resolved: dict[tuple[Any, ...], tuple[tuple[Policy, ...], tuple[Policy, ...]]] = {}

    # --- holders -----------------------------------------------------------------------------------
    def holder(self, principal: Principal) -> Holder:
        return Holder(
            principal.arn,
            principal,
            self.resolved(principal, principal.policies),
            self.bound(principal),
            principal.arn,
        )

    def session_holder(self, arn: str, session: Session) -> Holder | None:
        """A session of a snapshot role, with its session policy and tags (variables on them filled)."""
        fields = arn.split(":", 5)
        parts = fields[5].split("/") if len(fields) == 6 else []
        if len(parts) != 3 or parts[0] != "assumed-role":
            return None
        role = self.snapshot.role(parts[1])
        if role is None:
            return None
        tagged = dataclasses.replace(role, tags={**role.tags, **session.tags})
        policy = self.resolved(tagged, (session.policy,))[0] if session.policy else None
        return Holder(
            arn,
            tagged,
            self.resolved(tagged, tagged.policies),
            self.bound(tagged),
            arn,
            session=Session(parts[2], policy, dict(session.tags)),
        )

    def resolved(self, principal: Principal, policies: Sequence[Policy]) -> tuple[Policy, ...]:
        """The policies with variables on the principal's own tags filled, as AWS resolves them."""
        if not principal.tags:
            return tuple(policies)
        key = (principal.arn, tuple(sorted(principal.tags.items())), tuple(id(p) for p in policies))
        if key not in self._resolved:
            values = {f"aws:principaltag/{k.lower()}": v for k, v in principal.tags.items()}
            self._resolved[key] = (tuple(policies), tuple(substitute(p, values) for p in policies))
        return self._resolved[key][1]

    def written(self, target: Principal) -> tuple[str, str, Holder | None]:
        """What writing a policy granting every action to `target` reaches: admin, or, when the target has a
        permissions boundary, every action that boundary allows ("the entity can perform only the actions
        that are allowed by both its identity-based policies and its permissions boundaries", IAM User
        Guide, Permissions boundaries for IAM entities)."""
        if target.boundary is None:
            return "admin", f"every action, as {_short(target.arn)}", None
        label = f"{target.arn} (every action written, held to its boundary)"
        holder = Holder(f"{target.arn}#written", target, (self.everything,), self.bound(target), label)
        return label, f"every action its boundary allows, as {_short(target.arn)}", holder

    def bound(self, principal: Principal) -> Policy | None:
        return self.resolved(principal, (principal.boundary,))[0] if principal.boundary else None

    def is_admin(self, holder: Holder) -> bool:
        key = tuple(id(p) for p in holder.policies + holder.limits)
        if key not in self._admin:
            everything = parse_policy(EVERYTHING, name="every request", kind=PolicyKind.IDENTITY)
            sides = [list(holder.policies)] + [[p] for p in holder.limits]
            self._admin[key] = bool(holder.policies) and all(
                within(everything, side, limit=1).status is WithinStatus.PROVED for side in sides
            )
        return self._admin[key]

    def new_permission(self, start: Holder, end: Holder) -> Counterexample | None:
        """A request `end` may make and `start` may not (each side with its boundary), or None.

        Candidates are requests every policy type of `end` allows (its policies and its boundary) and one
        side of `start` does not; each is confirmed with the evaluator on both, boundaries included."""
        if end.policies == start.policies and end.limits == start.limits:
            return None
        account = self.snapshot.account
        # The end's policy types each allow (AWS intersects them); the start lacks one of its own.
        layers = [list(end.policies)] + [[p] for p in end.limits] + [list(level) for level in self.scps]
        start_sides = [list(start.policies)] + [[p] for p in start.limits]
        for outside in start_sides:
            result = Question([], outside, None, layers=layers).differences(3)
            if result.status is WithinStatus.UNKNOWN:
                self.access.unknown.append(
                    f"what {_short(end.label)} may do beyond {_short(start.label)}: {result.reason}"
                )
            if result.status is not WithinStatus.COUNTEREXAMPLE:
                continue
            for example in result.examples:
                if self._decides(end, example, account) and not self._decides(start, example, account):
                    return example
        return None

    def _decides(self, holder: Holder, example: Counterexample, account: str) -> bool:
        caller = holder.caller(account, self.scps)
        context = {**dict(example.context), **caller.tag_context()}
        request = Request(caller.arn, example.action, example.resource, account, context)
        return evaluate(request, caller.policy_set()).allowed

    # --- one permission ------------------------------------------------------------------------------
    def permits(
        self, holder: Holder, need: Need, resource: str, fixed: dict[str, str] | None = None
    ) -> Granted | None:
        return self.access.permits(
            holder.caller(self.snapshot.account, self.scps), need.action, resource, fixed
        )

    def all_of(
        self, holder: Holder, wanted: Sequence[tuple[Need, str, dict[str, str] | None]]
    ) -> tuple[Granted, ...] | None:
        found = []
        for need, resource, fixed in wanted:
            granted = self.permits(holder, need, resource, fixed)
            if granted is None:
                return None
            found.append(granted)
        return tuple(found)

    def service_trusted(self, role: Principal, service: str) -> bool:
        key = (role.arn, service)
        if key not in self._service_trust:
            trust = role.trust
            self._service_trust[key] = trust is not None and service_assumes(
                trust, service, role.arn, self.snapshot.account
            )
        return self._service_trust[key]

    def new(self, action: str) -> str:
        return new_resource_pattern(action, self.snapshot.account)

    def possible(self, holder: Holder, technique: Technique) -> bool:
        """Every action the technique needs is named by some Allow of the holder (cheap, before asking);
        sts:AssumeRole aside, which a trust policy naming the caller allows by itself."""
        key = (tuple(id(p) for p in holder.policies + holder.limits), technique.id)
        if key not in self._possible:
            # Every policy type must allow (its boundary and session policy too): one that names none of an
            # action's Allows never allows it.
            self._possible[key] = all(
                names_action(layer, a)
                for a in technique.actions
                if a.lower() != "sts:assumerole"
                for layer in (holder.policies, *((p,) for p in holder.limits))
            )
        return self._possible[key]

    def trusted_services(self, role: Principal) -> list[str]:
        if role.arn not in self._trusted:
            self._trusted[role.arn] = [s for s in self.services if self.service_trusted(role, s)]
        return self._trusted[role.arn]

    # --- moves ---------------------------------------------------------------------------------------
    def moves(self, holder: Holder, reached: Sequence[Holder]) -> Iterator[_Move]:
        yield from self._principal_moves(holder, reached)
        yield from self._pass_role_moves(holder)
        yield from self._takeover_moves(holder)
        yield from self._write_moves(holder, reached)
        yield from self._create_moves(holder)
        yield from self._boundary_rewrite_moves(holder, reached)

    def _step(
        self,
        holder: Holder,
        technique: Technique,
        requests: tuple[Granted, ...],
        reached: str,
        grants: str,
        **names: str,
    ) -> Step:
        how = technique.how.format(**{k: _short(v) for k, v in names.items()})
        return Step(
            holder.label,
            technique.kind,
            technique.name,
            technique.id,
            requests,
            reached,
            grants,
            f"{_short(holder.label)} {how}",
        )

    def _principal_moves(self, holder: Holder, reached: Sequence[Holder]) -> Iterator[_Move]:
        for technique in self.techniques:
            if technique.kind != "principal" and not (technique.kind == "write" and _uses_target(technique)):
                continue
            if not self.possible(holder, technique):
                continue
            for target in self.snapshot.principals:
                if target.arn == holder.principal.arn or not self._target_fits(technique, target):
                    continue
                requests = self._target_requests(holder, technique, target, reached)
                if requests is None:
                    continue
                if technique.gives == "write":
                    end, grants, written = self.written(target)
                    yield _Move(
                        self._step(holder, technique, requests, end, grants, target=target.arn), written
                    )
                else:
                    step = self._step(
                        holder,
                        technique,
                        requests,
                        target.arn,
                        f"the permissions of {_short(target.arn)}",
                        target=target.arn,
                    )
                    yield _Move(step, self.holder(target))

    def _target_fits(self, technique: Technique, target: Principal) -> bool:
        req = technique.requires
        if "target" in req and req["target"] != target.kind:
            return False
        if req.get("keys_below_two") and target.access_keys >= 2:
            return False
        if "login" in req and bool(req["login"]) != target.login_profile:
            return False
        return not (req.get("boundary") and target.boundary is None)

    def _target_requests(
        self, holder: Holder, technique: Technique, target: Principal, reached: Sequence[Holder]
    ) -> tuple[Granted, ...] | None:
        found: list[Granted] = []
        for need in technique.needs:
            granted = self._target_need(holder, need, target, reached)
            if granted is None:
                return None
            found.append(granted)
        if technique.requires.get("rewrite") and not self._rewritten_trust_lets_in(holder, target):
            return None
        return tuple(found)

    def _target_need(
        self, holder: Holder, need: Need, target: Principal, reached: Sequence[Holder]
    ) -> Granted | None:
        caller = holder.caller(self.snapshot.account, self.scps)
        if need.on == "policy":
            for name in target.attached_names:
                granted = self.access.permits(caller, need.action, self.snapshot.policy_arn(name))
                if granted is not None:
                    return granted
            return None
        if need.action.lower() == "sts:assumerole":
            return self.access.permits(caller, need.action, target.arn, resource_policy=target.trust)
        fixed, where = self._entity_boundary(need.action, target, reached)
        return self.access.permits(caller, need.action, target.arn, fixed, where=where)

    def _entity_boundary(
        self, action: str, target: Principal, reached: Sequence[Holder]
    ) -> tuple[dict[str, str] | None, dict[str, Any] | None]:
        """iam:PermissionsBoundary on a request about an existing user or role, as (fixed, where).

        The key "Filters access if the specified policy is set as the permissions boundary on the IAM
        entity (user or role)" (Service Authorization Reference, IAM condition keys): on PutRolePolicy,
        AttachRolePolicy, DeleteRolePermissionsBoundary and the other actions that list it, it is the
        boundary the target has, or absent; the caller does not choose it. When the path may already have
        removed or replaced the target's boundary, either value is possible, so it is left free."""
        if not catalog.carries_entity_boundary(action):
            return None, None
        if any(h.principal.arn == target.arn and h.key.endswith("#unbounded") for h in reached):
            return None, None
        if target.boundary is None:
            return None, {"Null": {BOUNDARY_KEY: "true"}}
        name = next((n for n, p in self.snapshot.managed.items() if p is target.boundary), None)
        if name is None:
            return None, None
        return {BOUNDARY_KEY: self.snapshot.policy_arn(name)}, None

    def _rewritten_trust_lets_in(self, holder: Holder, role: Principal) -> bool:
        """After UpdateAssumeRolePolicy names the caller, its own policies must still allow AssumeRole."""
        caller = holder.caller(self.snapshot.account, self.scps)
        opened = _trust_naming(holder, "rewritten trust policy")
        return self.access.permits(caller, "sts:AssumeRole", role.arn, resource_policy=opened) is not None

    def _pass_role_moves(self, holder: Holder) -> Iterator[_Move]:
        caller = holder.caller(self.snapshot.account, self.scps)
        if not names_action(holder.policies, "iam:PassRole"):
            return
        for role in self.snapshot.principals:
            if role.kind != "role" or role.arn == holder.principal.arn:
                continue
            found: list[Step] = []
            for service in self.trusted_services(role):
                fixed = {"iam:PassedToService": service}
                passing = self.access.permits(caller, "iam:PassRole", role.arn, fixed)
                if passing is None:
                    continue
                for technique in self._by_service[service]:
                    if not self.possible(holder, technique) or not self._pass_fits(technique, role):
                        continue
                    rest = [(n, self.new(n.action), None) for n in technique.needs if not n.passed_to]
                    others = self.all_of(holder, rest)
                    if others is not None:
                        how = {"role": role.arn}
                        found.append(
                            self._step(
                                holder,
                                technique,
                                (passing, *others),
                                role.arn,
                                f"the permissions of {_short(role.arn)}",
                                **how,
                            )
                        )
            if found:
                first = found[0]
                also = tuple(
                    dict.fromkeys(s.technique_id for s in found[1:] if s.technique_id != first.technique_id)
                )
                yield _Move(_with_also(first, also), self.holder(role))

    def _pass_fits(self, technique: Technique, role: Principal) -> bool:
        req = technique.requires
        if req.get("profile") and not role.instance_profile:
            return False
        if "exists" in req and not self.snapshot.of_kind(str(req["exists"])):
            return False
        if req.get("container_instances") and not any(
            c.flag("container_instances") for c in self.snapshot.of_kind("ecs_clusters")
        ):
            return False
        return not (req.get("clusters") and not self.snapshot.of_kind("ecs_clusters"))

    def _takeover_moves(self, holder: Holder) -> Iterator[_Move]:
        caller = holder.caller(self.snapshot.account, self.scps)
        found: dict[str, list[Step]] = {}
        for technique in self.techniques:
            if (
                technique.kind != "takeover"
                or technique.resource is None
                or not self.possible(holder, technique)
            ):
                continue
            for resource in self.snapshot.of_kind(technique.resource):
                if not self._resource_fits(technique, resource):
                    continue
                fields = technique.role_fields or tuple(resource.roles)
                for role_field in fields:
                    role = self.snapshot.role(resource.roles.get(role_field, ""))
                    if role is None or role.arn == holder.principal.arn:
                        continue
                    requests = self._takeover_requests(caller, technique, resource, role)
                    if requests is not None:
                        step = self._step(
                            holder,
                            technique,
                            requests,
                            role.arn,
                            f"the permissions of {_short(role.arn)}",
                            target=resource.name,
                            role=role.arn,
                        )
                        found.setdefault(role.arn, []).append(step)
        for role_arn, steps in found.items():
            role = self.snapshot.by_arn(role_arn)
            assert role is not None
            also = tuple(
                dict.fromkeys(s.technique_id for s in steps[1:] if s.technique_id != steps[0].technique_id)
            )
            yield _Move(_with_also(steps[0], also), self.holder(role))

    def _resource_fits(self, technique: Technique, resource: Resource) -> bool:
        req = technique.requires
        defaults = {"ssm_managed": True, "instance_connect": True}
        if "flag" in req and not resource.values.get(str(req["flag"]), defaults.get(str(req["flag"]), False)):
            return False
        if "noflag" in req and resource.flag(str(req["noflag"])):
            return False
        if "items" in req and not resource.items(str(req["items"])):
            return False
        if "text" in req and not resource.text(str(req["text"])):
            return False
        if req.get("triggered"):
            return any(resource.name in t.items("jobs") for t in self.snapshot.of_kind("glue_triggers"))
        return True

    def _takeover_requests(
        self, caller: Caller, technique: Technique, resource: Resource, role: Principal
    ) -> tuple[Granted, ...] | None:
        found: list[Granted] = []
        for need in technique.needs:
            if need.passed_to:
                field_name = technique.requires.get("pass_field")
                passed = self.snapshot.role(resource.roles.get(str(field_name), "")) if field_name else role
                if passed is None:
                    return None
                services = technique.passes_to
                granted = next(
                    (
                        g
                        for s in services
                        if self.service_trusted(passed, s)
                        for g in [
                            self.access.permits(caller, need.action, passed.arn, {"iam:PassedToService": s})
                        ]
                        if g is not None
                    ),
                    None,
                )
            elif need.on == "target":
                granted = self.access.permits(caller, need.action, resource.arn)
            elif need.on == "lifecycle":
                config = {"name": resource.text("lifecycle_config") or ""}
                region = str(resource.values.get("region", DEFAULT_REGION))
                arn = arn_of(BY_KEY["sagemaker_lifecycle_configs"], config, self.snapshot.account, region)
                granted = self.access.permits(caller, need.action, arn)
            else:
                granted = self.access.permits(caller, need.action, self.new(need.action))
            if granted is None:
                return None
            found.append(granted)
        return tuple(found)

    def _write_moves(self, holder: Holder, reached: Sequence[Holder]) -> Iterator[_Move]:
        """Policy writes, group joins and boundary removals on the holder or on a principal already reached."""
        targets = list(dict.fromkeys(h.principal.arn for h in [holder, *reached]))
        caller = holder.caller(self.snapshot.account, self.scps)
        for technique in self.techniques:
            if technique.kind != "write" or _uses_target(technique) or not self.possible(holder, technique):
                continue
            for arn in targets:
                target = self.snapshot.by_arn(arn)
                if target is None or not self._target_fits(technique, target):
                    continue
                if technique.gives in ("group",) or technique.requires.get("member"):
                    yield from self._group_moves(holder, caller, technique, target)
                    continue
                requests = self._target_requests(holder, technique, target, reached)
                if requests is None:
                    continue
                if technique.gives == "unbounded":
                    free = Holder(
                        f"{target.arn}#unbounded",
                        target,
                        self.resolved(target, target.policies),
                        None,
                        f"{target.arn} (boundary removed)",
                    )
                    step = self._step(
                        holder,
                        technique,
                        requests,
                        free.label,
                        f"the permissions of {_short(target.arn)} without its boundary",
                        target=target.arn,
                    )
                    yield _Move(step, free)
                else:
                    end, grants, written = self.written(target)
                    step = self._step(holder, technique, requests, end, grants, target=target.arn)
                    yield _Move(step, written)

    def _group_moves(
        self, holder: Holder, caller: Caller, technique: Technique, target: Principal
    ) -> Iterator[_Move]:
        for group in self.snapshot.group_policies:
            if bool(technique.requires.get("member")) != (group in target.groups):
                continue  # writes need a group the target is in; joining needs one it is not in
            granted = self.access.permits(caller, technique.needs[0].action, self.snapshot.group_arn(group))
            if granted is None:
                continue
            if technique.gives == "write":
                reached, grants, written = self.written(target)
                step = self._step(
                    holder, technique, (granted,), reached, grants, target=target.arn, group=group
                )
                yield _Move(step, written)
            else:
                extra = tuple(self.snapshot.group_policies[group])
                joined = Holder(
                    f"{target.arn}+group/{group}",
                    target,
                    self.resolved(target, [*target.policies, *extra]),
                    self.bound(target),
                    f"{target.arn} (in group {group})",
                )
                step = self._step(
                    holder,
                    technique,
                    (granted,),
                    joined.label,
                    f"the permissions of group {group}",
                    target=target.arn,
                    group=group,
                )
                yield _Move(step, joined)

    def _boundary_rewrite_moves(self, holder: Holder, reached: Sequence[Holder]) -> Iterator[_Move]:
        """A new default version of the customer managed policy that is a principal's boundary: the
        principal (and every other one it bounds) is then held to whatever the attacker wrote."""
        caller = holder.caller(self.snapshot.account, self.scps)
        technique = self.boundary_rewrite
        for arn in dict.fromkeys(h.principal.arn for h in [holder, *reached]):
            target = self.snapshot.by_arn(arn)
            if target is None or target.boundary is None or not self.possible(holder, technique):
                continue
            name = next((n for n, p in self.snapshot.managed.items() if p is target.boundary), None)
            if name is None:
                continue
            granted = self.access.permits(caller, technique.needs[0].action, self.snapshot.policy_arn(name))
            if granted is None:
                continue
            free = Holder(
                f"{target.arn}#rewritten",
                target,
                self.resolved(target, target.policies),
                None,
                f"{target.arn} (boundary rewritten)",
                (*holder.rewritten, name),
            )
            step = Step(
                holder.label,
                "write",
                technique.name,
                technique.id,
                (granted,),
                free.label,
                f"the permissions of {_short(target.arn)} without a limit",
                f"{_short(holder.label)} writes a new default version of {name}, the permissions boundary of "
                f"{_short(target.arn)}, allowing everything",
            )
            yield _Move(step, free)

    # --- roles the holder creates ----------------------------------------------------------------------
    def _boundary_choices(self, holder: Holder) -> Iterator[tuple[str, Mapping[str, Any], Policy | None]]:
        """What a CreateRole request may carry as iam:PermissionsBoundary, with the boundary the new role
        then has: none; an AWS managed policy (AdministratorAccess is one: taken as no limit); each managed
        policy of the snapshot other than the holder's own boundary (a role held to that is no way out)."""
        yield "without a permissions boundary", {"Null": {BOUNDARY_KEY: "true"}}, None
        yield (
            "with an AWS managed policy as its boundary",
            {"ArnLike": {BOUNDARY_KEY: "arn:aws:iam::aws:policy/*"}},
            None,
        )
        for name, policy in self.snapshot.managed.items():
            if holder.boundary is not None and policy is holder.principal.boundary:
                continue
            arn = self.snapshot.policy_arn(name)
            # A boundary whose content the attacker wrote (a new default version) limits nothing.
            limit = None if name in holder.rewritten else policy
            yield f"with {_short(arn)} as its boundary", {"ArnEquals": {BOUNDARY_KEY: arn}}, limit

    def _create_moves(self, holder: Holder) -> Iterator[_Move]:
        """Create a role whose trust policy the holder writes, give it every action, then assume it or pass
        it to a service. The new role is held to the boundary its CreateRole request carries."""
        if not names_action(holder.policies, "iam:CreateRole"):
            return
        caller = holder.caller(self.snapshot.account, self.scps)
        pattern = f"arn:aws:iam::{self.snapshot.account}:role/*"
        for bounded, where, boundary in self._boundary_choices(holder):
            created = self.access.permits(caller, "iam:CreateRole", pattern, where=where)
            if created is None:
                continue
            role = self._created_role(holder, created, boundary)
            use = self._use_created(holder, role)
            if use is None:
                continue
            uses, requests = use
            found: list[Step] = []
            for technique in self.creation_techniques:
                fixed = {"iam:PolicyARN": ADMINISTRATOR_ACCESS} if "attach" in technique.id else None
                writing = self.access.permits(caller, technique.needs[1].action, role.arn, fixed, where=where)
                if writing is None:
                    continue
                how = (
                    f"creates {_short(role.arn)} {bounded}, {technique.how.split(' and ', 1)[1]}, and {uses}"
                )
                limit = "" if boundary is None else "its boundary allows "
                found.append(
                    Step(
                        holder.label,
                        technique.kind,
                        " + ".join(dict.fromkeys([*technique.actions, *(r.action for r in requests)])),
                        technique.id,
                        (created, writing, *requests),
                        role.arn,
                        f"every action {limit}as {_short(role.arn)}",
                        f"{_short(holder.label)} {how}",
                    )
                )
            if found:
                yield _Move(_with_also(found[0], tuple(s.technique_id for s in found[1:])), self.holder(role))

    def _created_role(self, holder: Holder, created: Granted, boundary: Policy | None) -> Principal:
        """The new role: every action, the boundary chosen, its creator's tags unless the request set them."""
        tags = dict(holder.principal.tags)
        for key, value in created.context.items():
            if key.lower().startswith("aws:requesttag/") and isinstance(value, str):
                tags[key.split("/", 1)[1]] = value
        name = created.resource.rsplit("/", 1)[-1]
        return Principal(
            created.resource,
            "role",
            name,
            [self.everything],
            boundary,
            None,
            instance_profile=False,
            tags=tags,
        )

    def _use_created(self, holder: Holder, role: Principal) -> tuple[str, tuple[Granted, ...]] | None:
        """Assume the new role (its trust policy names the holder), or pass it to a service (it trusts it)."""
        caller = holder.caller(self.snapshot.account, self.scps)
        trust = _trust_naming(holder, "the trust policy the creator writes")
        assumed = self.access.permits(caller, "sts:AssumeRole", role.arn, resource_policy=trust)
        if assumed is not None:
            return "assumes it", (assumed,)
        if not names_action(holder.policies, "iam:PassRole"):
            return None
        for service in self.services:
            # Only services whose launch the holder may make at all are asked about (the prover is costly).
            usable = [t for t in self._by_service[service] if self.possible(holder, t)]
            if not usable:
                continue
            passing = self.access.permits(caller, "iam:PassRole", role.arn, {"iam:PassedToService": service})
            if passing is None:
                continue
            for technique in usable:
                others = self.all_of(
                    holder, [(n, self.new(n.action), None) for n in technique.needs if not n.passed_to]
                )
                if others is not None:
                    return f"passes it to {service} ({technique.name})", (passing, *others)
        return None


def _uses_target(technique: Technique) -> bool:
    """A write that also reaches its target (iam-014..021): the target need not be reached before."""
    return any(n.action.lower() in ACCESS_ACTIONS for n in technique.needs)


def _with_also(step: Step, also: tuple[str, ...]) -> Step:
    return Step(
        step.actor,
        step.kind,
        step.technique,
        step.technique_id,
        step.requests,
        step.target,
        step.grants,
        step.explanation,
        also,
    )


def escalation_paths(
    snapshot: Snapshot,
    *,
    starts: Sequence[str] | None = None,
    account: Account | None = None,
    beyond: str = "permissions",
    sessions: Mapping[str, Session] | None = None,
) -> list[Path]:
    """For each start: the shortest path to every holder with a permission the start lacks, and to admin.

    `beyond="boundary"` counts only permissions beyond the start's permissions boundary (the most the
    platform lets it have: a team admin creating a role with more than itself but inside the boundary is
    the boundary's purpose, not an escalation); a start without a boundary is judged by its permissions.
    `sessions` gives starts that are role sessions (arn:aws:sts::ACCOUNT:assumed-role/ROLE/NAME): the role
    of the snapshot with that session's policy and tags."""
    account = account or Account(snapshot)
    principals = {p.arn: p for p in snapshot.principals}
    paths: list[Path] = []
    for start_arn in starts or list(principals):
        session = (sessions or {}).get(start_arn)
        start_holder = account.session_holder(start_arn, session) if session is not None else None
        if start_arn in principals or start_holder is not None:
            start = start_holder or account.holder(principals[start_arn])
            ceiling = start
            if beyond == "boundary" and start.boundary is not None:
                ceiling = Holder(
                    f"{start.key}#ceiling",
                    start.principal,
                    (account.everything,),
                    start.boundary,
                    start.label,
                )
            paths.extend(_paths_from(account, start, ceiling))
    return paths


def _paths_from(account: Account, start: Holder, ceiling: Holder) -> list[Path]:
    if account.is_admin(start):
        step = Step(
            start.label,
            "admin",
            "",
            "",
            (),
            "admin",
            "every action",
            f"{_short(start.label)} already has admin-equivalent permissions",
        )
        return [Path(start.label, (step,), admin=True)]
    routes: dict[str, tuple[Step, ...]] = {start.key: ()}
    holders: dict[str, Holder] = {start.key: start}
    admin_route: tuple[Step, ...] | None = None
    queue = deque([start.key])
    while queue:
        key = queue.popleft()
        route = routes[key]
        holder = holders[key]
        if len(route) >= MAX_STEPS or (key != start.key and account.is_admin(holder)):
            continue
        for move in account.moves(holder, list(holders.values())):
            if move.holder is None:
                if admin_route is None or len(route) + 1 < len(admin_route):
                    admin_route = route + (move.step,)
                continue
            if move.holder.key not in routes:
                routes[move.holder.key] = route + (move.step,)
                holders[move.holder.key] = move.holder
                queue.append(move.holder.key)
    paths: list[Path] = []
    for key, route in routes.items():
        if key == start.key:
            continue
        holder = holders[key]
        if account.is_admin(holder):
            final = Step(
                holder.label,
                "admin",
                "",
                "",
                (),
                "admin",
                "every action",
                f"{_short(holder.label)} has admin-equivalent permissions",
            )
            paths.append(Path(start.label, route + (final,), admin=True))
            continue
        example = account.new_permission(ceiling, holder)
        if example is not None:
            paths.append(Path(start.label, route, example=example))
    if admin_route is not None:
        paths.append(Path(start.label, admin_route, admin=True))
    paths.sort(key=lambda p: (not p.admin, len(p.steps)))
    return paths


def _trust_naming(holder: Holder, name: str) -> Policy:
    """A trust policy that lets the holder, and only it, assume the role: what an attacker writes."""
    statement = {"Effect": "Allow", "Principal": {"AWS": holder.principal.arn}, "Action": "sts:AssumeRole"}
    return parse_policy({"Version": "2012-10-17", "Statement": [statement]}, name=name, kind=PolicyKind.TRUST)
