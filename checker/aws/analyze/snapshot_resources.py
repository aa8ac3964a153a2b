"""The resources of an account snapshot that carry an identity or run code (docs/analysis.md).

Each kind names its field in the snapshot's "resources" object, the Service Authorization Reference
resource type whose ARN format builds its ARN (read from the catalog, never typed here), which fields
name the identifier parts of that ARN, which fields name IAM roles (by role name, checked against the
snapshot's roles), and its other fields (flags and references, with their types).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.aws import catalog

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class ResourceKind:
    key: str  # the field under "resources"
    service: str  # the catalog's service prefix
    arn_type: str  # the catalog's resource type, for the ARN format
    ids: Mapping[str, str]  # ARN variable -> field holding its value
    roles: tuple[str, ...] = ()  # fields naming a role of the snapshot
    flags: tuple[str, ...] = ()  # boolean fields
    texts: tuple[str, ...] = ()  # other string fields (references to other resources)
    lists: tuple[str, ...] = ()  # list-of-string fields
    what: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        return (
            "region",
            *dict.fromkeys(self.ids.values()),
            *self.roles,
            *self.flags,
            *self.texts,
            *self.lists,
        )


KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "lambda_functions",
        "lambda",
        "function",
        {"FunctionName": "name"},
        ("role",),
        (),
        (),
        ("event_sources",),
        "Lambda function (its execution role; event sources that invoke it)",
    ),
    ResourceKind(
        "sagemaker_notebooks",
        "sagemaker",
        "notebook-instance",
        {"NotebookInstanceName": "name"},
        ("role",),
        (),
        ("lifecycle_config",),
        (),
        "SageMaker notebook instance",
    ),
    ResourceKind(
        "sagemaker_training_jobs",
        "sagemaker",
        "training-job",
        {"TrainingJobName": "name"},
        ("role",),
        what="SageMaker training job",
    ),
    ResourceKind(
        "sagemaker_lifecycle_configs",
        "sagemaker",
        "notebook-instance-lifecycle-config",
        {"NotebookInstanceLifecycleConfigName": "name"},
        what="SageMaker notebook lifecycle configuration",
    ),
    ResourceKind(
        "ec2_instances",
        "ec2",
        "instance",
        {"InstanceId": "id"},
        ("role",),
        ("ssm_managed", "instance_connect"),
        ("launch_template",),
        (),
        "EC2 instance (the role of its instance profile; SSM-managed; EC2 Instance Connect)",
    ),
    ResourceKind(
        "ec2_launch_templates",
        "ec2",
        "launch-template",
        {"LaunchTemplateId": "id"},
        ("role",),
        (),
        ("name",),
        (),
        "EC2 launch template (the role of its instance profile), used by instances or groups",
    ),
    ResourceKind(
        "ecs_clusters",
        "ecs",
        "cluster",
        {"ClusterName": "name"},
        (),
        ("container_instances",),
        what="ECS cluster (container_instances: EC2 container instances are registered)",
    ),
    ResourceKind(
        "ecs_services",
        "ecs",
        "service",
        {"ClusterName": "cluster", "ServiceName": "name"},
        (),
        ("execute_command",),
        ("task_definition",),
        (),
        "ECS service",
    ),
    ResourceKind(
        "ecs_task_definitions",
        "ecs",
        "task-definition",
        {"TaskDefinitionFamilyName": "family", "TaskDefinitionRevisionNumber": "revision"},
        ("task_role", "execution_role"),
        what="ECS task definition",
    ),
    ResourceKind(
        "ecs_tasks",
        "ecs",
        "task",
        {"ClusterName": "cluster", "TaskId": "id"},
        ("task_role",),
        ("execute_command",),
        what="running ECS task (ECS Exec enabled or not)",
    ),
    ResourceKind("glue_jobs", "glue", "job", {"JobName": "name"}, ("role",), what="Glue job"),
    ResourceKind(
        "glue_triggers", "glue", "trigger", {"TriggerName": "name"}, (), (), (), ("jobs",), "Glue trigger"
    ),
    ResourceKind(
        "glue_sessions", "glue", "session", {"SessionId": "id"}, ("role",), what="Glue interactive session"
    ),
    ResourceKind(
        "glue_dev_endpoints",
        "glue",
        "devendpoint",
        {"DevEndpointName": "name"},
        ("role",),
        what="Glue development endpoint",
    ),
    ResourceKind(
        "codebuild_projects",
        "codebuild",
        "project",
        {"ProjectName": "name"},
        ("role",),
        ("batch", "buildspec_override_blocked"),
        what="CodeBuild project (its service role)",
    ),
    ResourceKind(
        "cloudformation_stacks",
        "cloudformation",
        "stack",
        {"StackName": "name", "Id": "id"},
        ("role",),
        what="CloudFormation stack (its service role)",
    ),
    ResourceKind(
        "cloudformation_stacksets",
        "cloudformation",
        "stackset",
        {"StackSetName": "name", "Id": "id"},
        ("administration_role", "execution_role"),
        lists=("instances",),
        what="CloudFormation StackSet (instances: the account/region pairs it is deployed to)",
    ),
    ResourceKind(
        "apprunner_services",
        "apprunner",
        "service",
        {"ServiceName": "name", "ServiceId": "id"},
        ("instance_role",),
        what="App Runner service (its instance role)",
    ),
    ResourceKind(
        "agentcore_runtimes",
        "bedrock-agentcore",
        "runtime",
        {"RuntimeId": "id"},
        ("role",),
        what="Bedrock AgentCore agent runtime",
    ),
    ResourceKind(
        "agentcore_code_interpreters",
        "bedrock-agentcore",
        "code-interpreter-custom",
        {"CodeInterpreterId": "id"},
        ("role",),
        what="Bedrock AgentCore custom code interpreter",
    ),
    ResourceKind(
        "datapipeline_pipelines",
        "datapipeline",
        "pipeline",
        {"PipelineId": "id"},
        ("role", "resource_role"),
        what="Data Pipeline pipeline (its pipeline role and resource role)",
    ),
)
BY_KEY = {k.key: k for k in KINDS}


@dataclass(frozen=True)
class Resource:
    kind: ResourceKind
    arn: str
    name: str
    roles: Mapping[str, str]  # role field -> role name (a role of the snapshot)
    values: Mapping[str, Any] = field(default_factory=dict)  # every field as written

    def flag(self, name: str) -> bool:
        return bool(self.values.get(name, False))

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def items(self, name: str) -> tuple[str, ...]:
        return tuple(self.values.get(name, ()))


def arn_of(kind: ResourceKind, values: Mapping[str, str], account: str, region: str) -> str:
    """The resource's ARN from the catalog's format for its type (the first format listed)."""
    formats = catalog.resource_arn_formats(kind.service, kind.arn_type)
    if not formats:  # the catalog dropped the type: a checker bug, not bad input
        raise LookupError(f"the catalog has no ARN format for {kind.service} {kind.arn_type}")
    arn = formats[0].replace("${Partition}", "aws").replace("${Region}", region)
    arn = arn.replace("${Account}", account)
    for variable, name in kind.ids.items():
        arn = arn.replace("${" + variable + "}", str(values[name]))
    return arn
