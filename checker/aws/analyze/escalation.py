"""Privilege-escalation paths through an account snapshot.

A path starts at a user or role and ends with admin-equivalent access. Steps move from one principal to
another; every step is decided by the evaluator (identity policies, boundary, and the role's trust
policy), and "can create this compute" by the prover (grants_any), so a path is never a guess:
- assume: sts:AssumeRole allowed by the caller's policies and by the role's trust policy;
- pass role to compute: iam:PassRole on the role (with iam:PassedToService), the service's create/run
  actions, and a trust policy that lets that service assume the role;
- credentials: iam:CreateAccessKey / CreateLoginProfile / UpdateLoginProfile on another user;
- trust rewrite: iam:UpdateAssumeRolePolicy on a role, then sts:AssumeRole on it.
A path ends when the principal reached is admin-equivalent (the prover shows its policies allow every
request), or can write a policy that grants everything to itself or to a principal it can reach
(Put/Attach policy, CreatePolicyVersion / SetDefaultPolicyVersion on a policy attached to it,
AddUserToGroup).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.aws.analyze.compare import grants_any
from checker.aws.analyze.snapshot import Principal, Snapshot
from checker.aws.analyze.within import within
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import PolicyKind, parse_policy
from checker.aws.request import Request
from checker.core.engine import WithinStatus

MAX_STEPS = 6
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

# Service principal, actions that start code running as the passed role, and what that looks like.
COMPUTE = [
    (
        "lambda.amazonaws.com",
        ("lambda:CreateFunction", "lambda:InvokeFunction"),
        "create a Lambda function with the role and invoke it",
    ),
    (
        "ec2.amazonaws.com",
        ("ec2:RunInstances",),
        "launch an EC2 instance whose instance profile holds the role",
    ),
    ("glue.amazonaws.com", ("glue:CreateDevEndpoint",), "create a Glue development endpoint with the role"),
    (
        "cloudformation.amazonaws.com",
        ("cloudformation:CreateStack",),
        "create a CloudFormation stack that runs as the role",
    ),
    (
        "sagemaker.amazonaws.com",
        ("sagemaker:CreateTrainingJob",),
        "start a SageMaker training job whose container runs as the role",
    ),
    (
        "sagemaker.amazonaws.com",
        ("sagemaker:CreateProcessingJob",),
        "start a SageMaker processing job that runs as the role",
    ),
    (
        "sagemaker.amazonaws.com",
        ("sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"),
        "create a SageMaker notebook with the role and open it",
    ),
]


@dataclass(frozen=True)
class Step:
    actor: str  # ARN acting in this step
    kind: str  # assume, pass-role, credentials, trust-rewrite, policy-write, admin
    actions: tuple[str, ...]
    target: str  # ARN reached (or written to); "admin" for the final step
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "kind": self.kind,
            "actions": list(self.actions),
            "target": self.target,
            "why": self.explanation,
        }


@dataclass(frozen=True)
class Path:
    start: str
    steps: tuple[Step, ...]

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "steps": [s.to_json() for s in self.steps]}

    def describe(self) -> str:
        lines = [f"{self.start} reaches admin-equivalent access in {len(self.steps)} step(s):"]
        lines.extend(f"  {i}. {s.explanation}" for i, s in enumerate(self.steps, start=1))
        return "\n".join(lines)


class _Account:
    """The snapshot with cached answers (each evaluator or prover question is asked once)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._allowed: dict[tuple[str, str, str, tuple[tuple[str, str], ...]], bool] = {}
        self._can_run: dict[tuple[str, tuple[str, ...]], bool] = {}
        self._admin: dict[str, bool] = {}

    def allows(
        self, who: Principal, action: str, resource: str, context: Mapping[str, str] | None = None
    ) -> bool:
        """The caller's identity policies (and boundary) allow the request; trust policies decide AssumeRole."""
        key = (who.arn, action, resource, tuple(sorted((context or {}).items())))
        if key not in self._allowed:
            target = self.snapshot.by_arn(resource)
            trust = target.trust if target is not None and action == "sts:AssumeRole" else None
            request = Request(who.arn, action, resource, self.snapshot.account, dict(context or {}))
            policies = PolicySet(identity=who.policies, boundary=who.boundary, resource=trust)
            self._allowed[key] = evaluate(request, policies).allowed
        return self._allowed[key]

    def trusts_service(self, role: Principal, service: str) -> bool:
        if role.trust is None:
            return False
        request = Request(service, "sts:AssumeRole", role.arn, self.snapshot.account)
        return evaluate(request, PolicySet(resource=role.trust)).allowed

    def can_run(self, who: Principal, actions: tuple[str, ...]) -> bool:
        key = (who.arn, actions)
        if key not in self._can_run:
            result = True
            for action in actions:
                if not _named_by_an_allow(who, action):
                    result = False  # no Allow statement even matches the action name: no need for the prover
                    break
                sides = [who.policies] + ([[who.boundary]] if who.boundary else [])
                if not all(grants_any(side, [{"action": action}]).granted for side in sides if side):
                    result = False
                    break
            self._can_run[key] = result
        return self._can_run[key]

    def is_admin(self, arn: str) -> bool:
        """The principal's policies (and boundary) allow every request: proved, not sampled."""
        if arn not in self._admin:
            who = self.snapshot.by_arn(arn)
            everything = parse_policy(EVERYTHING, name="every request", kind=PolicyKind.IDENTITY)
            sides = [who.policies] + ([[who.boundary]] if who.boundary else []) if who else []
            self._admin[arn] = bool(who and who.policies) and all(
                within(everything, side, limit=1).status is WithinStatus.PROVED for side in sides
            )
        return self._admin[arn]

    def moves(self, who: Principal) -> list[Step]:
        steps: list[Step] = []
        for other in self.snapshot.principals:
            if other.arn == who.arn:
                continue
            if other.kind == "role":
                steps.extend(self._role_moves(who, other))
            else:
                for action in ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"):
                    if self.allows(who, action, other.arn):
                        steps.append(
                            Step(
                                who.arn,
                                "credentials",
                                (action,),
                                other.arn,
                                f"{_short(who.arn)} calls {action} on {_short(other.arn)} and signs in as that user",
                            )
                        )
                        break
        return steps

    def _role_moves(self, who: Principal, role: Principal) -> list[Step]:
        steps = []
        if self.allows(who, "sts:AssumeRole", role.arn):
            steps.append(
                Step(
                    who.arn,
                    "assume",
                    ("sts:AssumeRole",),
                    role.arn,
                    f"{_short(who.arn)} assumes {_short(role.arn)} (its trust policy allows it)",
                )
            )
        elif self.allows(who, "iam:UpdateAssumeRolePolicy", role.arn) and self._identity_allows_assume(
            who, role
        ):
            steps.append(
                Step(
                    who.arn,
                    "trust-rewrite",
                    ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
                    role.arn,
                    f"{_short(who.arn)} rewrites the trust policy of {_short(role.arn)} to trust itself, then assumes it",
                )
            )
        for service, actions, how in COMPUTE:
            if not self.trusts_service(role, service):
                continue
            if not self.allows(who, "iam:PassRole", role.arn, {"iam:PassedToService": service}):
                continue
            if self.can_run(who, actions):
                steps.append(
                    Step(
                        who.arn,
                        "pass-role",
                        ("iam:PassRole",) + actions,
                        role.arn,
                        f"{_short(who.arn)} passes {_short(role.arn)} to {service}: {how}, so its code acts as the role",
                    )
                )
                break
        return steps

    def _identity_allows_assume(self, who: Principal, role: Principal) -> bool:
        request = Request(who.arn, "sts:AssumeRole", role.arn, self.snapshot.account)
        opened = parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": who.arn}, "Action": "sts:AssumeRole"}],
            },
            name="rewritten trust policy",
            kind=PolicyKind.TRUST,
        )
        return evaluate(
            request, PolicySet(identity=who.policies, boundary=who.boundary, resource=opened)
        ).allowed

    def policy_write(self, who: Principal, target: Principal) -> Step | None:
        """A write by `who` that grants everything to `target` (itself or a principal it can reach)."""
        kind = target.kind.capitalize()
        for action in (f"iam:Put{kind}Policy", f"iam:Attach{kind}Policy"):
            if self.allows(who, action, target.arn):
                return Step(
                    who.arn,
                    "policy-write",
                    (action,),
                    target.arn,
                    f"{_short(who.arn)} calls {action} on {_short(target.arn)} to grant it every action",
                )
        for name in target.attached_names:
            policy_arn = f"arn:aws:iam::{self.snapshot.account}:policy/{name}"
            for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"):
                if self.allows(who, action, policy_arn):
                    return Step(
                        who.arn,
                        "policy-write",
                        (action,),
                        target.arn,
                        f"{_short(who.arn)} calls {action} on policy {name}, attached to {_short(target.arn)}, to make it grant every action",
                    )
        if target.kind == "user":
            for group in self.snapshot.groups:
                group_arn = f"arn:aws:iam::{self.snapshot.account}:group/{group}"
                if (
                    group not in target.groups
                    and self.allows(who, "iam:AddUserToGroup", group_arn)
                    and self._group_is_admin(group)
                ):
                    return Step(
                        who.arn,
                        "policy-write",
                        ("iam:AddUserToGroup",),
                        target.arn,
                        f"{_short(who.arn)} adds {_short(target.arn)} to group {group}, which grants every action",
                    )
        return None

    def _group_is_admin(self, group: str) -> bool:
        policies = [self.snapshot.managed[n] for n in self.snapshot.groups.get(group, ())]
        if not policies:
            return False
        everything = parse_policy(EVERYTHING, name="every request", kind=PolicyKind.IDENTITY)
        return within(everything, policies, limit=1).status is WithinStatus.PROVED


