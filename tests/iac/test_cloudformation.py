"""The CloudFormation reader (cfn-lint's decoder): roles, intrinsics, Conditions, located errors.

Semantics: AWS CloudFormation User Guide, "Intrinsic function reference" (Ref, Fn::Sub, Fn::GetAtt,
Fn::Join, Fn::Select, Fn::If, condition functions), "Pseudo parameters reference", and the resource pages
for AWS::IAM::Role, AWS::IAM::Policy, AWS::IAM::ManagedPolicy and AWS::IAM::OIDCProvider.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from checker.aws import PolicyKind, parse_policy
from checker.core.errors import InputError
from checker.iac.cloudformation import Setting, read_cloudformation
from checker.iac.model import IacModel

ACCOUNT = "111122223333"
SETTING = Setting(account=ACCOUNT, region="eu-west-1")


def read(tmp_path: Path, text: str, setting: Setting = SETTING, name: str = "template.yaml") -> IacModel:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return read_cloudformation(path, setting)


def error(tmp_path: Path, text: str, setting: Setting = SETTING, name: str = "template.yaml") -> InputError:
    with pytest.raises(InputError) as caught:
        read(tmp_path, text, setting, name)
    return caught.value


GITHUB_ROLE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Repository:
    Type: String
    Default: acme/fraud-model
Resources:
  GitHubProvider:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
      ClientIdList: [sts.amazonaws.com]
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: fraud-deploy
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: !GetAtt GitHubProvider.Arn
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
              StringLike:
                token.actions.githubusercontent.com:sub: !Sub "repo:${Repository}:ref:refs/heads/main"
      Policies:
        - PolicyName: push-images
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [ecr:PutImage, ecr:InitiateLayerUpload]
                Resource: !Sub "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/fraud"
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly
  ExtraPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref DeployRole]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: "*"
"""


