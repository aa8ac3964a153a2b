"""Lab 02, AWS: realistic wrong answers fail exactly the checks that name their mistake, right answers
written differently (Terraform and CloudFormation) score full marks, and the roles file is one of two.

Each wrong answer is one edit of the reference solution (roles.tf, mlops.yml or the Rego guardrails), as
a learner would make it. GitHub's token subjects are those of "OpenID Connect reference"
(docs.github.com/en/actions/reference/security/oidc): "repo:ORG/REPO:environment:NAME" for a job with an
environment, "repo:ORG/REPO:pull_request" for a pull request, "repo:ORG/REPO:ref:refs/heads/BRANCH" otherwise.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from checker.core.errors import InputError
from checker.grading.early import can_fork
from checker.grading.result import LabResult
from checker.grading.runner import grade
from checker.grading.spec import load_lab

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "02-mlops-pipeline"
SOLUTION = REPO / "solutions" / "02-mlops-pipeline" / "aws"
RULES = "guardrails/least_privilege.rego"

Edit = tuple[str, str, str]  # (file in the submission, text of the reference, what the learner wrote)


def submit(tmp_path: Path, *edits: Edit, cloudformation: bool = False) -> LabResult:
    folder = tmp_path / "submission"
    shutil.copytree(SOLUTION, folder)
    if cloudformation:
        (folder / "roles.tf").unlink()
        shutil.copy(folder / "cloudformation" / "roles.yaml", folder / "roles.yaml")
    for name, old, new in edits:
        text = (folder / name).read_text()
        assert old in text, f"{old!r} is not in {name}"
        (folder / name).write_text(text.replace(old, new))
    return grade(load_lab(LAB), "aws", folder)


def failing(result: LabResult) -> set[str]:
    return {check.id for check in result.checks if not check.passed}


MAIN_SUB = '"repo:${local.repository}:ref:refs/heads/main"'
PROD_SUB = '"repo:${local.repository}:environment:production"'
SUB_TEST = 'test     = "StringEquals"\n      variable = "${local.oidc_host}:sub"\n      values   = '
PASS_TRAINING = '''Resource  = "arn:aws:iam::${var.account}:role/fraud-training-role"
        Condition = { StringEquals = { "iam:PassedToService" = "sagemaker.amazonaws.com" } }'''
DEPLOY_ACTIONS = '"sagemaker:DescribeEndpoint",\n        ]\n        Resource = ['
TRAIN_JOBS = ('Action   = ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob"]\n'
              '        Resource = "${local.sagemaker}:training-job/fraud-*"')
ECR_LOGIN = 'Action   = "ecr:GetAuthorizationToken"\n        Resource = "*"\n      },'

WRONG: list[tuple[str, list[Edit], set[str]]] = [
    ("any repository of the owner (sub repo:acme/*)",
     [("roles.tf", f"{SUB_TEST}[{MAIN_SUB}]", SUB_TEST.replace("StringEquals", "StringLike") + '["repo:acme/*"]')],
     {"build-trust", "train-trust"}),
    ("any ref or pull request of the repository (repo:acme/fraud-model:*) for deploy",
     [("roles.tf", f"{SUB_TEST}[{PROD_SUB}]", SUB_TEST.replace("StringEquals", "StringLike") + '["repo:acme/fraud-model:*"]')],
     {"deploy-trust", "live-pipeline"}),
    ("deploy trusts the main branch instead of the environment",
     [("roles.tf", "assume_role_policy = data.aws_iam_policy_document.production.json",
       "assume_role_policy = data.aws_iam_policy_document.main_branch.json")],
     {"deploy-trust", "live-pipeline"}),
    ("a second audience for deploy (any token GitHub mints for the owner's URL)",
     [("roles.tf", f'values   = ["sts.amazonaws.com"]\n    }}\n    condition {{\n      {SUB_TEST}[{PROD_SUB}]',
       f'values   = ["sts.amazonaws.com", "https://github.com/acme"]\n    }}\n    condition {{\n      {SUB_TEST}[{PROD_SUB}]')],
     {"deploy-trust"}),
    ("build gets ecr:* on its repository", [("roles.tf", '"ecr:BatchCheckLayerAvailability",', '"ecr:*",')],
     {"build-least-privilege"}),
    ("build pushes to every repository", [("roles.tf", "Resource = local.ecr_repo", 'Resource = "*"')],
     {"build-least-privilege"}),
    ("train passes its role without iam:PassedToService",
     [("roles.tf", PASS_TRAINING, 'Resource  = "arn:aws:iam::${var.account}:role/fraud-training-role"')],
     {"train-least-privilege", "train-passes-only-training-role"}),
    ("train passes any role of the account (the admin role too)",
     [("roles.tf", PASS_TRAINING, PASS_TRAINING.replace("role/fraud-training-role", "role/*"))],
     {"train-least-privilege", "train-passes-only-training-role", "no-escalation", "live-pipeline"}),
    ("train starts any training job",
     [("roles.tf", 'Resource = "${local.sagemaker}:training-job/fraud-*"', 'Resource = "*"')],
     {"train-least-privilege"}),
    ("deploy reads the dataset",
     [("roles.tf", DEPLOY_ACTIONS,
       '"sagemaker:DescribeEndpoint",\n          "s3:GetObject",\n        ]\n        Resource = [\n          "arn:aws:s3:::acme-ml-datasets/*",')],
     {"deploy-least-privilege", "live-pipeline"}),
    ("deploy can also push the image",
     [("roles.tf", DEPLOY_ACTIONS,
       '"sagemaker:DescribeEndpoint",\n          "ecr:PutImage",\n        ]\n        Resource = [\n          local.ecr_repo,')],
     {"deploy-least-privilege", "separate-duties"}),
    ("train can also deploy the endpoint",
     [("roles.tf", TRAIN_JOBS,
       'Action   = ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:CreateEndpoint"]\n'
       '        Resource = ["${local.sagemaker}:training-job/fraud-*", "${local.sagemaker}:endpoint/fraud-*"]')],
     {"train-least-privilege", "separate-duties"}),
    ("build can pass the training role",
     [("roles.tf", ECR_LOGIN,
       ECR_LOGIN + '\n      {\n        Effect   = "Allow"\n        Action   = "iam:PassRole"\n'
       '        Resource = "arn:aws:iam::${var.account}:role/fraud-training-role"\n      },')],
     {"build-least-privilege", "build-passes-no-role"}),
    # The live run (the pipeline on moto, each job assuming its role with its own token) fails with them:
    ("deploy's trust admits pull requests too",
     [("roles.tf", f"{SUB_TEST}[{PROD_SUB}]", f'{SUB_TEST}[{PROD_SUB}, "repo:${{local.repository}}:pull_request"]')],
     {"deploy-trust", "live-pipeline"}),
    ("deploy passes the training role instead of the model role",
     [("roles.tf", 'Resource  = "arn:aws:iam::${var.account}:role/fraud-model-role"',
       'Resource  = "arn:aws:iam::${var.account}:role/fraud-training-role"')],
     {"deploy-creates-endpoint", "deploy-least-privilege", "deploy-passes-only-model-role", "no-escalation",
      "live-pipeline"}),
    ("train reads last version's dataset prefix",
     [("roles.tf", 'Resource = "arn:aws:s3:::acme-ml-datasets/fraud/v3/*"', 'Resource = "arn:aws:s3:::acme-ml-datasets/fraud/v2/*"')],
     {"train-starts-job", "train-least-privilege", "live-pipeline"}),
    ("build can also create endpoints",
     [("roles.tf", '"ecr:PutImage",\n        ]\n        Resource = local.ecr_repo',
       '"ecr:PutImage",\n          "sagemaker:CreateEndpoint",\n        ]\n'
       '        Resource = [local.ecr_repo, "${local.sagemaker}:endpoint/fraud-*"]')],
     {"build-least-privilege", "separate-duties", "live-pipeline"}),
    ("id-token: write for every job",
     [("mlops.yml", "permissions:\n  contents: read\n\njobs:", "permissions:\n  contents: read\n  id-token: write\n\njobs:")],
     {"id-token-only-where-needed"}),
    ("train assumes the build role",
     [("mlops.yml", "role-to-assume: arn:aws:iam::111122223333:role/mlops-train",
       "role-to-assume: arn:aws:iam::111122223333:role/mlops-build")],
     {"own-identity-per-job"}),
    ("deploy outside the production environment", [("mlops.yml", "    environment: production\n", "")],
     {"deploy-in-production"}),
    ("deploy does not wait for lint", [("mlops.yml", "needs: [lint, train]", "needs: train")], {"deploy-needs-lint"}),
    ("deploy runs even when lint failed",
     [("mlops.yml", "needs: [lint, train]\n", "needs: [lint, train]\n    if: always()\n")], {"deploy-needs-lint"}),
    ("deploy runs whenever lint did not succeed",
     [("mlops.yml", "needs: [lint, train]\n", "needs: [lint, train]\n    if: ${{ !success() }}\n")], {"deploy-needs-lint"}),
    ("lint swallows its failure", [("mlops.yml", "--fail-on security", "--fail-on security || true")],
     {"lint-can-fail"}),
    ("lint job continues on error", [("mlops.yml", "  lint:\n", "  lint:\n    continue-on-error: true\n")],
     {"lint-can-fail"}),
    ("lint output piped into tee (the default shell has no pipefail)",
     [("mlops.yml", "--fail-on security", "--fail-on security | tee lint.txt")], {"lint-can-fail"}),
    ("lint failure turned into a message", [("mlops.yml", "--fail-on security", "--fail-on security || echo 'lint failed'")],
     {"lint-can-fail"}),
    ("the lint step is skipped on pull requests",
     [("mlops.yml", "      - run: iamlab lint", "      - if: github.event_name == 'push'\n        run: iamlab lint")],
     {"lint-can-fail"}),
    ("the lint job only prints the command",
     [("mlops.yml", "      - run: iamlab lint", "      - run: echo iamlab lint")], {"lint-can-fail"}),
    ("lint without the guardrails", [("mlops.yml", " --rules aws/guardrails", "")], {"lint-can-fail"}),
    ("the lint job on a Windows runner, whose default shell (pwsh) goes on after a failing program",
     [("mlops.yml", "    # Needs no cloud identity: it reads the roles as code and the guardrails from the repository.\n"
       "    runs-on: ubuntu-latest", "    runs-on: windows-latest")], {"lint-can-fail"}),
    ("the lint step continues on error",
     [("mlops.yml", "      - run: iamlab lint", "      - continue-on-error: true\n        run: iamlab lint")], {"lint-can-fail"}),
    ("guardrails without the PassRole rule",
     [(RULES, '\tlower(action) == "iam:passrole"\n', '\tlower(action) == "iam:passrole-never"\n')],
     {"guardrails-catch-unsafe"}),
    ("guardrails flag Resource * on every action", [(RULES, "\tnot resourceless[lower(action)]\n", "")],
     {"guardrails-spare-safe"}),
]


@pytest.mark.parametrize(("edits", "expected"), [(e, x) for _, e, x in WRONG], ids=[n for n, _, _ in WRONG])
def test_wrong_answer_fails_exactly_its_checks(tmp_path: Path, edits: list[Edit], expected: set[str]) -> None:
    result = submit(tmp_path, *edits)
    assert failing(result) == expected
    assert not result.passed  # every check above is a gate


def test_a_trust_failure_shows_the_token(tmp_path: Path) -> None:
    result = submit(tmp_path, ("roles.tf", "assume_role_policy = data.aws_iam_policy_document.production.json",
                               "assume_role_policy = data.aws_iam_policy_document.main_branch.json"))
    check = next(c for c in result.checks if c.id == "deploy-trust")
    assert check.counterexample is not None
    assert check.counterexample.context["token.actions.githubusercontent.com:sub"] == "repo:acme/fraud-model:ref:refs/heads/main"


RIGHT: list[tuple[str, list[Edit]]] = [
    ("StringLike without a wildcard matches exactly",
     [("roles.tf", f"{SUB_TEST}[{MAIN_SUB}]", SUB_TEST.replace("StringEquals", "StringLike") + f"[{MAIN_SUB}]")]),
    ("environment written as a mapping, needs in another order",
     [("mlops.yml", "needs: [lint, train]\n    environment: production\n",
       "needs: [train, lint]\n    environment:\n      name: production\n      url: https://fraud.acme.example\n")]),
    ("lint piped into tee under shell: bash (pipefail)",
     [("mlops.yml", "      - run: iamlab lint aws/ --rules aws/guardrails --fail-on security",
       "      - shell: bash\n        run: iamlab lint aws/ --rules aws/guardrails --fail-on security | tee lint.txt")]),
    ("lint through pipx in a multi-line script with set -euo pipefail",
     [("mlops.yml", "      - run: iamlab lint aws/ --rules aws/guardrails --fail-on security",
       "      - run: |\n          set -euo pipefail\n          pipx run iamlab lint aws/ \\\n            --rules=aws/guardrails"
       " --fail-on security | tee lint.txt\n          echo linted")]),
    ("the lint job on Windows with shell: bash on the step",
     [("mlops.yml", "    # Needs no cloud identity: it reads the roles as code and the guardrails from the repository.\n"
       "    runs-on: ubuntu-latest", "    runs-on: windows-latest"),
      ("mlops.yml", "      - run: iamlab lint aws/", "      - shell: bash\n        run: iamlab lint aws/")]),
    ("no workflow-level permissions at all", [("mlops.yml", "permissions:\n  contents: read\n\njobs:", "permissions: {}\n\njobs:")]),
    ("an action listed twice", [("roles.tf", 'Action = [\n          "ecr:BatchCheckLayerAvailability",',
                                          'Action = [\n          "ecr:BatchCheckLayerAvailability",\n          "ecr:PutImage",')]),
]


@pytest.mark.parametrize("edits", [e for _, e in RIGHT], ids=[n for n, _ in RIGHT])
def test_right_answer_written_differently_passes(tmp_path: Path, edits: list[Edit]) -> None:
    result = submit(tmp_path, *edits)
    assert failing(result) == set() and result.score == result.max_score


def test_cloudformation_solution_scores_full_marks(tmp_path: Path) -> None:
    result = submit(tmp_path, cloudformation=True)
    assert failing(result) == set() and result.score == result.max_score


def test_cloudformation_wildcard_subject_fails_trust(tmp_path: Path) -> None:
    result = submit(tmp_path, ("roles.yaml", 'token.actions.githubusercontent.com:sub: !Sub "repo:${Repository}:environment:production"',
                               'token.actions.githubusercontent.com:sub: !Sub "repo:${Repository}:*"'), cloudformation=True)
    # Under StringEquals the star is literal: the production token the examples need is refused too, and the
    # live run's deploy job cannot assume its role.
    assert failing(result) == {"deploy-trust", "live-pipeline"}


@pytest.mark.parametrize("keep", ["both", "neither"])
def test_roles_file_is_one_of_two(tmp_path: Path, keep: str) -> None:
    folder = tmp_path / "submission"
    shutil.copytree(SOLUTION, folder)
    if keep == "both":
        shutil.copy(folder / "cloudformation" / "roles.yaml", folder / "roles.yaml")
    else:
        (folder / "roles.tf").unlink()
    with pytest.raises(InputError, match=f"exactly one of roles.tf or roles.yaml; found {keep}"):
        grade(load_lab(LAB), "aws", folder)


def test_live_run_names_the_token_a_trust_policy_wrongly_admits(tmp_path: Path) -> None:
    """A pull request's token (sub "repo:ORG/REPO:pull_request", GitHub's OpenID Connect reference) presented to
    AssumeRoleWithWebIdentity is decided by the learner's trust policy on the emulator."""
    result = submit(tmp_path, ("roles.tf", f"{SUB_TEST}[{PROD_SUB}]",
                               f'{SUB_TEST}[{PROD_SUB}, "repo:${{local.repository}}:pull_request"]'))
    live = next(c for c in result.checks if c.id == "live-pipeline")
    assert "assume mlops-deploy with a pull request's token (sub repo:acme/fraud-model:pull_request)" in live.message
    assert "the trust policy of mlops-deploy admits that token" in live.message
    assert live.counterexample is not None
    assert (live.counterexample.action, live.counterexample.resource) == (
        "sts:AssumeRoleWithWebIdentity", "arn:aws:iam::111122223333:role/mlops-deploy")


