"""Built-in roles decide as Microsoft documents their purpose (docs/azure.md, "Wildcards and empty segments").

AzureML Data Scientist: "Can perform all actions within an Azure Machine Learning workspace, except for
creating or deleting compute resources and modifying the workspace itself." (Manage roles in your
workspace, https://learn.microsoft.com/azure/machine-learning/how-to-assign-roles)
Managed Identity Operator: "Read and Assign User Assigned Identity" (Azure built-in roles, Identity,
https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/identity).
"""

from __future__ import annotations

import pytest

from checker.azure.batch import decide_case

from .helpers import RG, assign, case

WORKSPACE = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw-fraud"
IDENTITY = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/training-id"
ML = "Microsoft.MachineLearningServices/workspaces"

ROWS = [
    ("AzureML Data Scientist", f"{ML}/computes/write", f"{WORKSPACE}/computes/gpu-1", "implicit_deny", "no creating compute"),
    ("AzureML Data Scientist", f"{ML}/computes/delete", f"{WORKSPACE}/computes/gpu-1", "implicit_deny", "no deleting compute"),
    ("AzureML Data Scientist", f"{ML}/write", WORKSPACE, "implicit_deny", "no modifying the workspace"),
    ("AzureML Data Scientist", f"{ML}/jobs/write", f"{WORKSPACE}/jobs/run-1", "allow", "submits jobs"),
    ("AzureML Data Scientist", f"{ML}/computes/read", f"{WORKSPACE}/computes/gpu-1", "allow", "reads compute"),
    ("AzureML Compute Operator", f"{ML}/computes/write", f"{WORKSPACE}/computes/gpu-1", "allow", "compute operator creates compute"),
    ("Managed Identity Operator", "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", IDENTITY, "allow", "assigns the identity"),
    ("Managed Identity Operator", "Microsoft.ManagedIdentity/userAssignedIdentities/write", IDENTITY, "implicit_deny", "cannot change it"),
]


@pytest.mark.parametrize(("role", "action", "scope", "expected", "why"), ROWS, ids=[r[4] for r in ROWS])
def test_builtin_role_does_what_microsoft_says(role: str, action: str, scope: str, expected: str, why: str) -> None:
    decided = decide_case(
        case(role_assignments=[assign(role, RG)], action=action, data_action=False, scope=scope), False
    )
    assert decided["decision"] == expected