def test_github_role_template(tmp_path: Path) -> None:
    model = read(tmp_path, GITHUB_ROLE)
    (role,) = model.roles
    assert role.arn == f"arn:aws:iam::{ACCOUNT}:role/fraud-deploy"
    assert role.trust is not None
    statement = role.trust.document.data["Statement"][0]
    assert statement["Principal"] == {
        "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    }
    assert statement["Condition"]["StringLike"] == {
        "token.actions.githubusercontent.com:sub": "repo:acme/fraud-model:ref:refs/heads/main"
    }
    assert [p.name for p in role.policies] == [
        "DeployRole Policies 'push-images'",
        "DeployRole (ManagedPolicyArns)",
        "ExtraPolicy (AWS::IAM::Policy)",
    ]
    inline = role.policies[0].document.data["Statement"][0]
    assert inline["Resource"] == f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/fraud"
    assert model.oidc_providers[0].url == "token.actions.githubusercontent.com"
    # Every policy parses, and its statements point at the template's lines.
    for policy in role.policies:
        parse_policy(policy.document, name=policy.name, kind=PolicyKind(policy.kind))
    where = role.trust.document.locate("/Statement/0/Condition/StringLike")
    assert (where.line, where.column) == (26, 15)


def test_the_same_template_as_json(tmp_path: Path) -> None:
    import json

    import yaml

    data = yaml.safe_load(GITHUB_ROLE.replace("!GetAtt GitHubProvider.Arn", '{"Fn::GetAtt": ["GitHubProvider", "Arn"]}')
                          .replace('!Sub "repo', '{"Fn::Sub": "repo').replace('main"', 'main"}')
                          .replace('!Sub "arn', '{"Fn::Sub": "arn').replace('fraud"\n', 'fraud"}\n')
                          .replace("[!Ref DeployRole]", '[{"Ref": "DeployRole"}]'))
    model = read(tmp_path, json.dumps(data, indent=2), name="template.json")
    yaml_model = read(tmp_path, GITHUB_ROLE)
    assert [p.document.data for p in model.policies] == [p.document.data for p in yaml_model.policies]


def test_parameter_value_given_by_the_lab_wins(tmp_path: Path) -> None:
    model = read(tmp_path, GITHUB_ROLE, Setting(account=ACCOUNT, region="eu-west-1",
                                                parameters={"Repository": "acme/other"}))
    trust = model.roles[0].trust
    assert trust is not None
    assert trust.document.data["Statement"][0]["Condition"]["StringLike"][
        "token.actions.githubusercontent.com:sub"] == "repo:acme/other:ref:refs/heads/main"


def test_account_id_without_the_labs_parameter_is_an_error(tmp_path: Path) -> None:
    exc = error(tmp_path, GITHUB_ROLE, Setting(region="eu-west-1"))
    assert "AWS::AccountId is not known" in exc.message or "GetAtt GitHubProvider.Arn" in exc.message
    assert exc.where is not None and exc.where.line is not None


@pytest.mark.parametrize(
    ("name", "text", "line", "column"),
    [
        ("bad.yaml", "Resources:\n  Role:\n    Type: [AWS::IAM::Role\n    Properties: {}\n", 4, 15),
        ("bad.json", '{\n  "Resources": {\n    "Role": {"Type": "AWS::IAM::Role" "Properties": {}}\n  }\n}\n', 3, 39),
    ],
)
def test_malformed_templates_have_positions(tmp_path: Path, name: str, text: str, line: int, column: int) -> None:
    exc = error(tmp_path, text, name=name)
    assert exc.where is not None and (exc.where.line, exc.where.column) == (line, column), str(exc)
    assert exc.message.startswith("invalid template")


GENERATED_BUCKET = """\
Resources:
  Data:
    Type: AWS::S3::Bucket
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: !Sub "${Data.Arn}/*"
"""


def test_missing_property_points_at_the_resource(tmp_path: Path) -> None:
    exc = error(tmp_path, '{\n  "Resources": {\n    "Role": {"Type": "AWS::IAM::Role",}\n  }\n}\n', name="t.json")
    assert "Role needs AssumeRolePolicyDocument" in exc.message
    assert exc.where is not None and (exc.where.line, exc.where.column) == (3, 13)


def test_getatt_of_a_generated_name_is_an_error(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        GENERATED_BUCKET,
    )
    assert "Data.Arn" in exc.message and "computed at deployment" in exc.message
    assert exc.where is not None and (exc.where.line, exc.where.column) == (12, 23)


def test_getatt_given_by_the_lab(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        GENERATED_BUCKET,
        Setting(account=ACCOUNT, references={"Data.Arn": "arn:aws:s3:::given"}),
    )
    assert model.policies[0].document.data["Statement"][0]["Resource"] == "arn:aws:s3:::given/*"


def test_conditional_resource_and_statement(tmp_path: Path) -> None:
    text = """\
        Parameters:
          Env: {Type: String, Default: dev}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          NotProd: !Not [!Condition IsProd]
        Resources:
          ProdOnly:
            Type: AWS::IAM::ManagedPolicy
            Condition: IsProd
            Properties:
              PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
          Always:
            Type: AWS::IAM::ManagedPolicy
            Properties:
              PolicyDocument:
                Version: "2012-10-17"
                Statement:
                  - !If
                    - NotProd
                    - {Effect: Allow, Action: "s3:*", Resource: "*"}
                    - !Ref AWS::NoValue
        """
    model = read(tmp_path, text)
    assert len(model.policies) == 1
    assert model.policies[0].document.data["Statement"] == [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
    prod = read(tmp_path, text, Setting(account=ACCOUNT, parameters={"Env": "prod"}))
    assert [p.document.data["Statement"] for p in prod.policies] == [
        [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        [],
    ]


def test_unknown_intrinsic_is_named(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        """\
        Resources:
          Policy:
            Type: AWS::IAM::ManagedPolicy
            Properties:
              PolicyDocument:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Action: s3:GetObject
                    Resource: !ImportValue shared-bucket-arn
        """,
    )
    assert "Fn::ImportValue" in exc.message and exc.where is not None and exc.where.line == 10


def test_parameter_without_default_is_an_error(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        """\
        Parameters:
          Bucket: {Type: String}
        Resources:
          Policy:
            Type: AWS::IAM::ManagedPolicy
            Properties:
              PolicyDocument:
                Version: "2012-10-17"
                Statement: [{Effect: Allow, Action: s3:GetObject, Resource: !Sub "arn:aws:s3:::${Bucket}/*"}]
        """,
    )
    assert "Bucket has no Default" in exc.message and exc.where is not None and exc.where.line == 9
