"""AWS Lambda, per "Actions, resources, and condition keys for AWS Lambda" and the Lambda Developer Guide.

Invoke is authorized as lambda:InvokeFunction and ListFunctions as lambda:ListFunctions. FunctionName
may be a name, a partial ARN (ACCOUNT:function:NAME) or a full ARN, optionally with a :QUALIFIER; a
qualified call is authorized against the qualified ARN. Create/update with a role also needs iam:PassRole.
"""

from __future__ import annotations

from typing import Any

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.rules import (
    Rule,
    check,
    custom,
    pass_role,
    present,
    request_tags,
    required,
    rule,
    with_extra,
)

SERVICE_PRINCIPAL = "lambda.amazonaws.com"


def function_arn(call: ApiCall, name_param: str = "FunctionName", qualify: bool = True) -> str:
    reference = required(call, name_param)
    parts = reference.split(":")
    region, account = call.region, call.account
    if reference.startswith("arn:"):
        if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
            raise UnmappedOperation(
                call.service, call.operation, f"{reference!r} is not a Lambda function ARN"
            )
        region, account, name, qualifier = parts[3], parts[4], parts[6], parts[7] if len(parts) > 7 else None
    elif len(parts) >= 3 and parts[1] == "function":
        account, name, qualifier = parts[0], parts[2], parts[3] if len(parts) > 3 else None
    else:
        name, qualifier = parts[0], parts[1] if len(parts) > 1 else None
    qualifier = qualifier or (call.params.get("Qualifier") if qualify else None)
    arn = f"arn:{call.partition}:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def _function(action: str, context: Any = None, qualify: bool = True) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        extra = context(call) if context else {}
        return [AuthorizationCheck(action, function_arn(call, qualify=qualify), extra)]

    return custom(expand)


def _create_context(call: ApiCall) -> dict[str, Any]:
    context: dict[str, Any] = request_tags("Tags")(call)
    if call.params.get("Layers"):
        context["lambda:Layer"] = list(call.params["Layers"])
    vpc = call.params.get("VpcConfig") or {}
    if vpc.get("SubnetIds"):
        context["lambda:SubnetIds"] = list(vpc["SubnetIds"])
    if vpc.get("SecurityGroupIds"):
        context["lambda:SecurityGroupIds"] = list(vpc["SecurityGroupIds"])
    return context


def _passing(main: Rule) -> Rule:
    return with_extra(
        main, pass_role("Role", SERVICE_PRINCIPAL), note="a function's role also needs iam:PassRole"
    )


RULES: dict[str, Rule] = {
    "ListFunctions": rule(check("lambda:ListFunctions"), note="ListFunctions needs lambda:ListFunctions"),
    "CreateFunction": _passing(_function("lambda:CreateFunction", _create_context)),
    "GetFunction": _function("lambda:GetFunction"),
    "GetFunctionConfiguration": _function("lambda:GetFunctionConfiguration"),
    "DeleteFunction": _function("lambda:DeleteFunction"),
    "Invoke": _function("lambda:InvokeFunction"),
    "InvokeWithResponseStream": _function("lambda:InvokeFunction"),
    "UpdateFunctionCode": _function("lambda:UpdateFunctionCode"),
    "UpdateFunctionConfiguration": _passing(_function("lambda:UpdateFunctionConfiguration", _create_context)),
    "PublishVersion": _function("lambda:PublishVersion", qualify=False),
    "ListVersionsByFunction": _function("lambda:ListVersionsByFunction", qualify=False),
    "CreateAlias": _function("lambda:CreateAlias", qualify=False),
    "AddPermission": _function(
        "lambda:AddPermission",
        present({"lambda:Principal": "Principal", "lambda:FunctionUrlAuthType": "FunctionUrlAuthType"}),
    ),
    "RemovePermission": _function("lambda:RemovePermission"),
    "GetPolicy": _function("lambda:GetPolicy"),
    "CreateFunctionUrlConfig": _function(
        "lambda:CreateFunctionUrlConfig", present({"lambda:FunctionUrlAuthType": "AuthType"})
    ),
    "GetFunctionUrlConfig": _function("lambda:GetFunctionUrlConfig"),
    "DeleteFunctionUrlConfig": _function("lambda:DeleteFunctionUrlConfig"),
    "ListTags": custom(lambda call: [AuthorizationCheck("lambda:ListTags", required(call, "Resource"), {})]),
    "TagResource": custom(
        lambda call: [
            AuthorizationCheck("lambda:TagResource", required(call, "Resource"), request_tags("Tags")(call))
        ]
    ),
}