def test_live_run_names_the_job_step_a_stage_role_lacks(tmp_path: Path) -> None:
    result = submit(tmp_path, ("roles.tf", 'Resource  = "arn:aws:iam::${var.account}:role/fraud-model-role"',
                               'Resource  = "arn:aws:iam::${var.account}:role/fraud-training-role"'))
    live = next(c for c in result.checks if c.id == "live-pipeline")
    assert "could not create the model as fraud-model-role: iam:PassRole on " \
           "arn:aws:iam::111122223333:role/fraud-model-role was denied" in live.message


def test_live_run_a_job_whose_own_token_is_refused_cannot_run(tmp_path: Path) -> None:
    """deploy trusting the main branch: the deploy job's production token is refused, so its calls are never
    made and are not counted as passed (its rogue step neither)."""
    result = submit(tmp_path, ("roles.tf", "assume_role_policy = data.aws_iam_policy_document.production.json",
                               "assume_role_policy = data.aws_iam_policy_document.main_branch.json"))
    live = next(c for c in result.checks if c.id == "live-pipeline")
    assert "assume mlops-deploy with the deploy job's token (sub repo:acme/fraud-model:environment:production)' " \
           "was denied" in live.message
    assert "the deploy job could not assume mlops-deploy" in live.message
    assert live.points == 0


