"""The account snapshot of docs/analysis.md, read from a backend (moto, LocalStack) through its own API.

IAM entities come from the cached IamSnapshot (GetAccountAuthorizationDetails): users, groups and roles
with their paths, tags, boundaries, inline and attached policies and memberships, every customer managed
policy by name with its default version's document (the one IAM applies), attached or not; AWS managed
policies keep their own ARN as their name, so no technique can write them. The same document is what
`iamlab drift` compares with the declared IAM (`live_document`). Resources that carry a role are listed
with each service's read calls: Lambda functions (and their event source mappings), EC2 instances (the
role of their instance profile), SageMaker notebook instances and training jobs, Glue jobs and dev
endpoints, CodeBuild projects, CloudFormation stacks, ECS clusters and task definitions. A service the
backend does not implement is skipped; a role that is not in the account is left out of the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from checker.aws.analyze.snapshot import Snapshot, load_snapshot
from checker.core.source import LoadedDocument
from checker.emulate.state.reader import BackendState
from checker.emulate.state.snapshot import Entity

Lister = Callable[["_Reader"], Iterator[tuple[str, dict[str, Any]]]]
SKIPPED = (ClientError, BotoCoreError, NotImplementedError, KeyError)


def account_snapshot(state: BackendState) -> Snapshot:
    """The backend's account as an escalation snapshot (escalation_paths reads it)."""
    return load_snapshot(LoadedDocument("emulator state", account_document(state), {}))


def live_document(state: BackendState, name: str) -> LoadedDocument:
    """The account's IAM as it is now (read afresh, not from the cache), as a snapshot document named
    `name` (what drift reports name as the state's place); resources that carry a role are not read."""
    state.invalidate()
    return LoadedDocument(name, account_document(state, resources=False), {})


def account_document(state: BackendState, resources: bool = True) -> dict[str, Any]:
    """The snapshot document of the backend's account; `resources=False` reads IAM only."""
    iam = state.snapshot()
    # Every customer managed policy: one attached to nothing still exists (drift reports an extra one).
    policies: dict[str, Any] = {arn.rsplit("/", 1)[-1]: dict(doc) for arn, doc in iam.managed.items()}

    def attach(arns: tuple[str, ...]) -> list[str]:
        names = []
        for arn in arns:
            name = arn if ":iam::aws:" in arn else arn.rsplit("/", 1)[-1]
            document = state.managed_policy(arn)
            if document is not None:
                policies[name] = dict(document)
                names.append(name)
        return names

    def entry(entity: Entity) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": entity.name,
            "path": entity.path,
            "attached": attach(entity.attached),
            "inline": {name: dict(doc) for name, doc in entity.inline},
        }
        if entity.boundary_arn:
            boundary = attach((entity.boundary_arn,))
            if boundary:
                data["boundary"] = boundary[0]
        if entity.kind != "group":  # IAM groups carry no tags
            data["tags"] = dict(entity.tags)
        return data

    groups = [entry(g) for g in iam.groups.values()]
    users = [{**entry(u), "groups": [g for g in u.groups if g in iam.groups]} for u in iam.users.values()]
    roles = [
        {**entry(r), "trust": dict(r.trust_policy or {"Version": "2012-10-17", "Statement": []})}
        for r in iam.roles.values()
    ]
    return {
        "account": state.account,
        "description": "read from the emulator",
        "policies": policies,
        "groups": groups,
        "users": users,
        "roles": roles,
        "resources": _resources(state, set(iam.roles)) if resources else {},
    }


def _resources(state: BackendState, roles: set[str]) -> dict[str, list[dict[str, Any]]]:
    reader = _Reader(state, roles)
    resources: dict[str, list[dict[str, Any]]] = {}
    for lister in LISTERS:
        try:
            found = list(lister(reader))
        except SKIPPED:
            continue
        for key, item in found:
            resources.setdefault(key, []).append(item)
    for key, items in resources.items():  # the same resource seen twice (paginated backends) counts once
        unique = {repr(sorted(i.items())): i for i in items}
        resources[key] = list(unique.values())
    return resources


class _Reader:
    def __init__(self, state: BackendState, roles: set[str]) -> None:
        self.state = state
        self.roles = roles
        self.region = state.region

    def client(self, service: str) -> Any:
        return self.state.client(service)

    def role(self, arn_or_name: Any) -> str | None:
        """The role's name when it is a role of the account (ARNs end with the name)."""
        if not isinstance(arn_or_name, str) or not arn_or_name:
            return None
        name = arn_or_name.rsplit("/", 1)[-1]
        return name if name in self.roles else None

    def with_roles(self, item: dict[str, Any], **roles: Any) -> dict[str, Any]:
        for field, value in roles.items():
            name = self.role(value)
            if name is not None:
                item[field] = name
        item["region"] = self.region
        return item


