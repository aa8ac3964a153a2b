"""The comparison operators of condition version 2.0, as listed in "Azure role assignment condition
format and syntax" (sections String, Numeric, DateTime, GUID, Boolean and Cross product comparison
operators). Cross-product (ForAnyOfAnyValues...) forms exist only for the string equality and like
operators, the numeric operators and the GUID operators; the page lists no others.
"""

from __future__ import annotations

from checker.azure.conditions.ast import Family, Operator, Quantifier, Test

_ORDER = {
    "Equals": (Test.EQUALS, False),
    "NotEquals": (Test.EQUALS, True),
    "LessThan": (Test.LESS, False),
    "LessThanEquals": (Test.LESS_EQUAL, False),
    "GreaterThan": (Test.GREATER, False),
    "GreaterThanEquals": (Test.GREATER_EQUAL, False),
}


def _build() -> tuple[dict[str, Operator], set[str]]:
    table: dict[str, Operator] = {}
    quantifiable: set[str] = set()

    def add(name: str, family: Family, test: Test, negated: bool, ignore_case: bool, cross: bool) -> None:
        table[name.lower()] = Operator(name, name, family, test, negated, ignore_case, Quantifier.NONE)
        if cross:
            quantifiable.add(name.lower())

    for stem, test in (("Equals", Test.EQUALS), ("StartsWith", Test.STARTS_WITH), ("Like", Test.LIKE)):
        for negated in (False, True):
            for ignore_case in (False, True):
                name = f"String{'Not' if negated else ''}{stem}{'IgnoreCase' if ignore_case else ''}"
                add(name, Family.STRING, test, negated, ignore_case, cross=test is not Test.STARTS_WITH)
    for suffix, (test, negated) in _ORDER.items():
        add(f"Numeric{suffix}", Family.NUMERIC, test, negated, False, cross=True)
        add(f"DateTime{suffix}", Family.DATETIME, test, negated, False, cross=False)
    add("GuidEquals", Family.GUID, Test.EQUALS, False, False, cross=True)
    add("GuidNotEquals", Family.GUID, Test.EQUALS, True, False, cross=True)
    add("BoolEquals", Family.BOOL, Test.EQUALS, False, False, cross=False)
    add("BoolNotEquals", Family.BOOL, Test.EQUALS, True, False, cross=False)
    return table, quantifiable


_OPERATORS, _QUANTIFIABLE = _build()
_QUANTIFIERS = {q.value.lower(): q for q in Quantifier if q is not Quantifier.NONE}


class UnknownOperator(ValueError):
    pass


def lookup_operator(text: str) -> Operator:
    """The operator spelled `text` (case-insensitive), or UnknownOperator explaining what is wrong."""
    prefix, colon, base = text.rpartition(":")
    if not colon:
        operator = _OPERATORS.get(text.lower())
        if operator is None:
            raise UnknownOperator(f"{text!r} is not a condition operator")
        return Operator(text, operator.name, operator.family, operator.test, operator.negated,
                        operator.ignore_case, Quantifier.NONE)
    quantifier = _QUANTIFIERS.get(prefix.lower())
    if quantifier is None:
        raise UnknownOperator(
            f"{prefix!r} is not a cross-product quantifier; use ForAnyOfAnyValues, ForAllOfAnyValues, "
            "ForAnyOfAllValues or ForAllOfAllValues"
        )
    operator = _OPERATORS.get(base.lower())
    if operator is None:
        raise UnknownOperator(f"{base!r} is not a condition operator")
    if base.lower() not in _QUANTIFIABLE:
        raise UnknownOperator(f"{operator.name} has no {quantifier.value} form in condition version 2.0")
    return Operator(text, f"{quantifier.value}:{operator.name}", operator.family, operator.test,
                    operator.negated, operator.ignore_case, quantifier)


def is_operator_word(text: str) -> bool:
    prefix, colon, base = text.rpartition(":")
    return (base if colon else text).lower() in _OPERATORS
