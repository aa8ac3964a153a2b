"""Live checks: run a simulated workload under the learner's role and see what the engine lets through.

A workload is a list of steps, each one AWS call. The job's own steps must succeed; its rogue steps
(what a compromised job would try) must be denied. The run happens on moto in this process: the
lab's buckets and objects are created, the learner's role gets the learner's policies, and a session
of the role is opened the way the service would open it (an administrator's AssumeRole, as SageMaker
does for a training job). Every call then goes through the in-process enforcer.

The same run serves the `live` check and `iamlab run` (which shows each step as it happens through
`on_step`). It runs on moto in this process by default, or on LocalStack or any AWS-compatible URL
(`backends.open_backend`), which is cleaned of the lab's resources before and after. A step the backend
does not offer is reported as not run, and is never counted as passed; nor is a step the enforcer
could not decide. A step marked `decision_only` names an operation the emulator does not carry out (moto
has no Bedrock Converse or streaming): the enforcer still decides it, and that decision is what is graded;
its result says it was not executed.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from checker.core.errors import InputError
from checker.core.why import why_allowed, why_denied
from checker.emulate.audit import AuditLog
from checker.emulate.authorize import Verdict
from checker.emulate.backends import Backend, client_session, open_backend
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
class Earlier:
    """A step parameter that is a value an earlier step of the same job was answered with, by its key in that
    answer: ECR's `uploadId` from InitiateLayerUpload for UploadLayerPart and CompleteLayerUpload."""

    key: str


@dataclass(frozen=True)
class Step:
    title: str  # what the job does, in plain words: "read another prefix of the dataset bucket"
    service: str  # botocore service name: "s3"
    operation: str  # botocore operation name: "GetObject"
    params: Mapping[str, Any] = field(default_factory=dict)
    rogue: bool = False  # True: a compromised job's attempt, which must be denied
    # The emulator does not carry this operation out: graded on the enforcer's decision alone.
    decision_only: bool = False

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
class Table:
    """A DynamoDB table the lab seeds: its partition key, global secondary indexes (name -> partition
    key) and items, every attribute a string."""

    key: str
    indexes: Mapping[str, str] = field(default_factory=dict)
    items: Sequence[Mapping[str, str]] = ()


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
    tables: Mapping[str, Table] = field(default_factory=dict)  # DynamoDB tables by name
    # Bedrock inference profiles (ARN -> the foundation-model ARNs it routes to), as GetInferenceProfile
    # would answer: moto implements none, and a profile call is also authorized on its models.
    inference_profiles: Mapping[str, Sequence[str]] = field(default_factory=dict)


NOT_RUN = "not run on this backend"
NOT_DECIDED = "not decided"


@dataclass(frozen=True)
class StepResult:
    step: Step
    allowed: bool
    action: str  # the action that decided (the denied one, or the last allowed)
    resource: str
    message: str  # AWS's error message when denied; the backend's answer when it failed after an allow
    why: str = ""  # the deciding policy and statement, or for a denial the clause that failed
    skipped: str = ""  # NOT_RUN or NOT_DECIDED: the step says nothing about the policy
    executed: bool = True  # False: a decision_only step the enforcer allowed and the backend cannot carry out

    @property
    def passed(self) -> bool:
        return not self.skipped and self.allowed != self.step.rogue

    @property
    def decision(self) -> str:
        return self.skipped or ("allowed" if self.allowed else "denied")

    @property
    def shown_decision(self) -> str:
        """The decision as people read it: an allowed step the backend could not carry out says so."""
        return self.decision if self.executed else f"{self.decision}, decided by the enforcer only ({self.message})"

    @property
    def operation(self) -> str:
        return f"{self.step.service}:{self.step.operation}"

    def line(self) -> str:
        mark = "ok  " if self.passed else "FAIL"
        kind = "rogue step" if self.step.rogue else "job step"
        if self.skipped:
            return f"{mark} {kind}: {self.step.title} ({self.operation}): {self.skipped} - {self.message}"
        text = f"{mark} {kind}: {self.step.title} ({self.action} on {self.resource}): {self.decision}"
        if not self.executed:
            text += f" (decided by the enforcer only: {self.message})"
        if not self.passed:
            text += (
                " - a compromised job could do this; your policy must not allow it"
                if self.step.rogue
                else f" - the job needs this; {self.message}"
            )
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.step.title,
            "rogue": self.step.rogue,
            "operation": self.operation,
            "decision": self.decision,
            "allowed": self.allowed,
            "passed": self.passed,
            "action": self.action,
            "resource": self.resource,
            "why": self.why,
            "message": self.message,
        }