def _lambda(reader: _Reader) -> Iterator[tuple[str, dict[str, Any]]]:
    client = reader.client("lambda")
    for page in client.get_paginator("list_functions").paginate():
        for function in page.get("Functions", []):
            name = function["FunctionName"]
            try:
                mappings = client.list_event_source_mappings(FunctionName=name).get("EventSourceMappings", [])
            except SKIPPED:
                mappings = []
            sources = [m["EventSourceArn"] for m in mappings if m.get("EventSourceArn")]
            yield (
                "lambda_functions",
                reader.with_roles({"name": name, "event_sources": sources}, role=function.get("Role")),
            )


def _ec2(reader: _Reader) -> Iterator[tuple[str, dict[str, Any]]]:
    iam = reader.client("iam")
    for page in reader.client("ec2").get_paginator("describe_instances").paginate():
        for reservation in page.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                role: str | None = None
                profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
                if profile:
                    try:
                        listed = iam.get_instance_profile(InstanceProfileName=profile.rsplit("/", 1)[-1])
                        roles: list[dict[str, Any]] = listed["InstanceProfile"].get("Roles", [])
                        role = str(roles[0]["RoleName"]) if roles else None
                    except SKIPPED:
                        role = None
                yield "ec2_instances", reader.with_roles({"id": instance["InstanceId"]}, role=role)


def _sagemaker(reader: _Reader) -> Iterator[tuple[str, dict[str, Any]]]:
    client = reader.client("sagemaker")
    for notebook in client.list_notebook_instances().get("NotebookInstances", []):
        name = notebook["NotebookInstanceName"]
        detail = client.describe_notebook_instance(NotebookInstanceName=name)
        item: dict[str, Any] = {"name": name}
        if detail.get("NotebookInstanceLifecycleConfigName"):
            item["lifecycle_config"] = detail["NotebookInstanceLifecycleConfigName"]
        yield "sagemaker_notebooks", reader.with_roles(item, role=detail.get("RoleArn"))
    for job in client.list_training_jobs().get("TrainingJobSummaries", []):
        name = job["TrainingJobName"]
        detail = client.describe_training_job(TrainingJobName=name)
        yield "sagemaker_training_jobs", reader.with_roles({"name": name}, role=detail.get("RoleArn"))


def _glue(reader: _Reader) -> Iterator[tuple[str, dict[str, Any]]]:
    client = reader.client("glue")
    for job in client.get_jobs().get("Jobs", []):
        yield "glue_jobs", reader.with_roles({"name": job["Name"]}, role=job.get("Role"))
    for endpoint in client.get_dev_endpoints().get("DevEndpoints", []):
        yield (
            "glue_dev_endpoints",
            reader.with_roles({"name": endpoint["EndpointName"]}, role=endpoint.get("RoleArn")),
        )


def _codebuild(reader: _Reader) -> Iterator[tuple[str, dict[str, Any]]]:
    client = reader.client("codebuild")
    names = client.list_projects().get("projects", [])
    if names:
        for project in client.batch_get_projects(names=names).get("projects", []):
            yield (
                "codebuild_projects",
                reader.with_roles({"name": project["name"]}, role=project.get("serviceRole")),
            )


def _cloudformation(reader: _Reader) -> Iterator[tuple[str, dict[str, Any]]]:
    for stack in reader.client("cloudformation").describe_stacks().get("Stacks", []):
        item = {"name": stack["StackName"], "id": stack["StackId"].rsplit("/", 1)[-1]}
        yield "cloudformation_stacks", reader.with_roles(item, role=stack.get("RoleARN"))


def _ecs(reader: _Reader) -> Iterator[tuple[str, dict[str, Any]]]:
    client = reader.client("ecs")
    for arn in client.list_clusters().get("clusterArns", []):
        yield "ecs_clusters", {"name": arn.rsplit("/", 1)[-1], "region": reader.region}
    for arn in client.list_task_definitions().get("taskDefinitionArns", []):
        definition = client.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        item = {"family": definition["family"], "revision": str(definition["revision"])}
        yield (
            "ecs_task_definitions",
            reader.with_roles(
                item,
                task_role=definition.get("taskRoleArn"),
                execution_role=definition.get("executionRoleArn"),
            ),
        )


LISTERS: tuple[Lister, ...] = (_lambda, _ec2, _sagemaker, _glue, _codebuild, _cloudformation, _ecs)
