"""Lab 02, GCP: realistic wrong answers fail exactly the checks that name their mistake, and right answers
written differently score full marks.

Each wrong answer is one edit of the reference solution (roles.tf, mlops.yml or the Rego guardrails), as a
learner would make it. The GCP facts the checks rest on:
- "Service Account User (roles/iam.serviceAccountUser)": "When granted on a project, [it] grants access to
  all service accounts in the project" (cloud.google.com/iam/docs/service-account-permissions), so actAs on
  the project acts as every account, the other stages' included;
- Vertex AI: "To create a custom training job that runs as a custom service account, you need the
  iam.serviceAccounts.actAs permission on that service account" (cloud.google.com/vertex-ai/docs/general/custom-service-account);
- roles/aiplatform.user holds aiplatform.customJobs.create and aiplatform.endpoints.deploy alike (the role
  catalog, checker/gcp/data/roles.json), so one binding of it trains and deploys;
- roles/artifactregistry.writer on the project holds uploadArtifacts on every repository of it (bindings are
  inherited down the hierarchy: cloud.google.com/iam/docs/resource-hierarchy-access-control).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.grading.result import LabResult
from checker.grading.runner import grade
from checker.grading.spec import load_lab

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "02-mlops-pipeline"
SOLUTION = REPO / "solutions" / "02-mlops-pipeline" / "gcp"
STARTER = LAB / ".starter" / "gcp"  # the pristine copy `iamlab reset` restores
RULES = "guardrails/least_privilege.rego"

Edit = tuple[str, str, str]  # (file in the submission, text of the reference, what the learner wrote)


def submit(tmp_path: Path, *edits: Edit) -> LabResult:
    folder = tmp_path / "submission"
    shutil.copytree(SOLUTION, folder)
    for name, old, new in edits:
        text = (folder / name).read_text()
        assert old in text, f"{old!r} is not in {name}"
        (folder / name).write_text(text.replace(old, new))
    return grade(load_lab(LAB), "gcp", folder)


def failing(result: LabResult) -> set[str]:
    return {check.id for check in result.checks if not check.passed}


TRAIN_ACT_AS = '''service_account_id = "projects/acme-ml/serviceAccounts/fraud-training@acme-ml.iam.gserviceaccount.com"
  role               = "roles/iam.serviceAccountUser"'''
REPOSITORY_WRITER = '''resource "google_artifact_registry_repository_iam_member" "build_pushes" {
  project    = local.project
  location   = "us-central1"
  repository = "fraud-train"
  role       = "roles/artifactregistry.writer"'''
PROJECT_WRITER = '''resource "google_project_iam_member" "build_pushes" {
  project    = local.project
  role       = "roles/artifactregistry.writer"'''
DEPLOYER = '''role    = google_project_iam_custom_role.deployer.name
  member  = google_service_account.deploy.member'''
DATASET_CONDITION = '''  condition {
    title      = "fraud-v3-only"
    expression = "resource.name.startsWith(\\"projects/_/buckets/acme-ml-datasets/objects/fraud/v3/\\")"
  }
'''

WRONG: list[tuple[str, list[Edit], set[str]]] = [
    ("build trusts every workflow of the repository (principalSet attribute.repository): a pull request gets it",
     [("roles.tf", 'member             = "${local.principal}/repo:${local.repository}:ref:refs/heads/main"\n}\n\nresource "google_artifact_registry',
       'member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository/${local.repository}"\n}\n\nresource "google_artifact_registry')],
     {"build-trust"}),
    ("train trusts the whole pool (principalSet .../*): every branch of the repository",
     [("roles.tf", 'service_account_id = google_service_account.train.name\n  role               = "roles/iam.workloadIdentityUser"\n'
       '  member             = "${local.principal}/repo:${local.repository}:ref:refs/heads/main"',
       'service_account_id = google_service_account.train.name\n  role               = "roles/iam.workloadIdentityUser"\n'
       '  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/*"')],
     {"train-trust"}),
    ("deploy trusts the main branch instead of the production environment",
     [("roles.tf", '"${local.principal}/repo:${local.repository}:environment:production"',
       '"${local.principal}/repo:${local.repository}:ref:refs/heads/main"')],
     {"deploy-trust"}),
    ("the provider also accepts GitHub's default audience (tokens minted for any other service)",
     [("roles.tf", '    issuer_uri = "https://token.actions.githubusercontent.com"\n',
       '    issuer_uri        = "https://token.actions.githubusercontent.com"\n'
       '    allowed_audiences = ["https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/providers/github-oidc", "https://github.com/acme"]\n')],
     {"build-trust", "train-trust", "deploy-trust"}),
    ("the pool admits every repository of the owner and build trusts the owner's set",
     [("roles.tf", "attribute_condition = \"assertion.repository == '${local.repository}'\"",
       "attribute_condition = \"assertion.repository_owner == 'acme'\""),
      ("roles.tf", '"attribute.repository" = "assertion.repository"', '"attribute.repository" = "assertion.repository"\n    "attribute.owner" = "assertion.repository_owner"'),
      ("roles.tf", 'member             = "${local.principal}/repo:${local.repository}:ref:refs/heads/main"\n}\n\nresource "google_artifact_registry',
       'member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.owner/acme"\n}\n\nresource "google_artifact_registry')],
     {"build-trust"}),
    ("build writes to every repository of the project (writer on the project)",
     [("roles.tf", REPOSITORY_WRITER, PROJECT_WRITER)],
     {"build-least-privilege"}),
    ("build may also pull from every repository (reader on the project, for base images)",
     [("roles.tf", "# -- train:", 'resource "google_project_iam_member" "build_pulls" {\n  project = local.project\n'
       '  role    = "roles/artifactregistry.reader"\n  member  = google_service_account.build.member\n}\n\n# -- train:')],
     {"build-least-privilege"}),
    ("train acts as every service account (Service Account User on the project)",
     [("roles.tf", f'resource "google_service_account_iam_member" "train_acts_as_training" {{\n  {TRAIN_ACT_AS}',
       'resource "google_project_iam_member" "train_acts_as_training" {\n  project = local.project\n'
       '  role    = "roles/iam.serviceAccountUser"')],
     # and mlops-train may then act as each stage's account too: the trust checks name it
     {"train-least-privilege", "train-acts-as-training-only", "build-trust", "train-trust", "deploy-trust"}),
    ("train gets roles/aiplatform.user instead of the custom role (it can deploy too)",
     [("roles.tf", "role    = google_project_iam_custom_role.trainer.name", 'role    = "roles/aiplatform.user"')],
     {"train-least-privilege", "separate-duties"}),
    ("deploy can also push images (writer on the repository)",
     [("roles.tf", DEPLOYER, DEPLOYER + '\n}\n\nresource "google_artifact_registry_repository_iam_member" "deploy_retags" {\n'
       '  project    = local.project\n  location   = "us-central1"\n  repository = "fraud-train"\n'
       '  role       = "roles/artifactregistry.writer"\n  member     = google_service_account.deploy.member')],
     {"deploy-least-privilege", "separate-duties"}),
    ("deploy mints tokens for any account (Token Creator on the project)",
     [("roles.tf", DEPLOYER, DEPLOYER + '\n}\n\nresource "google_project_iam_member" "deploy_tokens" {\n'
       '  project = local.project\n  role    = "roles/iam.serviceAccountTokenCreator"\n'
       '  member  = google_service_account.deploy.member')],
     {"deploy-least-privilege", "deploy-acts-as-model-only", "build-trust", "train-trust", "deploy-trust"}),
    ("build acts as fraud-training (copied from train)",
     [("roles.tf", "member             = google_service_account.train.member\n}\n\n# -- deploy",
       "member             = google_service_account.train.member\n}\n\n"
       'resource "google_service_account_iam_member" "build_acts_as_training" {\n'
       '  service_account_id = "projects/acme-ml/serviceAccounts/fraud-training@acme-ml.iam.gserviceaccount.com"\n'
       '  role               = "roles/iam.serviceAccountUser"\n'
       "  member             = google_service_account.build.member\n}\n\n# -- deploy")],
     {"build-least-privilege", "build-acts-as-nobody"}),
    ("train reads the whole dataset bucket (no condition)",
     [("roles.tf", DATASET_CONDITION, "")],
     {"train-least-privilege"}),
    ("train's job runs as fraud-model, so train may act as the serving account",
     [("roles.tf", "serviceAccounts/fraud-training@acme-ml", "serviceAccounts/fraud-model@acme-ml")],
     {"train-starts-job", "train-least-privilege", "train-acts-as-training-only"}),
    ("the workflow grants id-token: write to every job",
     [("mlops.yml", "permissions:\n  contents: read\n\njobs:", "permissions:\n  contents: read\n  id-token: write\n\njobs:")],
     {"id-token-only-where-needed"}),
    ("train impersonates the build account",
     [("mlops.yml", "service_account: mlops-train@acme-ml.iam.gserviceaccount.com",
       "service_account: mlops-build@acme-ml.iam.gserviceaccount.com")],
     {"own-identity-per-job"}),
    ("deploy outside the production environment and without lint",
     [("mlops.yml", "    needs: [lint, train]\n    runs-on: ubuntu-latest\n    environment: production\n",
       "    needs: train\n    runs-on: ubuntu-latest\n")],
     {"deploy-needs-lint", "deploy-in-production"}),
    ("the lint step swallows its failure",
     [("mlops.yml", "--fail-on error", "--fail-on error || true")],
     {"lint-can-fail"}),
    ("guardrails miss project-level act-as",
     [(RULES, '\tnot startswith(b.resource, "//iam.googleapis.com/")\n', '\tb.resource == "never"\n')],
     {"guardrails-catch-unsafe"}),
    ("guardrails flag every workload identity binding",
     [(RULES, '\tsome m in b.members\n\tstartswith(m, "principalSet://")\n', '\tsome m in b.members\n\tstartswith(m, "principal")\n')],
     {"guardrails-spare-safe"}),
]


@pytest.mark.parametrize(("name", "edits", "expected"), WRONG, ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_exactly_its_checks(tmp_path: Path, name: str, edits: list[Edit], expected: set[str]) -> None:
    result = submit(tmp_path, *edits)
    assert failing(result) == expected
    assert not result.passed


def test_reference_solution_full_marks(tmp_path: Path) -> None:
    result = submit(tmp_path)
    assert failing(result) == set()
    assert result.score == result.max_score


RIGHT: list[tuple[str, list[Edit]]] = [
    ("build and train bound to a principalSet of a mapped attribute.sub instead of the subject",
     [("roles.tf", '"attribute.repository" = "assertion.repository"', '"attribute.repository" = "assertion.repository"\n    "attribute.sub"        = "assertion.sub"'),
      ("roles.tf", 'member             = "${local.principal}/repo:${local.repository}:ref:refs/heads/main"\n}\n\nresource "google_artifact_registry',
       'member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.sub/repo:${local.repository}:ref:refs/heads/main"\n}\n\nresource "google_artifact_registry')]),
    ("no attribute_condition: the exact subjects admit only acme/fraud-model's own tokens",
     [("roles.tf", "  attribute_condition = \"assertion.repository == '${local.repository}'\"\n", "")]),
    ("the condition written with startsWith on the subject",
     [("roles.tf", "attribute_condition = \"assertion.repository == '${local.repository}'\"",
       "attribute_condition = \"assertion.sub.startsWith('repo:${local.repository}:') && assertion.repository_owner == 'acme'\"")]),
    ("the provider lists its own audience explicitly",
     [("roles.tf", '    issuer_uri = "https://token.actions.githubusercontent.com"\n',
       '    issuer_uri        = "https://token.actions.githubusercontent.com"\n'
       '    allowed_audiences = ["https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/providers/github-oidc"]\n')]),
    ("dataset read conditioned on the bucket's objects under fraud/v3/ written with a local and && of two tests",
     [("roles.tf", DATASET_CONDITION,
       '  condition {\n    title      = "fraud-v3-objects"\n'
       '    expression = "resource.type == \\"storage.googleapis.com/Object\\" && '
       'resource.name.startsWith(\\"projects/_/buckets/acme-ml-datasets/objects/fraud/v3/\\")"\n  }\n')]),
    ("the trainer's permissions as a predefined subset: fewer custom-job permissions",
     [("roles.tf", '"aiplatform.customJobs.create", "aiplatform.customJobs.get", "aiplatform.customJobs.list", "aiplatform.customJobs.cancel"',
       '"aiplatform.customJobs.create", "aiplatform.customJobs.get"')]),
    ("actAs through a custom role holding only iam.serviceAccounts.actAs",
     [("roles.tf", TRAIN_ACT_AS,
       'service_account_id = "projects/acme-ml/serviceAccounts/fraud-training@acme-ml.iam.gserviceaccount.com"\n'
       "  role               = google_project_iam_custom_role.act_as.name"),
      ("roles.tf", "# -- deploy:",
       'resource "google_project_iam_custom_role" "act_as" {\n  project     = local.project\n  role_id     = "actAsOnly"\n'
       '  title       = "Act as"\n  permissions = ["iam.serviceAccounts.actAs"]\n}\n\n# -- deploy:')]),
    ("the repository binding written as a google_artifact_registry_repository_iam_binding with a members list",
     [("roles.tf", 'resource "google_artifact_registry_repository_iam_member" "build_pushes"',
       'resource "google_artifact_registry_repository_iam_binding" "build_pushes"'),
      ("roles.tf", "  member     = google_service_account.build.member\n}",
       "  members    = [google_service_account.build.member]\n}")]),
]


@pytest.mark.parametrize(("name", "edits"), RIGHT, ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently_full_marks(tmp_path: Path, name: str, edits: list[Edit]) -> None:
    result = submit(tmp_path, *edits)
    assert failing(result) == set()


def test_starter_fails_the_stage_checks() -> None:
    result = grade(load_lab(LAB), "gcp", STARTER)
    assert {"build-least-privilege", "train-least-privilege", "deploy-least-privilege", "separate-duties",
            "train-acts-as-training-only", "deploy-acts-as-model-only", "own-identity-per-job",
            "guardrails-catch-unsafe"} <= failing(result)
    assert not result.passed


def test_invalid_attribute_condition_names_the_provider_in_roles_tf(tmp_path: Path) -> None:
    from checker.core.errors import InputError

    with pytest.raises(InputError) as raised:
        submit(tmp_path, ("roles.tf", "attribute_condition = \"assertion.repository == '${local.repository}'\"",
                          'attribute_condition = "assertion.repository == "'))
    where = raised.value.where
    assert where is not None and str(where.file).endswith("roles.tf")
    provider_line = (SOLUTION / "roles.tf").read_text().splitlines().index(
        'resource "google_iam_workload_identity_pool_provider" "github_oidc" {') + 1
    assert where.line == provider_line
    assert "attribute_condition" in raised.value.message


def test_the_lint_job_gates_on_the_guardrails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The reference lint step (`iamlab lint gcp/ --rules gcp/guardrails ... --fail-on error`) passes the
    reference bindings and stops the starter's: the Rego rules see the Terraform's GCP bindings."""
    from checker.cli.main import main

    def lint(roles_from: Path) -> int:
        folder = tmp_path / roles_from.parent.name / roles_from.name
        shutil.copytree(roles_from, folder)
        shutil.rmtree(folder / "guardrails")
        shutil.copytree(SOLUTION / "guardrails", folder / "guardrails")
        return main(["lint", str(folder), "--rules", str(folder / "guardrails"),
                     "--gcp-project-number", "123456789012", "--fail-on", "error"])

    assert lint(SOLUTION) == 0
    assert lint(STARTER) == 1
    assert "REGO-iamlab.guardrails.mlops_gcp" in capsys.readouterr().out