@pytest.mark.skipif(not can_fork(), reason="the early worker needs fork from a single-threaded process")
@pytest.mark.parametrize("folder", [SOLUTION, LAB / "aws"], ids=["solution", "starter"])
def test_the_early_worker_runs_the_same_pipeline(folder: Path) -> None:
    """`iamlab check` starts the live run in a forked worker with each stage role's documents."""
    lab = load_lab(LAB)
    early, here = (next(c for c in grade(lab, "aws", folder, early=way).checks if c.id == "live-pipeline")
                   for way in (True, False))
    assert early == here


def test_a_workload_that_is_not_a_pipeline_is_a_lab_error(tmp_path: Path) -> None:
    lab_dir = tmp_path / LAB.name
    shutil.copytree(LAB, lab_dir)
    (lab_dir / "workload.py").write_text("WORKLOAD = 1\n")
    with pytest.raises(InputError, match="must define WORKLOAD as a checker.emulate.pipeline.Pipeline") as info:
        grade(load_lab(lab_dir), "aws", SOLUTION)
    assert info.value.where is not None and info.value.where.file.endswith("lab.yaml")


def test_roles_file_is_read_once_per_grading_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stage identity sees the same roles.tf: it is parsed once per run, each identity taking its role
    (a cold `iamlab check 02` parsed it six times)."""
    from checker.grading import iac_files

    reads: list[Path] = []
    real = iac_files._read

    def counting(kind: Any, path: Path, *rest: Any) -> Any:
        reads.append(path)
        return real(kind, path, *rest)

    monkeypatch.setattr(iac_files, "_read", counting)
    result = grade(load_lab(LAB), "aws", SOLUTION)
    assert result.score == result.max_score
    assert [path.name for path in reads] == ["roles.tf"]


@pytest.mark.skipif(not can_fork(), reason="the early worker needs fork from a single-threaded process")
def test_the_grading_process_leaves_the_emulator_to_the_worker() -> None:
    """Under `iamlab check` the pipeline runs in the forked worker; handing it the stage roles' documents must
    not import boto3/moto in the grading process (that import alone is most of a cold check's budget)."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from checker.grading.runner import grade; "
        "from checker.grading.spec import load_lab; "
        f"r = grade(load_lab(Path({str(LAB)!r})), 'aws', Path({str(SOLUTION)!r}), early=True); "
        "print(r.score == r.max_score, 'moto' in sys.modules, 'checker.emulate.backends' in sys.modules)"
    )
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert answer.stdout.split() == ["True", "False", "False"]