@dataclass(frozen=True)
class WorkloadReport:
    results: tuple[StepResult, ...]
    backend: str = "moto"

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def not_run(self) -> list[str]:
        """The operations the backend does not offer, by name (each once)."""
        return list(dict.fromkeys(r.operation for r in self.results if r.skipped == NOT_RUN))

    def summary(self) -> str:
        own = [r for r in self.results if not r.step.rogue]
        rogue = [r for r in self.results if r.step.rogue]
        text = (
            f"{sum(r.passed for r in own)}/{len(own)} job steps succeeded, "
            f"{sum(r.passed for r in rogue)}/{len(rogue)} rogue steps denied"
        )
        if self.not_run:
            text += (
                f"; not run on {self.backend}, so not counted as passed: {', '.join(self.not_run)} "
                "(run on moto to see them)"
            )
        return text

    def render(self) -> str:
        return "\n".join([*(result.line() for result in self.results), self.summary()])

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.results]


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


BOUNDARY_POLICY = "learner-boundary"
_IAM_NAME = re.compile(r"[^\w+=,.@-]")
# S3 path-style: LocalStack and moto servers are addressed by IP, where no bucket subdomain exists.
_STEP_CONFIG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
# SigV4 set in code: a Bedrock API key in the environment (AWS_BEARER_TOKEN_BEDROCK) is then not preferred,
# so a step is signed with the role session's keys the enforcer decides on.
_SIGV4_CONFIG = _STEP_CONFIG.merge(Config(signature_version="v4"))
_BEARER_SERVICES = frozenset({"bedrock-runtime"})
# How an emulator answers an operation it has not implemented (LocalStack: 501 with one of these codes).
_NOT_IMPLEMENTED = frozenset({"NotImplemented", "NotImplementedException", "InternalFailure"})


def policy_names(names: Sequence[str], count: int) -> list[str]:
    r"""IAM names for the learner's inline policies: the files' names where given (so a step's deciding
    policy reads as the learner's file), `learner-N` otherwise. IAM allows [\w+=,.@-], at most 128."""
    chosen = [_IAM_NAME.sub("-", name)[:128] or f"learner-{i + 1}" for i, name in enumerate(names[:count])]
    chosen += [f"learner-{i + 1}" for i in range(len(chosen), count)]
    # two files with the same cleaned name would overwrite each other's inline policy
    return chosen if len(set(chosen)) == count else [f"learner-{i + 1}" for i in range(count)]


# The administrator's clients every run makes: seeding (s3, logs, iam) and the service's AssumeRole (sts).
ADMIN_SERVICES = ("s3", "logs", "iam", "sts")
# The services seeded in moto's backends directly when moto runs in this process (seed_log_groups).
MOTO_SEEDED = ("logs",)


def ready(workload: Workload, backend: str = "moto") -> None:
    """Fill this process's caches for a run of `workload` before it is asked for (checker/emulate/warm.py)."""
    from checker.emulate.warm import warm

    admin = ADMIN_SERVICES if backend != "moto" else tuple(s for s in ADMIN_SERVICES if s not in MOTO_SEEDED)
    warm(backend, workload.region, admin, dict.fromkeys(step.service for step in workload.steps), MOTO_SEEDED)


def seed_objects(backend: Backend, region: str, objects: Mapping[str, Mapping[str, bytes]]) -> None:
    """The lab's buckets and their objects, created by the administrator."""
    s3 = backend.admin_client("s3")
    for bucket, keys in objects.items():
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:  # S3 requires the location outside us-east-1 (CreateBucket, LocationConstraint)
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        for key, body in keys.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body)


