"""Amazon CloudWatch Logs, per "Overview of managing access permissions to your CloudWatch Logs resources".

IAM policies name a log group as `log-group:NAME:*` for every action except the tagging ones, so the
resource AWS evaluates for a log-group action is `log-group:NAME:log-stream:` (matched by `NAME:*`), and
for a stream action `log-group:NAME:log-stream:STREAM`. Tagging actions use `log-group:NAME`.
"""

from __future__ import annotations

from typing import Any

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck
from checker.emulate.mapping.rules import Rule, check, custom, request_tags, required, rule


def _group_arn(call: ApiCall, name: str | None = None) -> str:
    group = name if name is not None else required(call, "logGroupName")
    return f"arn:{call.partition}:logs:{call.region}:{call.account}:log-group:{group}"


def _group(action: str, context: Any = None) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        extra = context(call) if context else {}
        return [AuthorizationCheck(action, _group_arn(call) + ":log-stream:", extra)]

    return custom(
        expand, note="log-group actions are evaluated on log-group:NAME:log-stream:, matched by NAME:*"
    )


def _stream(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        return [
            AuthorizationCheck(action, f"{_group_arn(call)}:log-stream:{required(call, 'logStreamName')}", {})
        ]

    return custom(expand)


def _tagging(action: str, context: Any = None) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        arn = str(call.params.get("resourceArn") or "") or _group_arn(call)
        extra = context(call) if context else {}
        return [AuthorizationCheck(action, arn.removesuffix(":*"), extra)]

    return custom(expand, note="tagging actions name the log group without the trailing :*")


RULES: dict[str, Rule] = {
    "CreateLogGroup": _group("logs:CreateLogGroup", request_tags("tags")),
    "DeleteLogGroup": _group("logs:DeleteLogGroup"),
    "DescribeLogGroups": rule(check("logs:DescribeLogGroups")),
    "PutRetentionPolicy": _group("logs:PutRetentionPolicy"),
    "DeleteRetentionPolicy": _group("logs:DeleteRetentionPolicy"),
    "DescribeLogStreams": _group("logs:DescribeLogStreams"),
    "FilterLogEvents": _group("logs:FilterLogEvents"),
    "StartQuery": _group("logs:StartQuery"),
    "CreateLogStream": _stream("logs:CreateLogStream"),
    "DeleteLogStream": _stream("logs:DeleteLogStream"),
    "PutLogEvents": _stream("logs:PutLogEvents"),
    "GetLogEvents": _stream("logs:GetLogEvents"),
    "TagResource": _tagging("logs:TagResource", request_tags("tags")),
    "UntagResource": _tagging(
        "logs:UntagResource", lambda call: {"aws:TagKeys": list(call.params.get("tagKeys") or [])}
    ),
    "ListTagsForResource": _tagging("logs:ListTagsForResource"),
}
