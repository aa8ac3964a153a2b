"""Operation matching. Doc: "Understand Azure role definitions"
https://learn.microsoft.com/azure/role-based-access-control/role-definitions (Actions, Wildcard permissions)."""

from __future__ import annotations

import time

import pytest

from checker.azure.operations import compile_pattern, operation_problem

CASES = [
    # (pattern, operation, matches, why)
    ("*", "Microsoft.Storage/storageAccounts/read", True, "'*' grants every control-plane operation"),
    ("*/read", "Microsoft.Storage/storageAccounts/read", True, "Reader's '*/read' spans providers and types"),
    ("*/read", "Microsoft.Storage/storageAccounts/write", False, "'*/read' only reads"),
    ("Microsoft.Authorization/*/read", "Microsoft.Authorization/roleAssignments/read", True, "wildcard in the middle"),
    ("Microsoft.Authorization/*/read", "Microsoft.Authorization/policy/assignments/read", True, "'*' spans '/'"),
    ("Microsoft.Authorization/*/Write", "microsoft.authorization/roleassignments/write", True, "case-insensitive"),
    ("Microsoft.Storage/storageAccounts/*", "Microsoft.Storage/storageAccounts/listKeys/action", True, "trailing wildcard"),
    ("Microsoft.Storage/storageAccounts/*", "Microsoft.Storage/storageAccounts", False, "the '/' before '*' is literal"),
    ("Microsoft.Storage/storageAccounts/listkeys/action", "Microsoft.Storage/storageAccounts/listKeys/action", True, "exact, case-insensitive"),
    ("Microsoft.Compute/*", "Microsoft.Storage/storageAccounts/read", False, "other provider"),
    ("*/*/read", "a/read", True, "a star standing for a whole segment may stand for none"),
    ("a/*b/c", "ab/c", False, "a star inside a segment still needs its slashes"),
    # AzureML Data Scientist: "except for creating or deleting compute resources" (how-to-assign-roles)
    (
        "Microsoft.MachineLearningServices/workspaces/computes/*/write",
        "Microsoft.MachineLearningServices/workspaces/computes/write",
        True,
        "Data Scientist's NotActions removes creating compute",
    ),
    (
        "Microsoft.MachineLearningServices/workspaces/computes/*/delete",
        "Microsoft.MachineLearningServices/workspaces/computes/delete",
        True,
        "Data Scientist's NotActions removes deleting compute",
    ),
    # Managed Identity Operator: "Read and Assign User Assigned Identity" (built-in roles, Identity)
    (
        "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
        "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
        True,
        "Managed Identity Operator can assign",
    ),
    ("Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "Microsoft.ManagedIdentity/userAssignedIdentitiesassign/action", False, "the slash itself stays"),
    ("a*b*c", "abc", True, "empty runs"),
    ("a*b*c", "acb", False, "pieces in order"),
    ("ab*ba", "aba", False, "pieces may not overlap"),
]


@pytest.mark.parametrize(("pattern", "operation", "expected", "why"), CASES, ids=[c[3] for c in CASES])
def test_pattern_matching(pattern: str, operation: str, expected: bool, why: str) -> None:
    assert compile_pattern(pattern).matches(operation.lower()) is expected


def test_hostile_segment_pattern_is_bounded() -> None:
    pattern = compile_pattern("a/*" * 170 + "/b")
    started = time.perf_counter()
    assert not pattern.matches("a/" * 255 + "c")
    assert not pattern.matches("a/" * 100_000)
    assert time.perf_counter() - started < 2.0


def test_hostile_pattern_is_linear() -> None:
    pattern = compile_pattern("*a" * 200 + "*b")
    text = "a" * 100_000
    started = time.perf_counter()
    assert not pattern.matches(text)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("bad", ["", "Microsoft.Storage/ storageAccounts/read", "x" * 600, "a\nb"])
def test_invalid_operations_are_named(bad: str) -> None:
    assert operation_problem(bad)
