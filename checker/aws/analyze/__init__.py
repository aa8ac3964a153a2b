"""Least-privilege analysis for AWS: proofs with counterexamples, findings, escalation paths."""

from checker.aws.analyze.within import within

__all__ = ["within"]
