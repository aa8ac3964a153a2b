"""The GitHub Actions workflow reader: per job, whether it may request an OIDC token, which tokens it
presents, and which role or identity it assumes.

Specification: docs.github.com "OpenID Connect reference" (subject formats, quoted in
checker/iac/workflows.py), "GITHUB_TOKEN reference" ("id-token | none | none | none": no job gets a token
without `id-token: write`), and the READMEs of aws-actions/configure-aws-credentials, azure/login and
google-github-actions/auth for their inputs and default audiences.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.iac.workflows import Setting, read_workflow

WORKFLOW = Path(__file__).parent / "data" / "repo" / ".github" / "workflows" / "deploy.yml"
SETTING = Setting(repository="acme/fraud-model")


def test_jobs_and_what_they_assume() -> None:
    workflow = read_workflow(WORKFLOW, SETTING)
    assert workflow.events == ("push", "pull_request", "workflow_dispatch")
    assert workflow.grants_token_at_workflow_level
    jobs = {job.job_id: job for job in workflow.jobs}
    assert [a.target for a in jobs["plan"].assumes] == ["arn:aws:iam::111122223333:role/fraud-plan"]
    deploy = jobs["deploy"]
    assert [(a.cloud, a.audience) for a in deploy.assumes] == [
        ("aws", "sts.amazonaws.com"),
        ("azure", "api://AzureADTokenExchange"),
        ("gcp", "https://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github/providers/acme"),
    ]
    assert deploy.assumes[2].service_account == "deployer@acme-ml.iam.gserviceaccount.com"
    assert deploy.needs == ("plan",) and deploy.environment == "production"
    assert jobs["plan"].continue_on_error is True and jobs["plan"].condition == "github.event_name == 'pull_request'"
    # "report" names its own permissions without id-token: every scope not named is none.
    assert not jobs["report"].can_request_token and jobs["report"].tokens == ()
    assert jobs["lint"].can_request_token and jobs["lint"].permission_level == "workflow"
    assert (deploy.assumes[0].where.line, deploy.assumes[0].where.column) == (35, 9)


def test_subjects_follow_githubs_formats() -> None:
    jobs = {job.job_id: job for job in read_workflow(WORKFLOW, SETTING).jobs}
    plan_subjects = {(t["event_name"], t["sub"]) for t in jobs["plan"].tokens}
    assert plan_subjects == {
        ("push", "repo:acme/fraud-model:ref:refs/heads/main"),
        ("push", "repo:acme/fraud-model:ref:refs/tags/vexample"),
        ("pull_request", "repo:acme/fraud-model:pull_request"),
        ("workflow_dispatch", "repo:acme/fraud-model:ref:refs/heads/main"),
    }
    # A job that references an environment has the environment subject whatever the event.
    assert {t["sub"] for t in jobs["deploy"].tokens} == {"repo:acme/fraud-model:environment:production"}
    token = jobs["plan"].tokens[0]
    assert token["iss"] == "https://token.actions.githubusercontent.com"
    assert token["aud"] == "sts.amazonaws.com"
    assert token["repository_owner"] == "acme"
    assert token["job_workflow_ref"] == "acme/fraud-model/.github/workflows/deploy.yml@refs/heads/main"
    # A job that assumes nothing still may request a token; its default audience is the owner's URL.
    assert jobs["lint"].tokens[0]["aud"] == "https://github.com/acme"


def test_without_permissions_no_job_gets_a_token(tmp_path: Path) -> None:
    path = tmp_path / "ci.yml"
    path.write_text(textwrap.dedent(
        """\
        on: push
        jobs:
          deploy:
            runs-on: ubuntu-latest
            steps:
              - uses: aws-actions/configure-aws-credentials@v4
                with: {role-to-assume: "arn:aws:iam::111122223333:role/r", aws-region: us-east-1}
          all:
            runs-on: ubuntu-latest
            permissions: write-all
            steps: [{run: "true"}]
        """))
    jobs = {job.job_id: job for job in read_workflow(path, SETTING).jobs}
    assert not jobs["deploy"].can_request_token and jobs["deploy"].assumes
    assert jobs["all"].can_request_token and jobs["all"].permission_level == "job"


def test_reusable_workflow_sets_job_workflow_ref(tmp_path: Path) -> None:
    path = tmp_path / "ci.yml"
    path.write_text(textwrap.dedent(
        """\
        on: {push: {branches: [main]}}
        permissions: {id-token: write}
        jobs:
          shared:
            uses: acme/automation/.github/workflows/deploy.yml@refs/heads/main
          local:
            uses: ./.github/workflows/deploy.yml
        """))
    jobs = {job.job_id: job for job in read_workflow(path, SETTING).jobs}
    assert jobs["shared"].tokens[0]["job_workflow_ref"] == "acme/automation/.github/workflows/deploy.yml@refs/heads/main"
    assert jobs["local"].tokens[0]["job_workflow_ref"] == "acme/fraud-model/.github/workflows/deploy.yml@refs/heads/main"


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("on: push\njobs:\n  a:\n    runs-on: x\n    permissions: write\n", 5, 5, "permissions must be"),
        ("on: push\njobs:\n  a: [1\n", 4, 1, "invalid YAML"),
        ("on: push\njobs: {}\n", 2, 1, "no jobs"),
    ],
)
def test_malformed_workflows_are_located(tmp_path: Path, text: str, line: int, column: int, words: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_workflow(path, SETTING)
    where = caught.value.where
    assert where is not None and (where.line, where.column) == (line, column), str(caught.value)
    assert words in caught.value.message
