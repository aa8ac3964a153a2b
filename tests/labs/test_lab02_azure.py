"""Lab 02, Azure: realistic wrong answers fail exactly the checks that name their mistake, and right answers
written differently score full marks.

Each wrong answer is one edit of the reference solution (roles.tf, mlops.yml or the Rego guardrails), as a
learner would make it. Entra's matching rule: a federated identity credential's issuer and subject must
match the token's `iss` and `sub` ("The subject setting value must exactly match the configuration on the
GitHub workflow configuration", Microsoft Entra, "Important considerations and restrictions for federated
identity credentials", learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations),
and its audiences say "what Microsoft identity platform should accept in the aud claim". GitHub's subjects
are those of "OpenID Connect reference": "repo:ORG/REPO:environment:NAME" for a job with an environment,
"repo:ORG/REPO:pull_request" for a pull request, "repo:ORG/REPO:ref:refs/heads/BRANCH" otherwise.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.result import LabResult
from checker.grading.runner import grade
from checker.grading.spec import load_lab

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "02-mlops-pipeline"
SOLUTION = REPO / "solutions" / "02-mlops-pipeline" / "azure"
RULES = "guardrails/least_privilege.rego"

Edit = tuple[str, str, str]  # (file in the submission, text of the reference, what the learner wrote)


def submit(tmp_path: Path, *edits: Edit, folder: Path = SOLUTION) -> LabResult:
    copy = tmp_path / "submission"
    shutil.copytree(folder, copy)
    for name, old, new in edits:
        text = (copy / name).read_text()
        assert old in text, f"{old!r} is not in {name}"
        (copy / name).write_text(text.replace(old, new))
    return grade(load_lab(LAB), "azure", copy)


def failing(result: LabResult) -> set[str]:
    return {check.id for check in result.checks if not check.passed}


MAIN = 'subject             = "repo:${local.repository}:ref:refs/heads/main"'
PRODUCTION = 'subject             = "repo:${local.repository}:environment:production"'
BUILD_SCOPE = "scope                = local.registry"
DEPLOY_ROLE = "role_definition_id = azurerm_role_definition.deploy_endpoints.role_definition_resource_id"
TRAIN_ROLE = "role_definition_id = azurerm_role_definition.train_jobs.role_definition_resource_id"
DEPLOY_ASSIGNMENT = 'resource "azurerm_role_assignment" "deploy_endpoints" {'


def extra_assignment(name: str, scope: str, role: str, principal: str) -> Edit:
    """A role assignment added before the deploy stage's, as a learner appends one."""
    block = (f'resource "azurerm_role_assignment" "{name}" {{\n  scope                = {scope}\n'
             f'  role_definition_name = "{role}"\n  principal_id         = {principal}\n}}\n\n')
    return ("roles.tf", DEPLOY_ASSIGNMENT, block + DEPLOY_ASSIGNMENT)


