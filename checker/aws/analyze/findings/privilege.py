"""Privilege findings: iam:PassRole without limits, the published privilege-escalation actions and
combinations, and data exfiltration, resource exposure and credential exposure actions.

The escalation lists follow the published research on IAM privilege escalation (Rhino Security Labs,
"AWS IAM Privilege Escalation - Methods and Mitigation", and its follow-ups for SageMaker); the exposure
lists follow the access levels of the Service Authorization Reference.
"""

from __future__ import annotations

from checker.aws import catalog
from checker.aws.analyze.findings.base import (
    allowed_actions,
    display,
    element_pointers,
    finding,
    statement_actions,
    unrestricted_resource,
)
from checker.aws.policy import Effect, Policy, PolicyKind, Statement
from checker.core.findings import Finding, Severity

# Each action alone lets a principal give itself (or a principal it controls) more permissions.
ESCALATION_ACTIONS = {
    "iam:createpolicyversion": "writes a new default version of a managed policy, with any permissions",
    "iam:setdefaultpolicyversion": "switches a managed policy to an older, possibly broader version",
    "iam:attachuserpolicy": "attaches any managed policy (AdministratorAccess) to a user",
    "iam:attachgrouppolicy": "attaches any managed policy to a group",
    "iam:attachrolepolicy": "attaches any managed policy to a role",
    "iam:putuserpolicy": "writes an inline policy with any permissions on a user",
    "iam:putgrouppolicy": "writes an inline policy with any permissions on a group",
    "iam:putrolepolicy": "writes an inline policy with any permissions on a role",
    "iam:createaccesskey": "creates access keys for another user and signs in as them",
    "iam:createloginprofile": "sets a console password for a user that has none",
    "iam:updateloginprofile": "changes another user's console password",
    "iam:updateassumerolepolicy": "rewrites a role's trust policy so that it can assume the role",
    "iam:addusertogroup": "joins a group with more permissions",
    "iam:deleteuserpermissionsboundary": "removes the boundary that limits a user",
    "iam:deleterolepermissionsboundary": "removes the boundary that limits a role",
    "iam:putuserpermissionsboundary": "replaces a user's boundary with a broader one",
    "iam:putrolepermissionsboundary": "replaces a role's boundary with a broader one",
    "lambda:updatefunctioncode": "replaces the code of a function that runs with its (possibly broader) role",
    "glue:updatedevendpoint": "adds an SSH key to a Glue endpoint and runs code with its role",
    "sagemaker:createpresignednotebookinstanceurl": "opens a notebook that runs with the notebook's role",
}

# iam:PassRole plus any of these: new compute runs with the passed role's permissions.
PASSROLE_COMPUTE: list[tuple[tuple[str, ...], str]] = [
    (("lambda:createfunction", "lambda:invokefunction"), "a new Lambda function runs as the passed role"),
    (
        ("lambda:createfunction", "lambda:createeventsourcemapping"),
        "a new Lambda function, triggered by an event source",
    ),
    (
        ("lambda:createfunction", "lambda:addpermission"),
        "a new Lambda function that anyone allowed can invoke",
    ),
    (("ec2:runinstances",), "a new EC2 instance whose profile holds the passed role"),
    (("glue:createdevendpoint",), "a Glue development endpoint with the passed role"),
    (("cloudformation:createstack",), "a CloudFormation stack that creates anything the passed role may"),
    (
        ("datapipeline:createpipeline", "datapipeline:putpipelinedefinition"),
        "a Data Pipeline running as the role",
    ),
    (
        ("sagemaker:createnotebookinstance", "sagemaker:createpresignednotebookinstanceurl"),
        "a SageMaker notebook with the role",
    ),
    (("sagemaker:createnotebookinstance",), "a SageMaker notebook instance running as the passed role"),
    (("sagemaker:createtrainingjob",), "a SageMaker training job whose container runs as the passed role"),
    (
        ("sagemaker:createprocessingjob",),
        "a SageMaker processing job whose container runs as the passed role",
    ),
    (("ecs:registertaskdefinition", "ecs:runtask"), "an ECS task running as the passed role"),
    (("codebuild:createproject", "codebuild:startbuild"), "a CodeBuild project running as the passed role"),
]

DATA_READ = (
    "s3:getobject",
    "ssm:getparameter",
    "ssm:getparameters",
    "ssm:getparametersbypath",
    "secretsmanager:getsecretvalue",
)
CREDENTIAL_ACTIONS = (
    "iam:createaccesskey",
    "iam:createloginprofile",
    "iam:updateaccesskey",
    "iam:createservicespecificcredential",
    "iam:resetservicespecificcredential",
    "ec2:getpassworddata",
    "ecr:getauthorizationtoken",
    "redshift:getclustercredentials",
    "rds-db:connect",
    "sts:getfederationtoken",
    "sts:getsessiontoken",
    "sso:getrolecredentials",
    "cognito-identity:getcredentialsforidentity",
    "lightsail:getinstanceaccessdetails",
)


