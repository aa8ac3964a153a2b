"""Amazon API Gateway management calls, per "Control access for managing an API with IAM permissions".

API Gateway's management actions are HTTP verbs: `apigateway:GET`, `apigateway:POST`, ... on the
resource `arn:aws:apigateway:REGION::PATH`, where PATH is the REST path of the call. Both come from
the operation's HTTP binding in botocore's model, so every operation of the service is mapped.
"""

from __future__ import annotations

from checker.emulate.mapping.botomodel import fill_request_uri, operation_model
from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.rules import tag_pairs, tags_context


def map_apigateway(call: ApiCall) -> list[AuthorizationCheck]:
    operation = operation_model("apigateway", call.operation)
    try:
        path = fill_request_uri(operation, call.params)
    except KeyError as exc:
        raise UnmappedOperation(
            call.service, call.operation, f"the path parameter {exc.args[0]} is missing"
        ) from None
    method = str(operation.http["method"]).upper()
    context = tags_context(tag_pairs(call.params.get("tags")))
    return [
        AuthorizationCheck(
            f"apigateway:{method}", f"arn:{call.partition}:apigateway:{call.region}::{path}", context
        )
    ]