WRONG: list[tuple[str, list[Edit], set[str]]] = [
    ("AcrPush on the resource group (every registry in it)",
     [("roles.tf", BUILD_SCOPE, "scope                = local.rg")], {"build-least-privilege"}),
    ("AcrPush on the subscription",
     [("roles.tf", BUILD_SCOPE, 'scope                = "/subscriptions/${data.azurerm_subscription.current.subscription_id}"')],
     {"build-least-privilege"}),
    ("AcrPull only: the build cannot push",
     [("roles.tf", 'role_definition_name = "AcrPush"', 'role_definition_name = "AcrPull"')], {"build-pushes-image"}),
    ("train gets AzureML Data Scientist (it also creates online deployments)",
     [("roles.tf", TRAIN_ROLE, 'role_definition_name = "AzureML Data Scientist"')],
     {"train-least-privilege", "separate-duties"}),
    ("deploy gets AzureML Data Scientist (it also submits jobs)",
     [("roles.tf", DEPLOY_ROLE, 'role_definition_name = "AzureML Data Scientist"')],
     {"deploy-least-privilege", "separate-duties"}),
    ("the dataset reader on the whole storage account",
     [("roles.tf", "scope                = local.datasets",
       'scope                = "${local.rg}/providers/Microsoft.Storage/storageAccounts/acmemldatasets"')],
     {"train-least-privilege"}),
    ("the role assignment names the identity's resource id, not its principal id",
     [("roles.tf", "principal_id         = azurerm_user_assigned_identity.build.principal_id",
       "principal_id         = azurerm_user_assigned_identity.build.id")],
     {"build-pushes-image"}),
    ("a wildcard subject (Entra compares subjects exactly: it matches no token)",
     [("roles.tf", MAIN, 'subject             = "repo:${local.repository}:*"')], {"build-trust", "train-trust"}),
    ("pull requests may build too (a second credential)",
     [("roles.tf", 'resource "azurerm_federated_identity_credential" "train_main" {',
       'resource "azurerm_federated_identity_credential" "build_pr" {\n  name                = "github-pr"\n'
       '  resource_group_name = "rg-ml-fraud"\n  parent_id           = azurerm_user_assigned_identity.build.id\n'
       '  issuer              = local.github\n  subject             = "repo:${local.repository}:pull_request"\n'
       '  audience            = [local.audience]\n}\n\n'
       'resource "azurerm_federated_identity_credential" "train_main" {')],
     {"build-trust"}),
    ("deploy trusts the main branch instead of the environment",
     [("roles.tf", PRODUCTION, MAIN)], {"deploy-trust"}),
    ("deploy's credential also accepts the owner-URL audience GitHub mints by default",
     [("roles.tf", "audience            = [local.audience]\n}\n\n# -- build",
       'audience            = [local.audience, "https://github.com/acme"]\n}\n\n# -- build')],
     {"deploy-trust"}),
    ("the issuer written with a trailing slash (no token carries it)",
     [("roles.tf", 'github     = "https://token.actions.githubusercontent.com"',
       'github     = "https://token.actions.githubusercontent.com/"')],
     {"build-trust", "train-trust", "deploy-trust"}),
    ("the production credential put on the build identity",
     [("roles.tf", "parent_id           = azurerm_user_assigned_identity.deploy.id",
       "parent_id           = azurerm_user_assigned_identity.build.id")],
     {"build-trust", "deploy-trust"}),
    ("train may attach the deploy identity (Managed Identity Operator on it)",
     [extra_assignment("train_operates_deploy", "azurerm_user_assigned_identity.deploy.id", "Managed Identity Operator",
                       "azurerm_user_assigned_identity.train.principal_id")],
     {"train-least-privilege", "deploy-trust", "no-way-up"}),
    ("deploy can grant roles in the workspace (User Access Administrator)",
     [extra_assignment("deploy_grants", "local.workspace", "User Access Administrator",
                       "azurerm_user_assigned_identity.deploy.principal_id")],
     {"deploy-least-privilege", "no-way-up"}),
    ("one identity for build and deploy: deploy's role given to the build identity",
     [("roles.tf", "principal_id       = azurerm_user_assigned_identity.deploy.principal_id",
       "principal_id       = azurerm_user_assigned_identity.build.principal_id")],
     {"deploy-creates-endpoint", "build-least-privilege", "separate-duties"}),
    ("train signs in as the build identity",
     [("mlops.yml", "client-id: c2222222-2222-4222-8222-222222222222", "client-id: c1111111-1111-4111-8111-111111111111")],
     {"own-identity-per-job"}),
    ("id-token: write for every job",
     [("mlops.yml", "permissions:\n  contents: read\n\njobs:", "permissions:\n  contents: read\n  id-token: write\n\njobs:")],
     {"id-token-only-where-needed"}),
    ("deploy outside the production environment", [("mlops.yml", "    environment: production\n", "")],
     {"deploy-in-production"}),
    ("lint swallows its failure", [("mlops.yml", "--fail-on security", "--fail-on security || true")],
     {"lint-can-fail"}),
    ("guardrails without the wildcard-subject rule",
     [(RULES, 'contains(credential.subject, "*")', 'contains(credential.subject, "never-written")')],
     {"guardrails-catch-unsafe"}),
    ("guardrails flag every assignment, not only broad scopes",
     [(RULES, '\tnot contains(lower(assignment.scope), "/providers/microsoft.")\n', "")], {"guardrails-spare-safe"}),
]


