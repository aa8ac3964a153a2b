"""`document` checks: fields of a submitted file (e.g. a SageMaker CreateTrainingJob request)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.grading.runner import grade
from checker.grading.spec import load_lab
from tests.grading.helpers import write

LAB = """\
id: 04-doc
title: doc
level: beginner
clouds:
  aws:
    identity: arn:aws:iam::111122223333:role/r
    files: {permissions: permissions.json, training_job: training-job.json}
    checks:
      - id: job
        kind: document
        file: FILE
        points: 3
        partial: true
        message: The job definition must match the role and prefixes.
        expect:
          - {path: /RoleArn, equals: "arn:aws:iam::111122223333:role/r", why: the job runs as this role}
          - {path: "/InputDataConfig/*/S3Uri", starts_with: ["s3://data/fraud/v3/"]}
          - {path: /EnableNetworkIsolation, equals: true}
"""

GOOD = {
    "RoleArn": "arn:aws:iam::111122223333:role/r",
    "InputDataConfig": [{"S3Uri": "s3://data/fraud/v3/train/"}, {"S3Uri": "s3://data/fraud/v3/val/"}],
    "EnableNetworkIsolation": True,
}


def _grade(tmp_path: Path, job: object, file: str = "training_job") -> tuple[bool, int, tuple[str, ...]]:
    lab_dir = tmp_path / "labs" / "04-doc"
    write(lab_dir / "lab.yaml", LAB.replace("FILE", file))
    write(lab_dir / "aws" / "permissions.json", '{"Version": "2012-10-17", "Statement": []}')
    write(lab_dir / "aws" / "training-job.json", json.dumps(job, indent=2))
    check = grade(load_lab(lab_dir), "aws").checks[0]
    return check.passed, check.points, check.failures


def test_a_matching_document_passes(tmp_path: Path) -> None:
    assert _grade(tmp_path, GOOD) == (True, 3, ())


def test_each_expectation_is_a_case_with_its_location(tmp_path: Path) -> None:
    job = {**GOOD, "InputDataConfig": [{"S3Uri": "s3://data/fraud/v3/train/"}, {"S3Uri": "s3://data/fraud/"}]}
    passed, points, failures = _grade(tmp_path, job)
    assert not passed and points == 2  # 2 of 3 expectations hold: floor(3 * 2 / 3)
    assert len(failures) == 1 and "/InputDataConfig/*/S3Uri" in failures[0]
    assert "training-job.json:8:7" in failures[0] and "s3://data/fraud/v3/" in failures[0]


def test_missing_fields_and_wrong_values(tmp_path: Path) -> None:
    job = {"RoleArn": "arn:aws:iam::111122223333:role/Admin", "InputDataConfig": [], "EnableNetworkIsolation": "true"}
    passed, points, failures = _grade(tmp_path, job)
    assert not passed and points == 0 and len(failures) == 3
    assert "the job runs as this role" in failures[0]
    assert "has no /InputDataConfig/*/S3Uri" in failures[1]
    assert '"true"' in failures[2]  # text "true" is not the boolean true


def test_an_unknown_logical_file_is_a_lab_yaml_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'job' is not a submission file of this cloud") as info:
        _grade(tmp_path, GOOD, file="job")
    assert info.value.where is not None and info.value.where.line == 11


# Issue 13: JSON types are compared strictly. RFC 8259, section 3: "A JSON value MUST be an object, array,
# number, or string, or one of the following three literal names: false null true" - `true` is not the
# number 1 and not the string "true", whatever Python's `1 == True` says.
@pytest.mark.parametrize("isolation", [1, 1.0, "true", "True", [True], None], ids=repr)
def test_a_value_of_another_json_type_is_not_equal(tmp_path: Path, isolation: object) -> None:
    passed, points, failures = _grade(tmp_path, {**GOOD, "EnableNetworkIsolation": isolation})
    assert not passed and points == 2
    assert len(failures) == 1 and "/EnableNetworkIsolation" in failures[0] and json.dumps(isolation) in failures[0]


def test_an_expected_number_is_not_met_by_a_boolean(tmp_path: Path) -> None:
    lab_dir = tmp_path / "labs" / "04-doc"
    write(lab_dir / "lab.yaml", LAB.replace("FILE", "training_job").replace("equals: true}", "equals: 1}"))
    write(lab_dir / "aws" / "permissions.json", '{"Version": "2012-10-17", "Statement": []}')
    for value, expected in ((True, False), (1, True), (1.0, True)):
        write(lab_dir / "aws" / "training-job.json", json.dumps({**GOOD, "EnableNetworkIsolation": value}))
        assert grade(load_lab(lab_dir), "aws").checks[0].passed is expected, value


@pytest.mark.parametrize(
    ("value", "passes"),
    [
        (3600, True),
        (900, True),
        (3600.0, True),
        (3601, False),
        (43200, False),
        (True, False),
        ("3600", False),
    ],
    ids=["one hour", "fifteen minutes", "a float", "one second over", "twelve hours", "a boolean", "a text"],
)
def test_at_most_takes_json_numbers_only(tmp_path: Path, value: object, passes: bool) -> None:
    lab = LAB.replace(
        '          - {path: /RoleArn, equals: "arn:aws:iam::111122223333:role/r", why: the job runs as this role}\n',
        "          - {path: /MaxSessionDuration, at_most: 3600}\n",
    )
    lab_dir = tmp_path / "labs" / "04-doc"
    write(lab_dir / "lab.yaml", lab.replace("FILE", "training_job"))
    write(lab_dir / "aws" / "permissions.json", '{"Version": "2012-10-17", "Statement": []}')
    write(lab_dir / "aws" / "training-job.json", json.dumps({**GOOD, "MaxSessionDuration": value}))
    check = grade(load_lab(lab_dir), "aws").checks[0]
    assert check.passed is passes


def test_at_most_must_be_a_number(tmp_path: Path) -> None:
    lab_dir = tmp_path / "labs" / "04-doc"
    write(lab_dir / "lab.yaml", LAB.replace("FILE", "training_job").replace("equals: true}", "at_most: yes}"))
    with pytest.raises(InputError) as caught:
        load_lab(lab_dir)
    assert "at_most takes a number" in str(caught.value)


def _grade_with(tmp_path: Path, expectation: str, job: object) -> tuple[bool, tuple[str, ...]]:
    """Grade `job` against the lab with its first expectation replaced by `expectation`."""
    lab = LAB.replace(
        '          - {path: /RoleArn, equals: "arn:aws:iam::111122223333:role/r", why: the job runs as this role}\n',
        f"          - {expectation}\n",
    ).replace("points: 3", "points: 1").replace("partial: true", "partial: false")
    lab_dir = tmp_path / "labs" / "04-doc"
    write(lab_dir / "lab.yaml", lab.replace("FILE", "training_job"))
    write(lab_dir / "aws" / "permissions.json", '{"Version": "2012-10-17", "Statement": []}')
    write(lab_dir / "aws" / "training-job.json", json.dumps(job))
    check = grade(load_lab(lab_dir), "aws").checks[0]
    return check.passed, check.failures


# Lab 04 (Azure): a policy assignment covers its scope and everything below it ("Azure Policy assignment
# structure": scope), so the resource group or its subscription both govern the team's accounts.
@pytest.mark.parametrize(
    ("scope", "passes"),
    [("/subscriptions/s", True), ("/subscriptions/s/resourceGroups/rg", True),
     ("/subscriptions/s/resourceGroups/rg-other", False), ("/subscriptions/S2", False), (["/subscriptions/s"], False)],
    ids=["subscription", "resource group", "another group", "another subscription", "a list"],
)
def test_one_of_accepts_any_listed_value(tmp_path: Path, scope: object, passes: bool) -> None:
    expectation = '{path: /Scope, one_of: ["/subscriptions/s", "/subscriptions/s/resourceGroups/rg"]}'
    passed, failures = _grade_with(tmp_path, expectation, {**GOOD, "Scope": scope})
    assert passed is passes
    assert passes or ("/Scope" in failures[0] and "/subscriptions/s/resourceGroups/rg" in failures[0])


# "Azure Policy assignment structure", excluded scopes: "notScopes" leaves those scopes out of the assignment.
@pytest.mark.parametrize(
    ("job", "passes"),
    [(GOOD, True), ({**GOOD, "NotScopes": []}, True), ({**GOOD, "NotScopes": {}}, True),
     ({**GOOD, "NotScopes": ["/subscriptions/s/resourceGroups/rg"]}, False), ({**GOOD, "NotScopes": "x"}, False),
     ({**GOOD, "NotScopes": 0}, False), ({**GOOD, "NotScopes": False}, False)],
    ids=["left out", "empty list", "empty object", "an exclusion", "a text", "zero", "false"],
)
def test_empty_passes_only_when_missing_or_empty(tmp_path: Path, job: object, passes: bool) -> None:
    passed, failures = _grade_with(tmp_path, "{path: /NotScopes, empty: true}", job)
    assert passed is passes
    assert passes or "must be empty or left out" in failures[0]


@pytest.mark.parametrize(
    ("expectation", "error"),
    [("{path: /Scope, one_of: []}", "one_of takes a list"), ("{path: /Scope, one_of: x}", "one_of takes a list"),
     ("{path: /Scope, empty: false}", "empty takes true")],
)
def test_one_of_and_empty_are_validated(tmp_path: Path, expectation: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        _grade_with(tmp_path, expectation, GOOD)


def test_two_names_differing_only_in_case_fail_the_case(tmp_path: Path) -> None:
    """A file that says one thing to a reader matching names exactly and another to one ignoring case
    cannot pass: `RoleArn` right and `roleArn` wrong is not a job that runs as the role."""
    job = {**GOOD, "roleArn": "arn:aws:iam::111122223333:role/admin"}
    passed, _, failures = _grade(tmp_path, job)
    assert not passed and len(failures) == 1
    assert "'RoleArn' and 'roleArn'" in failures[0] and "differ only in case" in failures[0]


def test_a_name_in_another_case_is_named_when_case_matters(tmp_path: Path) -> None:
    job = {key: value for key, value in GOOD.items() if key != "EnableNetworkIsolation"}
    job["enableNetworkIsolation"] = True
    passed, _, failures = _grade(tmp_path, job)
    assert not passed and "must be written 'EnableNetworkIsolation'" in failures[0]


AZURE_LAB = """\
id: 04-doc
title: doc
level: beginner
clouds:
  azure:
    files: {role_assignments: role-assignments.json, policy_assignment: policy-assignment.json}
    checks:
      - id: assignment
        kind: document
        file: policy_assignment
        points: 2
        message: The assignment must be on the resource group and exclude nothing.
        expect:
          - {path: /properties/scope, one_of: ["/subscriptions/S/resourceGroups/rg-ml"], ignore_case: true}
          - {path: /properties/notScopes, empty: true, ignore_case: true}
