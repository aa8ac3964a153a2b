"""Live checks: run a simulated workload under the learner's role and see what the engine lets through.

A workload is a list of steps, each one AWS call. The job's own steps must succeed; its rogue steps
(what a compromised job would try) must be denied. The run happens on moto in this process: the
lab's buckets and objects are created, the learner's role gets the learner's policies, and a session
of the role is opened the way the service would open it (an administrator's AssumeRole, as SageMaker
does for a training job). Every call then goes through the in-process enforcer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError

from checker.core.errors import InputError
from checker.emulate.audit import AuditLog
from checker.emulate.authorize import Verdict
from checker.emulate.backends import Backend, client_session, moto_in_process
from checker.emulate.hook import InProcessEnforcer
from checker.emulate.mapping import TABLES
from checker.emulate.mapping.botomodel import operation_names
from checker.emulate.state.credentials import session_from_assume_role

ADMIN_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


@dataclass(frozen=True)
class Step:
    title: str  # what the job does, in plain words: "read another prefix of the dataset bucket"
    service: str  # botocore service name: "s3"
    operation: str  # botocore operation name: "GetObject"
    params: Mapping[str, Any] = field(default_factory=dict)
    rogue: bool = False  # True: a compromised job's attempt, which must be denied

    def check(self) -> None:
        if self.service not in TABLES:
            raise InputError(
                f"workload step {self.title!r}: the service {self.service!r} is not one the labs use"
            )
        if self.operation not in operation_names(self.service):
            raise InputError(
                f"workload step {self.title!r}: {self.service} has no operation {self.operation!r}"
            )


@dataclass(frozen=True)
class Workload:
    role: str  # the learner's role the job runs as
    account: str
    region: str
    steps: Sequence[Step]
    objects: Mapping[str, Mapping[str, bytes]] = field(default_factory=dict)  # bucket -> key -> body
    other_roles: Sequence[str] = ()  # roles that exist besides the learner's (targets of PassRole)
    log_groups: Sequence[str] = ()
    role_path: str = "/"  # the learner's role path (a platform keeps each team's roles under its own)
    role_tags: Mapping[str, str] = field(default_factory=dict)  # the role's tags (aws:PrincipalTag/...)
    role_policies: Sequence[Mapping[str, Any]] = ()  # the lab's own inline policies on the role
    session_name: str = "live-check"
    session_tags: Mapping[str, str] = field(default_factory=dict)  # passed with AssumeRole (needs TagSession)


@dataclass(frozen=True)
class StepResult:
    step: Step
    allowed: bool
    action: str  # the action that decided (the denied one, or the last allowed)
    resource: str
    message: str  # AWS's error message when denied; the backend's answer when it failed after an allow

    @property
    def passed(self) -> bool:
        return self.allowed != self.step.rogue

    def line(self) -> str:
        mark = "ok  " if self.passed else "FAIL"
        decision = "allowed" if self.allowed else "denied"
        kind = "rogue step" if self.step.rogue else "job step"
        text = f"{mark} {kind}: {self.step.title} ({self.action} on {self.resource}): {decision}"
        if not self.passed:
            text += (
                " - a compromised job could do this; your policy must not allow it"
                if self.step.rogue
                else f" - the job needs this; {self.message}"
            )
        return text


@dataclass(frozen=True)
class WorkloadReport:
    results: tuple[StepResult, ...]

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    def render(self) -> str:
        lines = [result.line() for result in self.results]
        own = [r for r in self.results if not r.step.rogue]
        rogue = [r for r in self.results if r.step.rogue]
        lines.append(
            f"{sum(r.passed for r in own)}/{len(own)} job steps succeeded, "
            f"{sum(r.passed for r in rogue)}/{len(rogue)} rogue steps denied"
        )
        return "\n".join(lines)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "title": r.step.title,
                "rogue": r.step.rogue,
                "allowed": r.allowed,
                "passed": r.passed,
                "action": r.action,
                "resource": r.resource,
                "message": r.message,
            }
            for r in self.results
        ]


class PolicyRefused(Exception):
    """The emulator refused one of the learner's documents: the learner's mistake, not the lab's.

    `document` numbers it: 0.. for the permission policies in order, their count for the boundary.
    """

    def __init__(self, document: int, message: str) -> None:
        super().__init__(message)
        self.document = document
        self.message = message


def _policy_text(document: Mapping[str, Any] | str) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _seed(
    backend: Backend, workload: Workload, permissions: Sequence[Mapping[str, Any] | str], boundary: Any
) -> None:
    s3 = backend.admin_client("s3")
    for bucket, objects in workload.objects.items():
        if workload.region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:  # S3 requires the location outside us-east-1 (CreateBucket, LocationConstraint)
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": workload.region})
        for key, body in objects.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body)
    logs = backend.admin_client("logs")
    for group in workload.log_groups:
        logs.create_log_group(logGroupName=group)
    iam = backend.admin_client("iam")
    tags = [{"Key": k, "Value": v} for k, v in workload.role_tags.items()]
    trust = json.dumps(ADMIN_TRUST)
    iam.create_role(RoleName=workload.role, Path=workload.role_path, AssumeRolePolicyDocument=trust, Tags=tags)
    for name in workload.other_roles:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    for index, platform_policy in enumerate(workload.role_policies):
        name = f"platform-{index + 1}"
        iam.put_role_policy(RoleName=workload.role, PolicyName=name, PolicyDocument=_policy_text(platform_policy))
    for index, document in enumerate(permissions):
        try:
            iam.put_role_policy(
                RoleName=workload.role, PolicyName=f"learner-{index + 1}", PolicyDocument=_policy_text(document)
            )
        except ClientError as exc:
            raise PolicyRefused(index, _error_message(exc)) from None
    if boundary is not None:
        try:
            created = iam.create_policy(PolicyName="learner-boundary", PolicyDocument=_policy_text(boundary))
        except ClientError as exc:
            raise PolicyRefused(len(permissions), _error_message(exc)) from None
        iam.put_role_permissions_boundary(RoleName=workload.role, PermissionsBoundary=created["Policy"]["Arn"])


def _error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message") or exc)


def run_workload(
    workload: Workload,
    permissions: Sequence[Mapping[str, Any] | str],
    boundary: Mapping[str, Any] | str | None = None,
    audit: AuditLog | None = None,
    session_policy: Mapping[str, Any] | None = None,
) -> WorkloadReport:
    """Run every step under the learner's role on a fresh moto and report each decision (and write each to
    `audit`, the gateway's log format, when given: `iamlab generate-policy` reads it). A session policy
    (and the workload's session tags) are passed with AssumeRole, as a platform's orchestrator mints
    per-job credentials."""
    for step in workload.steps:
        step.check()
    backend = moto_in_process(workload.region, workload.account)
    try:
        try:
            _seed(backend, workload, permissions, boundary)
        except ClientError as exc:
            raise InputError(
                f"the lab's policy could not be installed: {exc.response['Error']['Message']}"
            ) from None
        # moto started empty and seeding adds no organization and no bucket policy: no need to ask.
        backend.state.note_no_organization()
        for bucket in workload.objects:
            backend.state.note_no_bucket_policy(bucket)
        # The service starts the job: an administrator's session of the role, as SageMaker opens it.
        assume: dict[str, Any] = {
            "RoleArn": f"arn:aws:iam::{workload.account}:role{workload.role_path}{workload.role}",
            "RoleSessionName": workload.session_name,
        }
        if session_policy is not None:
            assume["Policy"] = json.dumps(session_policy)
        if workload.session_tags:
            assume["Tags"] = [{"Key": k, "Value": v} for k, v in workload.session_tags.items()]
        minted = backend.admin_client("sts").assume_role(**assume)
        creds = minted["Credentials"]
        # The administrator's call bypasses the enforcer, so tell the credential store what the session
        # carries (its session policy and tags), as the gateway learns it from an AssumeRole it forwards.
        backend.credentials.remember(session_from_assume_role(assume, minted))
        verdicts: list[Verdict] = []
        enforcer = InProcessEnforcer(
            backend.authorizer, backend.credentials, on_verdict=verdicts.append, audit=audit
        )
        clients: dict[str, Any] = {}
        results = []
        for step in workload.steps:
            client = clients.get(step.service)
            if client is None:
                # From the process's shared session (models parsed once), the session's keys given here.
                client = clients[step.service] = enforcer.enforce(
                    client_session().client(
                        step.service,
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"],
                        region_name=workload.region,
                    )
                )
            verdicts.clear()
            message = ""
            try:
                getattr(client, xform_name(step.operation))(**step.params)
            except ClientError as exc:
                message = str(exc.response.get("Error", {}).get("Message", exc))
            except ParamValidationError as exc:
                raise InputError(f"workload step {step.title!r}: {exc}") from None
            results.append(_result(step, verdicts, message))
        return WorkloadReport(tuple(results))
    finally:
        backend.close()


def _result(step: Step, verdicts: list[Verdict], message: str) -> StepResult:
    if not verdicts:  # the call failed before it was decided (should not happen with valid steps)
        return StepResult(
            step, False, f"{step.service}:{step.operation}", "*", message or "the call was not decided"
        )
    verdict = verdicts[-1]
    deciding = verdict.denied or (verdict.outcomes[-1] if verdict.outcomes else None)
    action = deciding.check.action if deciding else f"{step.service}:{step.operation}"
    resource = deciding.check.resource if deciding else "*"
    return StepResult(step, verdict.allowed, action, resource, verdict.message or message)
