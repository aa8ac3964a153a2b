"""Each check kind with passing and failing submissions, through the real AWS engine.

AWS semantics the cases rely on (IAM User Guide): "Policy evaluation logic" (an identity-based allow is
capped by the permissions boundary; anything not allowed is implicitly denied) and "Role trust
policies" (the trust policy is the role's resource-based policy; naming the account delegates to its
identity-based policies).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.result import CheckResult, LabResult
from checker.grading.runner import grade
from checker.grading.spec import load_lab
from tests.grading.helpers import linter_available, policy, prover_available, submission, write

READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-ml-datasets/fraud/v3/*"}
LIST = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme-ml-datasets"}
WRITE = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::acme-ml-models/models/*"}


def _grade(lab_dir: Path, folder: Path) -> LabResult:
    return grade(load_lab(lab_dir), "aws", folder)


def _check(result: LabResult, check_id: str) -> CheckResult:
    return next(check for check in result.checks if check.id == check_id)


# --- allows -----------------------------------------------------------------------------------------


def test_allows_passes_for_the_reference(lab_dir: Path, solution_dir: Path) -> None:
    check = _check(_grade(lab_dir, solution_dir), "reads-training-data")
    assert check.passed and check.points == 2 and check.counterexample is None


def test_allows_fails_with_the_missing_request(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    folder = submission(solution_dir, tmp_path / "s", permissions_json=policy(READ, WRITE))
    result = _grade(lab_dir, folder)
    check = _check(result, "reads-training-data")
    assert not check.passed and check.points == 0
    assert check.counterexample is not None
    assert check.counterexample.to_json() == {
        "action": "s3:ListBucket",
        "resource": "arn:aws:s3:::acme-ml-datasets",
        "context": {"s3:prefix": "fraud/v3/"},
        "principal": "arn:aws:iam::111122223333:role/ml-train",
    }
    assert "does not allow s3:ListBucket on arn:aws:s3:::acme-ml-datasets with s3:prefix=fraud/v3/" in check.message
    assert "which the training job needs" in check.message
    assert not result.passed  # a required check fails


def test_allows_honours_the_boundary_the_lab_provides(lab_dir: Path, solution_dir: Path) -> None:
    # The permissions boundary caps the identity policy: an action the boundary leaves out is denied.
    write(
        lab_dir / "setting" / "boundary.json",
        policy({"Effect": "Allow", "Action": "logs:*", "Resource": "*"}),
    )
    check = _check(_grade(lab_dir, solution_dir), "reads-training-data")
    assert not check.passed and "boundary" in check.message


# --- denies -----------------------------------------------------------------------------------------


def test_denies_fails_on_each_allowed_request(lab_dir: Path) -> None:
    check = _check(_grade(lab_dir, lab_dir / ".starter" / "aws"), "no-destructive-actions")
    assert not check.passed and check.points == 0 and len(check.failures) == 2
    assert check.counterexample is not None and check.counterexample.action == "s3:DeleteObject"
    assert "Your policy allows s3:DeleteObject on arn:aws:s3:::acme-ml-datasets/fraud/v3/train.csv" in check.message
    assert "never needs" in check.message


def test_denies_gives_partial_credit_per_request(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    writes_data = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::acme-ml-datasets/*"}
    folder = submission(solution_dir, tmp_path / "s", permissions_json=policy(READ, LIST, WRITE, writes_data))
    check = _check(_grade(lab_dir, folder), "no-destructive-actions")
    assert not check.passed and check.points == 1 and check.max_points == 2  # 1 of 2 requests denied


def test_denies_passes_when_an_explicit_deny_wins(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    everything = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    no_writes = {"Effect": "Deny", "Action": ["s3:DeleteObject", "s3:PutObject"], "Resource": "arn:aws:s3:::acme-ml-datasets/*"}
    folder = submission(solution_dir, tmp_path / "s", permissions_json=policy(everything, no_writes))
    result = _grade(lab_dir, folder)
    assert _check(result, "no-destructive-actions").passed
    assert _check(result, "reads-training-data").passed


# --- trust ------------------------------------------------------------------------------------------


def test_trust_passes_for_the_service_principal(lab_dir: Path, solution_dir: Path) -> None:
    check = _check(_grade(lab_dir, solution_dir), "only-sagemaker-assumes")
    assert check.passed and len(check.notes) == 4  # the proof, then the three example principals
    assert check.notes[0].startswith("proved:")


def test_trust_fails_when_the_account_is_trusted(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    account = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
    folder = submission(solution_dir, tmp_path / "s", trust_json=policy(account))
    check = _check(_grade(lab_dir, folder), "only-sagemaker-assumes")
    assert not check.passed
    assert any(line.startswith("sagemaker.amazonaws.com cannot sts:AssumeRole") for line in check.failures)
    assert any("lets arn:aws:iam::111122223333:user/alice sts:AssumeRole" in line for line in check.failures)
    # The proof comes first and shows a principal of the account the policy trusts.
    assert check.counterexample is not None and ":111122223333:" in str(check.counterexample.principal)


def test_trust_fails_when_everyone_may_assume(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    anyone = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    folder = submission(solution_dir, tmp_path / "s", trust_json=policy(anyone))
    check = _check(_grade(lab_dir, folder), "only-sagemaker-assumes")
    assert not check.passed
    assert any("444455556666:root" in line for line in check.failures)


# --- within -----------------------------------------------------------------------------------------


@pytest.mark.skipif(not prover_available(), reason="the AWS prover (checker.aws.analyze.within) has not landed")
def test_within_passes_for_the_reference(full_lab_dir: Path, solution_dir: Path) -> None:
    assert _check(_grade(full_lab_dir, solution_dir), "least-privilege").passed


@pytest.mark.skipif(not prover_available(), reason="the AWS prover (checker.aws.analyze.within) has not landed")
def test_within_shows_a_counterexample(full_lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    deletes = {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::acme-ml-datasets/fraud/v3/*"}
    folder = submission(solution_dir, tmp_path / "s", permissions_json=policy(READ, LIST, WRITE, deletes))
    check = _check(_grade(full_lab_dir, folder), "least-privilege")
    assert not check.passed and check.counterexample is not None
    assert check.counterexample.action.lower() == "s3:deleteobject"
    assert check.counterexample.resource.startswith("arn:aws:s3:::acme-ml-datasets/fraud/v3/")
    assert "Your policy allows s3:DeleteObject on arn:aws:s3:::acme-ml-datasets/fraud/v3/" in check.message


def test_within_maps_the_engine_status_and_never_passes_undecided(full_lab_dir: Path, solution_dir: Path) -> None:
    from checker.aws import ENGINE
    from checker.core.engine import WithinStatus
    from checker.core.source import load_document

    check = _check(_grade(full_lab_dir, solution_dir), "least-privilege")
    files = {name: load_document(solution_dir / f"{name}.json") for name in ("permissions", "trust")}
    parsed = ENGINE.load_submission(files, {"identity": "arn:aws:iam::111122223333:role/ml-train"})
    status = ENGINE.within(parsed, load_document(full_lab_dir / "envelope.json")).status
    assert check.passed is (status is WithinStatus.PROVED)
    if status is WithinStatus.UNKNOWN:
        assert check.points == 0 and "could not prove" in check.message and check.counterexample is None


# --- findings ---------------------------------------------------------------------------------------


@pytest.mark.skipif(not linter_available(), reason="the AWS linter (checker.aws.analyze.lint) has not landed")
def test_findings_fail_on_a_wildcard_policy(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    from checker.aws import ENGINE
    from checker.core.findings import Severity

    admin = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    folder = submission(solution_dir, tmp_path / "s", permissions_json=policy(admin))
    check = _check(_grade(lab_dir, folder), "no-security-findings")
    assert not check.passed and check.points == 0
    found = ENGINE.findings(ENGINE.load_submission(_files(folder), {}))
    serious = [finding.code for finding in found if finding.severity.at_least(Severity.SECURITY)]
    assert serious and all(code in " ".join(check.failures) for code in serious)


def _files(folder: Path) -> dict[str, object]:
    from checker.core.source import load_document

    return {"permissions": load_document(folder / "permissions.json"), "trust": load_document(folder / "trust.json")}


def test_findings_pass_for_the_reference(lab_dir: Path, solution_dir: Path) -> None:
    assert _check(_grade(lab_dir, solution_dir), "no-security-findings").passed


# --- scoring ----------------------------------------------------------------------------------------


def test_a_failing_gate_fails_the_lab_whatever_the_score(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    account = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
    folder = submission(solution_dir, tmp_path / "s", trust_json=policy(account))
    result = _grade(lab_dir, folder)
    gate = _check(result, "only-sagemaker-assumes")
    assert gate.gate and not gate.passed
    assert not result.passed and "only-sagemaker-assumes" in result.verdict


def test_a_missing_submission_file_is_bad_input(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    from checker.core.errors import InputError

    folder = submission(solution_dir, tmp_path / "s")
    (folder / "trust.json").unlink()
    with pytest.raises(InputError) as info:
        _grade(lab_dir, folder)
    assert info.value.where is not None and info.value.where.file.endswith("trust.json")


def test_malformed_json_names_file_line_and_column(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    from checker.core.errors import InputError

    folder = submission(solution_dir, tmp_path / "s", permissions_json='{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}\n')
    with pytest.raises(InputError) as info:
        _grade(lab_dir, folder)
    where = info.value.where
    assert where is not None and where.file.endswith("permissions.json") and (where.line, where.column) == (4, 24)


def test_a_link_out_of_the_submission_is_refused(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    from checker.core.errors import InputError

    secret = write(tmp_path / "secret.json", policy(READ))
    folder = submission(solution_dir, tmp_path / "s")
    (folder / "permissions.json").unlink()
    (folder / "permissions.json").symlink_to(secret)
    with pytest.raises(InputError, match="outside the submission folder"):
        _grade(lab_dir, folder)


# --- live -------------------------------------------------------------------------------------------


def test_live_run_reports_the_rogue_step_that_got_through(course: Path) -> None:
    lab_dir = course / "labs" / "02-fixture-live"
    result = _grade(lab_dir, lab_dir / ".starter" / "aws")
    check = _check(result, "live-run")
    assert not check.passed and check.points == 0 and len(check.failures) == 2
    assert check.failures[0].startswith("if the training job were compromised, it could read customer PII")
    assert check.counterexample is not None and check.counterexample.to_json() == {
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::acme-ml-datasets/customers/pii.csv",
        "context": {},
    }
    assert not result.passed  # the live check is a gate


def test_live_checks_are_aws_only(tmp_path: Path) -> None:
    from checker.core.errors import InputError

    lab_dir = tmp_path / "labs" / "05-live"
    write(
        lab_dir / "lab.yaml",
        "id: 05-live\ntitle: t\nlevel: beginner\nclouds:\n  gcp:\n    files: {policy: policy.json}\n"
        "    checks:\n      - {id: run, kind: live, points: 1, message: m, workload: w.py, policies: [policy]}\n",
    )
    with pytest.raises(InputError, match="live checks run on the AWS emulator") as info:
        load_lab(lab_dir)
    assert info.value.where is not None and info.value.where.line == 8


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(", policies: [policy]", "installs each identity's own documents; remove `policies`", id="policies"),
        pytest.param("", "'arn:aws:iam::1:user/u' is not a role ARN", id="not-a-role"),
    ],
)
def test_a_pipeline_live_check_takes_its_documents_from_its_identities(tmp_path: Path, extra: str, message: str) -> None:
    from checker.core.errors import InputError

    lab_dir = tmp_path / "labs" / "05-live"
    identities = '["arn:aws:iam::1:role/a"]' if extra else '["arn:aws:iam::1:user/u"]'
    write(
        lab_dir / "lab.yaml",
        "id: 05-live\ntitle: t\nlevel: beginner\nclouds:\n  aws:\n    files: {policy: policy.json}\n"
        f"    checks:\n      - {{id: run, kind: live, points: 1, message: m, workload: w.py, identities: {identities}{extra}}}\n",
    )
    with pytest.raises(InputError, match=message) as info:
        load_lab(lab_dir)
    assert info.value.where is not None and info.value.where.line == 8


def test_a_malformed_allowed_set_names_its_place_in_lab_yaml(lab_dir: Path, solution_dir: Path) -> None:
    lab_yaml = lab_dir / "lab.yaml"
    text = lab_yaml.read_text()
    lab_yaml.write_text(text.replace("- principal: {Service: sagemaker.amazonaws.com}", "- principal: {Servce: sagemaker.amazonaws.com}"))
    with pytest.raises(InputError) as info:
        _grade(lab_dir, solution_dir)
    where = info.value.where
    assert where is not None and where.file.endswith("lab.yaml") and where.line is not None
    assert where.pointer.endswith("/may_assume/0/principal/Servce") and "Servce" in info.value.message


def test_a_trust_check_without_an_allowed_set_is_refused(lab_dir: Path) -> None:
    lab_yaml = lab_dir / "lab.yaml"
    lab_yaml.write_text(lab_yaml.read_text().replace("        may_assume:\n          - principal: {Service: sagemaker.amazonaws.com}\n", ""))
    with pytest.raises(InputError, match="may_assume"):
        load_lab(lab_dir)


# --- tokens (sts:AssumeRoleWithWebIdentity) -------------------------------------------------------------

GITHUB = "token.actions.githubusercontent.com"


def test_token_requests_are_decided_against_the_trust_policy(lab_dir: Path, solution_dir: Path, tmp_path: Path) -> None:
    """allows/denies cases may carry an OIDC token; the caller is the IAM OIDC provider (docs/iac.md)."""
    from tests.grading.helpers import edit_lab

    role = "arn:aws:iam::111122223333:role/ml-train"
    main = {"iss": f"https://{GITHUB}", "aud": "sts.amazonaws.com", "sub": "repo:acme/fraud:ref:refs/heads/main"}

    def add_checks(data: dict) -> None:  # type: ignore[type-arg]
        aws = data["clouds"]["aws"]
        aws["setting"]["account"] = "111122223333"
        aws["checks"] += [
            {"id": "main-deploys", "kind": "allows", "title": "main can deploy", "points": 1,
             "message": "the main branch deploys",
             "requests": [{"action": "sts:AssumeRoleWithWebIdentity", "resource": role, "token": main}]},
            {"id": "no-pull-requests", "kind": "denies", "title": "pull requests cannot deploy", "points": 1,
             "message": "a pull request must not assume the deploy role",
             "requests": [{"action": "sts:AssumeRoleWithWebIdentity", "resource": role,
                           "token": {**main, "sub": "repo:acme/fraud:pull_request"}}]},
        ]

    edit_lab(lab_dir, add_checks)
    federated = {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{GITHUB}"},
                 "Action": "sts:AssumeRoleWithWebIdentity",
                 "Condition": {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                               "StringLike": {f"{GITHUB}:sub": "repo:acme/fraud:ref:refs/heads/main"}}}
    tight = _grade(lab_dir, submission(solution_dir, tmp_path / "tight", trust_json=policy(federated)))
    assert _check(tight, "main-deploys").passed and _check(tight, "no-pull-requests").passed
    loose = dict(federated, Condition={"StringLike": {f"{GITHUB}:sub": "repo:acme/fraud:*"}})
    result = _grade(lab_dir, submission(solution_dir, tmp_path / "loose", trust_json=policy(loose)))
    check = _check(result, "no-pull-requests")
    assert not check.passed and "pull_request" in check.failures[0]
