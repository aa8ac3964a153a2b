"""Privilege findings: iam:PassRole without limits, the published privilege-escalation techniques,
and data exfiltration, resource exposure and credential exposure actions.

The escalation findings come from the one knowledge base, techniques.py, that `iamlab paths` also uses:
a technique is reported when the policy allows every action it needs, each in some context an attacker
controls (decided by the prover when a statement has conditions). One action alone is AWS-PRIVESC-ACTION,
several together AWS-PRIVESC-COMBO. The exposure lists follow the access levels of the Service
Authorization Reference.
"""

from __future__ import annotations

from checker.aws import catalog
from checker.aws.analyze.escalation_access import Access, anyone, new_resource_pattern
from checker.aws.analyze.findings.base import (
    allowed_actions,
    display,
    element_pointers,
    finding,
    statement_actions,
    unrestricted_resource,
)
from checker.aws.analyze.techniques import Technique, all_techniques
from checker.aws.policy import Effect, Policy, PolicyKind, Statement
from checker.core.errors import InputError
from checker.core.findings import Finding, Severity

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
    found.extend(_escalations(policy, granted))
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


def techniques_in_policy(policy: Policy, granted: dict[str, Statement] | None = None) -> list[Technique]:
    """The techniques whose every action the policy allows, each in some context an attacker controls."""
    granted = allowed_actions(policy) if granted is None else granted
    if not granted:
        return []
    access = Access()
    found = []
    for technique in all_techniques():
        actions = [a.lower() for a in technique.actions]
        if all(a in granted for a in actions) and _decided(policy, technique, granted, access):
            found.append(technique)
    return found


def _decided(policy: Policy, technique: Technique, granted: dict[str, Statement], access: Access) -> bool:
    """Unconditional statements grant by themselves; a conditional one counts when the prover finds a
    context the attacker controls in which the policy allows the action (as `iamlab paths` decides)."""
    statements = [granted[a.lower()] for a in technique.actions]
    if not any(s.conditions for s in policy.statements if s.effect is Effect.ALLOW) and all(
        not s.conditions for s in statements
    ):
        return True
    caller = anyone(policy)
    try:
        for need in technique.needs:
            resource = new_resource_pattern(
                need.action, "*"
            )  # any resource of the action's type, any account
            if need.passed_to:
                passing = [{"iam:PassedToService": s} for s in technique.passes_to]
                if not any(access.permits(caller, need.action, resource, fixed) for fixed in passing):
                    return False
            elif access.permits(caller, need.action, resource) is None:
                return False
    except InputError:
        return True  # a pattern past the prover's limits: the conditions cannot be shown to block it
    return True


def describe(technique: Technique) -> str:
    """The technique's explanation, its placeholders left as <target>, <role>, <group>."""
    return technique.how.format(target="<target>", role="<role>", group="<group>")


def _escalations(policy: Policy, granted: dict[str, Statement]) -> list[Finding]:
    found: list[Finding] = []
    techniques = techniques_in_policy(policy, granted)
    singles: dict[int, list[Technique]] = {}
    combos: list[Technique] = []
    for technique in techniques:
        if len(technique.actions) == 1:
            singles.setdefault(granted[technique.actions[0].lower()].index, []).append(technique)
        else:
            combos.append(technique)
    for index, listed in singles.items():
        statement = policy.statements[index]
        severity = None
        if len(listed) == 1:
            t = listed[0]
            message = f"{display(t.actions)} {describe(t)} ({t.id}: {t.name})"
            if t.id == "sts-001" and not unrestricted_resource(statement):
                # Assuming the listed roles is how roles are meant to be used: worth a look, not an alarm.
                severity = Severity.WARNING
                message += "; check that the listed roles hold no more than the caller should get"
        else:
            actions = display([t.actions[0] for t in listed], limit=len(listed))
            ids = ", ".join(t.id for t in listed)
            message = (
                f"statement {statement.label} allows {len(listed)} privilege-escalation techniques: {actions} "
                f"({ids}); each lets the caller give itself more permissions"
            )
        found.append(
            finding("AWS-PRIVESC-ACTION", policy, _action_pointer(policy, statement), message, severity)
        )
    passing = [t for t in combos if t.kind == "pass-role"]
    others = [t for t in combos if t.kind != "pass-role"]
    if passing:
        found.append(_pass_role_combo(policy, granted, passing))
    if others:
        first = others[0]
        statement = granted[first.actions[-1].lower()]
        described = "; ".join(f"{t.id}: {t.name} ({describe(t)})" for t in others[:4])
        more = f"; and {len(others) - 4} more" if len(others) > 4 else ""
        message = f"together these actions are published escalation techniques: {described}{more}"
        found.append(finding("AWS-PRIVESC-COMBO", policy, _action_pointer(policy, statement), message))
    return found


def _pass_role_combo(policy: Policy, granted: dict[str, Statement], passing: list[Technique]) -> Finding:
    named = [t for t in passing if not t.id.startswith("passrole:")] or passing
    first = named[0]
    statement = granted[first.actions[1].lower()]
    described = "; ".join(f"{t.id}: {t.name}" for t in named[:4])
    more = f"; and {len(passing) - min(len(named), 4)} more" if len(passing) > 4 else ""
    any_role = any(
        s.effect is Effect.ALLOW and "iam:passrole" in statement_actions(s) and unrestricted_resource(s)
        for s in policy.statements
    )
    if any_role:
        message = (
            f"iam:PassRole on any role together with {described}{more}: the new compute runs with the "
            "passed role's permissions, which the caller thereby gets"
        )
        return finding("AWS-PRIVESC-COMBO", policy, _action_pointer(policy, statement), message)
    message = (
        f"iam:PassRole on the listed roles together with {described}{more}: the caller gets those roles' "
        "permissions through the new compute; make sure they hold no more than the job needs"
    )
    return finding("AWS-PRIVESC-COMBO", policy, _action_pointer(policy, statement), message, Severity.WARNING)


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
