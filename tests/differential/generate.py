"""Seeded generator of realistic AWS request cases for the differential test and the benchmark.

Each case is one line of the fixed batch format of `iamlab simulate aws --batch` (see
checker/cli/simulate.py). Cases come from families, one per area of AWS's documented behaviour
(action matching, resource matching, policy variables, condition operators, the evaluation flow,
principals in resource policies, KMS key policies, role trust policies). A family only builds
requests AWS could really receive: real actions with resource ARNs of the right type, context keys
that exist for the action, single-valued keys given one value and multi-valued keys a list. That
keeps the comparison about policy semantics rather than about how each tool treats impossible input.

Run `python tests/differential/generate.py [--count N] [--seed S]` to print the cases as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

Json = dict[str, Any]

VERSION = "2012-10-17"
HOME = "111122223333"  # the learner's account
OTHER = "444455556666"  # a partner account, for cross-account requests
ORG_ID = "o-a1b2c3d4e5"

ROLE = f"arn:aws:iam::{HOME}:role/ml-train"
USER = f"arn:aws:iam::{HOME}:user/alice"
SESSION = f"arn:aws:sts::{HOME}:assumed-role/ml-train/train-session"
OTHER_ROLE = f"arn:aws:iam::{OTHER}:role/partner-etl"
OTHER_SESSION = f"arn:aws:sts::{OTHER}:assumed-role/partner-etl/etl-run"
SERVICE = "sagemaker.amazonaws.com"


@dataclass(frozen=True)
class Principal:
    """A caller and the request context AWS derives from it (so both evaluators see the same keys)."""

    arn: str
    account: str
    context: Json = field(default_factory=dict)


def _principal_context(arn: str, account: str) -> Json:
    context: Json = {"aws:PrincipalAccount": account, "aws:PrincipalOrgID": ORG_ID}
    if ":user/" in arn:
        context.update({"aws:PrincipalArn": arn, "aws:username": arn.rsplit("/", 1)[1],
                        "aws:userid": "AIDAEXAMPLEALICE", "aws:PrincipalType": "User"})
    elif ":assumed-role/" in arn:
        role_name, session = arn.split(":assumed-role/", 1)[1].split("/", 1)
        context.update({"aws:PrincipalArn": f"arn:aws:iam::{account}:role/{role_name}",
                        "aws:userid": f"AROAEXAMPLEROLE:{session}", "aws:PrincipalType": "AssumedRole"})
    else:
        context.update({"aws:PrincipalArn": arn, "aws:PrincipalType": "AssumedRole"})
    return context


PRINCIPALS = {
    name: Principal(arn, account, _principal_context(arn, account))
    for name, arn, account in [
        ("role", ROLE, HOME),
        ("user", USER, HOME),
        ("session", SESSION, HOME),
        ("other_role", OTHER_ROLE, OTHER),
        ("other_session", OTHER_SESSION, OTHER),
    ]
}


@dataclass(frozen=True)
class Target:
    """An action and a resource ARN of a type that action accepts, plus keys valid for that pair."""

    action: str
    resource: str
    account: str  # the account that owns the resource
    keys: tuple[str, ...] = ()  # service-specific condition keys AWS sends with this action


TRAINING_JOB = f"arn:aws:sagemaker:us-east-1:{HOME}:training-job/fraud-xgb-2024-05-01"
TARGETS = [
    Target("s3:GetObject", "arn:aws:s3:::acme-ml-datasets/fraud/v3/train.csv", HOME),
    Target("s3:GetObject", "arn:aws:s3:::acme-ml-datasets/churn/v1/part-0001.parquet", HOME),
    Target("s3:PutObject", "arn:aws:s3:::acme-ml-models/fraud/model.tar.gz", HOME),
    Target("s3:DeleteObject", "arn:aws:s3:::acme-ml-models/fraud/old/model.tar.gz", HOME),
    Target("s3:ListBucket", "arn:aws:s3:::acme-ml-datasets", HOME, ("s3:prefix", "s3:max-keys")),
    Target("sagemaker:CreateTrainingJob", TRAINING_JOB, HOME,
           ("sagemaker:InstanceTypes", "sagemaker:MaxRuntimeInSeconds", "sagemaker:NetworkIsolation")),
    Target("sagemaker:InvokeEndpoint", f"arn:aws:sagemaker:us-east-1:{HOME}:endpoint/fraud-scorer", HOME),
    Target("sagemaker:DescribeTrainingJob", TRAINING_JOB, HOME),
    Target("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{HOME}:table/feature-store", HOME),
    Target("dynamodb:PutItem", f"arn:aws:dynamodb:eu-west-1:{HOME}:table/feature-store", HOME),
    Target("ecr:BatchGetImage", f"arn:aws:ecr:us-east-1:{HOME}:repository/trainers/xgboost", HOME),
    Target("logs:PutLogEvents",
           f"arn:aws:logs:us-east-1:{HOME}:log-group:/aws/sagemaker/TrainingJobs:log-stream:fraud-xgb/algo-1",
           HOME),
    Target("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{HOME}:inference-requests", HOME),
    Target("secretsmanager:GetSecretValue",
           f"arn:aws:secretsmanager:us-east-1:{HOME}:secret:feature-db-password-AbCdEf", HOME),
    Target("s3:GetObject", "arn:aws:s3:::partner-shared-data/exports/2024/q1.csv", OTHER),
    Target("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{OTHER}:partner-intake", OTHER),
]
SAME_ACCOUNT_TARGETS = [t for t in TARGETS if t.account == HOME]

# Action patterns: exact, case tricks, wildcards in prefix and name, and patterns that must not match.
def _action_patterns(action: str) -> list[str]:
    service, name = action.split(":")
    return [
        action,
        action.upper(),
        f"{service.upper()}:{name.lower()}",
        f"{service}:{name[:3]}*",
        f"{service}:*{name[-4:]}",
        f"{service}:{name[0]}?{name[2:]}",
        f"{service}:*",
        "*",
        f"{service}:{name}s",  # a different action
        f"{service}:{name[:-1]}",  # a prefix without a wildcard does not match
        f"{'s3' if service != 's3' else 'sqs'}:*",  # another service
        f"{service}:{name[:2]}?*",
        f"{service}:{name}?",
    ]


def policy(*statements: Json, version: str | None = VERSION) -> Json:
    document: Json = {"Statement": list(statements)}
    if version is not None:
        document = {"Version": version, **document}
    return document


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> Json:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> Json:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


ALLOW_ALL = policy(allow())
RCP_FULL_ACCESS = policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})


def case(principal: Principal, target: Target, *, context: Json | None = None, resource: str | None = None,
         identity: list[Json] | None = None, resource_policy: Json | None = None,
         boundary: Json | None = None, session: Json | None = None,
         scps: list[list[Json]] | None = None, rcps: list[list[Json]] | None = None,
         action: str | None = None, resource_account: str | None = None) -> Json:
    merged = dict(principal.context)
    merged.update(context or {})
    return {
        "principal": principal.arn,
        "action": action or target.action,
        "resource": resource or target.resource,
        "resource_account": resource_account or target.account,
        "context": merged,
        "identity_policies": identity if identity is not None else [],
        "resource_policy": resource_policy,
        "permissions_boundary": boundary,
        "session_policy": session,
        "scps": scps if scps is not None else [],
        "rcps": rcps if rcps is not None else [],
    }


# ---------------------------------------------------------------------------------------------------
# Family: action matching (case-insensitive, wildcards, NotAction)
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html


def family_actions(rng: Random) -> Json:
    target = rng.choice(SAME_ACCOUNT_TARGETS)
    principal = PRINCIPALS[rng.choice(["role", "user"])]
    other = rng.choice(TARGETS).action
    patterns = _action_patterns(target.action) + _action_patterns(other)
    chosen: Any = rng.sample(patterns, rng.randint(1, 3))
    if len(chosen) == 1 and rng.random() < 0.5:
        chosen = chosen[0]
    element = "NotAction" if rng.random() < 0.3 else "Action"
    statement: Json = {"Effect": "Allow", element: chosen, "Resource": "*"}
    statements = [statement]
    if rng.random() < 0.35:
        deny_patterns: Any = rng.sample(patterns, rng.randint(1, 2))
        deny_element = "NotAction" if rng.random() < 0.2 else "Action"
        statements.append({"Effect": "Deny", deny_element: deny_patterns, "Resource": "*"})
    return case(principal, target, identity=[policy(*statements)])


# ---------------------------------------------------------------------------------------------------
# Family: resource matching (case-sensitive, component by component, `*`/`?` spanning `/` and `:`)
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html


def _type_prefix_length(arn: str) -> int:
    """Length of the resource-type prefix (`table/`, `log-group:`) that wildcards are kept out of.

    iam-simulate matches that prefix literally (see docs/aws-differences.md, "not compared"), so the
    generator leaves it intact. S3 object and bucket names have no type prefix; names without `/` or `:`
    (SQS queues) are treated as all prefix, so they only get whole or trailing wildcards.
    """
    parts = arn.split(":", 5)
    if parts[2] == "s3":
        return 0
    cuts = [i for i in (parts[5].find("/"), parts[5].find(":")) if i >= 0]
    return min(cuts) + 1 if cuts else len(parts[5])


def _mutate_resource(rng: Random, arn: str) -> str:
    parts = arn.split(":", 5)
    keep = _type_prefix_length(arn)
    head, res = parts[5][:keep], parts[5][keep:]
    kind = rng.randrange(11)
    if kind == 0 or not res:
        if not res:
            parts[5] = rng.choice([parts[5], parts[5] + "*", "*", parts[5][:-1]])
        return ":".join(parts)
    if kind == 1:  # `*` replacing a run of characters (may span / and :)
        start = rng.randrange(len(res))
        end = rng.randrange(start, len(res) + 1)
        res = res[:start] + "*" + res[end:]
    elif kind == 2:  # `?` replacing single characters
        chars = list(res)
        for _ in range(rng.randint(1, 3)):
            chars[rng.randrange(len(chars))] = "?"
        res = "".join(chars)
    elif kind == 3:  # wildcard components
        for index in (1, 3, 4):
            if rng.random() < 0.4:
                parts[index] = "*"
    elif kind == 4:  # wrong region or account
        index = rng.choice([3, 4])
        parts[index] = {3: "eu-central-1", 4: OTHER}[index] if parts[index] else "*"
    elif kind == 5:  # case change: ARNs are case-sensitive
        letters = [i for i, ch in enumerate(res) if ch.isalpha()]
        if letters:
            i = rng.choice(letters)
            res = res[:i] + res[i].swapcase() + res[i + 1:]
    elif kind == 6:  # prefix wildcard
        res = res[: rng.randrange(len(res))] + "*"
    elif kind == 7:  # `?` that would have to match nothing
        res = res + "?"
    elif kind == 8:  # several wildcards
        res = "*" + res[2:-2] + "*" if len(res) > 4 else "*"
    elif kind == 9:  # a different resource of the same type
        res = "other-thing"
    elif parts[3]:  # wildcard region with `?`
        parts[3] = parts[3][:-1] + "?"
    else:
        res = "*"
    parts[5] = head + res
    return ":".join(parts)


def family_resources(rng: Random) -> Json:
    target = rng.choice(SAME_ACCOUNT_TARGETS)
    principal = PRINCIPALS[rng.choice(["role", "user", "session"])]
    resources: Any = [_mutate_resource(rng, target.resource) for _ in range(rng.randint(1, 3))]
    if len(resources) == 1 and rng.random() < 0.5:
        resources = resources[0]
    element = "NotResource" if rng.random() < 0.25 else "Resource"
    statements = [{"Effect": "Allow", "Action": target.action, element: resources}]
    if rng.random() < 0.3:
        statements.append({"Effect": "Deny", "Action": "*",
                           rng.choice(["Resource", "NotResource"]): _mutate_resource(rng, target.resource)})
    return case(principal, target, identity=[policy(*statements)])


# ---------------------------------------------------------------------------------------------------
# Family: policy variables, defaults, escapes, and Version 2008-10-17
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html

TEAMS = ["fraud", "churn", "vision"]


def _resolved(variable: str, context: Json) -> str | None:
    """What AWS substitutes for `${key}` or `${key, 'default'}`, or None when it cannot resolve it."""
    inner = variable[2:-1]
    key, _, default = inner.partition(", ")
    lowered = {k.lower(): v for k, v in context.items()}
    value = lowered.get(key.lower())
    if isinstance(value, str):
        return value
    return default.strip("'") if default else None


def family_variables(rng: Random) -> Json:
    principal = PRINCIPALS[rng.choice(["user", "user", "role", "session"])]
    team = rng.choice(TEAMS)
    context: Json = {}
    if rng.random() < 0.8:
        context["aws:PrincipalTag/team"] = rng.choice([team, team, team, "other"])
    variable = rng.choice([
        "${aws:PrincipalTag/team}",
        "${aws:PrincipalTag/team}",
        "${aws:PrincipalTag/team, 'none'}",
        "${aws:PrincipalTag/team, 'none'}",
        "${aws:principaltag/TEAM}",
        "${aws:PrincipalTag/team, 'other'}",
        "${aws:PrincipalTag/missing, 'none'}",
        "${aws:PrincipalTag/missing}",
    ])
    user_pattern = rng.choice(["${aws:username}", "${aws:username}", "*", "alice", "${aws:userid}"])
    version = rng.choice([VERSION, VERSION, VERSION, "2008-10-17", None])
    # Most requests name the path the variables resolve to, so that allows are common; the rest name a
    # neighbour, or the literal text (which only 2008-10-17 policies match).
    merged = {**principal.context, **context}
    path_team = _resolved(variable, merged) or "none"
    user_part = _resolved(user_pattern, merged) if user_pattern.startswith("${") else "alice"
    if rng.random() < 0.25:
        path_team = rng.choice(["other", "none", team])
    if rng.random() < 0.25 or user_part is None:
        user_part = rng.choice(["alice", "bob"])
    if version != VERSION and rng.random() < 0.5:
        # Literal text, which only 2008-10-17 policies match (requests never name resources with `*`).
        path_team, user_part = variable, (user_pattern if user_pattern != "*" else "alice")
    bucket = "arn:aws:s3:::acme-ml-datasets"
    target = Target("s3:GetObject", f"{bucket}/{path_team}/{user_part}/data.csv", HOME)
    statement = allow("s3:GetObject", f"{bucket}/{variable}/{user_pattern}/*")
    if rng.random() < 0.4:  # a variable in a condition value too
        statement["Condition"] = {rng.choice(["StringEquals", "StringLike"]): {
            "aws:PrincipalTag/team": rng.choice(["${aws:PrincipalTag/team}", f"{team}*", "${aws:username}"])}}
    return case(principal, target, context=context, identity=[policy(statement, version=version)])


def family_escapes(rng: Random) -> Json:
    """The escapes ${*}, ${?} and ${$} stand for the literal characters, in resources and condition values."""
    principal = PRINCIPALS["role"]
    target = rng.choice([t for t in SAME_ACCOUNT_TARGETS if t.action == "s3:GetObject"])
    literal = rng.choice(["*", "?", "$"])
    escape = "${" + literal + "}"
    value_in_request = rng.choice([f"release{literal}candidate", "release-candidate", "releaseXcandidate"])
    pattern_value = rng.choice([f"release{escape}candidate", f"release{escape}*", "release?candidate"])
    if literal == "*" or rng.random() < 0.5:
        # Requests may not name resources with `*`, so test the `*` escape on a condition value.
        statement = allow("s3:GetObject", target.resource,
                          Condition={"StringLike": {"aws:PrincipalTag/stage": pattern_value}})
        context = {"aws:PrincipalTag/stage": value_in_request}
        resource = target.resource
    else:
        bucket = target.resource.split("/", 1)[0]
        statement = allow("s3:GetObject", f"{bucket}/{pattern_value}/*")
        context = {}
        resource = f"{bucket}/{value_in_request}/model.bin"
    version = rng.choice([VERSION, VERSION, "2008-10-17"])
    return case(principal, target, context=context, resource=resource,
                identity=[policy(statement, version=version)])


def family_null_values(rng: Random) -> Json:
    """Policy variables with no value: a null value never invalidates a statement on its own, the missing-key
    rules come first, and "Inverted condition operators like StringNotEquals or StringNotLike do match
    against a null value" (reference_policies_variables.html#policy-vars-no-value). The guide's example is
    a Deny of s3:GetObject with StringNotEquals s3:ExistingObjectTag/Team = ${aws:PrincipalTag/Team}."""
    principal = PRINCIPALS[rng.choice(["role", "user", "session"])]
    target = Target("s3:GetObject", "arn:aws:s3:::acme-ml-datasets/fraud/v3/train.csv", HOME)
    context: Json = {}
    if rng.random() < 0.7:
        context["s3:ExistingObjectTag/Team"] = rng.choice(["fraud", "churn"])
    if rng.random() < 0.35:
        context["aws:PrincipalTag/Team"] = rng.choice(["fraud", "churn"])
    if rng.random() < 0.5:
        context["aws:TagKeys"] = rng.choice([["fraud"], ["fraud", "churn"], ["Team"]])
    variable = rng.choice(["${aws:PrincipalTag/Team}"] * 3 + ["${aws:PrincipalTag/Team, 'none'}"])
    form = rng.choice(["string", "string", "string", "set", "arn"])
    if form == "set":
        operator = rng.choice(["ForAllValues:", "ForAnyValue:"]) + rng.choice(
            ["StringEquals", "StringNotEquals", "StringLike", "StringNotLike"])
        key, values = "aws:TagKeys", [variable]
    elif form == "arn":
        operator = rng.choice(["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"]) + rng.choice(["", "IfExists"])
        key, values = "aws:SourceArn", [f"arn:aws:s3:::{variable}"]
        if rng.random() < 0.6:
            context["aws:SourceArn"] = rng.choice(["arn:aws:s3:::fraud", "arn:aws:s3:::none"])
    else:
        operator = rng.choice(["StringEquals", "StringNotEquals", "StringLike", "StringNotLike",
                               "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"]) + rng.choice(["", "", "IfExists"])
        key, values = "s3:ExistingObjectTag/Team", [rng.choice([variable, variable, f"{variable}*"])]
    if rng.random() < 0.25:  # beside a literal value: the case the guide leaves open
        values.append(rng.choice(["arn:aws:s3:::fraud", "arn:aws:s3:::*"] if form == "arn" else ["fraud", "Team"]))
    condition = {operator: {key: values if len(values) > 1 else values[0]}}
    shape = rng.choice(["deny", "deny", "allow", "not_resource"])
    bucket = "arn:aws:s3:::acme-ml-datasets"
    if shape == "deny":
        statements = [allow("s3:GetObject", "*"), deny("s3:GetObject", "*", Condition=condition)]
    elif shape == "allow":
        statements = [allow("s3:GetObject", f"{bucket}/*", Condition=condition)]
    else:  # a NotResource entry with a null value excludes nothing
        not_resource = rng.choice([f"{bucket}/{variable}/*", f"{bucket}/fraud/*"])
        statements = [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": not_resource}]
    return case(principal, target, context=context, identity=[policy(*statements)])


# ---------------------------------------------------------------------------------------------------
# Family: condition operators
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html


@dataclass(frozen=True)
class KeySpec:
    name: str
    kind: str  # string, number, date, bool, ip, arn, binary
    multi: bool
    values: tuple[Any, ...]  # request values to draw from
    patterns: tuple[str, ...]  # policy values to draw from
    for_action: str | None = None  # a service key only exists for this action


STRING_KEYS = [
    KeySpec("aws:PrincipalTag/team", "string", False, ("fraud", "Fraud", "churn", "fraud-eu", ""),
            ("fraud", "FRAUD", "fr*", "fraud?eu", "*", "churn", "", "${aws:PrincipalTag/project}")),
    KeySpec("aws:RequestedRegion", "string", False, ("us-east-1", "eu-west-1", "US-EAST-1"),
            ("us-east-1", "us-*", "eu-west-?", "ap-*")),
    KeySpec("aws:SourceVpc", "string", False, ("vpc-0a1b2c3d", "vpc-99999999"), ("vpc-0a1b2c3d", "vpc-*")),
    KeySpec("s3:prefix", "string", False, ("fraud/", "fraud/v3/", "churn/", ""),
            ("fraud/", "fraud/*", "", "*"), "s3:ListBucket"),
    KeySpec("aws:TagKeys", "string", True, (["team"], ["team", "cost"], ["Team"], ["owner", "team"], []),
            ("team", "cost", "t*", "Team", "owner")),
    KeySpec("aws:CalledVia", "string", True, (["athena.amazonaws.com"],
                                             ["cloudformation.amazonaws.com", "athena.amazonaws.com"], []),
            ("athena.amazonaws.com", "*.amazonaws.com", "cloudformation.amazonaws.com")),
    KeySpec("sagemaker:InstanceTypes", "string", True,
            (["ml.m5.xlarge"], ["ml.m5.xlarge", "ml.p3.2xlarge"], ["ml.g5.12xlarge"]),
            ("ml.m5.xlarge", "ml.m5.*", "ml.p3.2xlarge", "ml.*"), "sagemaker:CreateTrainingJob"),
]
OTHER_KEYS = [
    KeySpec("aws:MultiFactorAuthAge", "number", False, ("30", "3600", "86400", "0"),
            ("3600", "3600.0", "0", "86400", "-1")),
    KeySpec("s3:max-keys", "number", False, ("10", "1000", "1001"), ("1000", "10", "500"), "s3:ListBucket"),
    KeySpec("sagemaker:MaxRuntimeInSeconds", "number", False, ("3600", "86400", "172800"),
            ("86400", "3600"), "sagemaker:CreateTrainingJob"),
    KeySpec("aws:CurrentTime", "date", False,
            ("2026-06-01T12:00:00Z", "2025-01-01T00:00:00Z", "2026-12-31T23:59:59Z"),
            ("2026-01-01T00:00:00Z", "2026-06-01T12:00:00Z", "2026-06-01", "2027-01-01T00:00:00+00:00",
             "1767225600")),
    KeySpec("aws:TokenIssueTime", "date", False, ("2026-06-01T11:00:00Z", "2026-05-01T00:00:00Z"),
            ("2026-06-01T00:00:00Z", "2026-05-15T00:00:00Z")),
    KeySpec("aws:EpochTime", "date", False, ("1767225600", "1780315200"),
            ("1767225600", "2026-06-01T12:00:00Z", "1780315200")),
    KeySpec("aws:SecureTransport", "bool", False, ("true", "false"), ("true", "false")),
    KeySpec("aws:MultiFactorAuthPresent", "bool", False, ("true", "false"), ("true", "false")),
    KeySpec("aws:ViaAWSService", "bool", False, ("true", "false"), ("true", "false")),
    KeySpec("sagemaker:NetworkIsolation", "bool", False, ("true", "false"), ("true", "false"),
            "sagemaker:CreateTrainingJob"),
    KeySpec("aws:SourceIp", "ip", False,
            ("10.1.2.3", "192.0.2.17", "203.0.113.200", "2001:db8::1", "2001:db8:abcd::42", "::1"),
            ("10.0.0.0/8", "192.0.2.0/24", "203.0.113.200/32", "203.0.113.200", "0.0.0.0/0",
             "2001:db8::/32", "2001:db8:abcd::/48", "::/0", "192.0.2.16/28")),
    KeySpec("aws:SourceArn", "arn", False,
            (f"arn:aws:sagemaker:us-east-1:{HOME}:training-job/fraud-xgb",
             f"arn:aws:sagemaker:us-east-1:{OTHER}:training-job/fraud-xgb",
             "arn:aws:s3:::acme-ml-datasets"),
            (f"arn:aws:sagemaker:us-east-1:{HOME}:training-job/*", f"arn:aws:sagemaker:*:{HOME}:*",
             "arn:aws:s3:::acme-ml-datasets", f"arn:aws:sagemaker:us-east-1:{HOME}:training-job/fraud-xgb",
             "arn:aws:*:*:*:*", "arn:aws:s3:::acme-*")),
    KeySpec("aws:PrincipalTag/cert", "binary", False, ("QmluYXJ5VmFsdWU=", "T3RoZXI="),
            ("QmluYXJ5VmFsdWU=", "T3RoZXI=")),
]
ALL_KEYS = STRING_KEYS + OTHER_KEYS

OPERATORS = {
    "string": ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
               "StringLike", "StringNotLike"],
    "number": ["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
               "NumericGreaterThan", "NumericGreaterThanEquals"],
    "date": ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
             "DateGreaterThanEquals"],
    "bool": ["Bool"],
    "ip": ["IpAddress", "NotIpAddress"],
    "arn": ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
    "binary": ["BinaryEquals"],
}


def _key_name_case(rng: Random, name: str) -> str:
    # Condition key names are case-insensitive.
    choice = rng.randrange(6)
    if choice == 0:
        return name.lower()
    if choice == 1:
        prefix, rest = name.split(":", 1)
        return f"{prefix.upper()}:{rest}"
    return name


def _condition_block(rng: Random, keys: list[KeySpec]) -> tuple[Json, Json]:
    """A Condition element over the given keys, and a request context for them (some keys absent)."""
    condition: Json = {}
    context: Json = {}
    for spec in keys:
        operator = rng.choice(OPERATORS[spec.kind])
        set_operator = rng.choice(["ForAllValues:", "ForAnyValue:"]) if spec.multi else ""
        # Not generated (AWS's docs leave it open; see docs/aws-differences.md, "not compared"):
        # a single-valued operator on a multivalued key.
        if rng.random() < 0.25:
            operator += "IfExists"
        operator = set_operator + operator
        if rng.random() < 0.12:
            operator = "Null"
            values: Any = rng.choice(["true", "false"])
        else:
            values = rng.sample(spec.patterns, rng.randint(1, min(3, len(spec.patterns))))
            if len(values) == 1 and rng.random() < 0.5:
                values = values[0]
        condition.setdefault(operator, {})[_key_name_case(rng, spec.name)] = values
        presence = rng.random()
        if presence < 0.8:
            value = rng.choice(spec.values)
            if operator == "Null" and value == []:
                value = rng.choice([v for v in spec.values if v])  # is an empty set "present"? undocumented
            context[spec.name] = value
        if spec.name == "aws:PrincipalTag/team" and rng.random() < 0.6:
            context["aws:PrincipalTag/project"] = rng.choice(["fraud", "churn"])
    return condition, context


def _keys_for(rng: Random, target: Target, count: int) -> list[KeySpec]:
    usable = [k for k in ALL_KEYS if k.for_action in (None, target.action)]
    service_keys = [k for k in usable if k.for_action == target.action]
    chosen = rng.sample(usable, count)
    if service_keys and rng.random() < 0.6 and not any(k in chosen for k in service_keys):
        chosen[0] = rng.choice(service_keys)
    return chosen


def family_conditions(rng: Random) -> Json:
    target = rng.choice(SAME_ACCOUNT_TARGETS + [t for t in SAME_ACCOUNT_TARGETS if t.keys] * 2)
    principal = PRINCIPALS[rng.choice(["role", "user", "session"])]
    keys = _keys_for(rng, target, rng.choice([1, 1, 1, 2, 2, 3]))
    condition, context = _condition_block(rng, keys)
    statements: list[Json] = [allow(target.action, target.resource, Condition=condition)]
    if rng.random() < 0.3:  # the same operators in a Deny: negated matching decides there
        deny_condition, deny_context = _condition_block(rng, _keys_for(rng, target, 1))
        statements.append(deny(target.action, "*", Condition=deny_condition))
        for key, value in deny_context.items():
            context.setdefault(key, value)
        null_keys = {key.lower() for key in deny_condition.get("Null", {})}
        for spec in ALL_KEYS:
            if spec.name.lower() in null_keys and context.get(spec.name) == []:
                context[spec.name] = next(v for v in spec.values if v)  # see _condition_block on Null
    return case(principal, target, context=context, identity=[policy(*statements)])


# ---------------------------------------------------------------------------------------------------
# Family: the evaluation flow across policy types
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html


def _statement_of(rng: Random, target: Target, role: str) -> Json | None:
    """A statement that matches the request or not, for the given role in the flow."""
    service = target.action.split(":")[0]
    kind = rng.choice(["allow"] * 4 + ["allow_service"] * 2 + ["allow_other", "deny"]
                      + ["deny_other"] * 2 + ["deny_cond"] * 2 + ["none"])
    if kind == "none":
        return None
    if kind == "allow":
        return allow(target.action, target.resource)
    if kind == "allow_service":
        return allow(f"{service}:*", "*")
    if kind == "allow_other":
        return allow("ec2:*", "*")
    if kind == "deny":
        return deny(target.action, "*")
    if kind == "deny_other":
        return deny(f"{service}:Delete*", "*")
    return deny(f"{service}:*", "*", Condition={"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}})


def _maybe_policy(rng: Random, target: Target, role: str, absent: float) -> Json | None:
    if rng.random() < absent:
        return None
    statements = [s for s in (_statement_of(rng, target, role) for _ in range(rng.randint(1, 3))) if s]
    return policy(*statements) if statements else policy(allow("ec2:DescribeInstances"))


def _scp_levels(rng: Random, target: Target) -> list[list[Json]]:
    if rng.random() < 0.3:
        return []  # no organization
    levels: list[list[Json]] = []
    for _ in range(rng.randint(1, 3)):
        level = [ALLOW_ALL] if rng.random() < 0.8 else []
        if rng.random() < 0.35:
            statement = _statement_of(rng, target, "scp")
            if statement:
                level.append(policy(statement))
        if not level:
            level.append(policy(allow("ec2:*")))  # a level that does not allow the action
        levels.append(level)
    return levels


# RCPs apply to a documented list of services only.
RCP_SERVICES = {"s3", "sts", "sqs", "kms", "secretsmanager", "dynamodb", "ecr", "logs"}


def _rcp_levels(rng: Random, target: Target) -> list[list[Json]]:
    service = target.action.split(":")[0]
    if rng.random() < 0.6 or service not in RCP_SERVICES:
        return []
    statement = rng.choice([
        {"Effect": "Deny", "Principal": "*", "Action": f"{service}:*", "Resource": "*",
         "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}},
        {"Effect": "Deny", "Principal": "*", "Action": f"{service}:*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}},
        {"Effect": "Deny", "Principal": "*", "Action": [f"{service}:*", "sts:*"], "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalAccount": HOME}}},
    ])
    # RCPFullAWSAccess is attached to every root, OU and account and cannot be detached
    # (orgs_manage_policies_rcps.html): a level may list it or leave it implicit.
    return [[RCP_FULL_ACCESS, policy(statement)] if rng.random() < 0.5 else [policy(statement)]
            for _ in range(rng.randint(1, 2))]


def family_flow(rng: Random) -> Json:
    target = rng.choice(TARGETS)
    principal = PRINCIPALS[rng.choice(["role", "user", "session", "other_role", "other_session"])]
    identity = [p for p in (_maybe_policy(rng, target, "identity", 0.15) for _ in range(rng.randint(1, 2))) if p]
    boundary = _maybe_policy(rng, target, "boundary", 0.6)
    session = _maybe_policy(rng, target, "session", 0.6) if ":assumed-role/" in principal.arn else None
    resource_policy = None
    if rng.random() < 0.5 and target.action.split(":")[0] in ("s3", "sqs", "secretsmanager"):
        resource_policy = _resource_policy(rng, target, principal, boundary=boundary is not None)
    context = {"aws:RequestedRegion": rng.choice(["us-east-1", "us-east-1", "eu-west-1"]),
               "aws:SecureTransport": rng.choice(["true", "true", "false"])}
    return case(principal, target, context=context, identity=identity, boundary=boundary, session=session,
                resource_policy=resource_policy, scps=_scp_levels(rng, target), rcps=_rcp_levels(rng, target))


# ---------------------------------------------------------------------------------------------------
# Family: principals in resource-based policies, same and cross account, the session exceptions
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html


def _principal_element(rng: Random, principal: Principal) -> tuple[str, Any]:
    account = principal.account
    role_arn = principal.context.get("aws:PrincipalArn", principal.arn)
    form = rng.choice(["account", "root", "arn", "role_of_session", "session", "star", "aws_star", "service",
                       "other_account", "list"])
    value: Any
    if form == "account":
        value = {"AWS": account}
    elif form == "root":
        value = {"AWS": f"arn:aws:iam::{account}:root"}
    elif form == "arn":
        value = {"AWS": principal.arn}
    elif form == "role_of_session":
        value = {"AWS": role_arn}
    elif form == "session":
        value = {"AWS": SESSION if account == HOME else OTHER_SESSION}
    elif form == "star":
        value = "*"
    elif form == "aws_star":
        value = {"AWS": "*"}
    elif form == "service":
        value = {"Service": SERVICE}
    elif form == "other_account":
        value = {"AWS": OTHER if account == HOME else HOME}
    else:
        value = {"AWS": [f"arn:aws:iam::{OTHER if account == HOME else HOME}:root", role_arn]}
    return "Principal", value


def _not_principal_element(rng: Random, principal: Principal) -> Any:
    """NotPrincipal in the two forms AWS documents plainly (reference_policies_elements_notprincipal.html):
    every ARN of the caller listed together with its account (excluded from the Deny), or only another
    account listed (the Deny applies). Partial lists are left out: see docs/aws-differences.md."""
    other = OTHER if principal.account == HOME else HOME
    if rng.random() < 0.5:
        listed = [f"arn:aws:iam::{principal.account}:root", principal.arn]
        role_arn = principal.context.get("aws:PrincipalArn", principal.arn)
        if role_arn != principal.arn:
            listed.append(role_arn)
        return {"AWS": listed}
    return {"AWS": f"arn:aws:iam::{other}:root"}


def _resource_policy(rng: Random, target: Target, principal: Principal, boundary: bool = False) -> Json:
    element, value = _principal_element(rng, principal)
    if rng.random() < (0.3 if boundary else 0.1):
        # With a permissions boundary, Deny + NotPrincipal denies every IAM principal (boundaries page).
        element, value = "NotPrincipal", _not_principal_element(rng, principal)
    effect = "Deny" if element == "NotPrincipal" or rng.random() < 0.2 else "Allow"
    statement: Json = {"Effect": effect, element: value, "Action": target.action, "Resource": target.resource}
    statements = [statement]
    if rng.random() < 0.25:
        statements.append({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{HOME}:root"},
                           "Action": "*", "Resource": target.resource})
    return policy(*statements)


def family_principals(rng: Random) -> Json:
    target = rng.choice([t for t in TARGETS if t.action.split(":")[0] in ("s3", "sqs", "secretsmanager")])
    names = ["role", "user", "session", "other_role", "other_session"]
    principal = PRINCIPALS[rng.choice(names)]
    identity = [policy(allow(target.action, target.resource))] if rng.random() < 0.5 else []
    boundary = rng.choice([None, None, policy(allow("ec2:*")), policy(allow(target.action, "*"))])
    session = None
    if ":assumed-role/" in principal.arn and rng.random() < 0.6:
        session = rng.choice([policy(allow("ec2:*")), policy(allow("*"))])
    return case(principal, target, identity=identity, boundary=boundary, session=session,
                resource_policy=_resource_policy(rng, target, principal, boundary=boundary is not None))


def family_service_principal(rng: Random) -> Json:
    target = rng.choice([t for t in SAME_ACCOUNT_TARGETS if t.action.startswith(("s3:", "sqs:"))])
    principal = Principal(SERVICE, "", {})
    element: Any = rng.choice([{"Service": SERVICE}, {"Service": "lambda.amazonaws.com"}, "*",
                               {"Service": [SERVICE, "glue.amazonaws.com"]}])
    statement: Json = {"Effect": "Allow", "Principal": element, "Action": target.action,
                       "Resource": target.resource}
    context: Json = {}
    if rng.random() < 0.5:
        source = rng.choice([TRAINING_JOB, f"arn:aws:sagemaker:us-east-1:{OTHER}:training-job/x"])
        context = {"aws:SourceArn": source, "aws:SourceAccount": source.split(":")[4]}
        statement["Condition"] = {"ArnLike": {"aws:SourceArn": f"arn:aws:sagemaker:us-east-1:{HOME}:*"}}
    return case(principal, target, context=context, resource_policy=policy(statement))


# ---------------------------------------------------------------------------------------------------
# Family: a wildcard Principal narrowed by aws:PrincipalArn escapes boundaries and session policies
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
# "Permissions boundaries and session policies do not limit permissions granted using the aws:PrincipalArn
# condition key with a wildcard(*) in the Principal element, unless the identity-based policies contain an
# explicit deny"


def family_principal_arn(rng: Random) -> Json:
    target = rng.choice([t for t in TARGETS if t.action.split(":")[0] in ("s3", "sqs", "secretsmanager")])
    principal = PRINCIPALS[rng.choice(["role", "user", "session", "session", "other_session"])]
    caller_arn = principal.context["aws:PrincipalArn"]
    operator, value = rng.choice([
        ("ArnEquals", caller_arn), ("ArnLike", caller_arn.rsplit("/", 1)[0] + "/*"),
        ("StringEquals", caller_arn), ("StringLike", f"arn:aws:iam::{principal.account}:*"),
        ("ArnEquals", f"arn:aws:iam::{HOME}:role/other"), ("ArnNotEquals", USER),
    ])
    grantee = rng.choice(["*", {"AWS": "*"}])
    statement: Json = {"Effect": "Allow", "Principal": grantee, "Action": target.action,
                       "Resource": target.resource, "Condition": {operator: {"aws:PrincipalArn": value}}}
    nothing = policy(allow("ec2:DescribeInstances"))
    boundary = rng.choice([None, nothing, nothing, policy(allow(target.action, "*"))])
    session = None
    if ":assumed-role/" in principal.arn:
        session = rng.choice([None, nothing, nothing, policy(allow("*"))])
    identity = rng.choice([[], [], [policy(allow(target.action, "*"))], [policy(deny(target.action, "*"))]])
    return case(principal, target, identity=identity, boundary=boundary, session=session,
                resource_policy=policy(statement))


# ---------------------------------------------------------------------------------------------------
# Family: the account root user
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
# "By default, all requests are implicitly denied with the exception of the AWS account root user, which
# has full access". SCPs still limit a member account's root user; across accounts the other account's
# resource-based policy decides.


def family_root_user(rng: Random) -> Json:
    account = rng.choice([HOME, HOME, OTHER])
    root = f"arn:aws:iam::{account}:root"
    principal = Principal(root, account, {"aws:PrincipalAccount": account, "aws:PrincipalArn": root,
                                          "aws:PrincipalType": "Account", "aws:userid": account})
    target = rng.choice([t for t in TARGETS if t.action.split(":")[0] in ("s3", "sqs", "dynamodb", "sagemaker")])
    resource_policy = None
    if target.action.split(":")[0] in ("s3", "sqs") and rng.random() < 0.6:
        grantee: Any = rng.choice([{"AWS": account}, {"AWS": root}, {"AWS": OTHER if account == HOME else HOME},
                                   {"AWS": ROLE}])
        effect = "Deny" if rng.random() < 0.2 else "Allow"
        resource_policy = policy({"Effect": effect, "Principal": grantee, "Action": target.action,
                                  "Resource": target.resource})
    scps = rng.choice([[], [], [[ALLOW_ALL]], [[policy(allow("ec2:*"))]], [[ALLOW_ALL, policy(deny(target.action))]]])
    return case(principal, target, resource_policy=resource_policy, scps=scps)


# ---------------------------------------------------------------------------------------------------
# Family: federated user sessions from GetFederationToken
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getfederationtoken.html
# "In most cases if you do not pass a policy with the GetFederationToken API call, the resulting temporary
# security credentials have no permissions. However, a resource-based policy can provide additional
# permissions for the session." The batch field session_policy is the policy passed (null: none).

FEDERATED_USER = f"arn:aws:sts::{HOME}:federated-user/bob"


def family_federation(rng: Random) -> Json:
    principal = Principal(FEDERATED_USER, HOME, {
        "aws:PrincipalAccount": HOME, "aws:PrincipalArn": FEDERATED_USER, "aws:PrincipalType": "FederatedUser",
        "aws:userid": f"{HOME}:bob", "aws:PrincipalOrgID": ORG_ID})
    target = rng.choice([t for t in SAME_ACCOUNT_TARGETS if t.action.split(":")[0] in ("s3", "sqs", "secretsmanager")])
    identity = rng.choice([[policy(allow(target.action, "*"))], [policy(allow("*"))], [],
                           [policy(allow("*"), deny(target.action))]])
    session = rng.choice([None, None, policy(allow(target.action, "*")), policy(allow("ec2:*"))])
    resource_policy = None
    if rng.random() < 0.5:
        grantee = rng.choice([{"AWS": FEDERATED_USER}, {"AWS": HOME}, {"AWS": f"arn:aws:iam::{HOME}:root"}])
        resource_policy = policy({"Effect": "Allow", "Principal": grantee, "Action": target.action,
                                  "Resource": target.resource})
    return case(principal, target, identity=identity, session=session, resource_policy=resource_policy)


# ---------------------------------------------------------------------------------------------------
# Family: KMS key policies
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html

KEY_ARN = f"arn:aws:kms:us-east-1:{HOME}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def family_kms(rng: Random) -> Json:
    target = Target(rng.choice(["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"]), KEY_ARN, HOME)
    principal = PRINCIPALS[rng.choice(["role", "session", "user", "other_role"])]
    key_statements: list[Json] = []
    form = rng.choice(["root", "account", "role", "other_root", "none", "role_and_root"])
    if form in ("root", "role_and_root"):
        key_statements.append({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                               "Principal": {"AWS": f"arn:aws:iam::{HOME}:root"}, "Action": "kms:*",
                               "Resource": "*"})
    if form == "account":
        key_statements.append({"Effect": "Allow", "Principal": {"AWS": HOME}, "Action": "kms:*", "Resource": "*"})
    if form in ("role", "role_and_root"):
        key_statements.append({"Effect": "Allow", "Principal": {"AWS": principal.context["aws:PrincipalArn"]},
                               "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"})
    if form == "other_root":
        key_statements.append({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                               "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"})
    key_policy = policy(*key_statements) if key_statements else None
    identity = [policy(allow(rng.choice(["kms:Decrypt", "kms:*", "kms:Generate*"]), rng.choice([KEY_ARN, "*"])))]
    if rng.random() < 0.3:
        identity = []
    return case(principal, target, identity=identity, resource_policy=key_policy)


# ---------------------------------------------------------------------------------------------------
# Family: role trust policies for sts:AssumeRole and sts:AssumeRoleWithWebIdentity
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html

TARGET_ROLE = f"arn:aws:iam::{HOME}:role/sagemaker-exec"
GITHUB = "token.actions.githubusercontent.com"
OIDC_PROVIDER = f"arn:aws:iam::{HOME}:oidc-provider/{GITHUB}"


def family_trust(rng: Random) -> Json:
    principal = PRINCIPALS[rng.choice(["role", "user", "session", "other_role"])]
    # Tagging the session or setting a source identity is its own action, also checked against the
    # role's trust policy (id_session-tags.html); the batch format reads resource_policy as that trust policy.
    action = rng.choice(["sts:AssumeRole"] * 4 + ["sts:TagSession", "sts:SetSourceIdentity"])
    target = Target(action, TARGET_ROLE, HOME)
    trusted_actions: Any = rng.choice(["sts:AssumeRole", ["sts:AssumeRole", "sts:TagSession"],
                                       ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"], "sts:*"])
    form = rng.choice(["arn", "root", "account", "other_root", "service", "star_cond", "role_of_session"])
    trusted: Any
    condition: Json | None = None
    if form == "arn":
        trusted = {"AWS": principal.arn}
    elif form == "role_of_session":
        trusted = {"AWS": principal.context["aws:PrincipalArn"]}
    elif form == "root":
        trusted = {"AWS": f"arn:aws:iam::{principal.account}:root"}
    elif form == "account":
        trusted = {"AWS": principal.account}
    elif form == "other_root":
        trusted = {"AWS": f"arn:aws:iam::{OTHER if principal.account == HOME else HOME}:root"}
    elif form == "service":
        trusted = {"Service": SERVICE}
    else:
        trusted = {"AWS": "*"}
        condition = {"ArnEquals": {"aws:PrincipalArn": rng.choice([ROLE, USER, OTHER_ROLE])}}
    statement: Json = {"Effect": "Allow", "Principal": trusted, "Action": trusted_actions}
    if condition:
        statement["Condition"] = condition
    identity = []
    if rng.random() < 0.6:
        granted = rng.choice(["sts:AssumeRole", action, "sts:*"])
        identity = [policy(allow(granted, rng.choice([TARGET_ROLE, "*", f"arn:aws:iam::{HOME}:role/other"])))]
    return case(principal, target, identity=identity, resource_policy=policy(statement))


SAML_PROVIDER = f"arn:aws:iam::{HOME}:saml-provider/corp-idp"


def family_saml(rng: Random) -> Json:
    """sts:AssumeRoleWithSAML: the trust policy names the SAML provider and tests SAML keys."""
    principal = Principal(SAML_PROVIDER, HOME, {})
    target = Target("sts:AssumeRoleWithSAML", TARGET_ROLE, HOME)
    federated = rng.choice([SAML_PROVIDER, SAML_PROVIDER, f"arn:aws:iam::{HOME}:saml-provider/other-idp"])
    statement: Json = {"Effect": "Allow", "Principal": {"Federated": federated},
                       "Action": rng.choice(["sts:AssumeRoleWithSAML", ["sts:AssumeRoleWithSAML", "sts:TagSession"]])}
    if rng.random() < 0.7:
        statement["Condition"] = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
    context = {"saml:aud": rng.choice(["https://signin.aws.amazon.com/saml", "https://example.com/other"])}
    return case(principal, target, context=context, resource_policy=policy(statement))


# ---------------------------------------------------------------------------------------------------
# Family: IAM rules on AWS-managed policies and service-linked roles
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
# https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html


def family_iam_protected(rng: Random) -> Json:
    principal = PRINCIPALS[rng.choice(["role", "user"])]
    kind = rng.choice(["managed", "managed", "customer", "role"])
    if kind == "managed":
        action = rng.choice(["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"])
        resource = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
    elif kind == "customer":
        action = rng.choice(["iam:CreatePolicyVersion", "iam:DeletePolicy"])
        resource = f"arn:aws:iam::{HOME}:policy/ml-team-data-access"
    else:
        action = rng.choice(["iam:PassRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:GetRole"])
        resource = f"arn:aws:iam::{HOME}:role/sagemaker-exec"
    target = Target(action, resource, "aws" if ":aws:policy/" in resource else HOME)
    granted = rng.choice(["iam:*", action, "iam:Get*"])
    return case(principal, target, identity=[policy(allow(granted, "*"))],
                resource_account=HOME)


def family_web_identity(rng: Random) -> Json:
    principal = Principal(OIDC_PROVIDER, HOME, {})
    target = Target("sts:AssumeRoleWithWebIdentity", TARGET_ROLE, HOME)
    sub = rng.choice(["repo:acme/ml-pipelines:ref:refs/heads/main", "repo:acme/ml-pipelines:pull_request",
                      "repo:evil/fork:ref:refs/heads/main"])
    aud = rng.choice(["sts.amazonaws.com", "sts.amazonaws.com", "https://github.com/acme"])
    sub_pattern = rng.choice(["repo:acme/ml-pipelines:*", "repo:acme/ml-pipelines:ref:refs/heads/main"])
    condition: Json = {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}
    if rng.random() < 0.5:
        condition["StringLike"] = {f"{GITHUB}:sub": sub_pattern}
    else:
        condition["StringEquals"][f"{GITHUB}:sub"] = sub_pattern
    federated = rng.choice([OIDC_PROVIDER, OIDC_PROVIDER, f"arn:aws:iam::{HOME}:oidc-provider/accounts.google.com"])
    statement = {"Effect": "Allow", "Principal": {"Federated": federated},
                 "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition}
    context = {f"{GITHUB}:aud": aud}
    if rng.random() < 0.9:
        context[f"{GITHUB}:sub"] = sub
    return case(principal, target, context=context, resource_policy=policy(statement))


# ---------------------------------------------------------------------------------------------------
# Family: sts:GetCallerIdentity needs no permission and cannot be denied
# https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html


def family_caller_identity(rng: Random) -> Json:
    principal = PRINCIPALS[rng.choice(["role", "user", "session", "other_role"])]
    target = Target("sts:GetCallerIdentity", "*", principal.account)
    identity = rng.choice([[], [policy(deny("sts:*"))], [policy(allow("sts:GetCallerIdentity"))]])
    scps = rng.choice([[], [[ALLOW_ALL]], [[policy(deny("*"))]], [[policy(allow("ec2:*"))]]])
    return case(principal, target, identity=identity, scps=scps)


# ---------------------------------------------------------------------------------------------------
# Family: S3 Block Public Access, RestrictPublicBuckets given as an input setting
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html


def family_s3_public(rng: Random) -> Json:
    target = rng.choice([t for t in TARGETS if t.action.startswith("s3:") and t.account == HOME])
    principal = PRINCIPALS[rng.choice(["role", "other_role", "other_session"])]
    grantee: Any = rng.choice(["*", {"AWS": "*"}, {"AWS": f"arn:aws:iam::{OTHER}:root"},
                               {"AWS": principal.arn}])
    statement: Json = {"Effect": "Allow", "Principal": grantee, "Action": target.action,
                       "Resource": target.resource}
    if rng.random() < 0.3:  # a condition on a fixed value keeps a "*" grant non-public
        statement["Condition"] = {"StringEquals": {"aws:PrincipalAccount": OTHER}}
    identity = [policy(allow(target.action, "*"))] if rng.random() < 0.8 else []
    body = case(principal, target, identity=identity, resource_policy=policy(statement))
    body["restrict_public_buckets"] = rng.random() < 0.6
    return body


FAMILIES: list[tuple[str, Callable[[Random], Json], int]] = [
    ("actions", family_actions, 14),
    ("resources", family_resources, 14),
    ("variables", family_variables, 8),
    ("escapes", family_escapes, 3),
    ("null_values", family_null_values, 5),
    ("conditions", family_conditions, 26),
    ("flow", family_flow, 16),
    ("principals", family_principals, 9),
    ("service_principal", family_service_principal, 2),
    ("kms", family_kms, 4),
    ("trust", family_trust, 5),
    ("web_identity", family_web_identity, 2),
    ("caller_identity", family_caller_identity, 1),
    ("s3_public", family_s3_public, 2),
    ("principal_arn", family_principal_arn, 4),
    ("root_user", family_root_user, 3),
    ("federation", family_federation, 3),
    ("saml", family_saml, 1),
    ("iam_protected", family_iam_protected, 2),
]


@dataclass(frozen=True)
class GeneratedCase:
    family: str
    case: Json  # exactly the batch format, with an "id"


def generate(count: int = 3000, seed: int = 20240501) -> list[GeneratedCase]:
    """`count` cases drawn from the families by weight; the same seed always gives the same cases."""
    rng = Random(seed)
    names = [name for name, _, _ in FAMILIES]
    builders = {name: builder for name, builder, _ in FAMILIES}
    weights = [weight for _, _, weight in FAMILIES]
    cases = []
    for number in range(count):
        family = rng.choices(names, weights)[0]
        body = builders[family](rng)
        cases.append(GeneratedCase(family, {"id": f"{family}-{number}", **body}))
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args(argv)
    for generated in generate(args.count, args.seed):
        sys.stdout.write(json.dumps(generated.case) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