def seed_tables(backend: Backend, tables: Mapping[str, Table]) -> None:
    """The lab's DynamoDB tables, their indexes and items, created by the administrator."""
    if not tables:
        return
    dynamodb = backend.admin_client("dynamodb")
    for name, table in tables.items():
        keys = {table.key, *table.indexes.values()}
        params: dict[str, Any] = {
            "TableName": name,
            "KeySchema": [{"AttributeName": table.key, "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"} for key in sorted(keys)],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if table.indexes:
            params["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index,
                    "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index, key in table.indexes.items()
            ]
        dynamodb.create_table(**params)
        for item in table.items:
            dynamodb.put_item(TableName=name, Item={k: {"S": v} for k, v in item.items()})


def seed_log_groups(backend: Backend, region: str, groups: Sequence[str]) -> None:
    """The lab's CloudWatch Logs groups, created by the administrator.

    On moto in this process they are created by moto's own backend method, with the arguments its
    CreateLogGroup handler passes for such a call (name, no tags, no KMS key): the same log groups,
    without building an administrator's Logs client that nothing else in the run uses (a tenth of a
    cold live worker's set-up). A refusal is the same error the call would have raised.
    """
    if not groups:
        return
    if backend.endpoint_url is None and backend.name == "moto":
        from moto.core.exceptions import JsonRESTError
        from moto.logs.models import logs_backends

        logs_backend = logs_backends[backend.account][region]
        for group in groups:
            try:
                # The handler passes the absent `tags` and `kmsKeyId` as None (moto's annotation says a dict).
                logs_backend.create_log_group(group, None, kmsKeyId=None)  # type: ignore[arg-type]
            except JsonRESTError as exc:
                raise ClientError(
                    {"Error": {"Code": exc.error_type, "Message": exc.message}}, "CreateLogGroup"
                ) from None
        return
    logs = backend.admin_client("logs")
    for group in groups:
        logs.create_log_group(logGroupName=group)


def _seed(
    backend: Backend,
    workload: Workload,
    permissions: Sequence[Mapping[str, Any] | str],
    boundary: Any,
    names: Sequence[str],
) -> None:
    seed_objects(backend, workload.region, workload.objects)
    seed_tables(backend, workload.tables)
    seed_log_groups(backend, workload.region, workload.log_groups)
    iam = backend.admin_client("iam")
    tags = [{"Key": k, "Value": v} for k, v in workload.role_tags.items()]
    trust = json.dumps(ADMIN_TRUST)
    iam.create_role(RoleName=workload.role, Path=workload.role_path, AssumeRolePolicyDocument=trust, Tags=tags)
    for name in workload.other_roles:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    for index, platform_policy in enumerate(workload.role_policies):
        name = f"platform-{index + 1}"
        iam.put_role_policy(RoleName=workload.role, PolicyName=name, PolicyDocument=_policy_text(platform_policy))
    for index, (name, document) in enumerate(zip(policy_names(names, len(permissions)), permissions, strict=True)):
        try:
            iam.put_role_policy(RoleName=workload.role, PolicyName=name, PolicyDocument=_policy_text(document))
        except ClientError as exc:
            raise PolicyRefused(index, _error_message(exc)) from None
    if boundary is not None:
        try:
            created = iam.create_policy(PolicyName=BOUNDARY_POLICY, PolicyDocument=_policy_text(boundary))
        except ClientError as exc:
            raise PolicyRefused(len(permissions), _error_message(exc)) from None
        iam.put_role_permissions_boundary(RoleName=workload.role, PermissionsBoundary=created["Policy"]["Arn"])


def clean(backend: Backend, workload: Workload) -> None:
    """Remove what a run leaves on a backend that outlives it (LocalStack, a URL): what was seeded, and
    what the steps name (an object written, a user created, when the learner's policy let them).

    Everything is looked up by the lab's own names; what is already gone is skipped.
    """
    s3, iam, logs = (backend.admin_client(name) for name in ("s3", "iam", "logs"))
    named = [dict(step.params) for step in workload.steps]
    buckets = {*workload.objects, *(str(p["Bucket"]) for p in named if isinstance(p.get("Bucket"), str))}
    for bucket in sorted(buckets):
        with contextlib.suppress(ClientError):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if keys:
                    s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            s3.delete_bucket(Bucket=bucket)
    for role in (workload.role, *workload.other_roles):
        with contextlib.suppress(ClientError):
            for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
                iam.delete_role_policy(RoleName=role, PolicyName=name)
            with contextlib.suppress(ClientError):
                iam.delete_role_permissions_boundary(RoleName=role)
            iam.delete_role(RoleName=role)
    with contextlib.suppress(ClientError):
        iam.delete_policy(PolicyArn=f"arn:aws:iam::{backend.account}:policy/{BOUNDARY_POLICY}")
    for user in sorted({str(p["UserName"]) for p in named if isinstance(p.get("UserName"), str)}):
        with contextlib.suppress(ClientError):
            iam.delete_user(UserName=user)
    if workload.tables:
        dynamodb = backend.admin_client("dynamodb")
        for table in sorted(workload.tables):
            with contextlib.suppress(ClientError):
                dynamodb.delete_table(TableName=table)
    groups = {*workload.log_groups, *(str(p["logGroupName"]) for p in named if isinstance(p.get("logGroupName"), str))}
    for group in sorted(groups):
        with contextlib.suppress(ClientError):
            logs.delete_log_group(logGroupName=group)


def _error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message") or exc)


def run_workload(
    workload: Workload,
    permissions: Sequence[Mapping[str, Any] | str],
    boundary: Mapping[str, Any] | str | None = None,
    audit: AuditLog | None = None,
    *,
    backend: str = "moto",
    names: Sequence[str] = (),
    on_step: Callable[[StepResult], None] | None = None,
    session_policy: Mapping[str, Any] | None = None,
) -> WorkloadReport:
    """Run every step under the learner's role on a fresh emulator and report each decision.

    `audit`: also write each decision there, in the gateway's log format (`iamlab generate-policy`
    reads it). `backend`: "moto" (in this process), "localstack" or an http(s) URL. `names`: the
    learner's files, naming the inline policies. `on_step` sees each step's result as soon as it is known.
    `session_policy` (and the workload's session tags) are passed with AssumeRole, as a platform's
    orchestrator mints per-job credentials.
    """
    for step in workload.steps:
        step.check()
    opened = open_backend(backend, workload.region, workload.account)
    persistent = opened.endpoint_url is not None  # it keeps state after this run: leave it clean
    try:
        if persistent:
            clean(opened, workload)  # what an interrupted earlier run may have left
        try:
            _seed(opened, workload, permissions, boundary, names)
        except ClientError as exc:
            raise InputError(
                f"the lab's policy could not be installed: {exc.response['Error']['Message']}"
            ) from None
        results = []
        for result in _steps(opened, workload, audit, session_policy):
            results.append(result)
            if on_step is not None:
                on_step(result)
        return WorkloadReport(tuple(results), opened.name)
    finally:
        try:
            if persistent:
                clean(opened, workload)
        finally:
            opened.close()


def _steps(
    backend: Backend, workload: Workload, audit: AuditLog | None, session_policy: Mapping[str, Any] | None
) -> Iterator[StepResult]:
    # The run seeds no organization and, on a fresh or cleaned backend, no bucket policy: no need to ask.
    backend.state.note_no_organization()
    for bucket in workload.objects:
        backend.state.note_no_bucket_policy(bucket)
    for profile, models in workload.inference_profiles.items():
        backend.state.note_inference_profile(profile, tuple(models))
    # The service starts the job: an administrator's session of the role, as SageMaker opens it.
    params: dict[str, Any] = {
        "RoleArn": f"arn:aws:iam::{workload.account}:role{workload.role_path}{workload.role}",
        "RoleSessionName": workload.session_name,
    }
    if session_policy is not None:
        params["Policy"] = json.dumps(session_policy)
    if workload.session_tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in workload.session_tags.items()]
    answer = backend.admin_client("sts").assume_role(**params)
    # The administrator's call bypasses the enforcer, so tell the credential store what the session carries
    # (its keys, session policy and tags), as the gateway learns it from an AssumeRole it forwards.
    backend.credentials.remember(session_from_assume_role(params, answer))
    creds = answer["Credentials"]
    verdicts: list[Verdict] = []
    enforcer = InProcessEnforcer(backend.authorizer, backend.credentials, audit, on_verdict=verdicts.append)
    clients: dict[str, Any] = {}
    answers: dict[str, Any] = {}  # what the job's calls were answered with, for `Earlier` parameters
    try:
        for step in workload.steps:
            yield run_step(backend, enforcer, clients, creds, workload.region, step, verdicts, answers)
    finally:
        _STEP_CLIENTS.give_back(clients, enforcer, backend, workload.region)


