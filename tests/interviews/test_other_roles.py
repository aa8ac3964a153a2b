"""The AWS engine's `learner_roles` setting: submitted files that belong to a second role the learner writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.aws.engine import ENGINE
from checker.core.errors import InputError
from checker.core.source import LoadedDocument, load_document

LAMBDA = "arn:aws:iam::111122223333:role/fn"
APIGW = "arn:aws:iam::111122223333:role/api"


def _doc(tmp_path: Path, name: str, data: object) -> LoadedDocument:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return load_document(path)


def _policy(action: str, resource: str = "*") -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


def _trust(service: str) -> dict[str, object]:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, LoadedDocument]:
    return {
        "permissions": _doc(tmp_path, "p.json", _policy("sagemaker:InvokeEndpoint")),
        "trust": _doc(tmp_path, "t.json", _trust("lambda.amazonaws.com")),
        "apigw_permissions": _doc(tmp_path, "ap.json", _policy("lambda:InvokeFunction")),
        "apigw_trust": _doc(tmp_path, "at.json", _trust("apigateway.amazonaws.com")),
    }


def _decide(files: dict[str, LoadedDocument], principal: str, action: str, resource: str = "*") -> bool:
    setting = {"identity": LAMBDA, "learner_roles": {APIGW: {"policies": ["apigw_permissions"], "trust": "apigw_trust"}}}
    submission = ENGINE.load_submission(files, setting)
    return ENGINE.decide(submission, {"principal": principal, "action": action, "resource": resource}).allowed


def test_each_role_gets_its_own_files(files: dict[str, LoadedDocument]) -> None:
    assert _decide(files, APIGW, "lambda:InvokeFunction")
    assert not _decide(files, APIGW, "sagemaker:InvokeEndpoint")
    assert _decide(files, LAMBDA, "sagemaker:InvokeEndpoint")
    assert not _decide(files, LAMBDA, "lambda:InvokeFunction")  # the other role's policy is not the identity's


def test_each_role_has_its_own_trust_policy(files: dict[str, LoadedDocument]) -> None:
    assert _decide(files, "apigateway.amazonaws.com", "sts:AssumeRole", APIGW)
    assert not _decide(files, "lambda.amazonaws.com", "sts:AssumeRole", APIGW)
    assert _decide(files, "lambda.amazonaws.com", "sts:AssumeRole", LAMBDA)
    assert not _decide(files, "apigateway.amazonaws.com", "sts:AssumeRole", LAMBDA)


@pytest.mark.parametrize(
    ("roles", "says"),
    [
        ({APIGW: {"policies": ["nope"]}}, "'nope' is not a submission file"),
        ({APIGW: {"trust": "apigw_trust", "boundary": "x"}}, "expected {policies"),
        ([APIGW], "expected {role ARN"),
    ],
)
def test_a_wrong_roles_setting_is_a_clear_error(files: dict[str, LoadedDocument], roles: object, says: str) -> None:
    with pytest.raises(InputError, match=says.replace("{", r"\{")):
        ENGINE.load_submission(files, {"identity": LAMBDA, "learner_roles": roles})


def test_the_trust_proof_uses_the_other_roles_trust_policy(files: dict[str, LoadedDocument]) -> None:
    """`trust` checks prove who can assume a role; for a second role its own trust policy decides."""
    from checker.core.engine import WithinStatus

    setting = {"identity": LAMBDA, "learner_roles": {APIGW: {"policies": ["apigw_permissions"], "trust": "apigw_trust"}}}
    submission = ENGINE.load_submission(files, setting)
    apigateway = [{"principal": {"Service": "apigateway.amazonaws.com"}}]
    lambda_service = [{"principal": {"Service": "lambda.amazonaws.com"}}]
    assert ENGINE.trust_within(submission, APIGW, apigateway).status is WithinStatus.PROVED
    assert ENGINE.trust_within(submission, APIGW, lambda_service).status is WithinStatus.COUNTEREXAMPLE
    assert ENGINE.trust_within(submission, LAMBDA, lambda_service).status is WithinStatus.PROVED
