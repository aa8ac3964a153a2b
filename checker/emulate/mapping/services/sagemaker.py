"""Amazon SageMaker and SageMaker Runtime, per "Actions, resources, and condition keys for Amazon SageMaker AI".

Creating a job or model hands a role to SageMaker, so the call also needs iam:PassRole on that role
with iam:PassedToService = sagemaker.amazonaws.com. The sagemaker:* condition keys come from the
request (network isolation, instance types, VPC, KMS keys, runtime limit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck
from checker.emulate.mapping.rules import (
    Check,
    ContextBuilder,
    Rule,
    check,
    custom,
    pass_role,
    request_tags,
    required,
    rule,
    tag_pairs,
    tags_context,
    with_extra,
)

SERVICE_PRINCIPAL = "sagemaker.amazonaws.com"


def _get(data: Any, *path: str) -> Any:
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


def _job_context(resource_config: str, vpc: str = "VpcConfig") -> ContextBuilder:
    def build(call: ApiCall) -> dict[str, Any]:
        params = call.params
        context: dict[str, Any] = request_tags("Tags")(call)
        context["sagemaker:NetworkIsolation"] = bool(params.get("EnableNetworkIsolation", False))
        if "EnableInterContainerTrafficEncryption" in params:
            context["sagemaker:InterContainerTrafficEncryption"] = bool(
                params["EnableInterContainerTrafficEncryption"]
            )
        instance = _get(params, resource_config, "InstanceType") or _get(
            params, "ProcessingResources", "ClusterConfig", "InstanceType"
        )
        if instance:
            context["sagemaker:InstanceTypes"] = [instance]
        volume_key = _get(params, resource_config, "VolumeKmsKeyId") or _get(
            params, "ProcessingResources", "ClusterConfig", "VolumeKmsKeyId"
        )
        if volume_key:
            context["sagemaker:VolumeKmsKeyArn"] = volume_key
        output_key = _get(params, "OutputDataConfig", "KmsKeyId")
        if output_key:
            context["sagemaker:OutputKmsKeyArn"] = output_key
        runtime = _get(params, "StoppingCondition", "MaxRuntimeInSeconds")
        if runtime is not None:
            context["sagemaker:MaxRuntimeInSeconds"] = int(runtime)
        subnets = _get(params, vpc, "Subnets") or _get(params, "NetworkConfig", "VpcConfig", "Subnets")
        if subnets:
            context["sagemaker:VpcSubnets"] = list(subnets)
        groups = _get(params, vpc, "SecurityGroupIds") or _get(
            params, "NetworkConfig", "VpcConfig", "SecurityGroupIds"
        )
        if groups:
            context["sagemaker:VpcSecurityGroupIds"] = list(groups)
        return context

    return build


def _named(
    action: str, resource_type: str, variable: str, param: str, context: ContextBuilder | None = None
) -> Rule:
    return rule(Check(action, resource_type, ((variable, param),), context))


def _passing(main: Rule, role_param: str | Callable[[ApiCall], str | None]) -> Rule:
    return with_extra(
        main,
        pass_role(role_param, SERVICE_PRINCIPAL),
        note="handing a role to SageMaker also needs iam:PassRole",
    )


def _processing_network(call: ApiCall) -> dict[str, Any]:
    context = _job_context("ProcessingResources")(call)
    isolation = _get(call.params, "NetworkConfig", "EnableNetworkIsolation")
    context["sagemaker:NetworkIsolation"] = bool(isolation)
    encryption = _get(call.params, "NetworkConfig", "EnableInterContainerTrafficEncryption")
    if encryption is not None:
        context["sagemaker:InterContainerTrafficEncryption"] = bool(encryption)
    return context


def _model_context(call: ApiCall) -> dict[str, Any]:
    context: dict[str, Any] = request_tags("Tags")(call)
    context["sagemaker:NetworkIsolation"] = bool(call.params.get("EnableNetworkIsolation", False))
    subnets = _get(call.params, "VpcConfig", "Subnets")
    if subnets:
        context["sagemaker:VpcSubnets"] = list(subnets)
    return context


def _endpoint_config_context(call: ApiCall) -> dict[str, Any]:
    context: dict[str, Any] = request_tags("Tags")(call)
    variants = call.params.get("ProductionVariants") or []
    types = [v["InstanceType"] for v in variants if isinstance(v, dict) and v.get("InstanceType")]
    if types:
        context["sagemaker:InstanceTypes"] = types
    if call.params.get("KmsKeyId"):
        context["sagemaker:VolumeKmsKeyArn"] = call.params["KmsKeyId"]
    return context


def _tagging(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        context = tags_context(tag_pairs(call.params.get("Tags")))
        if action.endswith("DeleteTags"):
            context = {"aws:TagKeys": list(call.params.get("TagKeys") or [])}
        return [AuthorizationCheck(action, required(call, "ResourceArn"), context)]

    return custom(expand)


RULES: dict[str, Rule] = {
    "CreateTrainingJob": _passing(
        _named(
            "sagemaker:CreateTrainingJob",
            "training-job",
            "TrainingJobName",
            "TrainingJobName",
            _job_context("ResourceConfig"),
        ),
        "RoleArn",
    ),
    "DescribeTrainingJob": _named(
        "sagemaker:DescribeTrainingJob", "training-job", "TrainingJobName", "TrainingJobName"
    ),
    "StopTrainingJob": _named(
        "sagemaker:StopTrainingJob", "training-job", "TrainingJobName", "TrainingJobName"
    ),
    "ListTrainingJobs": rule(check("sagemaker:ListTrainingJobs")),
    "CreateProcessingJob": _passing(
        _named(
            "sagemaker:CreateProcessingJob",
            "processing-job",
            "ProcessingJobName",
            "ProcessingJobName",
            _processing_network,
        ),
        "RoleArn",
    ),
    "DescribeProcessingJob": _named(
        "sagemaker:DescribeProcessingJob", "processing-job", "ProcessingJobName", "ProcessingJobName"
    ),
    "StopProcessingJob": _named(
        "sagemaker:StopProcessingJob", "processing-job", "ProcessingJobName", "ProcessingJobName"
    ),
    "ListProcessingJobs": rule(check("sagemaker:ListProcessingJobs")),
    "CreateModel": _passing(
        _named("sagemaker:CreateModel", "model", "ModelName", "ModelName", _model_context), "ExecutionRoleArn"
    ),
    "DescribeModel": _named("sagemaker:DescribeModel", "model", "ModelName", "ModelName"),
    "DeleteModel": _named("sagemaker:DeleteModel", "model", "ModelName", "ModelName"),
    "ListModels": rule(check("sagemaker:ListModels")),
    "CreateEndpointConfig": _named(
        "sagemaker:CreateEndpointConfig",
        "endpoint-config",
        "EndpointConfigName",
        "EndpointConfigName",
        _endpoint_config_context,
    ),
    "DescribeEndpointConfig": _named(
        "sagemaker:DescribeEndpointConfig", "endpoint-config", "EndpointConfigName", "EndpointConfigName"
    ),
    "DeleteEndpointConfig": _named(
        "sagemaker:DeleteEndpointConfig", "endpoint-config", "EndpointConfigName", "EndpointConfigName"
    ),
    "ListEndpointConfigs": rule(check("sagemaker:ListEndpointConfigs")),
    "CreateEndpoint": _named(
        "sagemaker:CreateEndpoint", "endpoint", "EndpointName", "EndpointName", request_tags("Tags")
    ),
    "DescribeEndpoint": _named("sagemaker:DescribeEndpoint", "endpoint", "EndpointName", "EndpointName"),
    "DeleteEndpoint": _named("sagemaker:DeleteEndpoint", "endpoint", "EndpointName", "EndpointName"),
    "UpdateEndpoint": _named("sagemaker:UpdateEndpoint", "endpoint", "EndpointName", "EndpointName"),
    "ListEndpoints": rule(check("sagemaker:ListEndpoints")),
    "CreateNotebookInstance": _passing(
        _named(
            "sagemaker:CreateNotebookInstance",
            "notebook-instance",
            "NotebookInstanceName",
            "NotebookInstanceName",
            request_tags("Tags"),
        ),
        "RoleArn",
    ),
    "DescribeNotebookInstance": _named(
        "sagemaker:DescribeNotebookInstance",
        "notebook-instance",
        "NotebookInstanceName",
        "NotebookInstanceName",
    ),
    "AddTags": _tagging("sagemaker:AddTags"),
    "DeleteTags": _tagging("sagemaker:DeleteTags"),
    "ListTags": _tagging("sagemaker:ListTags"),
}

RUNTIME_RULES: dict[str, Rule] = {
    "InvokeEndpoint": rule(
        check(
            "sagemaker:InvokeEndpoint",
            "endpoint",
            context=lambda call: (
                {"sagemaker:TargetModel": call.params["TargetModel"]}
                if call.params.get("TargetModel")
                else {}
            ),
            EndpointName="EndpointName",
        ),
        note="SageMaker Runtime's InvokeEndpoint is authorized as sagemaker:InvokeEndpoint",
    ),
}
