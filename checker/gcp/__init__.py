"""The GCP IAM engine: allow, deny and principal access boundary policies, IAM Conditions, analysis.

Parse once, decide many:

    policies, request = checker.gcp.batch.parse_case(case)
    decision = checker.gcp.evaluate.decide(policies, request)

`ENGINE` is the face grading uses (checker.core.engine.Engine).
"""

from checker.gcp.engine import ENGINE

__all__ = ["ENGINE"]
