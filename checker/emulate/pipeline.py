"""Live checks of a CI/CD pipeline: each stage runs under its own role, obtained from a web identity token.

A pipeline is a list of stages, each a GitHub Actions job: the job presents an OIDC token with that job's
claims to `AssumeRoleWithWebIdentity` for its stage's role, then makes its calls with the session it got.
Everything goes through the in-process enforcer, so the learner's trust policy decides the assume (with
the token's claims as the `<provider>:<claim>` condition keys, checker.aws.federation) and the learner's
permission policies decide each call. The tokens are real RS256 JWTs signed by a `LocalIssuer` that uses
GitHub's issuer URL; the account has an IAM OIDC provider for that issuer whose client ID is the audience
configure-aws-credentials asks for, and the enforcer trusts only that issuer's key.

A stage's job steps must succeed and its rogue steps (what a compromised step of that job would try) must
be denied; a rogue stage is a token that must not become the role at all (a pull request asking for the
deploy role), so its assume is the step that must be denied. When a job's own assume is refused, its
calls cannot be made: they are reported as not decided, never as passed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from checker.emulate.authorize import Verdict
from checker.emulate.backends import Backend, client_session, open_backend
from checker.emulate.federation import DEFAULT_AUDIENCES, DEFAULT_ISSUER, LocalIssuer
from checker.emulate.hook import InProcessEnforcer
from checker.emulate.workload import (
    ADMIN_TRUST,
    NOT_DECIDED,
    PolicyRefused,
    Step,
    StepResult,
    WorkloadReport,
    run_step,
    seed_objects,
    step_result,
)

# A thumbprint is required by CreateOpenIDConnectProvider; IAM no longer uses it for GitHub's issuer.
_THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"
_STS_CONFIG = Config(signature_version=UNSIGNED, retries={"max_attempts": 1})  # the token is the credential


@dataclass(frozen=True)
class Stage:
    title: str  # the job, in plain words: "build", "a pull request"
    role: str  # the name of the role the job's token is presented to
    claims: Mapping[str, Any]  # the token's claims besides iss/iat/nbf/exp (sub, aud, repository, ...)
    steps: Sequence[Step] = ()  # the calls the job makes with its session
    rogue: bool = False  # True: a token that must not become the role (its assume must be denied)


@dataclass(frozen=True)
class Pipeline:
    account: str
    region: str
    stages: Sequence[Stage]
    objects: Mapping[str, Mapping[str, bytes]] = field(default_factory=dict)  # bucket -> key -> body
    repositories: Sequence[str] = ()  # ECR repositories the pipeline pushes to
    other_roles: Sequence[str] = ()  # roles that exist besides the stage roles (those the stages pass)
    issuer: str = DEFAULT_ISSUER
    audiences: Sequence[str] = DEFAULT_AUDIENCES  # the IAM OIDC provider's client IDs

    @property
    def roles(self) -> list[str]:
        """The stage roles, in the order stages first name them."""
        return list(dict.fromkeys(stage.role for stage in self.stages))


@dataclass(frozen=True)
class StageRole:
    """The learner's documents for one stage role."""

    trust: Mapping[str, Any] | str
    policies: Sequence[Mapping[str, Any] | str] = ()
    boundary: Mapping[str, Any] | str | None = None

    def documents(self) -> list[Mapping[str, Any] | str]:
        """Trust, permission policies, boundary: the order `PolicyRefused.document` counts in, per role."""
        return [self.trust, *self.policies, *([self.boundary] if self.boundary is not None else [])]


# The administrator's clients every run makes: seeding (s3, ecr, iam); each stage's assume goes through sts.
ADMIN_SERVICES = ("s3", "ecr", "iam")


def ready(pipeline: Pipeline, backend: str = "moto") -> None:
    """Fill this process's caches for a run of `pipeline` before it is asked for (checker/emulate/warm.py)."""
    from checker.emulate.warm import warm

    services = dict.fromkeys(["sts", *(step.service for stage in pipeline.stages for step in stage.steps)])
    warm(backend, pipeline.region, ADMIN_SERVICES, services)


