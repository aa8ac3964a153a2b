"""Terraform as the declared side of `iamlab drift`: the account snapshot a configuration declares, and the
located error for everything that cannot be compared.

The arguments are the AWS provider's (registry.terraform.io/providers/hashicorp/aws/latest/docs): aws_iam_role,
aws_iam_user, aws_iam_group, aws_iam_policy, aws_iam_{role,user,group}_policy and _policy_attachment,
aws_iam_policy_attachment ("users", "roles", "groups", "policy_arn"), aws_iam_user_group_membership ("user",
"groups"), aws_iam_group_membership ("users", "group"), and the provider's default_tags ("tags with matching
keys will overwrite those defined at the provider-level").
"""

from __future__ import annotations

import copy
import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from checker.aws.analyze.drift import drift
from checker.cli.main import main
from checker.core.errors import InputError
from checker.core.source import LoadedDocument, parse_json
from checker.iac.terraform import Setting
from checker.iac.terraform.aws_snapshot import declared_snapshot

PLATFORM = Path(__file__).parent / "data" / "drift" / "platform"
ACCOUNT = "111122223333"
SETTING = Setting(account=ACCOUNT, region="us-east-1")
ALLOW_ALL = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
TRUST = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'


def snapshot_of(tmp_path: Path, text: str, setting: Setting = SETTING) -> LoadedDocument:
    (tmp_path / "main.tf").write_text(textwrap.dedent(text))
    return declared_snapshot([tmp_path], setting)


def error(tmp_path: Path, text: str) -> InputError:
    with pytest.raises(InputError) as caught:
        snapshot_of(tmp_path, text)
    return caught.value