def _named_by_an_allow(who: Principal, action: str) -> bool:
    lowered = action.lower()
    for policy in who.policies:
        for statement in policy.statements:
            if statement.effect.value != "Allow":
                continue
            if statement.actions is not None and any(p.matches(lowered) for p in statement.actions):
                return True
            if statement.not_actions is not None and not any(
                p.matches(lowered) for p in statement.not_actions
            ):
                return True
    return False


def _short(arn: str) -> str:
    return arn.split(":", 5)[-1]


def escalation_paths(snapshot: Snapshot, *, starts: Sequence[str] | None = None) -> list[Path]:
    """Every shortest path (one per start and end condition) from each principal to admin-equivalent access."""
    account = _Account(snapshot)
    principals = {p.arn: p for p in snapshot.principals}
    known_moves: dict[str, list[Step]] = {}

    def moves_of(arn: str) -> list[Step]:
        if arn not in known_moves:
            known_moves[arn] = account.moves(principals[arn])
        return known_moves[arn]

    paths: list[Path] = []
    for start in starts or list(principals):
        if start not in principals:
            continue
        if account.is_admin(start):
            paths.append(
                Path(
                    start,
                    (
                        Step(
                            start,
                            "admin",
                            (),
                            "admin",
                            f"{_short(start)} already has admin-equivalent permissions",
                        ),
                    ),
                )
            )
            continue
        # Breadth first: the shortest way to reach each principal, then every way to finish from there.
        came_from: dict[str, tuple[Step, ...]] = {start: ()}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            route = came_from[current]
            if len(route) >= MAX_STEPS or account.is_admin(current):
                continue  # an admin is the end of the road
            for step in moves_of(current):
                if step.target not in came_from:
                    came_from[step.target] = route + (step,)
                    queue.append(step.target)
        for arn, route in came_from.items():
            if account.is_admin(arn):
                final = Step(arn, "admin", (), "admin", f"{_short(arn)} has admin-equivalent permissions")
                paths.append(Path(start, route + (final,)))
                continue
            # A policy write on itself, or on a principal it can then move to in one step.
            write = account.policy_write(principals[arn], principals[arn])
            if write is not None:
                paths.append(Path(start, route + (write,)))
                continue
            for move in moves_of(arn):
                write = account.policy_write(principals[arn], principals[move.target])
                if write is not None:
                    paths.append(Path(start, route + (write, move)))
                    break
    return paths
