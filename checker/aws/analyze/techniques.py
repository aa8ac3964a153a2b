"""The privilege-escalation knowledge base: every published technique, shared by `paths` and the linter.

Facts come from the public catalogs (pathfinding.cloud's path catalog, Bishop Fox's iam-vulnerable
modules, the pathfinding-labs scenarios; ids are pathfinding.cloud's where it has the technique) and
from AWS's documentation; the wording and this encoding are ours. Passing a role to any other action
that takes one (the 800+ actions derived from AWS's API models in data/passrole_actions.json, see
scripts/derive_passrole_actions.py) is the generic technique "iam:PassRole + <action>".

A technique is a set of permissions (`Need`), each on one resource of the situation:
- "role": the role passed or taken over; "target": the existing resource or principal acted on;
- "new": a resource the attacker creates and names (any ARN of the action's resource type);
- "policy": a customer-managed policy attached to the target principal; "group": the group acted on;
- "boundary": the customer-managed policy that is the target's permissions boundary;
- "*": the action takes no resource.
What it gives (`gives`): "role" (the role's credentials), "user" (sign in as the user), "group" (the
group's permissions), "write" (any permission to the target: a policy write), "unbounded" (the target
without its permissions boundary).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

Context = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Need:
    action: str
    on: str = "new"  # role, target, new, policy, group, *
    passed_to: bool = False  # iam:PassRole: the request carries iam:PassedToService


@dataclass(frozen=True)
class Technique:
    id: str
    name: str  # the public name
    kind: str  # pass-role, takeover, principal, write, create
    gives: str  # role, user, group, write, unbounded
    needs: tuple[Need, ...]
    services: tuple[str, ...] = ()  # pass-role: service principals the role must trust (one of them)
    resource: str | None = None  # takeover: the snapshot's resource kind key
    role_fields: tuple[str, ...] = ()  # takeover: which role fields of the resource are reached
    requires: Mapping[str, object] = field(default_factory=dict)  # prerequisites (see below)
    sources: tuple[str, ...] = ()
    how: str = ""

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n.action for n in self.needs))

    @property
    def passes_to(self) -> tuple[str, ...]:
        """The service principals its iam:PassRole names in iam:PassedToService (one of them)."""
        listed = self.requires.get("passed", ())
        return self.services or (tuple(str(s) for s in listed) if isinstance(listed, tuple) else ())


# Prerequisites a technique names (decided on the snapshot by escalation.py):
# flag:<name> the resource has the flag; noflag:<name> it does not; items:<name> it lists some;
# exists:<kind> some resource of that kind exists; target:<kind> the target principal is a user/role;
# member: the acting user is a member of the group; keys<2: the user holds fewer than two access keys;
# login:<bool> the user has / has no console password; profile: the role has an instance profile;
# boundary: the target has a permissions boundary.

PF = "pathfinding.cloud"
IV = "iam-vulnerable"
PL = "pathfinding-labs"
PASS = Need("iam:PassRole", "role", passed_to=True)


def _pass(
    id: str, actions: tuple[str, ...], services: tuple[str, ...], how: str, *sources: str, **requires: object
) -> Technique:
    needs = (PASS, *(Need(a) for a in actions))
    name = " + ".join(["iam:PassRole", *actions])
    return Technique(
        id, name, "pass-role", "role", needs, services, requires=requires, sources=sources, how=how
    )


def _take(
    id: str,
    resource: str,
    needs: tuple[Need, ...],
    how: str,
    *sources: str,
    role_fields: tuple[str, ...] = (),
    **requires: object,
) -> Technique:
    name = " + ".join(dict.fromkeys(n.action for n in needs))
    return Technique(id, name, "takeover", "role", needs, (), resource, role_fields, requires, sources, how)


def _on_target(
    id: str, gives: str, actions: tuple[tuple[str, str], ...], how: str, *sources: str, **requires: object
) -> Technique:
    needs = tuple(Need(a, on) for a, on in actions)
    name = " + ".join(dict.fromkeys(a for a, _ in actions))
    kind = "write" if gives in ("write", "group", "unbounded") else "principal"
    return Technique(id, name, kind, gives, needs, requires=requires, sources=sources, how=how)


T = "target"
LAMBDA = ("lambda.amazonaws.com",)
EC2 = ("ec2.amazonaws.com",)
ECS = ("ecs-tasks.amazonaws.com",)
GLUE = ("glue.amazonaws.com",)
SAGEMAKER = ("sagemaker.amazonaws.com",)
CFN = ("cloudformation.amazonaws.com",)
CODEBUILD = ("codebuild.amazonaws.com",)

# --- create a role, give it every action, then use it ---------------------------------------------------
# What the new role may do depends on the permissions boundary its CreateRole request must carry
# (iam:PermissionsBoundary), which escalation.py decides on the account; the linter reports the pair. "The effective permissions for an entity are the
# permissions that are granted by all the policies that affect the user or role" and a boundary sets "the
# maximum permissions that an identity-based policy can grant" (IAM User Guide, Permissions boundaries for
# IAM entities): a role created without the boundary, or with a broader one, is not held to it.
IAM_GUIDE_BOUNDARIES = "IAM User Guide: Permissions boundaries for IAM entities"
CREATE_ROLE: tuple[Technique, ...] = (
    Technique(
        "create-role-put",
        "iam:CreateRole + iam:PutRolePolicy",
        "create",
        "role",
        (Need("iam:CreateRole"), Need("iam:PutRolePolicy", T)),
        sources=(IAM_GUIDE_BOUNDARIES,),
        how="creates {target} with a trust policy naming itself and puts an inline policy granting every action on it",
    ),
    Technique(
        "create-role-attach",
        "iam:CreateRole + iam:AttachRolePolicy",
        "create",
        "role",
        (Need("iam:CreateRole"), Need("iam:AttachRolePolicy", T)),
        sources=(IAM_GUIDE_BOUNDARIES,),
        how="creates {target} with a trust policy naming itself and attaches AdministratorAccess to it",
    ),
)

TECHNIQUES: tuple[Technique, ...] = (
    *CREATE_ROLE,
    # --- principal access: become another user or role -------------------------------------------
    _on_target(
        "sts-001",
        "role",
        (("sts:AssumeRole", T),),
        "assumes {target} (its trust policy allows it)",
        PF,
        f"{IV} privesc-AssumeRole",
        target="role",
    ),
    _on_target(
        "iam-002",
        "user",
        (("iam:CreateAccessKey", T),),
        "creates an access key for {target} and signs in as that user",
        PF,
        f"{IV} privesc4-CreateAccessKey",
        target="user",
        keys_below_two=True,
    ),
    _on_target(
        "iam-003",
        "user",
        (("iam:CreateAccessKey", T), ("iam:DeleteAccessKey", T)),
        "deletes one of {target}'s two access keys, creates a new one and signs in",
        PF,
        PL,
        target="user",
    ),
    _on_target(
        "iam-004",
        "user",
        (("iam:CreateLoginProfile", T),),
        "sets a console password for {target} and signs in",
        PF,
        f"{IV} privesc5-CreateLoginProfile",
        target="user",
        login=False,
    ),
    _on_target(
        "iam-006",
        "user",
        (("iam:UpdateLoginProfile", T),),
        "changes {target}'s console password and signs in",
        PF,
        f"{IV} privesc6-UpdateLoginProfile",
        target="user",
        login=True,
    ),
    _on_target(
        "iam-012",
        "role",
        (("iam:UpdateAssumeRolePolicy", T),),
        "rewrites the trust policy of {target} to trust itself, then assumes it",
        PF,
        f"{IV} privesc14-UpdatingAssumeRolePolicy",
        target="role",
        rewrite=True,
    ),
    # --- write a policy, then use the principal written to --------------------------------------
    _on_target(
        "iam-014",
        "write",
        (("iam:AttachRolePolicy", T), ("sts:AssumeRole", T)),
        "attaches an administrator policy to {target} and assumes it",
        PF,
        PL,
        target="role",
    ),
    _on_target(
        "iam-015",
        "write",
        (("iam:AttachUserPolicy", T), ("iam:CreateAccessKey", T)),
        "attaches an administrator policy to {target} and creates an access key for it",
        PF,
        PL,
        target="user",
    ),
    _on_target(
        "iam-016",
        "write",
        (("iam:CreatePolicyVersion", "policy"), ("sts:AssumeRole", T)),
        "writes a new default version of a policy attached to {target} and assumes it",
        PF,
        PL,
        target="role",
    ),
    _on_target(
        "iam-017",
        "write",
        (("iam:PutRolePolicy", T), ("sts:AssumeRole", T)),
        "puts an administrator inline policy on {target} and assumes it",
        PF,
        PL,
        target="role",
    ),
    _on_target(
        "iam-018",
        "write",
        (("iam:PutUserPolicy", T), ("iam:CreateAccessKey", T)),
        "puts an administrator inline policy on {target} and creates an access key for it",
        PF,
        PL,
        target="user",
    ),
    _on_target(
        "iam-019",
        "write",
        (("iam:AttachRolePolicy", T), ("iam:UpdateAssumeRolePolicy", T)),
        "attaches an administrator policy to {target} and rewrites its trust policy to assume it",
        PF,
        PL,
        target="role",
        rewrite=True,
    ),
    _on_target(
        "iam-020",
        "write",
        (("iam:CreatePolicyVersion", "policy"), ("iam:UpdateAssumeRolePolicy", T)),
        "writes a new version of a policy attached to {target} and rewrites its trust policy to assume it",
        PF,
        PL,
        target="role",
        rewrite=True,
    ),
    _on_target(
        "iam-021",
        "write",
        (("iam:PutRolePolicy", T), ("iam:UpdateAssumeRolePolicy", T)),
        "puts an administrator inline policy on {target} and rewrites its trust policy to assume it",
        PF,
        PL,
        target="role",
        rewrite=True,
    ),
    # --- write a policy on itself (or on a principal already reached) ---------------------------
    _on_target(
        "iam-001",
        "write",
        (("iam:CreatePolicyVersion", "policy"),),
        "writes a new default version of a customer-managed policy attached to {target}, granting every action",
        PF,
        f"{IV} privesc1-CreateNewPolicyVersion",
    ),
    _on_target(
        "iv-privesc2",
        "write",
        (("iam:SetDefaultPolicyVersion", "policy"),),
        "switches a policy attached to {target} to another (broader) version",
        f"{IV} privesc2-SetExistingDefaultPolicyVersion",
    ),
    _on_target(
        "iam-005",
        "write",
        (("iam:PutRolePolicy", T),),
        "puts an inline policy granting every action on {target}",
        PF,
        f"{IV} privesc12-PutRolePolicy",
        target="role",
    ),
    _on_target(
        "iam-007",
        "write",
        (("iam:PutUserPolicy", T),),
        "puts an inline policy granting every action on {target}",
        PF,
        f"{IV} privesc10-PutUserPolicy",
        target="user",
    ),
    _on_target(
        "iam-008",
        "write",
        (("iam:AttachUserPolicy", T),),
        "attaches AdministratorAccess to {target}",
        PF,
        f"{IV} privesc7-AttachUserPolicy",
        target="user",
    ),
    _on_target(
        "iam-009",
        "write",
        (("iam:AttachRolePolicy", T),),
        "attaches AdministratorAccess to {target}",
        PF,
        f"{IV} privesc9-AttachRolePolicy",
        target="role",
    ),
    _on_target(
        "iam-010",
        "write",
        (("iam:AttachGroupPolicy", "group"),),
        "attaches AdministratorAccess to group {group}, of which {target} is a member",
        PF,
        f"{IV} privesc8-AttachGroupPolicy",
        target="user",
        member=True,
    ),
    _on_target(
        "iam-011",
        "write",
        (("iam:PutGroupPolicy", "group"),),
        "puts an inline policy granting every action on group {group}, of which {target} is a member",
        PF,
        f"{IV} privesc11-PutGroupPolicy",
        target="user",
        member=True,
    ),
    _on_target(
        "iam-013",
        "group",
        (("iam:AddUserToGroup", "group"),),
        "adds {target} to group {group} and gets its permissions",
        PF,
        f"{IV} privesc13-AddUserToGroup",
        target="user",
    ),
    _on_target(
        "boundary-delete-user",
        "unbounded",
        (("iam:DeleteUserPermissionsBoundary", T),),
        "deletes the permissions boundary of {target}",
        "IAM User Guide: permissions boundaries",
        target="user",
        boundary=True,
    ),
    _on_target(
        "boundary-delete-role",
        "unbounded",
        (("iam:DeleteRolePermissionsBoundary", T),),
        "deletes the permissions boundary of {target}",
        "IAM User Guide: permissions boundaries",
        target="role",
        boundary=True,
    ),
    _on_target(
        "boundary-put-user",
        "unbounded",
        (("iam:PutUserPermissionsBoundary", T),),
        "replaces the permissions boundary of {target} with one allowing everything",
        "IAM User Guide: permissions boundaries",
        target="user",
        boundary=True,
    ),
    _on_target(
        "boundary-put-role",
        "unbounded",
        (("iam:PutRolePermissionsBoundary", T),),
        "replaces the permissions boundary of {target} with one allowing everything",
        "IAM User Guide: permissions boundaries",
        target="role",
        boundary=True,
    ),
    # --- pass a role to new compute ---------------------------------------------------------------
    _pass(
        "apprunner-001",
        ("apprunner:CreateService",),
        ("tasks.apprunner.amazonaws.com",),
        "creates an App Runner service whose instance role is {role}",
        PF,
        PL,
    ),
    _pass(
        "bedrock-001",
        (
            "bedrock-agentcore:CreateCodeInterpreter",
            "bedrock-agentcore:StartCodeInterpreterSession",
            "bedrock-agentcore:InvokeCodeInterpreter",
        ),
        ("bedrock-agentcore.amazonaws.com",),
        "creates a Bedrock AgentCore code interpreter running as {role} and runs code in a session",
        PF,
        PL,
    ),
    _pass(
        "agentcore-runtime-001",
        ("bedrock-agentcore:CreateAgentRuntime", "bedrock-agentcore:InvokeAgentRuntime"),
        ("bedrock-agentcore.amazonaws.com",),
        "creates a Bedrock AgentCore runtime whose agent code runs as {role} and invokes it",
        "AWS docs: AgentCore Runtime execution role",
    ),
    _pass(
        "cloudformation-001",
        ("cloudformation:CreateStack",),
        CFN,
        "creates a CloudFormation stack that acts as {role}",
        PF,
        f"{IV} privesc20-PassExistingRoleToCloudFormation",
    ),
    _pass(
        "cloudformation-003",
        ("cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"),
        CFN,
        "creates a StackSet administered with {role} and deploys instances",
        PF,
        PL,
    ),
    _pass(
        "codebuild-001",
        ("codebuild:CreateProject", "codebuild:StartBuild"),
        CODEBUILD,
        "creates a CodeBuild project with service role {role} and starts a build",
        PF,
        f"{IV} privesc-codeBuildCreateProjectPassRole",
    ),
    _pass(
        "codebuild-004",
        ("codebuild:CreateProject", "codebuild:StartBuildBatch"),
        CODEBUILD,
        "creates a CodeBuild project with service role {role} and starts a batch build",
        PF,
        PL,
    ),
    _pass(
        "datapipeline-001",
        (
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
            "datapipeline:ActivatePipeline",
        ),
        ("datapipeline.amazonaws.com", "elasticmapreduce.amazonaws.com"),
        "creates a Data Pipeline whose activities run as {role}",
        PF,
        f"{IV} privesc21-PassExistingRoleToNewDataPipeline",
        PL,
    ),
    _pass(
        "ec2-001",
        ("ec2:RunInstances",),
        EC2,
        "launches an EC2 instance whose instance profile holds {role}",
        PF,
        f"{IV} privesc3-CreateEC2WithExistingIP",
        profile=True,
    ),
    _pass(
        "ec2-003",
        ("ec2:RequestSpotInstances",),
        EC2,
        "requests a Spot instance whose instance profile holds {role}",
        PF,
        PL,
        profile=True,
    ),
    _pass(
        "ecs-001",
        ("ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:CreateService"),
        ECS,
        "creates a cluster, registers a task definition with task role {role} and runs it as a service",
        PF,
        PL,
    ),
    _pass(
        "ecs-002",
        ("ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:RunTask"),
        ECS,
        "creates a cluster, registers a task definition with task role {role} and runs the task",
        PF,
        PL,
    ),
    _pass(
        "ecs-003",
        ("ecs:RegisterTaskDefinition", "ecs:CreateService"),
        ECS,
        "registers a task definition with task role {role} and runs it as a service on an existing cluster",
        PF,
        PL,
        exists="ecs_clusters",
    ),
    _pass(
        "ecs-004",
        ("ecs:RegisterTaskDefinition", "ecs:RunTask"),
        ECS,
        "registers a task definition with task role {role} and runs it on an existing cluster",
        PF,
        PL,
        exists="ecs_clusters",
    ),
    _pass(
        "ecs-005",
        ("ecs:RegisterTaskDefinition", "ecs:StartTask"),
        ECS,
        "registers a task definition with task role {role} and starts it on an existing container instance",
        PF,
        PL,
        container_instances=True,
    ),
    _pass(
        "ecs-007",
        ("ecs:RegisterContainerInstance", "ecs:StartTask"),
        ECS,
        "registers its own container instance and starts an existing task definition overriding the task role with {role}",
        PL,
        exists="ecs_task_definitions",
    ),
    _pass(
        "ecs-008",
        ("ecs:RunTask",),
        ECS,
        "runs an existing task definition with the task role overridden to {role}",
        PL,
        exists="ecs_task_definitions",
        clusters=True,
    ),
    _pass(
        "ecs-009",
        ("ecs:StartTask",),
        ECS,
        "starts an existing task definition on a container instance with the task role overridden to {role}",
        PL,
        exists="ecs_task_definitions",
        container_instances=True,
    ),
    _pass(
        "glue-001",
        ("glue:CreateDevEndpoint",),
        GLUE,
        "creates a Glue development endpoint with {role} and logs in over SSH",
        PF,
        f"{IV} privesc18-PassExistingRoleToNewGlueDevEndpoint",
    ),
    _pass(
        "glue-003",
        ("glue:CreateJob", "glue:StartJobRun"),
        GLUE,
        "creates a Glue job running as {role} and starts it",
        PF,
        PL,
    ),
    _pass(
        "glue-004",
        ("glue:CreateJob", "glue:CreateTrigger"),
        GLUE,
        "creates a Glue job running as {role} and a trigger that starts it",
        PF,
        PL,
    ),
    _pass(
        "glue-005",
        ("glue:UpdateJob", "glue:StartJobRun"),
        GLUE,
        "points an existing Glue job at its own script and {role}, then starts it",
        PF,
        PL,
        exists="glue_jobs",
    ),
    _pass(
        "glue-006",
        ("glue:UpdateJob", "glue:CreateTrigger"),
        GLUE,
        "points an existing Glue job at its own script and {role}, with a trigger that starts it",
        PF,
        PL,
        exists="glue_jobs",
    ),
    _pass(
        "glue-007",
        ("glue:CreateSession", "glue:RunStatement"),
        GLUE,
        "creates a Glue interactive session as {role} and runs statements in it",
        PL,
    ),
    _pass(
        "lambda-001",
        ("lambda:CreateFunction", "lambda:InvokeFunction"),
        LAMBDA,
        "creates a Lambda function with execution role {role} and invokes it",
        PF,
        f"{IV} privesc15-PassExistingRoleToNewLambdaThenInvoke",
    ),
    _pass(
        "lambda-002",
        ("lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        LAMBDA,
        "creates a Lambda function with execution role {role}, triggered by an event source",
        PF,
        f"{IV} privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo",
    ),
    _pass(
        "lambda-006",
        ("lambda:CreateFunction", "lambda:AddPermission"),
        LAMBDA,
        "creates a Lambda function with execution role {role} and lets itself invoke it",
        PF,
        PL,
    ),
    _pass(
        "sagemaker-001",
        ("sagemaker:CreateNotebookInstance",),
        SAGEMAKER,
        "creates a SageMaker notebook instance with {role}",
        PF,
        f"{IV} privesc-sageMakerCreateNotebookPassRole",
    ),
    _pass(
        "sagemaker-002",
        ("sagemaker:CreateTrainingJob",),
        SAGEMAKER,
        "starts a SageMaker training job whose container runs as {role}",
        PF,
        f"{IV} privesc-sageMakerCreateTrainingJob",
    ),
    _pass(
        "sagemaker-003",
        ("sagemaker:CreateProcessingJob",),
        SAGEMAKER,
        "starts a SageMaker processing job that runs as {role}",
        PF,
        f"{IV} privesc-sageMakerCreateProcessingJob",
    ),
    # --- take over an existing resource that runs with a role ------------------------------------
    _take(
        "apprunner-002",
        "apprunner_services",
        (Need("apprunner:UpdateService", T),),
        "updates App Runner service {target} to run its own image, which runs as {role}",
        PF,
        PL,
    ),
    _take(
        "bedrock-002",
        "agentcore_code_interpreters",
        (
            Need("bedrock-agentcore:StartCodeInterpreterSession", T),
            Need("bedrock-agentcore:InvokeCodeInterpreter", T),
        ),
        "starts a session in code interpreter {target} and runs code as {role}",
        PF,
        PL,
    ),
    _take(
        "agentcore-runtime-002",
        "agentcore_runtimes",
        (
            Need("bedrock-agentcore:UpdateAgentRuntime", T),
            PASS,
            Need("bedrock-agentcore:InvokeAgentRuntime", T),
        ),
        "updates agent runtime {target} to its own code (passing its role {role} again) and invokes it",
        "AWS docs: AgentCore Runtime execution role",
        passed=("bedrock-agentcore.amazonaws.com",),
    ),
    _take(
        "cloudformation-002",
        "cloudformation_stacks",
        (Need("cloudformation:UpdateStack", T),),
        "updates stack {target}, whose service role {role} creates what the new template says",
        PF,
        f"{IV} privesc-cloudFormationUpdateStack",
    ),
    _take(
        "cloudformation-005",
        "cloudformation_stacks",
        (Need("cloudformation:CreateChangeSet", T), Need("cloudformation:ExecuteChangeSet", T)),
        "creates and executes a change set on stack {target}, run by its service role {role}",
        PF,
        PL,
    ),
    _take(
        "cloudformation-004",
        "cloudformation_stacksets",
        (PASS, Need("cloudformation:UpdateStackSet", T)),
        "updates StackSet {target}, whose execution role {role} deploys the new template",
        PF,
        PL,
        role_fields=("execution_role",),
        passed=CFN,
        pass_field="administration_role",
        items="instances",
    ),
    _take(
        "codebuild-002",
        "codebuild_projects",
        (Need("codebuild:StartBuild", T),),
        "starts a build of project {target} with its own buildspec, running as {role}",
        PF,
        PL,
        noflag="buildspec_override_blocked",
    ),
    _take(
        "codebuild-003",
        "codebuild_projects",
        (Need("codebuild:StartBuildBatch", T),),
        "starts a batch build of project {target} with its own buildspec, running as {role}",
        PF,
        PL,
        flag="batch",
        noflag="buildspec_override_blocked",
    ),
    _take(
        "ec2instanceconnect-003",
        "ec2_instances",
        (Need("ec2-instance-connect:SendSSHPublicKey", T),),
        "pushes an SSH key to instance {target} with EC2 Instance Connect and uses its role {role}",
        PF,
        f"{IV} privesc-ec2InstanceConnect",
        flag="instance_connect",
    ),
    _take(
        "ec2-002",
        "ec2_instances",
        (Need("ec2:ModifyInstanceAttribute", T), Need("ec2:StopInstances", T), Need("ec2:StartInstances", T)),
        "replaces the user data of instance {target} and restarts it; the script runs with its role {role}",
        PF,
        PL,
    ),
    _take(
        "ec2-004",
        "ec2_launch_templates",
        (Need("ec2:CreateLaunchTemplateVersion", T), Need("ec2:ModifyLaunchTemplate", T)),
        "makes a new default version of launch template {target} with its own user data, run with {role}",
        PF,
        PL,
    ),
    _take(
        "ecs-006",
        "ecs_tasks",
        (Need("ecs:ExecuteCommand", T), Need("ecs:DescribeTasks", T)),
        "opens a shell in task {target} with ECS Exec and uses its task role {role}",
        PL,
        role_fields=("task_role",),
        flag="execute_command",
    ),
    _take(
        "glue-002",
        "glue_dev_endpoints",
        (Need("glue:UpdateDevEndpoint", T),),
        "adds its SSH key to dev endpoint {target} and runs code as {role}",
        PF,
        f"{IV} privesc19-UpdateExistingGlueDevEndpoint",
    ),
    _take(
        "glue-session-001",
        "glue_sessions",
        (Need("glue:RunStatement", T),),
        "runs statements in interactive session {target}, which runs as {role}",
        f"{PL} glue-007, on a session that already exists",
    ),
    _take(
        "lambda-003",
        "lambda_functions",
        (Need("lambda:UpdateFunctionCode", T),),
        "replaces the code of function {target}, which its event sources invoke with role {role}",
        PF,
        f"{IV} privesc17-EditExistingLambdaFunctionWithRole",
        items="event_sources",
    ),
    _take(
        "lambda-004",
        "lambda_functions",
        (Need("lambda:UpdateFunctionCode", T), Need("lambda:InvokeFunction", T)),
        "replaces the code of function {target} and invokes it; it runs as {role}",
        PF,
        PL,
    ),
    _take(
        "lambda-005",
        "lambda_functions",
        (Need("lambda:UpdateFunctionCode", T), Need("lambda:AddPermission", T)),
        "replaces the code of function {target} and allows itself to invoke it; it runs as {role}",
        PF,
        PL,
    ),
    _take(
        "sagemaker-004",
        "sagemaker_notebooks",
        (Need("sagemaker:CreatePresignedNotebookInstanceUrl", T),),
        "opens notebook {target} through a presigned URL and runs code as {role}",
        PF,
        f"{IV} privesc-sageMakerCreatePresignedNotebookURL",
    ),
    _take(
        "sagemaker-005",
        "sagemaker_notebooks",
        (
            Need("sagemaker:CreateNotebookInstanceLifecycleConfig"),
            Need("sagemaker:StopNotebookInstance", T),
            Need("sagemaker:UpdateNotebookInstance", T),
            Need("sagemaker:StartNotebookInstance", T),
        ),
        "attaches its own lifecycle configuration to notebook {target} and restarts it; the script runs as {role}",
        PF,
        PL,
    ),
    _take(
        "sagemaker-lifecycle-001",
        "sagemaker_notebooks",
        (
            Need("sagemaker:UpdateNotebookInstanceLifecycleConfig", "lifecycle"),
            Need("sagemaker:StopNotebookInstance", T),
            Need("sagemaker:StartNotebookInstance", T),
        ),
        "rewrites the lifecycle configuration of notebook {target} and restarts it; the script runs as {role}",
        f"{PF} sagemaker-005, with the notebook's own lifecycle configuration rewritten",
        text="lifecycle_config",
    ),
    _take(
        "ssm-001",
        "ec2_instances",
        (Need("ssm:StartSession", T),),
        "opens a Session Manager shell on instance {target} and uses its role {role}",
        PF,
        f"{IV} privesc-ssmStartSession",
        flag="ssm_managed",
    ),
    _take(
        "ssm-002",
        "ec2_instances",
        (Need("ssm:SendCommand", T),),
        "runs a command on instance {target} with SSM Run Command and uses its role {role}",
        PF,
        f"{IV} privesc-ssmSendCommand",
        flag="ssm_managed",
    ),
    _take(
        "datapipeline-002",
        "datapipeline_pipelines",
        (Need("datapipeline:PutPipelineDefinition", T), PASS, Need("datapipeline:ActivatePipeline", T)),
        "puts its own definition on pipeline {target} (its role {role} passed again) and activates it",
        f"{PF} datapipeline-001, on a pipeline that already exists",
        passed=("datapipeline.amazonaws.com", "elasticmapreduce.amazonaws.com"),
    ),
    _take(
        "glue-trigger-001",
        "glue_jobs",
        (Need("glue:UpdateJob", T), PASS),
        "points Glue job {target} at its own script; an existing trigger starts it as {role}",
        f"{PF} glue-006, with a trigger that already exists",
        passed=GLUE,
        triggered=True,
    ),
)
BY_ID = {t.id: t for t in TECHNIQUES}


@cache
def passrole_actions() -> Mapping[str, tuple[str, ...]]:
    """Every action that passes a role (derived from AWS's API models) -> service principals it passes to."""
    raw = json.loads(resources.files("checker.aws").joinpath("data/passrole_actions.json").read_text())
    return {action: tuple(entry["principals"]) for action, entry in raw["actions"].items()}


@cache
def generic_pass_role() -> tuple[Technique, ...]:
    """iam:PassRole + <action> for each derived action that no published technique already covers: the
    service acts with the role (runs code or calls AWS on its behalf), so its permissions are reached."""
    named = {a.lower() for t in TECHNIQUES if t.kind == "pass-role" for a in t.actions}
    generic = []
    for action, principals in passrole_actions().items():
        if action.lower() in named:
            continue
        generic.append(
            _pass(
                f"passrole:{action}",
                (action,),
                principals,
                f"calls {action} passing {{role}}, which the service then acts as",
                "AWS API models (roles the action takes)",
            )
        )
    return tuple(generic)


def all_techniques() -> tuple[Technique, ...]:
    return TECHNIQUES + generic_pass_role()


def creation_techniques() -> tuple[Technique, ...]:
    return CREATE_ROLE
