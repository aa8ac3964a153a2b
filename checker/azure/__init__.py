"""Azure RBAC engine: role definitions, assignments and scopes, ABAC conditions, evaluation, analysis."""
