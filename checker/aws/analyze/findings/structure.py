"""Policy-wide findings: unknown condition keys, policy variables under Version 2008-10-17, and
statements the rest of the policy already covers."""

from __future__ import annotations

from dataclasses import replace

from checker.aws import catalog
from checker.aws.analyze.findings.base import finding
from checker.aws.policy import VERSION_OLD, Effect, Policy, PolicyKind
from checker.core.engine import WithinStatus
from checker.core.findings import Finding

MAX_STATEMENTS_FOR_REDUNDANCY = 20


def check(policy: Policy) -> list[Finding]:
    return _condition_keys(policy) + _old_version_variables(policy) + _redundant(policy)


def unknown_condition_keys(policy: Policy) -> list[Finding]:
    return _condition_keys(policy)


def _condition_keys(policy: Policy) -> list[Finding]:
    found = []
    for statement in policy.statements:
        for clause in statement.conditions:
            if catalog.condition_key_known(clause.key):
                continue
            guess = catalog.suggest_condition_key(clause.key)
            tip = f"; did you mean {guess}?" if guess else ""
            found.append(
                finding(
                    "AWS-UNKNOWN-CONDITION-KEY",
                    policy,
                    clause.pointer,
                    f"{clause.key} is not a condition key AWS documents{tip}",
                )
            )
    return found


def _old_version_variables(policy: Policy) -> list[Finding]:
    if policy.version != VERSION_OLD:
        return []
    missing = "Version" not in (policy.document.data or {})
    found = []
    for statement in policy.statements:
        places: list[tuple[str, str]] = []
        for element, patterns in (
            ("Resource", statement.resources),
            ("NotResource", statement.not_resources),
        ):
            for pattern in patterns or ():
                if "${" in pattern.text:
                    places.append((f"{statement.pointer}/{element}", pattern.text))
        for clause in statement.conditions:
            for value in clause.raw_values:
                if "${" in value:
                    places.append((clause.pointer, value))
        for pointer, text in places:
            why = (
                "the policy has no Version, so AWS reads it as 2008-10-17"
                if missing
                else "Version is 2008-10-17"
            )
            found.append(
                finding(
                    "AWS-VARIABLE-OLD-VERSION",
                    policy,
                    pointer,
                    f"{text!r} holds a policy variable, but {why}: it matches the literal text ${{...}}",
                )
            )
    return found


def _redundant(policy: Policy) -> list[Finding]:
    if policy.kind not in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP):
        return []
    allows = [s for s in policy.statements if s.effect is Effect.ALLOW]
    if len(allows) < 2 or len(policy.statements) > MAX_STATEMENTS_FOR_REDUNDANCY:
        return []
    from checker.aws.analyze.within import within

    found = []
    kept = list(allows)
    for statement in allows:
        others = [s for s in kept if s is not statement]
        if not others:
            continue
        alone = replace(policy, statements=(statement,))
        rest = replace(policy, statements=tuple(others))
        if within(alone, rest, limit=1).status is WithinStatus.PROVED:
            kept.remove(statement)  # so that two identical statements are not both reported
            others_text = (
                f"statement {others[0].label} does"
                if len(others) == 1
                else "statements " + ", ".join(s.label for s in others) + " do"
            )
            found.append(
                finding(
                    "AWS-REDUNDANT-STATEMENT",
                    policy,
                    statement.pointer,
                    f"statement {statement.label} allows nothing that {others_text} not already allow",
                )
            )
    return found
