"""The AWS engine's face for grading (checker.core.engine.Engine).

A submission is a set of policy files named in lab.yaml. The logical name says what each file is:
names containing "trust" are the role's trust policy, "boundary" a permissions boundary, "session" a
session policy, "resource_policy"/"bucket_policy"/"key_policy" a resource-based policy, names starting
with "scp" service control policies (attached at the last organization level the setting gives, beside
its policies); names containing "job" or "request" are API requests, "workflow" a CI workflow (read by
`workflow` checks) and names containing "template" session-policy templates, all kept as data (a template
is filled by a `roles` entry); every other file is an identity-based policy of the lab's identity.

The lab's `setting` supplies what the learner does not write: `identity` (the role or user ARN),
`account`, `scps` and `rcps` (levels from root to account, each a list of policies),
`permissions_boundary`, `session_policy`, `resource_policies` (a list of {resource: ARN pattern,
policy}), `principals` (identity policies of other callers, by ARN), `roles` (the principals of a
platform and which submitted files apply to them, see roles.py), `attached_policies` (identity policies
someone else attaches to the lab's identity, such as a platform team's baseline: they count in every
decision and proof alongside the learner's),
`learner_roles` ({ARN: {policies: [logical file names], trust: logical file name}}: which submitted files
belong to another role the learner writes, an interview's second role or lab 04's agent Lambda role: that
role's identity and trust policies, not the lab identity's; `confined` and `reaches` prove it too) and `restrict_public_buckets`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.federation import provider_arn, token_context
from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.aws.request import Request
from checker.aws.roles import RoleEntry, role_entries
from checker.aws.services.sts import is_trust_action
from checker.aws.wildcard import compile_glob
from checker.core.decision import Decision
from checker.core.engine import Submission, WithinResult
from checker.core.errors import InputError
from checker.core.findings import Finding
from checker.core.source import LoadedDocument

# Stands for a caller's own account letting it call AWS STS, when the lab does not give its policies.
_ASSUMED_CALLER_POLICY = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]},
    name="the caller's own identity policy (assumed to allow sts:*)",
)


@dataclass(frozen=True)
class ResourcePolicyRule:
    pattern: str
    policy: Policy

    def covers(self, resource: str) -> bool:
        return compile_glob(self.pattern).matches(resource)


@dataclass(frozen=True)
class AwsModel:
    identity_arn: str | None
    identity: tuple[Policy, ...]
    trust: Policy | None
    boundary: Policy | None
    session: Policy | None
    resource_policies: tuple[ResourcePolicyRule, ...]
    scps: tuple[tuple[Policy, ...], ...]
    rcps: tuple[tuple[Policy, ...], ...]
    principals: Mapping[str, tuple[Policy, ...]]
    restrict_public_buckets: bool
    role_trusts: Mapping[str, Policy] = field(default_factory=dict)  # trust policies of the learner's other roles
    other_roles: tuple[Policy, ...] = ()  # every policy of the learner's other roles, for the linter
    documents: Mapping[str, LoadedDocument] = field(default_factory=dict)
    roles: tuple[RoleEntry, ...] = ()
    learner_scps: tuple[Policy, ...] = ()  # the submission's own SCPs (already inside `scps`)
    learner_roles: Mapping[str, tuple[Policy, ...]] = field(default_factory=dict)  # identity policies by role ARN

    def role_for(self, principal: str) -> RoleEntry | None:
        """The first `roles` entry covering the caller (an ARN glob; a session of a role is its own ARN)."""
        return next((entry for entry in self.roles if entry.covers(principal)), None)

    @property
    def all_policies(self) -> list[Policy]:
        found = list(self.identity)
        found += [p for p in (self.trust, self.boundary, self.session) if p is not None]
        return found + list(self.learner_scps) + list(self.other_roles)


def _kind_for(name: str) -> PolicyKind | None:
    lowered = name.lower()
    if "job" in lowered or "request" in lowered or "template" in lowered or "workflow" in lowered:
        return None
    if lowered.startswith("scp"):
        return PolicyKind.SCP
    if "trust" in lowered:
        return PolicyKind.TRUST
    if "boundary" in lowered:
        return PolicyKind.BOUNDARY
    if "session" in lowered:
        return PolicyKind.SESSION
    if any(word in lowered for word in ("resource_policy", "bucket_policy", "key_policy")):
        return PolicyKind.RESOURCE
    return PolicyKind.IDENTITY


def _as_policy(value: Any, name: str, kind: PolicyKind) -> Policy:
    if isinstance(value, Policy):
        return value
    if isinstance(value, LoadedDocument):
        return parse_policy(value, name=value.path, kind=kind)
    if isinstance(value, Mapping):
        return parse_policy(dict(value), name=name, kind=kind)
    raise InputError(f"setting {name}: expected a policy (an object or {{file: ...}}), not {type(value).__name__}")


def _policy_list(value: Any, name: str, kind: PolicyKind) -> tuple[Policy, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(_as_policy(item, f"{name}[{i}]", kind) for i, item in enumerate(items))


def _levels(value: Any, name: str, kind: PolicyKind) -> tuple[tuple[Policy, ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InputError(f"setting {name}: expected a list of organization levels, each a list of policies")
    return tuple(_policy_list(level, f"{name}[{i}]", kind) for i, level in enumerate(value))


class AwsEngine:
    cloud = "aws"

    def load_submission(self, files: Mapping[str, LoadedDocument], setting: Mapping[str, Any]) -> Submission:
        identity: list[Policy] = []
        trust = boundary = session = None
        submitted_resource: list[ResourcePolicyRule] = []
        learner_scps: list[Policy] = []
        role_policies, role_trusts, owned = _other_roles(files, setting.get("learner_roles"))
        for name, document in files.items():
            kind = None if name in owned else _kind_for(name)
            if kind is None:
                continue
            policy = parse_policy(document, name=document.path, kind=kind)
            if kind is PolicyKind.TRUST:
                trust = policy
            elif kind is PolicyKind.BOUNDARY:
                boundary = policy
            elif kind is PolicyKind.SESSION:
                session = policy
            elif kind is PolicyKind.SCP:
                learner_scps.append(policy)
            elif kind is PolicyKind.RESOURCE:
                submitted_resource.append(ResourcePolicyRule("*", policy))
            else:
                identity.append(policy)
        # Policies the lab attaches next to the learner's: the role's effective permissions are the union, so
        # a learner's explicit Deny is what narrows them (an Allow's condition narrows only that Allow).
        identity.extend(_policy_list(setting.get("attached_policies"), "attached_policies", PolicyKind.IDENTITY))
        rules = [
            ResourcePolicyRule(
                str(rule.get("resource", "*")),
                _as_policy(rule.get("policy"), f"resource_policies[{i}]", PolicyKind.RESOURCE),
            )
            for i, rule in enumerate(setting.get("resource_policies") or [])
        ]
        principals = {
            str(arn): _policy_list(policies, f"principals[{arn}]", PolicyKind.IDENTITY)
            for arn, policies in (setting.get("principals") or {}).items()
        }
        principals.update(role_policies)
        model = AwsModel(
            identity_arn=setting.get("identity"),
            identity=tuple(identity),
            trust=trust,
            boundary=boundary
            or _optional(
                setting.get("permissions_boundary", setting.get("boundary")), "permissions_boundary", PolicyKind.BOUNDARY
            ),
            session=session or _optional(setting.get("session_policy"), "session_policy", PolicyKind.SESSION),
            resource_policies=tuple(submitted_resource + rules),
            scps=_with_learner_scps(_levels(setting.get("scps"), "scps", PolicyKind.SCP), learner_scps),
            rcps=_levels(setting.get("rcps"), "rcps", PolicyKind.RCP),
            principals=principals,
            restrict_public_buckets=bool(setting.get("restrict_public_buckets", False)),
            documents=dict(files),
            roles=role_entries(setting.get("roles"), files, _as_policy),
            learner_scps=tuple(learner_scps),
            role_trusts=role_trusts,
            learner_roles=role_policies,
            other_roles=tuple(p for group in role_policies.values() for p in group) + tuple(role_trusts.values()),
        )
        return Submission("aws", files, setting, model)

    def policy_set(self, model: AwsModel, request: Request) -> PolicySet:
        """The policies that apply when `request` is made, as the lab's account would hold them."""
        if is_trust_action(request.action.lower()) and model.trust is not None and (
            model.identity_arn is None or request.resource in (model.identity_arn, "*")
        ):
            # Asking "who may assume the role": the trust policy decides. A caller whose identity policies
            # the lab does not give is taken to be allowed to call sts:AssumeRole by its own account.
            caller = model.principals.get(request.principal)
            if caller is None:
                caller = (_ASSUMED_CALLER_POLICY,)
            return PolicySet(identity=caller, resource=model.trust, scps=model.scps)
        if is_trust_action(request.action.lower()) and request.resource in model.role_trusts:
            caller = model.principals.get(request.principal) or (_ASSUMED_CALLER_POLICY,)
            return PolicySet(identity=caller, resource=model.role_trusts[request.resource], scps=model.scps)
        resource_policy = next((r.policy for r in model.resource_policies if r.covers(request.resource)), None)
        entry = model.role_for(request.principal)
        if entry is not None:
            return PolicySet(
                identity=entry.identity,
                resource=resource_policy,
                boundary=entry.boundary,
                session=entry.session,
                scps=model.scps,
                rcps=model.rcps,
                restrict_public_buckets=model.restrict_public_buckets,
            )
        if model.identity_arn is not None and request.principal != model.identity_arn and not _is_session_of(
            request.principal, model.identity_arn
        ):
            return PolicySet(
                identity=model.principals.get(request.principal, ()),
                resource=resource_policy,
                scps=model.scps,
                rcps=model.rcps,
                restrict_public_buckets=model.restrict_public_buckets,
            )
        return PolicySet(
            identity=model.identity,
            resource=resource_policy,
            boundary=model.boundary,
            session=model.session,
            scps=model.scps,
            rcps=model.rcps,
            restrict_public_buckets=model.restrict_public_buckets,
        )

    def decide(self, submission: Submission, request: Mapping[str, Any]) -> Decision:
        model: AwsModel = submission.model
        context = request.get("context") or {}
        if not isinstance(context, Mapping):
            raise InputError("context must be a mapping of condition keys to values")
        principal = request.get("principal") or model.identity_arn
        token = request.get("token")
        if token is not None:
            # A web identity request: the token's claims become the context keys IAM names, and the caller
            # is the IAM OIDC provider of the token's issuer (checker.aws.federation).
            if not isinstance(token, Mapping):
                raise InputError("token must be a mapping of claims")
            context = {**token_context(token), **context}
            account = str(submission.setting.get("account") or "")
            if request.get("principal") is None:
                if not account:
                    raise InputError("a token request needs the lab's account to name the OIDC provider")
                principal = provider_arn(str(token.get("iss", "")), account)
        if not principal:
            raise InputError("the request names no principal and the lab's setting names no identity")
        entry = model.role_for(str(principal))
        # The caller's principal tags (session tags for a session) are in every request it makes.
        full_context = {**(entry.tag_context() if entry else {}), **dict(context)}
        parsed = Request(
            principal=str(principal),
            action=str(request.get("action", "")),
            resource=str(request.get("resource", "*")),
            resource_account=request.get("resource_account"),
            context=full_context,
        )
        return evaluate(parsed, self.policy_set(model, parsed), explain=True)

    def within(self, submission: Submission, envelope: Any) -> WithinResult:
        model: AwsModel = submission.model
        envelope_policies = _policy_list(envelope, "envelope", PolicyKind.IDENTITY)
        from checker.aws.analyze import within  # the prover imports z3: only when a within check runs

        return within(list(model.identity), list(envelope_policies), principal=model.identity_arn)

    def trust_within(self, submission: Submission, identity: str, may_assume: Any) -> WithinResult:
        """Who can assume the role, proved over every caller and context (checker.aws.analyze.assumers)."""
        model: AwsModel = submission.model
        # Another role the learner writes (setting `roles`) is judged by its own trust policy.
        trust = model.role_trusts.get(identity, model.trust)
        if trust is None:
            raise InputError("this lab's files include no trust policy (a file whose logical name contains 'trust')")
        from checker.aws.analyze.assumers import allowed_set_policy, assumers_within  # z3: only when asked

        return assumers_within(trust, allowed_set_policy(may_assume), identity)

    def trust_reads(self, submission: Submission, identity: str) -> Any:
        """Everything `trust_within`'s answer for `identity` depends on besides `may_assume`: the kind and
        data of the one trust policy it proves (grading proves each distinct input once; None: no trust
        policy, so no narrower input)."""
        model: AwsModel = submission.model
        trust = model.role_trusts.get(identity, model.trust)
        return None if trust is None else [trust.kind.value, trust.document.data]

    def reaches(self, submission: Submission, principal: str, accesses: Any) -> WithinResult:
        """Proved when the principal (a `roles` entry, with its tags, boundary, session and the SCPs) can
        perform none of the accesses (checker.aws.analyze.isolation); else a counterexample or unknown."""
        from checker.aws.analyze.isolation import reaches  # z3: only when an isolation check runs

        entry, policies = self._platform_principal(submission.model, principal)
        return reaches(policies, principal, entry.tags, accesses)

    def confined(self, submission: Submission, principal: str, envelope: Any) -> WithinResult:
        """Proved when everything the platform principal may do, the envelope allows (variables on the
        principal's tags resolved); else a counterexample or unknown."""
        from checker.aws.analyze.isolation import confined  # z3: only when asked

        entry, policies = self._platform_principal(submission.model, principal)
        return confined(policies, principal, entry.tags, _as_policy(envelope, "envelope", PolicyKind.IDENTITY))

    def _platform_principal(self, model: AwsModel, principal: str) -> tuple[RoleEntry, PolicySet]:
        entry = model.role_for(principal)
        if entry is None and principal in model.learner_roles:
            # A second role the learner writes (lab 04's agent action-group Lambda role) is confined by its
            # own identity policies, exactly as `decide` judges its requests: no boundary, session or tags.
            entry = RoleEntry(principal, model.learner_roles[principal])
        if entry is None:
            raise InputError(
                f"no entry of the setting's `roles` or `learner_roles` covers {principal!r}",
                hint="each principal an isolation or confinement check names must be one the lab's platform defines",
            )
        policies = PolicySet(
            identity=entry.identity, boundary=entry.boundary, session=entry.session, scps=model.scps, rcps=model.rcps
        )
        return entry, policies

    def findings(self, submission: Submission) -> list[Finding]:
        from checker.aws.analyze import lint  # with the prover's imports: only when a findings check runs

        model: AwsModel = submission.model
        account = model.identity_arn.split(":")[4] if model.identity_arn and model.identity_arn.count(":") >= 5 else None
        return [finding for policy in model.all_policies for finding in lint(policy, account=account)]


