"""Condition operators by family, and how one condition clause is evaluated against a request.

Rules encoded here (IAM User Guide):
- "Condition operators": a key missing from the request makes the clause false, except that negated
  operators (StringNotLike, ArnNotEquals, NotIpAddress, ...) are then true; `...IfExists` is true when the
  key is missing; Null tests presence alone.
- "Creating a condition with multiple context keys or values": several values of one key are ORed for
  positive operators; for negated operators the key must match none of them.
- "Set operators for multivalued context keys": ForAllValues is true when every request value matches
  (and when the key is missing or empty); ForAnyValue is true when at least one request value matches
  (and false when the key is missing or empty, IfExists or not).
- "Variables and tags", "Policy variables with no value": a condition value whose variable cannot be
  filled is a null value. It never invalidates the statement on its own: the missing-key rules above come
  first, then the clause compares the request against the values that could be filled. A null value
  matches nothing, so a negated operator "do[es] match against a null value" (true when every value is
  null) and a positive operator does not (false when every value is null); with literal values beside a
  null one, the literals decide (the guide leaves that mix open: see docs/aws-differences.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from checker.aws.conditions import arn, binary, boolean, date, ip, null, numeric, string
from checker.aws.conditions.operator import Operator
from checker.aws.variables import fill

if TYPE_CHECKING:
    from checker.aws.policy import ConditionClause

_REGISTRY: dict[str, Operator] = {
    o.name: o
    for family in (string, numeric, date, boolean, binary, ip, arn, null)
    for o in family.OPERATORS
}

__all__ = ["Operator", "evaluate_clause", "lookup_operator", "operator_names", "prepared_values"]


def lookup_operator(name: str) -> Operator | None:
    return _REGISTRY.get(name)


def operator_names() -> list[str]:
    return list(_REGISTRY)


def prepared_values(clause: ConditionClause, lookup: Callable[[str], Any]) -> list[Any]:
    """The clause's policy values ready to compare; null values (variables with no value) left out.

    "Policy variables with no value": a variable whose key is not in the request and has no default is a
    null value, which no request value matches; leaving it out of the list gives exactly that, for
    positive operators (nothing to match) and negated ones (nothing matched, so the clause holds).
    """
    if clause.prepared is not None:
        return list(clause.prepared)
    result = []
    for tokens in clause.values:
        pieces = fill(tokens, lookup)
        if pieces is None:
            continue  # a null value: it matches no request value
        try:
            result.append(clause.operator.prepare(pieces))
        except ValueError:
            continue  # a filled value that is not valid for the operator cannot match
    return result


def is_absent(value: Any) -> bool:
    return value is None or (isinstance(value, list) and not value)


def evaluate_clause(clause: ConditionClause, lookup: Callable[[str], Any]) -> bool:
    """True when the clause holds for the request whose context keys `lookup` returns (lowercase names).

    Runs for every condition of every applicable statement, so it loops by hand rather than building
    closures or generators.
    """
    operator = clause.operator
    value = lookup(clause.key_lower)
    is_list = isinstance(value, list)
    absent = value is None or (is_list and not value)
    test = operator.test
    if operator.name == "Null":
        return any(test(absent, wanted) for wanted in clause.prepared or ())
    set_operator = clause.set_operator
    if absent:
        # The missing-key rules come before any policy variable is looked at ("Policy variables with no
        # value": "To prevent variables from causing invalid statements, use the ...IfExists condition
        # operator").
        if set_operator == "ForAnyValue":
            # "ForAnyValue ... returns false if the key is not present or resolves to an empty data set",
            # with or without IfExists (see docs/aws-differences.md).
            return False
        if clause.if_exists or set_operator == "ForAllValues":
            return True
        return operator.negated
    policy_values: Any = clause.prepared
    if policy_values is None:
        policy_values = prepared_values(clause, lookup)  # null values left out: they match nothing
    negated = operator.negated
    if not is_list:
        # One request value: it holds when it matches a policy value (a negated operator: matches none).
        for wanted in policy_values:
            if test(value, wanted):
                return not negated
        return negated
    if set_operator == "ForAllValues":
        return all(_holds_for(test, negated, v, policy_values) for v in value)
    if set_operator == "ForAnyValue":
        return any(_holds_for(test, negated, v, policy_values) for v in value)
    # A single-valued operator on a multivalued key: a positive operator holds when any request value
    # matches, a negated operator when no request value matches any policy value.
    if negated:
        return all(_holds_for(test, negated, v, policy_values) for v in value)
    return any(_holds_for(test, negated, v, policy_values) for v in value)


def _holds_for(test: Callable[[Any, Any], bool], negated: bool, request_value: Any, policy_values: Any) -> bool:
    """One request value against the policy values: any match, or for a negated operator no match."""
    hit = any(test(request_value, wanted) for wanted in policy_values)
    return not hit if negated else hit