@pytest.mark.parametrize(("edits", "expected"), [(e, x) for _, e, x in WRONG], ids=[n for n, _, _ in WRONG])
def test_wrong_answer_fails_exactly_its_checks(tmp_path: Path, edits: list[Edit], expected: set[str]) -> None:
    result = submit(tmp_path, *edits)
    assert failing(result) == expected
    assert not result.passed  # every check above is a gate


def test_the_starter_fails_and_the_solution_passes(tmp_path: Path) -> None:
    assert not submit(tmp_path / "starter", folder=LAB / "azure").passed
    result = submit(tmp_path / "solution")
    assert failing(result) == set() and result.score == result.max_score


def test_a_trust_failure_shows_the_token(tmp_path: Path) -> None:
    result = submit(tmp_path, ("roles.tf", PRODUCTION, MAIN))
    check = next(c for c in result.checks if c.id == "deploy-trust")
    assert check.counterexample is not None
    assert check.counterexample.context == {"iss": "https://token.actions.githubusercontent.com",
                                            "sub": "repo:acme/fraud-model:ref:refs/heads/main",
                                            "aud": "api://AzureADTokenExchange"}


def test_a_separation_failure_names_both_duties(tmp_path: Path) -> None:
    result = submit(tmp_path, ("roles.tf", TRAIN_ROLE, 'role_definition_name = "AzureML Data Scientist"'))
    check = next(c for c in result.checks if c.id == "separate-duties")
    assert "id-mlops-train can both train a model" in check.message
    assert "deploy an endpoint" in check.message


RIGHT: list[tuple[str, list[Edit]]] = [
    ("identities, credentials and assignments under other Terraform names",
     [("roles.tf", '"azurerm_user_assigned_identity" "deploy"', '"azurerm_user_assigned_identity" "stage_deploy"'),
      ("roles.tf", "azurerm_user_assigned_identity.deploy.", "azurerm_user_assigned_identity.stage_deploy.")]),
    ("the principal id written out instead of referenced",
     [("roles.tf", "principal_id         = azurerm_user_assigned_identity.build.principal_id",
       'principal_id         = "b1111111-1111-4111-8111-111111111111"')]),
    ("the custom role given an explicit GUID",
     [("roles.tf", 'name        = "mlops-deploy-endpoints"',
       'name        = "mlops-deploy-endpoints"\n  role_definition_id = "6b7e3a1c-2f4d-4e5a-9b8c-0d1e2f3a4b5c"')]),
    ("the built-in role named by its id",
     [("roles.tf", 'role_definition_name = "AcrPush"',
       'role_definition_id   = "/subscriptions/00000000-0000-0000-0000-000000000001/providers/'
       'Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec"')]),
    ("subjects written out without locals, environment as a mapping",
     [("roles.tf", PRODUCTION, 'subject             = "repo:acme/fraud-model:environment:production"'),
      ("mlops.yml", "needs: [lint, train]\n    environment: production\n",
       "needs: [train, lint]\n    environment:\n      name: production\n")]),
    ("the deploy role without the read operations it does not need",
     [("roles.tf", '      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read",\n', "")]),
]


@pytest.mark.parametrize("edits", [e for _, e in RIGHT], ids=[n for n, _ in RIGHT])
def test_right_answer_written_differently_passes(tmp_path: Path, edits: list[Edit]) -> None:
    result = submit(tmp_path, *edits)
    assert failing(result) == set() and result.score == result.max_score


def test_an_identity_the_lab_does_not_know_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="assigned by Azure when the identity is created") as info:
        submit(tmp_path, ("roles.tf", 'name                = "id-mlops-build"', 'name                = "mlops-build"'))
    assert info.value.where is not None and Path(str(info.value.where.file)).name == "roles.tf"
