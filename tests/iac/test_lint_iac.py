"""`iamlab lint` on what teams commit: Terraform, CloudFormation and workflows, with located findings,
the GitHub OIDC trust findings, the workflow findings and Rego guardrails (regopy)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from checker.cli.main import main

DOCS_RULES = Path(__file__).resolve().parents[2] / "docs" / "rego"

LOOSE_TRUST_TF = """\
resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Condition = {
        StringLike = { "token.actions.githubusercontent.com:sub" = "repo:acme/*" }
      }
    }]
  })
  inline_policy {
    name = "all-s3"
    policy = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }]
    })
  }
}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(["lint", *argv])
    captured = capsys.readouterr()
    out = json.loads(captured.out) if "--format" in argv and "text" not in argv else captured.out
    return code, out, captured.err


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_terraform_trust_findings_point_into_the_tf_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "main.tf", LOOSE_TRUST_TF)
    code, found, _ = run(capsys, str(tmp_path), "--account", "111122223333", "--format", "json")
    assert code == 1
    by_code = {f["code"]: f for f in found}
    no_aud = by_code["AWS-TRUST-OIDC-NO-AUD"]
    assert (Path(no_aud["file"]).name, no_aud["line"]) == ("main.tf", 14)
    sub = by_code["AWS-TRUST-OIDC-WILDCARD-SUB"]
    assert sub["line"] == 15
    assert "pull requests" in sub["message"] and "other repositories of acme" in sub["message"]
    assert by_code["AWS-WILDCARD-SERVICE"]["line"] == 23


def test_sarif_regions_are_in_the_tf_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "main.tf", LOOSE_TRUST_TF)
    _, sarif, _ = run(capsys, str(tmp_path / "main.tf"), "--account", "111122223333", "--format", "sarif")
    results = sarif["runs"][0]["results"]
    regions = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert ("AWS-TRUST-OIDC-NO-AUD", 14) in regions
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("main.tf") for r in results)


def test_tight_trust_has_no_oidc_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "main.tf", LOOSE_TRUST_TF.replace(
        'StringLike = { "token.actions.githubusercontent.com:sub" = "repo:acme/*" }',
        'StringEquals = { "token.actions.githubusercontent.com:sub" = "repo:acme/x:environment:prod", '
        '"token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }'))
    _, found, _ = run(capsys, str(tmp_path), "--account", "111122223333", "--format", "json")
    assert not {f["code"] for f in found} & {"AWS-TRUST-OIDC-NO-AUD", "AWS-TRUST-OIDC-WILDCARD-SUB", "AWS-TRUST-OIDC-NO-SUB"}


def test_cloudformation_template_is_linted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "stack.yaml", """\
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          Role:
            Type: AWS::IAM::Role
            Properties:
              RoleName: deploy
              AssumeRolePolicyDocument:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Action: sts:AssumeRoleWithWebIdentity
                    Principal:
                      Federated: !Sub "arn:aws:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com"
                    Condition:
                      StringLike:
                        token.actions.githubusercontent.com:sub: repo:acme/x:*
        """)
    _, found, _ = run(capsys, str(tmp_path / "stack.yaml"), "--account", "111122223333", "--format", "json")
    by_code = {f["code"]: f for f in found}
    assert by_code["AWS-TRUST-OIDC-NO-AUD"]["line"] == 14
    assert by_code["AWS-TRUST-OIDC-WILDCARD-SUB"]["line"] == 16


WORKFLOW = """\
on: {push: {branches: [main]}}
permissions:
  id-token: write
jobs:
  lint:
    runs-on: ubuntu-latest
    steps: [{run: iamlab lint infra/}]
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: "arn:aws:iam::111122223333:role/deploy", aws-region: us-east-1}
"""

FIXED_WORKFLOW = """\
on: {push: {branches: [main]}}
jobs:
  policy-check:
    runs-on: ubuntu-latest
    steps: [{run: iamlab lint infra/}]
  deploy:
    runs-on: ubuntu-latest
    needs: [policy-check]
    permissions: {id-token: write, contents: read}
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: "arn:aws:iam::111122223333:role/deploy", aws-region: us-east-1}
"""


