"""Amazon CloudWatch metrics and alarms, per "Actions, resources, and condition keys for Amazon CloudWatch".

Metric calls take no resource ("*"); PutMetricData carries cloudwatch:namespace. Alarm calls name
each alarm's ARN.
"""

from __future__ import annotations

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck
from checker.emulate.mapping.rules import Rule, check, custom, present, request_tags, required, rule


def _alarm_arn(call: ApiCall, name: str) -> str:
    return f"arn:{call.partition}:cloudwatch:{call.region}:{call.account}:alarm:{name}"


def _alarms(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        names = call.params.get("AlarmNames") or ["*"]
        return [AuthorizationCheck(action, _alarm_arn(call, str(name)), {}) for name in names]

    return custom(expand, note="without AlarmNames the call covers every alarm")


def _put_alarm(call: ApiCall) -> list[AuthorizationCheck]:
    context = request_tags("Tags")(call)
    if call.params.get("AlarmActions"):
        context["cloudwatch:AlarmActions"] = list(call.params["AlarmActions"])
    return [
        AuthorizationCheck(
            "cloudwatch:PutMetricAlarm", _alarm_arn(call, required(call, "AlarmName")), context
        )
    ]


RULES: dict[str, Rule] = {
    "PutMetricData": rule(
        check("cloudwatch:PutMetricData", context=present({"cloudwatch:namespace": "Namespace"}))
    ),
    "GetMetricData": rule(check("cloudwatch:GetMetricData")),
    "GetMetricStatistics": rule(check("cloudwatch:GetMetricStatistics")),
    "ListMetrics": rule(check("cloudwatch:ListMetrics")),
    "PutMetricAlarm": custom(_put_alarm),
    "DescribeAlarms": _alarms("cloudwatch:DescribeAlarms"),
    "DeleteAlarms": _alarms("cloudwatch:DeleteAlarms"),
}
