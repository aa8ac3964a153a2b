"""The ABAC condition language of Azure role assignments, version 2.0: parse and evaluate."""

from checker.azure.conditions.errors import ConditionError
from checker.azure.conditions.evaluate import ConditionRequest, Outcome, Truth, evaluate_condition
from checker.azure.conditions.parser import parse_condition

__all__ = ["ConditionError", "ConditionRequest", "Outcome", "Truth", "evaluate_condition", "parse_condition"]
