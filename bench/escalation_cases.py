"""One account snapshot per published privilege-escalation technique, written by us from the catalogs' facts.

Sources: the pathfinding.cloud path catalog (ids such as lambda-001: the permissions each path requires
and its prerequisites), Bishop Fox's iam-vulnerable privesc modules, and the pathfinding-labs
scenarios (one-hop, self-escalation, multi-hop, to-bucket). Each case gives the attacker exactly the
permissions the catalog lists, on the resources it names, and builds the prerequisites (a role that
trusts the service, an existing function with a role, ...). Its negative controls are the same setup
with one required permission removed at a time (`essential`): then nothing must be found.

This file is deliberately independent of checker/aws/analyze/techniques.py: it states what the
catalogs say, and the bench and tests check that the analysis finds it.

`python bench/escalation_cases.py DIR` writes every case (and its controls) as snapshot files.
"""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT = "111122223333"
REGION = "us-east-1"
ATTACKER = f"arn:aws:iam::{ACCOUNT}:user/attacker"
TARGET = f"arn:aws:iam::{ACCOUNT}:role/target"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
BUCKET_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::sensitive-data/*"}],
}


def arn(service: str, rest: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{rest}"


def trust(*services: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": list(services)}, "Action": "sts:AssumeRole"}
        ],
    }


def trust_aws(*principals: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}
        ],
    }


@dataclass
class Case:
    id: str  # the catalog's id (pathfinding.cloud where it has one)
    name: str  # the public name
    source: str
    perms: list[tuple[str, str]]  # (action, resource) the attacker holds
    expect: str = "admin"  # "admin", or "new": some permission the attacker lacks (to-bucket)
    roles: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    policies: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    attacker: dict[str, Any] = field(default_factory=dict)  # extra fields of the attacker
    attacker_role: dict[str, Any] | None = None  # the attacker is this role instead of a user
    essential: list[str] | None = None  # actions removed one at a time for the controls (default: all)
    technique: str | None = None  # the technique id the path should name (default: id)
    extra: list[dict[str, Any]] = field(default_factory=list)  # more statements (not removed)

    @property
    def start(self) -> str:
        if self.attacker_role is not None:
            return f"arn:aws:iam::{ACCOUNT}:role/{self.attacker_role['name']}"
        return ATTACKER

    def snapshot(self, drop: str | None = None) -> dict[str, Any]:
        statements = [
            {"Effect": "Allow", "Action": action, "Resource": resource}
            for action, resource in self.perms
            if action != drop
        ] + copy.deepcopy(self.extra)
        attack = {
            "Version": "2012-10-17",
            "Statement": statements
            or [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
        }
        policies = {"AdministratorAccess": ADMIN, "BucketRead": BUCKET_READ, "attack": attack}
        policies.update(copy.deepcopy(self.policies))
        users = copy.deepcopy(self.users)
        roles = copy.deepcopy(self.roles)
        if self.attacker_role is not None:
            role = copy.deepcopy(self.attacker_role)
            role["attached"] = ["attack", *role.get("attached", [])]
            roles.append(role)
        else:
            attacker = {"name": "attacker", "attached": ["attack"]}
            attacker.update(copy.deepcopy(self.attacker))
            if "attached" in self.attacker:
                attacker["attached"] = ["attack", *self.attacker["attached"]]
            users.append(attacker)
        data: dict[str, Any] = {
            "account": ACCOUNT,
            "description": f"{self.id}: {self.name} ({self.source})"
            + (f"; control without {drop}" if drop else ""),
            "policies": policies,
            "groups": copy.deepcopy(self.groups),
            "users": users,
            "roles": roles,
        }
        if self.resources:
            data["resources"] = copy.deepcopy(self.resources)
        return data

    def controls(self) -> list[str]:
        return list(
            dict.fromkeys(self.essential if self.essential is not None else [a for a, _ in self.perms])
        )


def target_role(
    *services: str, attached: str = "AdministratorAccess", name: str = "target", **extra: Any
) -> dict[str, Any]:
    role = {"name": name, "trust": trust(*services), "attached": [attached]}
    role.update(extra)
    return role


PF = "pathfinding.cloud"
PL = "pathfinding-labs"
IV = "iam-vulnerable"


def passrole(id: str, actions: list[str], service: str, source: str = PF, **kw: Any) -> Case:
    """new-passrole: PassRole on the target role (which trusts the service) + the service's actions on *."""
    name = " + ".join(["iam:PassRole", *actions])
    perms = [("iam:PassRole", TARGET)] + [(a, "*") for a in actions]
    roles = [target_role(service, attached=kw.pop("attached", "AdministratorAccess"))] + kw.pop("roles", [])
    return Case(id, name, source, perms, roles=roles, **kw)


def takeover(
    id: str,
    actions: list[str],
    resource_arn: str,
    kind: str,
    entry: dict[str, Any],
    service: str,
    source: str = PF,
    **kw: Any,
) -> Case:
    """existing-passrole: actions on an existing resource that runs as the (admin) target role."""
    name = " + ".join(actions)
    perms = [(a, resource_arn) for a in actions]
    resources = {kind: [entry]}
    resources.update(kw.pop("resources", {}))
    roles = [target_role(service, attached=kw.pop("attached", "AdministratorAccess"))] + kw.pop("roles", [])
    return Case(id, name, source, perms, roles=roles, resources=resources, **kw)


def principal_case(id: str, perms: list[tuple[str, str]], source: str = PF, **kw: Any) -> Case:
    return Case(id, " + ".join(dict.fromkeys(a for a, _ in perms)), source, perms, **kw)


# The account root as principal: the attacker's own policy must then allow sts:AssumeRole (a trust policy
# naming the attacker's ARN would let it in without one, and the controls would prove nothing).
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ROLE_TRUSTS_ATTACKER = target_role(name="target")
ROLE_TRUSTS_ATTACKER["trust"] = trust_aws(ROOT)
ROLE_TRUSTS_NOBODY = target_role("ec2.amazonaws.com")
ADMIN_USER = {"name": "victim", "attached": ["AdministratorAccess"]}
VICTIM = f"arn:aws:iam::{ACCOUNT}:user/victim"
CLUSTER = {"name": "prod"}
TASK_DEF = {"family": "web", "revision": "3", "task_role": "app"}
APP_ROLE = target_role("ecs-tasks.amazonaws.com", name="app", attached="BucketRead")
TARGET_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/target-policy"
# Grants nothing the attacker lacks (sts:GetCallerIdentity is always allowed): reaching the role alone
# is no escalation, so the controls without the policy write must find nothing.
TARGET_POLICY_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
}


def boundary_cases() -> list[Case]:
    """The attacker holds BucketRead, but its boundary allows only the boundary change itself: removing or
    replacing the boundary reaches the bucket (IAM User Guide, "Permissions boundaries for IAM entities")."""
    found = []
    for verb in ("Delete", "Put"):
        for kind in ("User", "Role"):
            action = f"iam:{verb}{kind}PermissionsBoundary"
            only = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
            }
            me = ATTACKER if kind == "User" else f"arn:aws:iam::{ACCOUNT}:role/attacker-role"
            role = {
                "name": "attacker-role",
                "trust": trust("ec2.amazonaws.com"),
                "attached": ["BucketRead"],
                "boundary": "OnlyBoundary",
            }
            found.append(
                Case(
                    f"boundary-{verb.lower()}-{kind.lower()}",
                    action,
                    "IAM User Guide: permissions boundaries",
                    [(action, me)],
                    expect="new",
                    policies={"OnlyBoundary": only},
                    attacker={"attached": ["BucketRead"], "boundary": "OnlyBoundary"}
                    if kind == "User"
                    else {},
                    attacker_role=role if kind == "Role" else None,
                )
            )
    return found


def cases() -> list[Case]:
    fn = arn("lambda", "function:victim")
    found = [
        # ---------------- new-passrole (pathfinding.cloud) ----------------
        passrole("apprunner-001", ["apprunner:CreateService"], "tasks.apprunner.amazonaws.com"),
        passrole(
            "bedrock-001",
            [
                "bedrock-agentcore:CreateCodeInterpreter",
                "bedrock-agentcore:StartCodeInterpreterSession",
                "bedrock-agentcore:InvokeCodeInterpreter",
            ],
            "bedrock-agentcore.amazonaws.com",
        ),
        passrole("cloudformation-001", ["cloudformation:CreateStack"], "cloudformation.amazonaws.com"),
        passrole(
            "cloudformation-003",
            ["cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"],
            "cloudformation.amazonaws.com",
        ),
        passrole(
            "codebuild-001", ["codebuild:CreateProject", "codebuild:StartBuild"], "codebuild.amazonaws.com"
        ),
        passrole(
            "codebuild-004",
            ["codebuild:CreateProject", "codebuild:StartBuildBatch"],
            "codebuild.amazonaws.com",
        ),
        passrole(
            "datapipeline-001",
            [
                "datapipeline:CreatePipeline",
                "datapipeline:PutPipelineDefinition",
                "datapipeline:ActivatePipeline",
            ],
            "datapipeline.amazonaws.com",
        ),
        passrole("ec2-001", ["ec2:RunInstances"], "ec2.amazonaws.com"),
        passrole("ec2-003", ["ec2:RequestSpotInstances"], "ec2.amazonaws.com"),
        passrole(
            "ecs-001",
            ["ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:CreateService"],
            "ecs-tasks.amazonaws.com",
        ),
        passrole(
            "ecs-002",
            ["ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
            "ecs-tasks.amazonaws.com",
        ),
        passrole(
            "ecs-003",
            ["ecs:RegisterTaskDefinition", "ecs:CreateService"],
            "ecs-tasks.amazonaws.com",
            resources={"ecs_clusters": [CLUSTER]},
        ),
        passrole(
            "ecs-004",
            ["ecs:RegisterTaskDefinition", "ecs:RunTask"],
            "ecs-tasks.amazonaws.com",
            resources={"ecs_clusters": [CLUSTER]},
        ),
        passrole(
            "ecs-005",
            ["ecs:RegisterTaskDefinition", "ecs:StartTask"],
            "ecs-tasks.amazonaws.com",
            resources={"ecs_clusters": [{"name": "prod", "container_instances": True}]},
        ),
        passrole("glue-001", ["glue:CreateDevEndpoint"], "glue.amazonaws.com"),
        passrole("glue-003", ["glue:CreateJob", "glue:StartJobRun"], "glue.amazonaws.com"),
        passrole("glue-004", ["glue:CreateJob", "glue:CreateTrigger"], "glue.amazonaws.com"),
        passrole(
            "glue-005",
            ["glue:UpdateJob", "glue:StartJobRun"],
            "glue.amazonaws.com",
            resources={"glue_jobs": [{"name": "etl"}]},
        ),
        passrole(
            "glue-006",
            ["glue:UpdateJob", "glue:CreateTrigger"],
            "glue.amazonaws.com",
            resources={"glue_jobs": [{"name": "etl"}]},
        ),
        passrole("lambda-001", ["lambda:CreateFunction", "lambda:InvokeFunction"], "lambda.amazonaws.com"),
        passrole(
            "lambda-002", ["lambda:CreateFunction", "lambda:CreateEventSourceMapping"], "lambda.amazonaws.com"
        ),
        passrole("lambda-006", ["lambda:CreateFunction", "lambda:AddPermission"], "lambda.amazonaws.com"),
        passrole("sagemaker-001", ["sagemaker:CreateNotebookInstance"], "sagemaker.amazonaws.com"),
        passrole("sagemaker-002", ["sagemaker:CreateTrainingJob"], "sagemaker.amazonaws.com"),
        passrole("sagemaker-003", ["sagemaker:CreateProcessingJob"], "sagemaker.amazonaws.com"),
        # ---------------- new-passrole (pathfinding-labs only) ----------------
        passrole(
            "ecs-007",
            ["ecs:RegisterContainerInstance", "ecs:StartTask"],
            "ecs-tasks.amazonaws.com",
            PL,
            resources={"ecs_clusters": [CLUSTER], "ecs_task_definitions": [TASK_DEF]},
            roles=[APP_ROLE],
        ),
        passrole(
            "ecs-008",
            ["ecs:RunTask"],
            "ecs-tasks.amazonaws.com",
            PL,
            resources={"ecs_clusters": [CLUSTER], "ecs_task_definitions": [TASK_DEF]},
            roles=[APP_ROLE],
        ),
        passrole(
            "ecs-009",
            ["ecs:StartTask"],
            "ecs-tasks.amazonaws.com",
            PL,
            resources={
                "ecs_clusters": [{"name": "prod", "container_instances": True}],
                "ecs_task_definitions": [TASK_DEF],
            },
            roles=[APP_ROLE],
        ),
        passrole("glue-007", ["glue:CreateSession", "glue:RunStatement"], "glue.amazonaws.com", PL),
        # ---------------- existing-passrole: take over a resource ----------------
        takeover(
            "apprunner-002",
            ["apprunner:UpdateService"],
            arn("apprunner", "service/web/abc123"),
            "apprunner_services",
            {"name": "web", "id": "abc123", "instance_role": "target"},
            "tasks.apprunner.amazonaws.com",
        ),
        takeover(
            "bedrock-002",
            ["bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"],
            arn("bedrock-agentcore", "code-interpreter-custom/ci-1"),
            "agentcore_code_interpreters",
            {"id": "ci-1", "role": "target"},
            "bedrock-agentcore.amazonaws.com",
        ),
        takeover(
            "cloudformation-002",
            ["cloudformation:UpdateStack"],
            arn("cloudformation", "stack/infra/1111"),
            "cloudformation_stacks",
            {"name": "infra", "id": "1111", "role": "target"},
            "cloudformation.amazonaws.com",
        ),
        takeover(
            "cloudformation-005",
            ["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
            arn("cloudformation", "stack/infra/1111"),
            "cloudformation_stacks",
            {"name": "infra", "id": "1111", "role": "target"},
            "cloudformation.amazonaws.com",
        ),
        takeover(
            "codebuild-002",
            ["codebuild:StartBuild"],
            arn("codebuild", "project/build"),
            "codebuild_projects",
            {"name": "build", "role": "target"},
            "codebuild.amazonaws.com",
        ),
        takeover(
            "codebuild-003",
            ["codebuild:StartBuildBatch"],
            arn("codebuild", "project/build"),
            "codebuild_projects",
            {"name": "build", "role": "target", "batch": True},
            "codebuild.amazonaws.com",
        ),
        takeover(
            "ec2instanceconnect-003",
            ["ec2-instance-connect:SendSSHPublicKey"],
            arn("ec2", "instance/i-0abc"),
            "ec2_instances",
            {"id": "i-0abc", "role": "target", "instance_connect": True},
            "ec2.amazonaws.com",
        ),
        takeover(
            "ec2-002",
            ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
            arn("ec2", "instance/i-0abc"),
            "ec2_instances",
            {"id": "i-0abc", "role": "target"},
            "ec2.amazonaws.com",
        ),
        takeover(
            "ec2-004",
            ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
            arn("ec2", "launch-template/lt-0abc"),
            "ec2_launch_templates",
            {"id": "lt-0abc", "role": "target"},
            "ec2.amazonaws.com",
        ),
        takeover(
            "ecs-006",
            ["ecs:ExecuteCommand", "ecs:DescribeTasks"],
            arn("ecs", "task/prod/0f1e2d"),
            "ecs_tasks",
            {"cluster": "prod", "id": "0f1e2d", "task_role": "target", "execute_command": True},
            "ecs-tasks.amazonaws.com",
            PL,
        ),
        takeover(
            "glue-002",
            ["glue:UpdateDevEndpoint"],
            arn("glue", "devEndpoint/dev"),
            "glue_dev_endpoints",
            {"name": "dev", "role": "target"},
            "glue.amazonaws.com",
        ),
        takeover(
            "lambda-003",
            ["lambda:UpdateFunctionCode"],
            fn,
            "lambda_functions",
            {"name": "victim", "role": "target", "event_sources": [arn("sqs", "jobs")]},
            "lambda.amazonaws.com",
        ),
        takeover(
            "lambda-004",
            ["lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
            fn,
            "lambda_functions",
            {"name": "victim", "role": "target"},
            "lambda.amazonaws.com",
        ),
        takeover(
            "lambda-005",
            ["lambda:UpdateFunctionCode", "lambda:AddPermission"],
            fn,
            "lambda_functions",
            {"name": "victim", "role": "target"},
            "lambda.amazonaws.com",
        ),
        takeover(
            "sagemaker-004",
            ["sagemaker:CreatePresignedNotebookInstanceUrl"],
            arn("sagemaker", "notebook-instance/nb"),
            "sagemaker_notebooks",
            {"name": "nb", "role": "target"},
            "sagemaker.amazonaws.com",
        ),
        takeover(
            "ssm-001",
            ["ssm:StartSession"],
            arn("ec2", "instance/i-0abc"),
            "ec2_instances",
            {"id": "i-0abc", "role": "target", "ssm_managed": True},
            "ec2.amazonaws.com",
        ),
        takeover(
            "ssm-002",
            ["ssm:SendCommand"],
            arn("ec2", "instance/i-0abc"),
            "ec2_instances",
            {"id": "i-0abc", "role": "target", "ssm_managed": True},
            "ec2.amazonaws.com",
        ),
        Case(
            "sagemaker-005",
            "sagemaker:CreateNotebookInstanceLifecycleConfig + sagemaker:StopNotebookInstance + sagemaker:UpdateNotebookInstance + sagemaker:StartNotebookInstance",
            PF,
            [("sagemaker:CreateNotebookInstanceLifecycleConfig", "*")]
            + [
                (a, arn("sagemaker", "notebook-instance/nb"))
                for a in (
                    "sagemaker:StopNotebookInstance",
                    "sagemaker:UpdateNotebookInstance",
                    "sagemaker:StartNotebookInstance",
                )
            ],
            roles=[target_role("sagemaker.amazonaws.com")],
            resources={"sagemaker_notebooks": [{"name": "nb", "role": "target"}]},
        ),
        Case(
            "cloudformation-004",
            "iam:PassRole + cloudformation:UpdateStackSet",
            PF,
            [
                ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/stackset-admin"),
                ("cloudformation:UpdateStackSet", arn("cloudformation", "stackset/org-baseline:22")),
            ],
            roles=[
                target_role("cloudformation.amazonaws.com"),
                {
                    "name": "stackset-admin",
                    "trust": trust("cloudformation.amazonaws.com"),
                    "attached": ["BucketRead"],
                },
            ],
            resources={
                "cloudformation_stacksets": [
                    {
                        "name": "org-baseline",
                        "id": "22",
                        "administration_role": "stackset-admin",
                        "execution_role": "target",
                        "instances": [f"{ACCOUNT}/{REGION}"],
                    }
                ]
            },
        ),
        # ---------------- principal access ----------------
        principal_case("sts-001", [("sts:AssumeRole", TARGET)], roles=[ROLE_TRUSTS_ATTACKER]),
        principal_case("iam-002", [("iam:CreateAccessKey", VICTIM)], users=[ADMIN_USER]),
        principal_case(
            "iam-003",
            [("iam:CreateAccessKey", VICTIM), ("iam:DeleteAccessKey", VICTIM)],
            users=[dict(ADMIN_USER, access_keys=2)],
        ),
        principal_case("iam-004", [("iam:CreateLoginProfile", VICTIM)], users=[ADMIN_USER]),
        principal_case(
            "iam-006", [("iam:UpdateLoginProfile", VICTIM)], users=[dict(ADMIN_USER, login_profile=True)]
        ),
        principal_case("iam-012", [("iam:UpdateAssumeRolePolicy", TARGET)], roles=[ROLE_TRUSTS_NOBODY]),
        principal_case(
            "iam-014",
            [("iam:AttachRolePolicy", TARGET), ("sts:AssumeRole", TARGET)],
            roles=[dict(ROLE_TRUSTS_ATTACKER, attached=[])],
        ),
        principal_case(
            "iam-015",
            [("iam:AttachUserPolicy", VICTIM), ("iam:CreateAccessKey", VICTIM)],
            users=[{"name": "victim"}],
        ),
        principal_case(
            "iam-016",
            [("iam:CreatePolicyVersion", TARGET_POLICY), ("sts:AssumeRole", TARGET)],
            policies={"target-policy": TARGET_POLICY_DOC},
            roles=[dict(ROLE_TRUSTS_ATTACKER, attached=["target-policy"])],
        ),
        principal_case(
            "iam-017",
            [("iam:PutRolePolicy", TARGET), ("sts:AssumeRole", TARGET)],
            roles=[dict(ROLE_TRUSTS_ATTACKER, attached=[])],
        ),
        principal_case(
            "iam-018",
            [("iam:PutUserPolicy", VICTIM), ("iam:CreateAccessKey", VICTIM)],
            users=[{"name": "victim"}],
        ),
        principal_case(
            "iam-019",
            [("iam:AttachRolePolicy", TARGET), ("iam:UpdateAssumeRolePolicy", TARGET)],
            roles=[dict(ROLE_TRUSTS_NOBODY, attached=[])],
        ),
        principal_case(
            "iam-020",
            [("iam:CreatePolicyVersion", TARGET_POLICY), ("iam:UpdateAssumeRolePolicy", TARGET)],
            policies={"target-policy": TARGET_POLICY_DOC},
            roles=[dict(ROLE_TRUSTS_NOBODY, attached=["target-policy"])],
        ),
        principal_case(
            "iam-021",
            [("iam:PutRolePolicy", TARGET), ("iam:UpdateAssumeRolePolicy", TARGET)],
            roles=[dict(ROLE_TRUSTS_NOBODY, attached=[])],
        ),
        # ---------------- self-escalation ----------------
        principal_case("iam-001", [("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/attack")]),
        principal_case(
            "iam-005",
            [("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/attacker-role")],
            attacker_role={"name": "attacker-role", "trust": trust("ec2.amazonaws.com")},
        ),
        principal_case("iam-007", [("iam:PutUserPolicy", ATTACKER)]),
        principal_case("iam-008", [("iam:AttachUserPolicy", ATTACKER)]),
        principal_case(
            "iam-009",
            [("iam:AttachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/attacker-role")],
            attacker_role={"name": "attacker-role", "trust": trust("ec2.amazonaws.com")},
        ),
        principal_case(
            "iam-010",
            [("iam:AttachGroupPolicy", f"arn:aws:iam::{ACCOUNT}:group/team")],
            groups=[{"name": "team", "members": ["attacker"]}],
        ),
        principal_case(
            "iam-011",
            [("iam:PutGroupPolicy", f"arn:aws:iam::{ACCOUNT}:group/team")],
            groups=[{"name": "team", "members": ["attacker"]}],
        ),
        principal_case(
            "iam-013",
            [("iam:AddUserToGroup", f"arn:aws:iam::{ACCOUNT}:group/admins")],
            groups=[{"name": "admins", "attached": ["AdministratorAccess"]}],
        ),
        # ---------------- iam-vulnerable modules not in pathfinding.cloud ----------------
        principal_case(
            "iv-privesc2", [("iam:SetDefaultPolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/attack")], IV
        ),
        Case(
            "iv-fn1-privesc3-multiple-policies",
            "iam:PassRole + ec2:RunInstances, granted by two policies",
            f"{IV} fn1-privesc3-multiple-policies",
            [("iam:PassRole", "*")],
            technique="ec2-001",
            roles=[target_role("ec2.amazonaws.com")],
            policies={
                "partial": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["ec2:DescribeInstances", "ec2:RunInstances"],
                            "Resource": "*",
                        }
                    ],
                }
            },
            attacker={"attached": ["partial"]},
        ),
        principal_case(
            "iv-permissive-role-trust",
            [("sts:AssumeRole", "*")],
            f"{IV} privesc-permissive-role-trust",
            expect="new",
            technique="sts-001",
            roles=[dict(ROLE_TRUSTS_ATTACKER, attached=["BucketRead"])],
        ),
        # ---------------- permissions boundaries (IAM User Guide) ----------------
        *boundary_cases(),
        # ---------------- to-bucket: a permission that is not admin (pathfinding-labs) ----------------
        principal_case(
            "sts-001-to-bucket",
            [("sts:AssumeRole", TARGET)],
            PL,
            expect="new",
            technique="sts-001",
            roles=[dict(ROLE_TRUSTS_ATTACKER, attached=["BucketRead"])],
        ),
        principal_case(
            "iam-002-to-bucket",
            [("iam:CreateAccessKey", VICTIM)],
            PL,
            expect="new",
            technique="iam-002",
            users=[{"name": "victim", "attached": ["BucketRead"]}],
        ),
        principal_case(
            "iam-012-to-bucket",
            [("iam:UpdateAssumeRolePolicy", TARGET)],
            PL,
            expect="new",
            technique="iam-012",
            roles=[dict(ROLE_TRUSTS_NOBODY, attached=["BucketRead"])],
        ),
        passrole(
            "glue-001-to-bucket",
            ["glue:CreateDevEndpoint"],
            "glue.amazonaws.com",
            PL,
            expect="new",
            technique="glue-001",
            attached="BucketRead",
        ),
        takeover(
            "ssm-001-to-bucket",
            ["ssm:StartSession"],
            arn("ec2", "instance/i-0abc"),
            "ec2_instances",
            {"id": "i-0abc", "role": "target"},
            "ec2.amazonaws.com",
            PL,
            expect="new",
            technique="ssm-001",
            attached="BucketRead",
        ),
        # ---------------- multi-hop (pathfinding-labs) ----------------
        Case(
            "lambda-004-to-iam-002-to-admin",
            "lambda:UpdateFunctionCode + lambda:InvokeFunction, then iam:CreateAccessKey",
            PL,
            [("lambda:UpdateFunctionCode", fn), ("lambda:InvokeFunction", fn)],
            technique="iam-002",
            roles=[
                {
                    "name": "fn-role",
                    "trust": trust("lambda.amazonaws.com"),
                    "inline": {
                        "keys": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": VICTIM}
                            ],
                        }
                    },
                }
            ],
            users=[ADMIN_USER],
            resources={"lambda_functions": [{"name": "victim", "role": "fn-role"}]},
        ),
        Case(
            "sts-001-to-ecs-002-to-admin",
            "sts:AssumeRole, then iam:PassRole + ecs:CreateCluster + ecs:RegisterTaskDefinition + ecs:RunTask",
            PL,
            [("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/deployer")],
            technique="ecs-002",
            roles=[
                {
                    "name": "deployer",
                    "trust": trust_aws(ROOT),
                    "inline": {
                        "ecs": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": TARGET},
                                {
                                    "Effect": "Allow",
                                    "Action": [
                                        "ecs:CreateCluster",
                                        "ecs:RegisterTaskDefinition",
                                        "ecs:RunTask",
                                    ],
                                    "Resource": "*",
                                },
                            ],
                        }
                    },
                },
                target_role("ecs-tasks.amazonaws.com"),
            ],
        ),
        Case(
            "role-chain-to-s3",
            "sts:AssumeRole, then sts:AssumeRole to a role that reads the bucket",
            PL,
            [("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/hop1")],
            expect="new",
            technique="sts-001",
            roles=[
                {
                    "name": "hop1",
                    "trust": trust_aws(ROOT),
                    "inline": {
                        "hop": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sts:AssumeRole",
                                    "Resource": f"arn:aws:iam::{ACCOUNT}:role/hop2",
                                }
                            ],
                        }
                    },
                },
                {
                    "name": "hop2",
                    "trust": trust_aws(f"arn:aws:iam::{ACCOUNT}:role/hop1"),
                    "attached": ["BucketRead"],
                },
            ],
        ),
    ]
    return found


def main(directory: str) -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for case in cases():
        (out / f"{case.id}.json").write_text(json.dumps(case.snapshot(), indent=1) + "\n")
        for action in case.controls():
            name = action.replace(":", "-")
            (out / f"{case.id}.without-{name}.json").write_text(
                json.dumps(case.snapshot(action), indent=1) + "\n"
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "escalation-snapshots")