def test_the_platform_reads_as_the_snapshot_it_declares() -> None:
    data = declared_snapshot([PLATFORM], SETTING).data
    roles = {r["name"]: r for r in data["roles"]}
    runner = roles["risk-job-runner"]
    assert runner["path"] == "/teams/risk/"
    assert runner["boundary"] == "team-boundary"  # aws_iam_policy.team_boundary.arn resolved to the policy
    assert runner["tags"] == {"managed-by": "terraform", "team": "risk"}  # default_tags merged
    assert runner["attached"] == ["read-datasets"]  # attachment by aws_iam_role.job_runner.id
    assert runner["inline"]["job"]["Statement"][0]["Resource"] == "arn:aws:s3:::acme-ml-artifacts/risk/*"  # heredoc
    assert runner["trust"]["Statement"][0]["Principal"] == {"Service": ["sagemaker.amazonaws.com"]}  # policy document
    orchestrator = roles["ml-platform-orchestrator"]
    assert "boundary" not in orchestrator and list(orchestrator["inline"]) == ["launch"]  # inline_policy block
    assert orchestrator["trust"]["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert set(data["policies"]) == {"team-boundary", "read-datasets"}
    assert data["policies"]["read-datasets"]["Statement"][0]["Action"] == ["s3:GetObject", "s3:ListBucket"]  # file()
    users = {u["name"]: u for u in data["users"]}
    assert users["alice"]["groups"] == ["risk-approvers"] and users["alice"]["tags"]["team"] == "risk"
    assert users["bob"]["attached"] == ["read-datasets"] and users["bob"]["groups"] == []
    (group,) = data["groups"]
    assert group["name"] == "risk-approvers" and list(group["inline"]) == ["approve"]
    arn = group["inline"]["approve"]["Statement"][0]["Resource"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:role/teams/risk/risk-job-runner"


def test_users_groups_memberships_and_shared_attachments(tmp_path: Path) -> None:
    data = snapshot_of(tmp_path, f"""
        resource "aws_iam_policy" "admin" {{
          name   = "admin"
          policy = <<-EOT
            {ALLOW_ALL}
          EOT
        }}
        resource "aws_iam_user" "ann" {{
          name                 = "ann"
          path                 = "/staff/"
          permissions_boundary = aws_iam_policy.admin.arn
        }}
        resource "aws_iam_user" "ben" {{
          name = "ben"
        }}
        resource "aws_iam_group" "ops" {{
          name = "ops"
        }}
        resource "aws_iam_role" "ci" {{
          name               = "ci"
          assume_role_policy = <<-EOT
            {TRUST}
          EOT
          managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
        }}
        resource "aws_iam_group_membership" "ops" {{
          name  = "ops-members"
          group = aws_iam_group.ops.name
          users = [aws_iam_user.ann.name, aws_iam_user.ben.name]
        }}
        resource "aws_iam_policy_attachment" "admins" {{
          name       = "admins"
          policy_arn = aws_iam_policy.admin.arn
          groups     = [aws_iam_group.ops.name]
          roles      = [aws_iam_role.ci.name]
        }}
        resource "aws_iam_user_policy" "ben" {{
          name   = "own-keys"
          user   = aws_iam_user.ben.name
          policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "iam:CreateAccessKey", Resource = "*" }}] }})
        }}
        resource "aws_iam_group_policy_attachment" "ops" {{
          group      = aws_iam_group.ops.name
          policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
        }}
    """).data
    users = {u["name"]: u for u in data["users"]}
    assert users["ann"]["path"] == "/staff/" and users["ann"]["boundary"] == "admin"
    assert users["ann"]["groups"] == ["ops"] and users["ben"]["groups"] == ["ops"]
    assert list(users["ben"]["inline"]) == ["own-keys"]
    (group,) = data["groups"]
    assert group["attached"] == ["admin", "arn:aws:iam::aws:policy/ReadOnlyAccess"]
    (role,) = data["roles"]
    assert role["attached"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess", "admin"]
    # An AWS managed policy is named by its ARN with its document, as the live account's reader names it.
    assert data["policies"]["arn:aws:iam::aws:policy/ReadOnlyAccess"]["Statement"]


def test_terraform_against_a_snapshot_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    declared = declared_snapshot([PLATFORM], SETTING)
    state = tmp_path / "state.json"
    state.write_text(json.dumps(declared.data))
    assert main(["drift", str(PLATFORM), str(state)]) == 0
    changed: dict[str, Any] = copy.deepcopy(declared.data)
    changed["roles"][0]["tags"]["team"] = "growth"
    state.write_text(json.dumps(changed, indent=2))
    capsys.readouterr()
    assert main(["drift", str(PLATFORM), str(state)]) == 1
    out = capsys.readouterr().out
    assert "tag-changed: role risk-job-runner: tag team is 'growth', declared 'risk'" in out
    assert f"({state}:" in out  # the state file's line, since it has lines


def test_drift_compares_tags_and_ignores_aws_reserved_ones() -> None:
    """'Tag keys and values are case sensitive'; keys prefixed aws: are AWS's own (AWS tag restrictions)."""
    base = {"account": ACCOUNT, "roles": [{"name": "r", "trust": json.loads(TRUST), "tags": {"team": "risk"}}]}
    state = copy.deepcopy(base)
    state["roles"][0]["tags"] = {"Team": "risk", "aws:cloudformation:stack-name": "s", "team": "Risk"}
    found = drift(parse_json(json.dumps(base), "declared.json"), parse_json(json.dumps(state), "state.json"))
    assert {(d.kind, d.detail) for d in found} == {
        ("tag-added", "tag Team='risk' is not declared"),
        ("tag-changed", "tag team is 'Risk', declared 'risk'"),
    }


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('resource "aws_iam_role" "r" {\n  name = \n}\n', "", 2),
        (
            f'resource "aws_iam_role" "r" {{\n  name = "r"\n  assume_role_policy = {json.dumps(TRUST)}\n'
            '  permissions_boundary = aws_iam_policy.missing.arn\n}\n',
            "aws_iam_policy.missing.arn cannot be resolved",
            4,
        ),
        (
            'variable "team" {}\nresource "aws_iam_group" "g" {\n  name = "${var.team}-ops"\n}\n',
            "var.team has no value",
            3,
        ),
        (
            'data "aws_iam_policy" "existing" {\n  name = "x"\n}\nresource "aws_iam_group" "g" {\n  name = "g"\n}\n'
            'resource "aws_iam_group_policy_attachment" "a" {\n'
            '  group = aws_iam_group.g.name\n  policy_arn = data.aws_iam_policy.existing.arn\n}\n',
            "data.aws_iam_policy.existing.arn cannot be resolved",
            9,
        ),
        ('resource "aws_iam_group" "g" {\n  name_prefix = "ops-"\n}\n', "has no name", 1),
        (
            'resource "aws_iam_service_linked_role" "s" {\n  aws_service_name = "x.amazonaws.com"\n}\n',
            "drift cannot compare aws_iam_service_linked_role",
            1,
        ),
        (
            'resource "aws_iam_group" "g" {\n  name = "g"\n}\nresource "aws_iam_group_policy" "p" {\n'
            f'  name_prefix = "p"\n  group = aws_iam_group.g.name\n  policy = {json.dumps(ALLOW_ALL)}\n}}\n',
            "has no name",
            7,
        ),
        (
            'resource "aws_iam_role_policy_attachment" "a" {\n  role = "not-declared"\n'
            '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n',
            "the role 'not-declared' is not an aws_iam_role defined in these files",
            2,
        ),
        (
            'resource "aws_iam_group" "g" {\n  name = "g"\n}\nresource "aws_iam_group_policy_attachment" "a" {\n'
            '  group = aws_iam_group.g.name\n  policy_arn = "arn:aws:iam::111122223333:policy/elsewhere"\n}\n',
            "neither an AWS managed policy nor an aws_iam_policy defined in these files",
            6,
        ),
        (
            'resource "aws_iam_group" "g" {\n  name = "g"\n}\nresource "aws_iam_group" "h" {\n  name = "g"\n}\n',
            "another resource already declares group 'g'",
            4,
        ),
        (
            'resource "aws_iam_user" "u" {\n  name = "u"\n  tags = { team = ["a"] }\n}\n',
            "the tag 'team' must be a string",
            3,
        ),
    ],
    ids=[
        "malformed HCL",
        "unknown resource reference",
        "variable without a value",
        "data source attribute",
        "name left to the provider",
        "IAM resource drift cannot compare",
        "inline policy without a name",
        "attachment to a role not declared",
        "policy not declared",
        "two resources, one name",
        "tag that is not a string",
    ],
)
def test_what_cannot_be_compared_is_a_located_error(tmp_path: Path, text: str, message: str, line: int) -> None:
    (tmp_path / "main.tf").write_text(text)
    with pytest.raises(InputError) as caught:
        declared_snapshot([tmp_path], SETTING)
    assert message in caught.value.message
    assert caught.value.where is not None and caught.value.where.line == line
    assert caught.value.where.file == str(tmp_path / "main.tf")


def test_bad_input_exits_2_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"account": ACCOUNT}))
    config = tmp_path / "tf"
    config.mkdir()
    (config / "main.tf").write_text('resource "aws_iam_role" "r" {\n  name = "r"\n  path = \n}\n')
    assert main(["drift", str(config), str(state)]) == 2
    assert f"{config / 'main.tf'}:3:" in capsys.readouterr().err
    # A policy the account would refuse: the snapshot loader's error, at the .tf line that wrote it.
    (config / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  name = "p"\n  policy = jsonencode({\n    Version = "2012-10-17"\n'
        '    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*", Colour = "red" }]\n  })\n}\n'
    )
    assert main(["drift", str(config), str(state)]) == 2
    assert f"{config / 'main.tf'}:5:" in capsys.readouterr().err


def test_a_special_file_is_refused_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A FIFO named like a .tf file or a state file: opening it for reading would wait for a writer forever."""
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"account": ACCOUNT}))
    os.mkfifo(tmp_path / "main.tf")
    assert main(["drift", str(tmp_path / "main.tf"), str(state)]) == 2
    assert "this is a FIFO (named pipe), not a regular file" in capsys.readouterr().err
    os.mkfifo(tmp_path / "state-pipe.json")
    assert main(["drift", str(PLATFORM), str(tmp_path / "state-pipe.json")]) == 2
    assert "this is a FIFO (named pipe), not a regular file" in capsys.readouterr().err


def test_the_state_is_a_file_or_a_live_account_not_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", str(PLATFORM)]) == 2
    assert "say where the account's state is" in capsys.readouterr().err
    assert main(["drift", str(PLATFORM), "state.json", "--state-from", "moto"]) == 2
    assert main(["drift", str(PLATFORM), "--state-from", "ftp://example"]) == 2
    assert "unknown backend 'ftp://example'" in capsys.readouterr().err