def check(policy: Policy) -> list[Finding]:
    if policy.kind in (PolicyKind.TRUST,):
        return []
    found: list[Finding] = []
    granted = allowed_actions(policy)
    found.extend(_passrole(policy))
    reported: set[str] = set()
    by_statement: dict[int, list[str]] = {}
    for action in ESCALATION_ACTIONS:
        statement = granted.get(action)
        if statement is not None:
            reported.add(action)
            by_statement.setdefault(statement.index, []).append(action)
    for index, escalations in by_statement.items():
        statement = policy.statements[index]
        if len(escalations) == 1:
            message = f"{display(escalations)} {ESCALATION_ACTIONS[escalations[0]]}"
        else:
            message = (
                f"statement {statement.label} allows {len(escalations)} privilege-escalation actions: "
                f"{display(escalations)}; each lets the caller give itself more permissions"
            )
        found.append(finding("AWS-PRIVESC-ACTION", policy, _action_pointer(policy, statement), message))
    if "iam:passrole" in granted:
        pathways = [(actions, why) for actions, why in PASSROLE_COMPUTE if all(a in granted for a in actions)]
        if pathways:
            statement = granted[pathways[0][0][0]]
            described = "; ".join(f"{display(actions)} ({why})" for actions, why in pathways[:4])
            more = f"; and {len(pathways) - 4} more" if len(pathways) > 4 else ""
            any_role = any(
                s.effect is Effect.ALLOW
                and "iam:passrole" in statement_actions(s)
                and unrestricted_resource(s)
                for s in policy.statements
            )
            if any_role:
                message = (
                    f"iam:PassRole on any role together with {described}{more}: the new compute runs with the "
                    "passed role's permissions, which the caller thereby gets"
                )
                found.append(
                    finding("AWS-PRIVESC-COMBO", policy, _action_pointer(policy, statement), message)
                )
            else:
                message = (
                    f"iam:PassRole on the listed roles together with {described}{more}: the caller gets those roles' "
                    "permissions through the new compute; make sure they hold no more than the job needs"
                )
                found.append(
                    finding(
                        "AWS-PRIVESC-COMBO",
                        policy,
                        _action_pointer(policy, statement),
                        message,
                        Severity.WARNING,
                    )
                )
    found.extend(_unrestricted(policy, "AWS-DATA-EXFILTRATION", DATA_READ, "reads data from every {}"))
    found.extend(
        _unrestricted(
            policy,
            "AWS-CREDENTIAL-EXPOSURE",
            CREDENTIAL_ACTIONS,
            "creates or reads credentials ({})",
        )
    )
    found.extend(_exposure(policy, granted))
    return found


def _action_pointer(policy: Policy, statement: Statement) -> str:
    element = "Action" if statement.actions is not None else "NotAction"
    return f"{statement.pointer}/{element}"


def _passrole(policy: Policy) -> list[Finding]:
    found = []
    for statement in policy.statements:
        if statement.effect is not Effect.ALLOW or "iam:passrole" not in statement_actions(statement):
            continue
        limited_service = any(c.key_lower == "iam:passedtoservice" for c in statement.conditions)
        if unrestricted_resource(statement) and not limited_service:
            pointers = element_pointers(
                policy, statement, "Resource" if statement.resources is not None else "NotResource"
            )
            found.append(
                finding(
                    "AWS-PASSROLE-UNRESTRICTED",
                    policy,
                    pointers[0],
                    f"statement {statement.label} lets the caller pass any role to any service; a role with "
                    "more permissions than the caller's becomes theirs",
                )
            )
    return found


def _unrestricted(
    policy: Policy, code: str, actions: tuple[str, ...], text: str, skip: set[str] | None = None
) -> list[Finding]:
    found = []
    for statement in policy.statements:
        if statement.effect is not Effect.ALLOW or not unrestricted_resource(statement):
            continue
        hits = sorted((statement_actions(statement) & set(actions)) - (skip or set()))
        if hits:
            what = "bucket, parameter and secret" if code == "AWS-DATA-EXFILTRATION" else display(hits)
            found.append(
                finding(
                    code,
                    policy,
                    _action_pointer(policy, statement),
                    f"statement {statement.label}: {display(hits)} on every resource {text.format(what)}",
                )
            )
    return found


def _exposure(policy: Policy, granted: dict[str, Statement]) -> list[Finding]:
    """Permissions-management actions (policy and ACL writes) the policy allows, on any resource: even on
    one bucket, s3:PutBucketPolicy can open that bucket to the world."""
    by_statement: dict[int, list[str]] = {}
    for action, statement in granted.items():
        info = catalog.action_info(action)
        if info is not None and "Permissions management" in info.access_level:
            by_statement.setdefault(statement.index, []).append(action)
    found = []
    for index, hits in sorted(by_statement.items()):
        statement = policy.statements[index]
        scope = "every resource" if unrestricted_resource(statement) else "the resources listed"
        found.append(
            finding(
                "AWS-RESOURCE-EXPOSURE",
                policy,
                _action_pointer(policy, statement),
                f"statement {statement.label}: {display(hits)} can change resource policies or ACLs on {scope}, "
                "and so open them to other accounts or the public",
            )
        )
    return found
