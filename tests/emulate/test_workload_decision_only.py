"""Live steps the emulator cannot carry out (moto has no Bedrock Converse or streaming) and DynamoDB tables
seeded for a run: the enforcer decides every step; what moto does not execute is said, never hidden."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from checker.emulate.workload import NOT_RUN, Step, Table, Workload, run_workload

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "labs" / "04-genai-inference"
SOLUTION = ROOT / "solutions" / "04-genai-inference" / "aws"
STARTER = LAB / ".starter" / "aws"
TITAN = "amazon.titan-text-express-v1"
ALL_BEDROCK = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}]}
CONVERSE = {"modelId": TITAN, "messages": [{"role": "user", "content": [{"text": "hi"}]}]}


def _bedrock(*steps: Step) -> Workload:
    return Workload(role="assistant", account="111122223333", region="us-east-2", steps=steps)


def test_an_allowed_step_moto_does_not_implement_is_not_run_never_a_crash() -> None:
    # moto in this process raises NotImplementedError for Converse: the step is reported, not counted.
    report = run_workload(_bedrock(Step("chat", "bedrock-runtime", "Converse", CONVERSE)), [ALL_BEDROCK])
    (result,) = report.results
    assert result.skipped == NOT_RUN and not result.passed
    assert report.not_run == ["bedrock-runtime:Converse"]


def test_a_decision_only_step_is_graded_on_the_enforcers_decision_and_says_so() -> None:
    steps = (
        Step("chat", "bedrock-runtime", "Converse", CONVERSE, decision_only=True),
        Step("invoke", "bedrock-runtime", "InvokeModel", {"modelId": TITAN, "body": b"{}"}, decision_only=True),
    )
    report = run_workload(_bedrock(*steps), [ALL_BEDROCK])
    chat, invoke = report.results
    assert chat.passed and chat.allowed and not chat.executed
    assert "decided by the enforcer only: moto does not carry out Converse" in chat.line()
    assert invoke.passed and invoke.executed  # moto has InvokeModel: carried out as usual
    assert report.to_json()[0]["message"] == "moto does not carry out Converse"


def test_a_decision_only_rogue_step_the_policy_allows_fails() -> None:
    report = run_workload(_bedrock(Step("chat", "bedrock-runtime", "Converse", CONVERSE, rogue=True, decision_only=True)), [ALL_BEDROCK])
    assert not report.passed
    nothing = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    denied = run_workload(_bedrock(Step("chat", "bedrock-runtime", "Converse", CONVERSE, rogue=True, decision_only=True)), [nothing])
    assert denied.passed and denied.results[0].executed


def test_seeded_tables_are_read_through_the_enforcer() -> None:
    table = Table(key="case_id", indexes={"by-customer": "customer_id"}, items=({"case_id": "C-1", "customer_id": "K-1"},))
    query = {
        "TableName": "cases",
        "IndexName": "by-customer",
        "KeyConditionExpression": "customer_id = :c",
        "ExpressionAttributeValues": {":c": {"S": "K-1"}},
    }
    workload = Workload(
        role="lookup",
        account="111122223333",
        region="us-east-2",
        tables={"cases": table},
        steps=(
            Step("get", "dynamodb", "GetItem", {"TableName": "cases", "Key": {"case_id": {"S": "C-1"}}}),
            Step("query the index", "dynamodb", "Query", query),
            Step("scan", "dynamodb", "Scan", {"TableName": "cases"}, rogue=True),
        ),
    )
    reads = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                "Resource": "arn:aws:dynamodb:us-east-2:111122223333:table/cases/index/by-customer",
            },
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-2:111122223333:table/cases"},
        ],
    }
    report = run_workload(workload, [reads])
    assert report.passed, report.render()
    assert all(r.executed and not r.skipped and not r.message for r in report.results[:2])


def _lab_workload(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"lab04_{name}", LAB / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.WORKLOAD


def _policy(folder: Path, name: str) -> Any:
    return json.loads((folder / name).read_text())


def test_lab04_assistant_run_says_which_calls_moto_carried_out() -> None:
    """moto carries out InvokeModel only; every other inference call is decided by the enforcer alone."""
    workload = _lab_workload("workload_assistant")
    report = run_workload(workload, [_policy(SOLUTION, "permissions-policy.json")])
    assert report.passed, report.render()
    for result in report.results:
        if result.allowed:
            assert result.executed == (result.step.operation == "InvokeModel"), result.line()
    starter = run_workload(workload, [_policy(STARTER, "permissions-policy.json")])
    assert [r.step.title for r in starter.results if not r.passed] == [s.title for s in workload.steps if s.rogue]


def test_lab04_case_lookup_run_on_moto_dynamodb() -> None:
    workload = _lab_workload("workload_case_lookup")
    report = run_workload(workload, [_policy(SOLUTION, "lambda-permissions.json")])
    assert report.passed, report.render()
    assert all(r.executed for r in report.results)
    starter = run_workload(workload, [_policy(STARTER, "lambda-permissions.json")])
    assert [r.step.title for r in starter.results if not r.passed] == [s.title for s in workload.steps if s.rogue]


def test_a_bearer_token_call_is_refused_never_decided_as_the_access_keys_owner(monkeypatch: Any) -> None:
    """Bedrock User Guide, "Use an Amazon Bedrock API key": "The Amazon Bedrock service recognizes the
    environment variable AWS_BEARER_TOKEN_BEDROCK", sent as "Authorization: Bearer $AWS_BEARER_TOKEN_BEDROCK"
    instead of a SigV4 signature. Such a call is the key's identity's, with bedrock:CallWithBearerToken, which
    the enforcer cannot tell from the client's access key, so it refuses the call (fail closed)."""
    from checker.emulate.backends import open_backend
    from checker.emulate.hook import InProcessEnforcer

    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "ABSKexample")
    backend = open_backend("moto", "us-east-2", "111122223333")
    try:
        verdicts: list[Any] = []
        enforcer = InProcessEnforcer(backend.authorizer, backend.credentials, on_verdict=verdicts.append)
        admin = enforcer.session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-2")
        client = admin.client("bedrock-runtime")
        try:
            client.invoke_model(modelId=TITAN, body=b"{}")
        except ClientError as exc:
            assert "bearer token" in exc.response["Error"]["Message"]
        else:
            raise AssertionError("the bearer-token call was sent")
        assert verdicts == []  # refused before any decision
    finally:
        backend.close()


def test_the_live_run_signs_bedrock_steps_even_with_an_api_key_in_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "ABSKexample")
    report = run_workload(_lab_workload("workload_assistant"), [_policy(SOLUTION, "permissions-policy.json")])
    assert report.passed, report.render()
