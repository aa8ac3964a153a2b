"""Escalation paths over the account snapshot (docs/analysis.md defines the format).

Steps follow the IAM User Guide: "Granting a user permissions to pass a role to an AWS service"
(PassRole + iam:PassedToService + the service's trust), "Modifying a role trust policy", and the
published escalation methods (policy writes, group membership, access keys).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path as FilePath
from typing import Any

import pytest

from checker.aws.analyze import escalation_paths, load_snapshot, to_mermaid
from checker.core.errors import InputError
from checker.core.source import LoadedDocument, load_document, parse_json

DATA = FilePath(__file__).parent / "data" / "snapshot.json"


def snapshot(data: dict[str, Any] | None = None) -> Any:
    if data is None:
        return load_snapshot(load_document(DATA))
    return load_snapshot(parse_json(json.dumps(data, indent=1), "snapshot.json"))


def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text())
    return data


def starts_and_kinds(paths: Any) -> dict[str, list[list[str]]]:
    result: dict[str, list[list[str]]] = {}
    for path in paths:
        result.setdefault(path.start.split(":")[-1], []).append(
            [s.technique_id or s.kind for s in path.steps]
        )
    return result


def test_known_paths_of_the_sample_account() -> None:
    found = starts_and_kinds(escalation_paths(snapshot()))
    assert found["user/scientist"] == [["sagemaker-002", "admin"]]
    assert found["user/ci"] == [["iam-012", "admin"]]
    assert found["user/helpdesk"] == [["iam-013", "admin"]]
    assert found["user/boss"] == [["admin"]]
    assert "user/analyst" not in found  # can assume the reader role, which reads data only
    assert "role/reader" not in found


def test_pass_role_needs_the_service_to_be_trusted() -> None:
    data = raw()
    ops = next(r for r in data["roles"] if r["name"] == "ops")
    ops["trust"]["Statement"][0]["Principal"] = {"Service": "lambda.amazonaws.com"}
    found = starts_and_kinds(escalation_paths(snapshot(data)))
    assert "user/scientist" not in found


def test_passed_to_service_condition_is_respected() -> None:
    data = raw()
    scientist = next(u for u in data["users"] if u["name"] == "scientist")
    statement = scientist["inline"]["train"]["Statement"][1]
    statement["Condition"] = {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    assert "user/scientist" not in starts_and_kinds(escalation_paths(snapshot(data)))


def test_boundary_stops_a_path() -> None:
    data = raw()
    data["policies"]["NoIam"] = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}],
    }
    scientist = next(u for u in data["users"] if u["name"] == "scientist")
    scientist["boundary"] = "NoIam"
    assert "user/scientist" not in starts_and_kinds(escalation_paths(snapshot(data)))


def test_assume_chain_to_admin() -> None:
    data = raw()
    reader = next(r for r in data["roles"] if r["name"] == "reader")
    reader["attached"] = ["AdministratorAccess"]
    found = starts_and_kinds(escalation_paths(snapshot(data)))
    assert found["user/analyst"] == [["sts-001", "admin"]]


def test_self_policy_write() -> None:
    data = raw()
    analyst = next(u for u in data["users"] if u["name"] == "analyst")
    analyst["inline"] = {
        "self": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:PutUserPolicy",
                    "Resource": "arn:aws:iam::111122223333:user/analyst",
                }
            ],
        }
    }
    paths = [p for p in escalation_paths(snapshot(data)) if p.start.endswith("user/analyst")]
    assert [s.technique_id for s in paths[0].steps] == ["iam-007"]
    assert "iam:PutUserPolicy" in paths[0].describe()


def test_mermaid_draws_every_edge() -> None:
    text = to_mermaid(escalation_paths(snapshot()))
    assert text.startswith("flowchart LR")
    assert "iam:PassRole + sagemaker:CreateTrainingJob" in text
    assert "admin-equivalent access" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(account="1234"), "12-digit"),
        (lambda d: d["users"][0].update(attached=["Missing"]), "no managed policy named 'Missing'"),
        (lambda d: d["users"][0].update(color="blue"), "unknown field 'color'"),
        (lambda d: d["roles"][0].pop("trust"), "has no trust policy"),
        (lambda d: d["users"][1]["inline"]["train"]["Statement"][0].update(Effect="Permit"), "Effect"),
        (lambda d: d["users"].append(copy.deepcopy(d["users"][0])), "listed twice"),
        (lambda d: d.update(resources={"lambda": []}), "unknown resource kind 'lambda'"),
        (lambda d: d.update(resources={"lambda_functions": [{"name": "f", "role": "nobody"}]}), "not one"),
        (lambda d: d.update(resources={"lambda_functions": [{"name": "f:x"}]}), "plain identifier"),
        (
            lambda d: d.update(resources={"lambda_functions": [{"name": "f", "colour": "red"}]}),
            "unknown field 'colour'",
        ),
        (
            lambda d: d.update(resources={"ec2_instances": [{"id": "i-1", "ssm_managed": "yes"}]}),
            "true or false",
        ),
        (
            lambda d: d.update(resources={"lambda_functions": [{"name": "f"}, {"name": "f"}]}),
            "listed twice",
        ),
        (lambda d: d["groups"][0].update(members=["ghost"]), "not a user"),
        (lambda d: d["users"][0].update(access_keys=3), "0, 1 or 2"),
    ],
)
def test_malformed_snapshots_are_input_errors_with_a_location(change: Any, message: str) -> None:
    data = raw()
    change(data)
    with pytest.raises(InputError, match=message) as info:
        snapshot(data)
    assert info.value.where is not None and info.value.where.file == "snapshot.json"


def test_snapshot_from_plain_data_still_loads() -> None:
    assert len(load_snapshot(LoadedDocument("memory", raw(), {})).principals) == 7


def test_resource_arns_follow_the_catalogs_formats() -> None:
    data = raw()
    data["resources"] = {
        "lambda_functions": [{"name": "score", "role": "ops", "region": "eu-west-1"}],
        "ecs_task_definitions": [{"family": "web", "revision": 3, "task_role": "ops"}],
        "cloudformation_stacks": [{"name": "infra", "id": "abc", "role": "ops"}],
    }
    arns = {r.arn for r in snapshot(data).resources}
    assert arns == {
        "arn:aws:lambda:eu-west-1:111122223333:function:score",
        "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
        "arn:aws:cloudformation:us-east-1:111122223333:stack/infra/abc",
    }


def test_group_members_are_merged_with_user_groups() -> None:
    data = raw()
    data["groups"][0]["members"] = ["analyst"]
    loaded = snapshot(data)
    analyst = loaded.by_arn("arn:aws:iam::111122223333:user/analyst")
    assert analyst is not None and analyst.groups == ("admins",)
    assert set(loaded.group_members["admins"]) == {"analyst", "boss"}
    found = starts_and_kinds(escalation_paths(loaded))
    assert found["user/analyst"] == [["admin"]]


def test_an_aws_managed_policy_named_by_its_arn_cannot_be_rewritten() -> None:
    """IAM User Guide, "AWS managed policies": "You cannot change the permissions defined in AWS managed
    policies." A policy keyed by its AWS ARN keeps it, so CreatePolicyVersion on it leads nowhere."""
    data = raw()
    managed = "arn:aws:iam::aws:policy/ReadOnlyData"
    data["policies"][managed] = data["policies"]["ReadData"]
    analyst = next(u for u in data["users"] if u["name"] == "analyst")
    analyst["attached"] = [managed]
    analyst["inline"] = {
        "versions": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"}],
        }
    }
    data["roles"] = [r for r in data["roles"] if r["name"] != "reader"]  # its ReadData could be rewritten
    assert "user/analyst" not in starts_and_kinds(escalation_paths(snapshot(data)))
    data["policies"]["ReadData2"] = data["policies"]["ReadData"]
    analyst["attached"] = ["ReadData2"]
    assert starts_and_kinds(escalation_paths(snapshot(data)))["user/analyst"] == [["iam-001"]]