def _text(document: Mapping[str, Any] | str) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _seed(backend: Backend, pipeline: Pipeline, roles: Mapping[str, StageRole]) -> None:
    seed_objects(backend, pipeline.region, pipeline.objects)
    ecr = backend.admin_client("ecr")
    for repository in pipeline.repositories:
        ecr.create_repository(repositoryName=repository)
    iam = backend.admin_client("iam")
    iam.create_open_id_connect_provider(
        Url=pipeline.issuer, ClientIDList=list(pipeline.audiences), ThumbprintList=[_THUMBPRINT]
    )
    for name in pipeline.other_roles:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(ADMIN_TRUST))
    offset = 0
    for name in pipeline.roles:
        role = roles[name]
        try:
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=_text(role.trust))
        except ClientError as exc:
            raise PolicyRefused(offset, _message(exc)) from None
        for index, policy in enumerate(role.policies, start=1):
            try:
                iam.put_role_policy(RoleName=name, PolicyName=f"permissions-{index}", PolicyDocument=_text(policy))
            except ClientError as exc:
                raise PolicyRefused(offset + index, _message(exc)) from None
        if role.boundary is not None:
            try:
                created = iam.create_policy(PolicyName=f"{name}-boundary", PolicyDocument=_text(role.boundary))
            except ClientError as exc:
                raise PolicyRefused(offset + len(role.policies) + 1, _message(exc)) from None
            iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=created["Policy"]["Arn"])
        offset += len(role.documents())


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message") or exc)


def run_pipeline(
    pipeline: Pipeline,
    roles: Mapping[str, StageRole],
    *,
    backend: str = "moto",
    on_step: Callable[[StepResult], None] | None = None,
) -> WorkloadReport:
    """Run every stage on a fresh emulator with the learner's stage roles installed, and report each step.

    `roles`: the learner's documents per stage role name (every role a stage names). A document the
    emulator refuses raises PolicyRefused numbered over the roles in `pipeline.roles` order, each role's
    documents in `StageRole.documents` order.
    """
    missing = [name for name in pipeline.roles if name not in roles]
    if missing:
        raise ValueError(f"no documents for the stage roles {missing}")
    for stage in pipeline.stages:
        for step in stage.steps:
            step.check()
    opened = open_backend(backend, pipeline.region, pipeline.account)
    try:
        if opened.endpoint_url is not None:
            raise ValueError("a pipeline runs on moto in this process only")
        _seed(opened, pipeline, roles)
        results = []
        for result in _stages(opened, pipeline):
            results.append(result)
            if on_step is not None:
                on_step(result)
        return WorkloadReport(tuple(results), opened.name)
    finally:
        opened.close()


def _stages(backend: Backend, pipeline: Pipeline) -> Iterator[StepResult]:
    backend.state.note_no_organization()
    for bucket in pipeline.objects:
        backend.state.note_no_bucket_policy(bucket)
    issuer = LocalIssuer(issuer=pipeline.issuer, audiences=tuple(pipeline.audiences))
    verdicts: list[Verdict] = []
    enforcer = InProcessEnforcer(backend.authorizer, backend.credentials, on_verdict=verdicts.append,
                                 web_identity=issuer)
    sts = enforcer.enforce(client_session().client(
        "sts", region_name=pipeline.region, endpoint_url=backend.endpoint_url, config=_STS_CONFIG
    ))
    for number, stage in enumerate(pipeline.stages, start=1):
        assumed, creds = _assume(backend, sts, issuer, pipeline, stage, number, verdicts)
        yield assumed
        clients: dict[str, Any] = {}
        answers: dict[str, Any] = {}  # what this job's calls were answered with (ECR's upload id)
        for step in stage.steps:
            if creds is None:
                yield StepResult(step, False, f"{step.service}:{step.operation}", "",
                                 f"the {stage.title} job could not assume {stage.role}", "", NOT_DECIDED)
                continue
            yield run_step(backend, enforcer, clients, creds, pipeline.region, step, verdicts, answers)


def _assume(
    backend: Backend, sts: Any, issuer: LocalIssuer, pipeline: Pipeline, stage: Stage, number: int,
    verdicts: list[Verdict],
) -> tuple[StepResult, Mapping[str, Any] | None]:
    """The stage's AssumeRoleWithWebIdentity with a freshly minted token for its claims."""
    role_arn = f"arn:aws:iam::{pipeline.account}:role/{stage.role}"
    params = {"RoleArn": role_arn, "RoleSessionName": f"gha-{number}"}
    subject = stage.claims.get("sub", "")
    whose = f"{stage.title}'s" if stage.rogue else f"the {stage.title} job's"
    step = Step(f"assume {stage.role} with {whose} token (sub {subject})", "sts", "AssumeRoleWithWebIdentity",
                params, rogue=stage.rogue)
    verdicts.clear()
    error: dict[str, Any] = {}
    creds = None
    try:
        answer = sts.assume_role_with_web_identity(**params, WebIdentityToken=issuer.mint(stage.claims))
        creds = answer["Credentials"]
    except ClientError as exc:
        error = dict(exc.response.get("Error", {}))
        error.setdefault("Message", str(exc))
    return step_result(backend, step, verdicts, error), creds