def test_workflow_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, ".github/workflows/deploy.yml", WORKFLOW)
    _, found, _ = run(capsys, str(path), "--format", "json")
    by_code = {f["code"]: f for f in found}
    assert "lint" in by_code["GHA-ID-TOKEN-WORKFLOW-LEVEL"]["message"]
    assert by_code["GHA-ID-TOKEN-WORKFLOW-LEVEL"]["line"] == 2
    assert by_code["GHA-DEPLOY-WITHOUT-LINT"]["line"] == 8
    fixed = write(tmp_path, ".github/workflows/fixed.yml", FIXED_WORKFLOW)
    code, found, _ = run(capsys, str(fixed), "--format", "json")
    assert found == [] and code == 0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("    steps: [{run: iamlab lint infra/}]\n", "    continue-on-error: true\n    steps: [{run: iamlab lint infra/}]\n"),
         "continue-on-error: true"),
        (("    needs: [policy-check]\n", "    needs: [policy-check]\n    if: always()\n"), "always()"),
    ],
)
def test_a_lint_job_that_cannot_stop_the_deploy(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 change: tuple[str, str], words: str) -> None:
    path = write(tmp_path, ".github/workflows/deploy.yml", FIXED_WORKFLOW.replace(*change))
    _, found, _ = run(capsys, str(path), "--format", "json")
    assert [f["code"] for f in found] == ["GHA-DEPLOY-WITHOUT-LINT"]
    assert words in found[0]["message"]


def test_rego_example_guardrail_denies_wildcard_actions_at_the_statement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "main.tf", LOOSE_TRUST_TF)
    _, found, _ = run(capsys, str(tmp_path), "--rules", str(DOCS_RULES), "--account", "111122223333",
                      "--format", "json")
    rego = [f for f in found if f["code"].startswith("REGO-")]
    assert [(f["code"], f["line"]) for f in rego] == [("REGO-iamlab.guardrails.wildcards", 23)]
    assert '"s3:*"' in rego[0]["message"]
    # The same rule on a bare JSON policy without wildcards denies nothing.
    policy = write(tmp_path, "p.json", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                                       '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}]}')
    _, found, _ = run(capsys, str(policy), "--rules", str(DOCS_RULES), "--format", "json")
    assert not [f for f in found if f["code"].startswith("REGO-")]


def test_rego_input_document_carries_locations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    write(rules, "where.rego", """\
        package lab.where

        deny contains msg if {
          some s in input.statements
          msg := sprintf("%s %s %s %d", [input.kind, input.attached_to, s.file, s.line])
        }
        """)
    write(tmp_path, "tf/main.tf", LOOSE_TRUST_TF)
    _, found, _ = run(capsys, str(tmp_path / "tf"), "--rules", str(rules), "--account", "111122223333",
                      "--format", "json")
    messages = sorted(f["message"] for f in found if f["code"] == "REGO-lab.where")
    role = "arn:aws:iam::111122223333:role/deploy"
    assert messages == [f"identity {role} {tmp_path}/tf/main.tf 23", f"trust {role} {tmp_path}/tf/main.tf 10"]


def test_broken_rego_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    write(rules, "bad.rego", "package lab.bad\n\ndeny contains msg if {\n  msg := \n}\n")
    write(tmp_path, "p.json", '{"Version": "2012-10-17", "Statement": []}')
    code, _, err = run(capsys, str(tmp_path / "p.json"), "--rules", str(rules))
    assert code == 2
    assert "bad.rego:4:" in err and "invalid Rego" in err


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "bad/main.tf", 'resource "aws_iam_policy" "p" {\n  policy = [\n')
    write(tmp_path, "good/main.tf", LOOSE_TRUST_TF)
    code, found, err = run(capsys, str(tmp_path / "bad"), str(tmp_path / "good"), "--account", "111122223333",
                           "--format", "json")
    assert code == 2 and "bad/main.tf:" in err
    assert any(f["code"] == "AWS-TRUST-OIDC-NO-AUD" for f in found)


def test_a_deny_that_is_not_a_set_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    write(rules, "object.rego", 'package lab.object\n\ndeny["wildcard"] := true if {\n  input.kind == "identity"\n}\n')
    write(tmp_path, "p.json", '{"Version": "2012-10-17", "Statement": []}')
    code, _, err = run(capsys, str(tmp_path / "p.json"), "--rules", str(rules), "--kind", "identity")
    assert code == 2 and "must be a set" in err and "deny contains msg if" in err


def test_azure_and_gcp_terraform_is_linted_by_their_engines(capsys: pytest.CaptureFixture[str]) -> None:
    folder = Path(__file__).parent / "data" / "tf_multicloud"
    identity = "--ref=azurerm_user_assigned_identity.deployer.principal_id=11111111-2222-3333-4444-555555555555"
    code, _, err = run(capsys, str(folder), identity, "--format", "json")
    assert code == 2 and "Azure subscription id is not known" in err  # never a guessed id
    code, found, _ = run(capsys, str(folder), identity, "--azure-subscription", "00000000-0000-0000-0000-000000000001",
                         "--gcp-project-number", "123456789", "--format", "json")
    located = {(f["code"], Path(f["file"]).name, f["line"]) for f in found}
    assert ("GCP005", "gcp.tf", 23) in located
