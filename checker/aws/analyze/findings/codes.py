"""Every finding code the AWS linter reports: severity, title, fix hint and documentation page.

Codes are stable: a code is never reused for a different check. The scheme is AWS-<FAMILY>-<WHAT>.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.core.findings import Severity

IAM_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    title: str
    hint: str
    doc: str


def _code(code: str, severity: Severity, title: str, hint: str, doc: str) -> Code:
    return Code(code, severity, title, hint, doc)


S, W, E, G = Severity.SECURITY, Severity.WARNING, Severity.ERROR, Severity.SUGGESTION
CODES: dict[str, Code] = {
    c.code: c
    for c in (
        _code(
            "AWS-UNKNOWN-ACTION",
            E,
            "unknown action",
            "check the spelling against the service's list of actions",
            f"{IAM_GUIDE}/reference_policies_elements_action.html",
        ),
        _code(
            "AWS-ACTION-MATCHES-NOTHING",
            E,
            "action pattern matches no action",
            "check the service prefix and the pattern",
            f"{IAM_GUIDE}/reference_policies_elements_action.html",
        ),
        _code(
            "AWS-WILDCARD-ACTION",
            S,
            "every action of every service",
            "list the actions the workload calls, for example s3:GetObject",
            f"{IAM_GUIDE}/best-practices.html#grant-least-privilege",
        ),
        _code(
            "AWS-WILDCARD-SERVICE",
            S,
            "every action of a service",
            "list the actions the workload calls; service:* also grants actions the service adds later",
            f"{IAM_GUIDE}/reference_policies_elements_action.html",
        ),
        _code(
            "AWS-WILDCARD-PARTIAL",
            W,
            "action wildcard matches more actions than it seems",
            "list the actions the workload calls instead of a prefix such as Get*",
            f"{IAM_GUIDE}/best-practices.html#grant-least-privilege",
        ),
        _code(
            "AWS-RESOURCE-STAR",
            W,
            'Resource "*" for actions that support resource-level permissions',
            "name the resources (bucket, table, model ARN) the actions need",
            "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
        ),
        _code(
            "AWS-RESOURCE-MISMATCH",
            W,
            "action paired only with resources of another type",
            "give the action a resource of its own type (s3:ListBucket takes the bucket ARN, s3:GetObject an object ARN)",
            "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
        ),
        _code(
            "AWS-RESOURCE-PUBLIC",
            S,
            "resource-based policy open to everyone",
            "name the principals, or add a condition such as aws:PrincipalOrgID or aws:SourceVpce",
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
        ),
        _code(
            "AWS-ALLOW-NOT-ACTION",
            S,
            "Allow with NotAction",
            "use Action with the list of allowed actions; NotAction with Allow grants every other action, including those added later",
            f"{IAM_GUIDE}/reference_policies_elements_notaction.html",
        ),
        _code(
            "AWS-ALLOW-NOT-RESOURCE",
            S,
            "Allow with NotResource",
            "use Resource with the resources the workload needs",
            f"{IAM_GUIDE}/reference_policies_elements_notresource.html",
        ),
        _code(
            "AWS-PASSROLE-UNRESTRICTED",
            S,
            "iam:PassRole on any role, to any service",
            "limit Resource to the role ARNs to pass and add a condition on iam:PassedToService",
            f"{IAM_GUIDE}/id_roles_use_passrole.html",
        ),
        _code(
            "AWS-PRIVESC-ACTION",
            S,
            "privilege-escalation action",
            "remove it, or limit it to resources that cannot lead to more permissions (and review who can use it)",
            f"{IAM_GUIDE}/best-practices.html#grant-least-privilege",
        ),
        _code(
            "AWS-PRIVESC-COMBO",
            S,
            "privilege escalation by passing a role to new compute",
            "restrict iam:PassRole to a role with only the job's permissions (and iam:PassedToService), or drop one of the actions",
            f"{IAM_GUIDE}/id_roles_use_passrole.html",
        ),
        _code(
            "AWS-PRIVESC-PATH",
            S,
            "a principal of the account can reach permissions it does not have (iamlab paths)",
            "remove one permission of the first step, or restrict it to resources that lead nowhere",
            f"{IAM_GUIDE}/best-practices.html#grant-least-privilege",
        ),
        _code(
            "AWS-DATA-EXFILTRATION",
            W,
            "data read on every resource",
            "limit the Resource to the buckets, parameters or secrets the workload reads",
            f"{IAM_GUIDE}/best-practices.html#grant-least-privilege",
        ),
        _code(
            "AWS-RESOURCE-EXPOSURE",
            S,
            "can change who may access resources (policy or ACL writes)",
            "remove permissions-management actions, or limit them to specific resources",
            f"{IAM_GUIDE}/access_policies_understand-policy-summary-access-level-summaries.html",
        ),
        _code(
            "AWS-CREDENTIAL-EXPOSURE",
            W,
            "can create or read credentials",
            "remove it, or limit it to specific resources",
            f"{IAM_GUIDE}/security-creds.html",
        ),
        _code(
            "AWS-TRUST-PUBLIC",
            S,
            "trust policy lets anyone assume the role",
            "name the principals that may assume the role",
            f"{IAM_GUIDE}/reference_policies_elements_principal.html",
        ),
        _code(
            "AWS-TRUST-CROSS-ACCOUNT",
            S,
            "another account may assume the role without sts:ExternalId or an organization condition",
            "add a Condition on sts:ExternalId (third parties) or aws:PrincipalOrgID (your organization)",
            f"{IAM_GUIDE}/id_roles_create_for-user_externalid.html",
        ),
        _code(
            "AWS-TRUST-CONFUSED-DEPUTY",
            W,
            "service may assume the role on behalf of any account",
            "add a Condition on aws:SourceAccount or aws:SourceArn",
            f"{IAM_GUIDE}/confused-deputy.html",
        ),
        _code(
            "AWS-TRUST-OIDC-NO-SUB",
            S,
            "OIDC trust without a condition on the token's sub",
            "add StringEquals on <provider>:sub naming the repository, branch or service account",
            f"{IAM_GUIDE}/id_roles_create_for-idp_oidc.html",
        ),
        _code(
            "AWS-TRUST-OIDC-WILDCARD-SUB",
            S,
            "OIDC trust with a wildcard sub",
            "name the exact subject (for GitHub: repo:ORG/REPO:ref:refs/heads/main)",
            f"{IAM_GUIDE}/id_roles_create_for-idp_oidc.html",
        ),
        _code(
            "AWS-TRUST-OIDC-NO-AUD",
            S,
            "GitHub OIDC trust without a condition on the token's aud",
            'add StringEquals on token.actions.githubusercontent.com:aud = "sts.amazonaws.com" (the audience configure-aws-credentials requests)',
            f"{IAM_GUIDE}/id_roles_create_for-idp_oidc.html",
        ),
        _code(
            "AWS-UNKNOWN-CONDITION-KEY",
            W,
            "unknown condition key",
            "check the spelling; an unknown key is never present, so the condition does not do what it says",
            f"{IAM_GUIDE}/reference_policies_condition-keys.html",
        ),
        _code(
            "AWS-VARIABLE-OLD-VERSION",
            E,
            "policy variable under Version 2008-10-17",
            'set "Version": "2012-10-17"; under the old version ${...} is plain text',
            f"{IAM_GUIDE}/reference_policies_variables.html",
        ),
        _code(
            "AWS-REDUNDANT-STATEMENT",
            G,
            "statement adds nothing",
            "remove it; the other statements already allow everything it allows",
            f"{IAM_GUIDE}/reference_policies_elements_statement.html",
        ),
    )
}