class _StepClients:
    """Step clients kept for the next run (a class's learners run one after another in one process).

    Building a client takes longer than a run's steps (a client class, parsers, endpoint rules), and a
    client holds nothing of a run but its keys and the enforcer's hooks: a client given back has its
    hooks removed, and the next run it is lent to gets that run's session keys, exactly as a new client
    built with them. A client is lent to one run at a time; one never given back is simply not reused.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: dict[tuple[bool, str | None, str, str], list[Any]] = {}

    @staticmethod
    def _key(backend: Backend, region: str, service: str) -> tuple[bool, str | None, str, str]:
        # Clients made before moto was imported do not reach it (backends.client_session).
        return ("moto.core.models" in sys.modules, backend.endpoint_url, region, service)

    def lend(self, backend: Backend, creds: Mapping[str, Any], region: str, service: str) -> Any:
        with self._lock:
            free = self._free.get(self._key(backend, region, service))
            client = free.pop() if free else None
        if client is None:
            # From the process's shared session (models parsed once), the session's keys given here.
            return client_session().client(
                service,
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
                region_name=region,
                endpoint_url=backend.endpoint_url,
                config=_SIGV4_CONFIG if service in _BEARER_SERVICES else _STEP_CONFIG,
            )
        # The client's own credentials object, set as botocore sets explicit keys (so anything that
        # refers to it, the signer and the endpoint rules, sees this run's keys).
        client._get_credentials().__init__(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        return client

    def give_back(self, clients: Mapping[str, Any], enforcer: InProcessEnforcer, backend: Backend, region: str) -> None:
        for service, client in clients.items():
            enforcer.release(client)
            with self._lock:
                self._free.setdefault(self._key(backend, region, service), []).append(client)


_STEP_CLIENTS = _StepClients()


def run_step(
    backend: Backend,
    enforcer: InProcessEnforcer,
    clients: dict[str, Any],
    creds: Mapping[str, Any],
    region: str,
    step: Step,
    verdicts: list[Verdict],
    answers: dict[str, Any] | None = None,
) -> StepResult:
    """One step through the enforcer with the session `creds` (its clients kept in `clients`, one per
    service); `verdicts` is the list the enforcer's `on_verdict` appends to. `answers` holds what the job's
    earlier steps were answered with (top-level keys), for parameters written `Earlier(key)`."""
    answers = {} if answers is None else answers
    missing = [v.key for v in step.params.values() if isinstance(v, Earlier) and v.key not in answers]
    if missing:  # the step that hands it over was refused: this one cannot be made, so it proves nothing
        return StepResult(step, False, f"{step.service}:{step.operation}", "",
                          f"needs {', '.join(missing)} from an earlier step, which did not answer", "", NOT_DECIDED)
    params = {k: answers[v.key] if isinstance(v, Earlier) else v for k, v in step.params.items()}
    if not backend.offers(step.service):
        return StepResult(step, False, step.operation, "", f"{backend.name} does not offer {step.service}", "", NOT_RUN)
    client = clients.get(step.service)
    if client is None:
        client = clients[step.service] = enforcer.enforce(_STEP_CLIENTS.lend(backend, creds, region, step.service))
    verdicts.clear()
    error: dict[str, Any] = {}
    try:
        answer = getattr(client, xform_name(step.operation))(**params)
        answers.update((key, value) for key, value in answer.items() if isinstance(value, str | int))
    except ClientError as exc:
        error = dict(exc.response.get("Error", {}))
        error.setdefault("Message", str(exc))
        error["Status"] = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    except ParamValidationError as exc:
        raise InputError(f"workload step {step.title!r}: {exc}") from None
    except NotImplementedError as exc:  # moto in this process raises it for an operation it lacks
        error = {"Code": "NotImplemented", "Message": str(exc), "Status": 501}
    return step_result(backend, step, verdicts, error)


def step_result(backend: Backend, step: Step, verdicts: list[Verdict], error: Mapping[str, Any]) -> StepResult:
    message = str(error.get("Message", ""))
    if not verdicts:  # refused before a decision (the enforcer failed closed): says nothing about the policy
        return StepResult(step, False, step.operation, "", message or "the call was not decided", "", NOT_DECIDED)
    verdict = verdicts[-1]
    denied = verdict.denied
    deciding = denied or (verdict.outcomes[-1] if verdict.outcomes else None)
    action = deciding.check.action if deciding else f"{step.service}:{step.operation}"
    resource = deciding.check.resource if deciding else "*"
    if not verdict.allowed:
        why = why_denied(denied.decision) if denied is not None else message
        return StepResult(step, False, action, resource, verdict.message or message, why)
    why = "; ".join(dict.fromkeys(why_allowed(o.decision) for o in verdict.outcomes))
    if error and (error.get("Code") in _NOT_IMPLEMENTED or error.get("Status") == 501):
        if step.decision_only:  # the lab knows the emulator lacks it: the decision is what is graded
            said = f"{backend.name} does not carry out {step.operation}"
            return StepResult(step, True, action, resource, said, why, executed=False)
        # allowed, then the backend could not carry it out: it never ran, so it proves nothing
        return StepResult(step, True, action, resource, f"{backend.name} answered: {message}", why, NOT_RUN)
    return StepResult(step, True, action, resource, message, why)
