"""The AWS engine's face for grading (checker.core.engine.Engine).

A submission is a set of policy files named in lab.yaml. The logical name says what each file is:
names containing "trust" are the role's trust policy, "boundary" a permissions boundary, "session" a
session policy, "resource_policy"/"bucket_policy"/"key_policy" a resource-based policy; names containing
"job" or "request" are API requests kept as data (read by `answer` checks), "workflow" a CI workflow kept as
data (read by `workflow` checks); every other file is an
identity-based policy of the lab's identity.

The lab's `setting` supplies what the learner does not write: `identity` (the role or user ARN),
`account`, `scps` and `rcps` (levels from root to account, each a list of policies),
`permissions_boundary`, `session_policy`, `resource_policies` (a list of {resource: ARN pattern,
policy}), `principals` (identity policies of other callers, by ARN) and `restrict_public_buckets`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.federation import provider_arn, token_context
from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.aws.request import Request
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
    documents: Mapping[str, LoadedDocument] = field(default_factory=dict)

    @property
    def all_policies(self) -> list[Policy]:
        found = list(self.identity)
        found += [p for p in (self.trust, self.boundary, self.session) if p is not None]
        return found


def _kind_for(name: str) -> PolicyKind | None:
    lowered = name.lower()
    if "job" in lowered or "request" in lowered or "workflow" in lowered:
        return None
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
        for name, document in files.items():
            kind = _kind_for(name)
            if kind is None:
                continue
            policy = parse_policy(document, name=document.path, kind=kind)
            if kind is PolicyKind.TRUST:
                trust = policy
            elif kind is PolicyKind.BOUNDARY:
                boundary = policy
            elif kind is PolicyKind.SESSION:
                session = policy
            elif kind is PolicyKind.RESOURCE:
                submitted_resource.append(ResourcePolicyRule("*", policy))
            else:
                identity.append(policy)
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
            scps=_levels(setting.get("scps"), "scps", PolicyKind.SCP),
            rcps=_levels(setting.get("rcps"), "rcps", PolicyKind.RCP),
            principals=principals,
            restrict_public_buckets=bool(setting.get("restrict_public_buckets", False)),
            documents=dict(files),
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
        resource_policy = next((r.policy for r in model.resource_policies if r.covers(request.resource)), None)
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
        parsed = Request(
            principal=str(principal),
            action=str(request.get("action", "")),
            resource=str(request.get("resource", "*")),
            resource_account=request.get("resource_account"),
            context=dict(context),
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
        if model.trust is None:
            raise InputError("this lab's files include no trust policy (a file whose logical name contains 'trust')")
        from checker.aws.analyze.assumers import allowed_set_policy, assumers_within  # z3: only when asked

        return assumers_within(model.trust, allowed_set_policy(may_assume), identity)

    def findings(self, submission: Submission) -> list[Finding]:
        from checker.aws.analyze import lint  # with the prover's imports: only when a findings check runs

        model: AwsModel = submission.model
        account = model.identity_arn.split(":")[4] if model.identity_arn and model.identity_arn.count(":") >= 5 else None
        return [finding for policy in model.all_policies for finding in lint(policy, account=account)]


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
