"""Least-privilege analysis for Azure RBAC: within/compare with counterexamples, and findings."""

from checker.azure.analysis.findings import findings
from checker.azure.analysis.within import CompareResult, compare, within

__all__ = ["CompareResult", "compare", "findings", "within"]
