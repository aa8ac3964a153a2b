"""From an AWS API call to the IAM checks AWS makes for it: action(s), resource ARN(s), request context.

`map_call` looks the operation up in the service's table; an operation that is not in a table raises
UnmappedOperation, and callers deny it (fail closed) rather than guess.
"""

from __future__ import annotations

from checker.emulate.mapping.botomodel import operation_names
from checker.emulate.mapping.call import (
    ApiCall,
    AuthorizationCheck,
    Lookups,
    MappedCall,
    NoLookups,
    UnmappedOperation,
)
from checker.emulate.mapping.rules import Rule, custom
from checker.emulate.mapping.services import (
    apigateway,
    bedrock,
    cloudwatch,
    dynamodb,
    ecr,
    iam,
    kms,
    lambda_,
    logs,
    organizations,
    s3,
    sagemaker,
    sts,
)

# botocore service name -> operation name -> rule.
TABLES: dict[str, dict[str, Rule]] = {
    "s3": s3.RULES,
    "sts": sts.RULES,
    "iam": iam.RULES,
    "sagemaker": sagemaker.RULES,
    "sagemaker-runtime": sagemaker.RUNTIME_RULES,
    "ecr": ecr.RULES,
    "lambda": lambda_.RULES,
    "logs": logs.RULES,
    "cloudwatch": cloudwatch.RULES,
    "kms": kms.RULES,
    "organizations": organizations.RULES,
    "bedrock-runtime": bedrock.RUNTIME_RULES,
    "dynamodb": dynamodb.RULES,
    "apigateway": {name: custom(apigateway.map_apigateway) for name in operation_names("apigateway")},
}

SUPPORTED_SERVICES = tuple(sorted(TABLES))


def find_rule(service: str, operation: str) -> Rule:
    table = TABLES.get(service)
    if table is None:
        raise UnmappedOperation(
            service,
            operation,
            f"the service {service!r} is not one the labs use ({', '.join(SUPPORTED_SERVICES)})",
        )
    found = table.get(operation)
    if found is None:
        raise UnmappedOperation(service, operation, "this operation has no mapping to IAM actions yet")
    return found


def map_call(call: ApiCall) -> MappedCall:
    """The checks AWS makes for one call; raises UnmappedOperation when the call cannot be mapped."""
    found = find_rule(call.service, call.operation)
    return MappedCall(call.service, call.operation, tuple(found.apply(call)), found.note)


__all__ = [
    "ApiCall",
    "AuthorizationCheck",
    "Lookups",
    "MappedCall",
    "NoLookups",
    "SUPPORTED_SERVICES",
    "TABLES",
    "UnmappedOperation",
    "find_rule",
    "map_call",
]
