"""Least-privilege analysis for AWS: proofs with counterexamples, findings, escalation paths.

- within(policy, envelope): PROVED, COUNTEREXAMPLE (evaluator-confirmed requests) or UNKNOWN.
- compare(a, b), grants_any(policy, accesses), is_public(resource_policy, account).
- lint(policy): findings with stable codes (see docs/analysis.md).
- escalation_paths(snapshot): how principals of an account snapshot can reach admin-equivalent access.
"""

from checker.aws.analyze.compare import Comparison, Grant, Relation, compare, grants_any
from checker.aws.analyze.escalation import Path, Step, escalation_paths
from checker.aws.analyze.findings import lint
from checker.aws.analyze.mermaid import to_mermaid
from checker.aws.analyze.public import Exposure, is_public
from checker.aws.analyze.snapshot import Snapshot, load_snapshot
from checker.aws.analyze.within import within

__all__ = [
    "Comparison",
    "Exposure",
    "Grant",
    "Path",
    "Relation",
    "Snapshot",
    "Step",
    "compare",
    "escalation_paths",
    "grants_any",
    "is_public",
    "lint",
    "load_snapshot",
    "to_mermaid",
    "within",
]