def _with_learner_scps(
    levels: tuple[tuple[Policy, ...], ...], learner: list[Policy]
) -> tuple[tuple[Policy, ...], ...]:
    """The learner's SCPs are attached at the last level the lab gives (the OU or account they govern)."""
    if not learner:
        return levels
    if not levels:
        return (tuple(learner),)
    return (*levels[:-1], (*levels[-1], *learner))


def _other_roles(
    files: Mapping[str, LoadedDocument], roles: Any
) -> tuple[dict[str, tuple[Policy, ...]], dict[str, Policy], set[str]]:
    """The submitted files that belong to other roles (setting `learner_roles`): identity policies, trust, names."""
    policies: dict[str, tuple[Policy, ...]] = {}
    trusts: dict[str, Policy] = {}
    owned: set[str] = set()
    if roles is None:
        return policies, trusts, owned
    if not isinstance(roles, Mapping):
        raise InputError("setting learner_roles: expected {role ARN: {policies: [file names], trust: file name}}")

    def submitted(arn: str, name: Any) -> LoadedDocument:
        if not isinstance(name, str) or name not in files:
            raise InputError(
                f"setting learner_roles[{arn}]: {name!r} is not a submission file",
                hint=f"files listed: {', '.join(files)}",
            )
        owned.add(name)
        return files[name]

    for arn, entry in roles.items():
        if not isinstance(entry, Mapping) or not set(entry) <= {"policies", "trust"}:
            raise InputError(f"setting learner_roles[{arn}]: expected {{policies: [file names], trust: file name}}")
        documents = [submitted(str(arn), name) for name in entry.get("policies") or []]
        policies[str(arn)] = tuple(parse_policy(doc, name=doc.path, kind=PolicyKind.IDENTITY) for doc in documents)
        if "trust" in entry:
            doc = submitted(str(arn), entry["trust"])
            trusts[str(arn)] = parse_policy(doc, name=doc.path, kind=PolicyKind.TRUST)
    return policies, trusts, owned


def _optional(value: Any, name: str, kind: PolicyKind) -> Policy | None:
    return None if value is None else _as_policy(value, name, kind)


def _is_session_of(principal: str, role_arn: str) -> bool:
    """arn:aws:sts::A:assumed-role/NAME/S is a session of arn:aws:iam::A:role/[path/]NAME."""
    parts = principal.split(":", 5)
    role = role_arn.split(":", 5)
    if len(parts) != 6 or len(role) != 6 or not parts[5].startswith("assumed-role/"):
        return False
    return parts[4] == role[4] and parts[5].split("/")[1] == role[5].rsplit("/", 1)[-1]


ENGINE = AwsEngine()