"""


@pytest.mark.parametrize(("assignment", "passes"), [
    ({"properties": {"scope": "/subscriptions/S/resourceGroups/rg-ml"}}, True),
    # "Resource and resource group names are case-insensitive unless specifically noted" (Azure Resource
    # Manager, "Naming rules and restrictions for Azure resources").
    ({"properties": {"scope": "/subscriptions/s/resourcegroups/RG-ML"}}, True),
    ({"Properties": {"Scope": "/subscriptions/S/resourceGroups/rg-ml"}}, True),
    ({"properties": {"scope": "/subscriptions/S/resourceGroups/rg-ml-other"}}, False),
    # Two spellings of notScopes: whichever Azure reads, the file cannot be said to exclude nothing.
    ({"properties": {"scope": "/subscriptions/S/resourceGroups/rg-ml", "notScopes": [],
                     "NotScopes": ["/subscriptions/S/resourceGroups/rg-ml"]}}, False),
])
def test_ignore_case_for_azure_names(tmp_path: Path, assignment: object, passes: bool) -> None:
    lab_dir = tmp_path / "labs" / "04-doc"
    write(lab_dir / "lab.yaml", AZURE_LAB)
    write(lab_dir / "azure" / "role-assignments.json", "[]")
    write(lab_dir / "azure" / "policy-assignment.json", json.dumps(assignment, indent=2))
    result = grade(load_lab(lab_dir), "azure")
    assert result.checks[0].passed is passes, result.checks[0].failures
