"""Azure RBAC engine: role definitions, assignments and scopes, ABAC conditions, evaluation, analysis.

`ENGINE` is the face grading uses (checker.core.engine.Engine); `checker.azure.batch.decide_case`
serves `iamlab simulate azure --batch`.
"""

from checker.azure.engine import ENGINE, AzureEngine

__all__ = ["ENGINE", "AzureEngine"]
