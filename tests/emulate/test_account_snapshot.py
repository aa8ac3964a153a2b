"""The escalation snapshot read from moto: IAM entities, AWS managed policies, resources with roles."""

from __future__ import annotations

import io
import json
import zipfile

from checker.aws.analyze import escalation_paths
from checker.emulate.backends import Backend
from checker.emulate.state.account import account_document, account_snapshot

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def test_a_function_role_read_from_moto_is_found_by_paths(moto_backend: Backend) -> None:
    iam = moto_backend.admin_client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="scoring", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    admin = iam.create_policy(PolicyName="Admin", PolicyDocument=json.dumps(ADMIN))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="scoring", PolicyArn=admin)
    iam.create_user(UserName="deployer")
    function_arn = f"arn:aws:lambda:us-east-1:{moto_backend.account}:function:score"
    deploy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
                "Resource": function_arn,
            }
        ],
    }
    iam.put_user_policy(UserName="deployer", PolicyName="deploy", PolicyDocument=json.dumps(deploy))
    moto_backend.admin_client("lambda").create_function(
        FunctionName="score",
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": _code()},
    )
    moto_backend.state.invalidate()
    document = account_document(moto_backend.state)
    assert document["policies"]["Admin"] == ADMIN
    assert document["resources"]["lambda_functions"][0]["role"] == "scoring"
    snapshot = account_snapshot(moto_backend.state)
    paths = escalation_paths(snapshot, starts=[f"arn:aws:iam::{moto_backend.account}:user/deployer"])
    assert paths and paths[0].admin
    assert paths[0].steps[0].technique_id == "lambda-004"
