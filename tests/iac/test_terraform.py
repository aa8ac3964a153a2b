"""The Terraform reader: real-world shapes, references, variables, located errors.

Terraform semantics are HashiCorp's documentation: "Input Variables" (definition precedence),
"Local Values", "References to Named Values", the `file`/`jsonencode` function pages, and the AWS
provider's pages for aws_iam_role, aws_iam_role_policy, aws_iam_policy, aws_iam_role_policy_attachment,
aws_iam_openid_connect_provider and data "aws_iam_policy_document".
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from checker.aws import PolicyKind, PolicySet, Request, evaluate, parse_policy
from checker.core.errors import InputError
from checker.iac.model import IacModel
from checker.iac.terraform import Setting, read_terraform

DATA = Path(__file__).parent / "data"
ACCOUNT = "111122223333"
SETTING = Setting(account=ACCOUNT, region="us-east-1")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/fraud-deploy"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def write(tmp_path: Path, text: str, name: str = "main.tf") -> Path:
    (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path


def read(tmp_path: Path, text: str, setting: Setting = SETTING) -> IacModel:
    return read_terraform([write(tmp_path, text)], setting)


def error(tmp_path: Path, text: str, setting: Setting = SETTING) -> InputError:
    with pytest.raises(InputError) as caught:
        read(tmp_path, text, setting)
    return caught.value


def decide(model: IacModel, action: str, resource: str, context: dict[str, Any] | None = None) -> str:
    role = model.roles[0]
    identity = [parse_policy(p.document, name=p.name, kind=PolicyKind(p.kind)) for p in role.policies]
    request = Request(ROLE, action, resource, None, context or {})
    return evaluate(request, PolicySet(identity=identity)).kind.value


@pytest.fixture(scope="module")
def github() -> IacModel:
    return read_terraform([DATA / "tf_github_oidc"], SETTING)


def test_github_oidc_role_is_read_whole(github: IacModel) -> None:
    assert [r.address for r in github.roles] == ["aws_iam_role.deploy"]
    role = github.roles[0]
    # name = "${local.prefix}-deploy": a local, interpolated; the ARN is IAM's role ARN format.
    assert role.name == "fraud-deploy" and role.arn == ROLE
    assert [p.name for p in role.policies] == [
        "aws_iam_role_policy.read_data (policy)",
        "aws_iam_role_policy_attachment.logs (policy_arn)",
        "aws_iam_role_policy_attachment.ecr (policy_arn)",
    ]
    assert github.oidc_providers[0].arn == PROVIDER
    assert github.oidc_providers[0].client_ids == ("sts.amazonaws.com",)


def test_policy_document_renders_as_the_provider_does(github: IacModel) -> None:
    trust = github.roles[0].trust
    assert trust is not None and trust.kind == "trust"
    assert trust.document.data == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GitHubDeploy",
                "Effect": "Allow",
                "Action": ["sts:AssumeRoleWithWebIdentity"],
                "Principal": {"Federated": [PROVIDER]},
                "Condition": {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": ["sts.amazonaws.com"],
                        # terraform.tfvars sets var.repository (the variable has no default)
                        "token.actions.githubusercontent.com:sub": ["repo:acme/fraud-model:environment:production"],
                    }
                },
            }
        ],
    }


def test_statement_positions_point_into_the_tf_file(github: IacModel) -> None:
    trust = github.roles[0].trust
    assert trust is not None
    where = trust.document.locate("/Statement/0")
    assert (Path(where.file).name, where.line, where.column) == ("main.tf", 11, 3)
    where = trust.document.locate("/Statement/0/Condition/StringEquals/token.actions.githubusercontent.com:sub")
    assert (where.line, where.column) == (25, 7)
    inline = github.roles[0].policies[0].document
    where = inline.locate("/Statement/1/Condition/StringLike/s3:prefix/0")
    assert (Path(where.file).name, where.line) == ("main.tf", 54)
    # file("${path.module}/logs-policy.json"): positions are the JSON file's own.
    logs = github.roles[0].policies[1].document.locate("/Statement/0/Action/1")
    assert (Path(logs.file).name, logs.line, logs.column) == ("logs-policy.json", 7, 42)


def test_decisions_follow_the_resolved_values(github: IacModel) -> None:
    bucket = "arn:aws:s3:::acme-ml-datasets"
    assert decide(github, "s3:GetObject", f"{bucket}/fraud/v3/train.csv") == "allow"
    assert decide(github, "s3:GetObject", f"{bucket}/fraud/v30/train.csv") == "implicit_deny"
    assert decide(github, "s3:ListBucket", bucket, {"s3:prefix": "fraud/v3/a"}) == "allow"
    assert decide(github, "s3:ListBucket", bucket, {"s3:prefix": "other/"}) == "implicit_deny"
    # The AWS managed policy attached by ARN grants ECR reads (AmazonEC2ContainerRegistryReadOnly).
    assert decide(github, "ecr:BatchGetImage", f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/x") == "allow"
    assert decide(github, "ecr:PutImage", f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/x") == "implicit_deny"


def test_a_variable_given_by_the_caller_wins_over_tfvars() -> None:
    setting = Setting(account=ACCOUNT, variables={"data_bucket": "other-bucket"})
    model = read_terraform([DATA / "tf_github_oidc"], setting)
    assert decide(model, "s3:GetObject", "arn:aws:s3:::other-bucket/fraud/v3/x") == "allow"


def test_invalid_policy_inside_jsonencode_is_reported_at_the_tf_line(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        """\
        resource "aws_iam_role" "r" {
          name = "r"
          assume_role_policy = jsonencode({
            Version = "2012-10-17"
            Statement = [{
              Effect    = "Allow"
              Action    = "sts:AssumeRole"
              Principal = { Service = "sagemaker.amazonaws.com" }
              Resorce   = "*"
            }]
          })
        }
        """,
    )
    trust = model.roles[0].trust
    assert trust is not None
    with pytest.raises(InputError) as caught:
        parse_policy(trust.document, name=trust.name, kind=PolicyKind.TRUST)
    where = caught.value.where
    assert where is not None and (Path(where.file).name, where.line, where.column) == ("main.tf", 9, 7)
    assert "Resorce" in caught.value.message


def test_heredoc_json_keeps_exact_positions(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        """\
        resource "aws_iam_role" "r" {
          name               = "r"
          assume_role_policy = <<-EOT
            {
              "Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                             "Principal": {"Service": "sagemaker.amazonaws.com"}}]
            }
          EOT
        }
        """,
    )
    trust = model.roles[0].trust
    assert trust is not None
    where = trust.document.locate("/Statement/0/Principal")
    assert (where.line, where.column) == (7, 22)


def test_unresolved_reference_names_the_missing_name(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        """\
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = jsonencode({
            Version   = "2012-10-17"
            Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = aws_s3_bucket.models.arn }]
          })
        }
        """,
    )
    assert "aws_s3_bucket.models.arn" in exc.message and "not defined" in exc.message
    assert exc.where is not None and (exc.where.line, exc.where.column) == (5, 74)


def test_a_reference_the_lab_gives_is_used(tmp_path: Path) -> None:
    setting = Setting(account=ACCOUNT, references={"aws_s3_bucket.models.arn": "arn:aws:s3:::models"})
    model = read(
        tmp_path,
        """\
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = jsonencode({
            Version   = "2012-10-17"
            Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "${aws_s3_bucket.models.arn}/*" }]
          })
        }
        """,
        setting,
    )
    assert model.policies[0].document.data["Statement"][0]["Resource"] == "arn:aws:s3:::models/*"
    assert model.policies[0].arn == f"arn:aws:iam::{ACCOUNT}:policy/p"


def test_computed_attribute_without_a_value_is_an_error(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        """\
        resource "aws_kms_key" "k" {
          description = "models"
        }
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "kms:Decrypt", Resource = aws_kms_key.k.arn }] })
        }
        """,
    )
    assert "aws_kms_key.k.arn" in exc.message and "computed by the provider" in exc.message


def test_account_id_needs_the_labs_parameter(tmp_path: Path) -> None:
    text = """\
        data "aws_caller_identity" "me" {}
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject",
            Resource = "*", Condition = { StringEquals = { "aws:ResourceAccount" = data.aws_caller_identity.me.account_id } } }] })
        }
        """
    exc = error(tmp_path, text, Setting())
    assert "account id" in exc.message
    model = read(tmp_path, text)
    assert model.policies[0].document.data["Statement"][0]["Condition"]["StringEquals"] == {
        "aws:ResourceAccount": ACCOUNT
    }


def test_variable_without_value_is_located(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        """\
        variable "bucket" {}
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::${var.bucket}/*" }] })
        }
        """,
    )
    assert "var.bucket has no value" in exc.message
    assert exc.where is not None and exc.where.line == 4


def test_local_cycle_is_an_error(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        """\
        locals {
          a = local.b
          b = local.a
        }
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = local.a
        }
        """,
    )
    assert "refers to itself" in exc.message


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        # A missing closing bracket: the '=' on the next line is where the parser gives up.
        ('resource "aws_iam_policy" "p" {\n  policy = ["a",\n  name = "p"\n}\n', 3, 8, "unexpected '='"),
        ('resource "aws_iam_policy" "p" {\n  name = "p\n}\n', 2, 10, "not closed on its line"),
        ('resource "aws_iam_policy" "p" {\n  name = "p"\n', 2, 13, "ends inside"),
        ('resource "aws_iam_policy" "p" {\n  name = "p"\n  name = "q"\n}\n', 3, 3, "set twice"),
    ],
)
def test_malformed_hcl_has_exact_positions(tmp_path: Path, text: str, line: int, column: int, words: str) -> None:
    (tmp_path / "main.tf").write_text(text)
    with pytest.raises(InputError) as caught:
        read_terraform([tmp_path], SETTING)
    where = caught.value.where
    assert where is not None and (where.line, where.column) == (line, column), str(caught.value)
    assert words in caught.value.message


def test_file_outside_the_folder_is_refused(tmp_path: Path) -> None:
    exc = error(tmp_path, 'resource "aws_iam_policy" "p" {\n  name = "p"\n  policy = file("../../etc/passwd")\n}\n')
    assert "outside the configuration folder" in exc.message
    assert exc.where is not None and (exc.where.line, exc.where.column) == (3, 17)


def test_policy_document_merges_sources_overrides_principals_and_conditions(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        """\
        data "aws_iam_policy_document" "base" {
          statement {
            sid       = "Read"
            actions   = ["s3:GetObject"]
            resources = ["arn:aws:s3:::a/*"]
          }
          statement {
            sid       = "List"
            actions   = ["s3:ListBucket"]
            resources = ["arn:aws:s3:::a"]
          }
        }
        data "aws_iam_policy_document" "override" {
          statement {
            sid       = "Read"
            actions   = ["s3:GetObject"]
            resources = ["arn:aws:s3:::b/*"]
          }
        }
        data "aws_iam_policy_document" "merged" {
          source_policy_documents   = [data.aws_iam_policy_document.base.json]
          override_policy_documents = [data.aws_iam_policy_document.override.json]
          statement {
            sid     = "List"
            effect  = "Deny"
            actions = ["s3:ListBucket"]
            resources = ["arn:aws:s3:::a"]
            principals {
              type        = "AWS"
              identifiers = ["arn:aws:iam::111122223333:root"]
            }
            principals {
              type        = "AWS"
              identifiers = ["arn:aws:iam::444455556666:root"]
            }
            condition {
              test     = "StringLike"
              variable = "s3:prefix"
              values   = ["x/*"]
            }
            condition {
              test     = "StringLike"
              variable = "s3:prefix"
              values   = ["y/*"]
            }
          }
        }
        data "aws_iam_policy_document" "anyone" {
          statement {
            actions = ["s3:GetObject"]
            resources = ["*"]
            principals {
              type        = "*"
              identifiers = ["*"]
            }
          }
        }
        resource "aws_iam_policy" "merged" {
          name   = "merged"
          policy = data.aws_iam_policy_document.merged.json
        }
        resource "aws_s3_bucket_policy" "anyone" {
          bucket = "a"
          policy = data.aws_iam_policy_document.anyone.json
        }
        resource "aws_iam_policy" "anyone" {
          name   = "anyone"
          policy = aws_s3_bucket_policy.anyone.policy
        }
        """,
    )
    merged = model.policies[0].document.data["Statement"]
    # The override document's Read replaced the source's; this document's List replaced the source's List.
    assert merged[0] == {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}
    assert merged[1]["Effect"] == "Deny"
    assert merged[1]["Principal"] == {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]}
    assert merged[1]["Condition"] == {"StringLike": {"s3:prefix": ["x/*", "y/*"]}}
    assert model.policies[1].document.data["Statement"][0]["Principal"] == "*"
    # The override statement points at the override document's block.
    assert model.policies[0].document.locate("/Statement/0").line == 14


def test_unknown_managed_policy_arn_is_an_error(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        """\
        resource "aws_iam_role" "r" {
          name                = "r"
          assume_role_policy  = jsonencode({ Version = "2012-10-17", Statement = [] })
          managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAcess"]
        }
        """,
    )
    assert "no AWS managed policy has the ARN" in exc.message
    assert exc.hint is not None and "AmazonS3ReadOnlyAccess" in exc.hint
    assert exc.where is not None and exc.where.line == 4


def test_service_role_managed_policy_has_its_path(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        """\
        resource "aws_iam_role" "r" {
          name                 = "r"
          assume_role_policy   = jsonencode({ Version = "2012-10-17", Statement = [] })
          permissions_boundary = "arn:aws:iam::aws:policy/service-role/AmazonSageMakerServiceCatalogProductsApiGatewayServiceRolePolicy"
        }
        """,
    )
    boundary = model.roles[0].boundary
    assert boundary is not None and boundary.kind == "boundary"
    assert boundary.document.data["Statement"]


def test_for_expression_and_functions(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        """\
        variable "buckets" {
          default = ["a", "b"]
        }
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [{
              Effect   = "Allow"
              Action   = concat(["s3:GetObject"], [format("s3:%s", "PutObject")])
              Resource = [for b in var.buckets : "arn:aws:s3:::${b}/*" if b != "b"]
            }]
          })
        }
        """,
    )
    statement = model.policies[0].document.data["Statement"][0]
    assert statement["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert statement["Resource"] == ["arn:aws:s3:::a/*"]


def test_unsupported_function_is_named(tmp_path: Path) -> None:
    exc = error(tmp_path, 'resource "aws_iam_policy" "p" {\n  name = "p"\n  policy = templatefile("p.tpl", {})\n}\n')
    assert "templatefile()" in exc.message and exc.where is not None and exc.where.line == 3


def test_count_is_refused_by_name(tmp_path: Path) -> None:
    exc = error(tmp_path, 'resource "aws_iam_policy" "p" {\n  count = 2\n  name = "p"\n}\n')
    assert "count" in exc.message and exc.where is not None and exc.where.line == 2


def test_auto_tfvars_win_over_terraform_tfvars(tmp_path: Path) -> None:
    """Terraform's precedence: terraform.tfvars, then *.auto.tfvars in lexical order, then -var."""
    write(tmp_path, 'variable "bucket" {}\nresource "aws_iam_policy" "p" {\n  name = "p"\n'
                    '  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", '
                    'Action = "s3:GetObject", Resource = "arn:aws:s3:::${var.bucket}/*" }] })\n}\n')
    write(tmp_path, 'bucket = "from-tfvars"\n', "terraform.tfvars")
    write(tmp_path, 'bucket = "from-auto"\n', "b.auto.tfvars")
    model = read_terraform([tmp_path], SETTING)
    assert model.policies[0].document.data["Statement"][0]["Resource"] == "arn:aws:s3:::from-auto/*"


def test_heredoc_with_interpolation(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        """\
        variable "bucket" {
          default = "acme-data"
        }
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = <<EOF
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${var.bucket}/*"}]}
        EOF
        }
        """,
    )
    document = model.policies[0].document
    assert document.data["Statement"][0]["Resource"] == "arn:aws:s3:::acme-data/*"
    assert document.locate("/Statement/0").line == 8


def test_heredoc_interpolation_error_points_at_it(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        """\
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = <<EOF
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "${var.missing}"}]}
        EOF
        }
        """,
    )
    assert "var.missing is not declared" in exc.message
    assert exc.where is not None and (exc.where.line, exc.where.column) == (5, 75)


def test_jsondecode_of_a_file_and_merge(tmp_path: Path) -> None:
    write(tmp_path, '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}', "statement.json")
    model = read(
        tmp_path,
        """\
        locals {
          base = jsondecode(file("statement.json"))
        }
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = jsonencode({ Version = "2012-10-17", Statement = [merge(local.base, { Resource = "arn:aws:s3:::b/*" })] })
        }
        """,
    )
    assert model.policies[0].document.data["Statement"] == [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    ]


def test_meta_arguments_are_allowed_on_a_policy_document(tmp_path: Path) -> None:
    model = read(
        tmp_path,
        """\
        resource "aws_s3_bucket" "b" {
          bucket = "b"
        }
        data "aws_iam_policy_document" "d" {
          depends_on = [aws_s3_bucket.b]
          statement {
            actions   = ["s3:GetObject"]
            resources = ["arn:aws:s3:::b/*"]
          }
        }
        resource "aws_iam_policy" "p" {
          name   = "p"
          policy = data.aws_iam_policy_document.d.json
        }
        """,
    )
    assert model.policies[0].document.data["Statement"][0]["Action"] == ["s3:GetObject"]


def test_a_deeply_nested_value_is_an_error_not_a_crash(tmp_path: Path) -> None:
    nested = "[" * 400 + "1" + "]" * 400
    exc = error(tmp_path, f'resource "aws_iam_policy" "p" {{\n  name = "p"\n  policy = jsonencode({nested})\n}}\n')
    assert "too deep" in exc.message
    assert exc.where is not None and exc.where.line == 3
