"""IAM Conditions: CEL expressions on allow bindings and deny rules."""

from checker.gcp.conditions.compiler import CompiledCondition, ConditionResult, compile_condition
from checker.gcp.conditions.ir import Facts

__all__ = ["CompiledCondition", "ConditionResult", "Facts", "compile_condition"]
