"""Action findings: unknown actions (with a suggestion), patterns that match nothing, and wildcards."""

from __future__ import annotations

from checker.aws import catalog
from checker.aws.analyze.findings.base import element_pointers, expand, finding
from checker.aws.policy import Effect, Policy
from checker.core.findings import Finding, Severity


def check(policy: Policy) -> list[Finding]:
    found: list[Finding] = []
    for statement in policy.statements:
        patterns = statement.actions if statement.actions is not None else statement.not_actions
        element = "Action" if statement.actions is not None else "NotAction"
        if not patterns:
            continue
        for pattern, pointer in zip(patterns, element_pointers(policy, statement, element), strict=False):
            text = pattern.text
            found.extend(_known(policy, text, pointer))
            if statement.effect is Effect.ALLOW and statement.actions is not None:
                found.extend(_wildcards(policy, text, pointer))
    return found


def unknown(policy: Policy) -> list[Finding]:
    """Only the catalog findings: actions that are not AWS actions, patterns that match none."""
    found: list[Finding] = []
    for statement in policy.statements:
        patterns = statement.actions if statement.actions is not None else statement.not_actions
        element = "Action" if statement.actions is not None else "NotAction"
        for pattern, pointer in zip(patterns or (), element_pointers(policy, statement, element), strict=False):
            found.extend(_known(policy, pattern.text, pointer))
    return found


def _known(policy: Policy, text: str, pointer: str) -> list[Finding]:
    if text == "*":
        return []
    service = text.split(":", 1)[0]
    wild = "*" in text or "?" in text
    if not wild:
        if catalog.action_info(text) is not None:
            return []
        guess = catalog.suggest_action(text)
        why = (
            f"the service prefix {service!r} is not an AWS service"
            if not catalog.service_exists(service)
            else f"{service} has no action named {text.split(':', 1)[1]!r}"
        )
        tip = f"; did you mean {guess}?" if guess else ""
        return [finding("AWS-UNKNOWN-ACTION", policy, pointer, f"{text}: {why}, so this grants nothing{tip}")]
    if not expand(text):
        return [
            finding(
                "AWS-ACTION-MATCHES-NOTHING",
                policy,
                pointer,
                f"{text} matches no action in the catalog, so it grants nothing",
            )
        ]
    return []


def _wildcards(policy: Policy, text: str, pointer: str) -> list[Finding]:
    if text == "*":
        return [
            finding("AWS-WILDCARD-ACTION", policy, pointer, 'Action "*" allows every action of every service')
        ]
    service, _, name = text.partition(":")
    if "*" in service or "?" in service:  # the parser refuses these today; kept should it accept them
        count = len(expand(text))
        return [
            finding(
                "AWS-WILDCARD-ACTION",
                policy,
                pointer,
                f"{text} uses a wildcard in the service prefix and matches {count} actions across services",
            )
        ]
    if name == "*":
        count = len(expand(text))
        return [
            finding(
                "AWS-WILDCARD-SERVICE", policy, pointer, f"{text} allows all {count} actions of {service}"
            )
        ]
    if "*" in name or "?" in name:
        count = len(expand(text))
        if count > 1:
            return [
                finding(
                    "AWS-WILDCARD-PARTIAL",
                    policy,
                    pointer,
                    f"{text} matches {count} actions, not only the one you may have in mind",
                    Severity.WARNING,
                )
            ]
    return []
