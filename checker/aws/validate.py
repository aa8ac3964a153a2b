"""Catalog checks on a parsed policy: unknown actions and condition keys are warnings with a suggestion.

They are warnings, not errors: AWS accepts a policy naming an action it does not know (it simply never
matches), which is exactly why a typo is dangerous to a learner — the statement silently does nothing.
"""

from __future__ import annotations

from checker.aws import catalog
from checker.aws.policy import Policy
from checker.core.findings import Finding, Severity
from checker.core.source import pointer_join

ACTIONS_DOC = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"
KEYS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"


def catalog_warnings(policy: Policy) -> list[Finding]:
    found: list[Finding] = []
    for statement in policy.statements:
        patterns = statement.actions if statement.actions is not None else statement.not_actions or ()
        element = "Action" if statement.actions is not None else "NotAction"
        for index, pattern in enumerate(patterns):
            problem = _action_problem(pattern.text)
            if problem is None:
                continue
            pointer = pointer_join(statement.pointer, element)
            if _is_list(policy, pointer):
                pointer = pointer_join(pointer, index)
            message, hint = problem
            found.append(
                Finding("UNKNOWN_ACTION", Severity.WARNING, message, policy.document.locate(pointer), hint, ACTIONS_DOC)
            )
        for clause in statement.conditions:
            if catalog.condition_key_known(clause.key):
                continue
            guess = catalog.suggest_condition_key(clause.key)
            hint = f"did you mean {guess!r}?" if guess else "check the key's spelling in the service's reference page"
            found.append(
                Finding(
                    "UNKNOWN_CONDITION_KEY",
                    Severity.WARNING,
                    f"condition key {clause.key!r} is not in the catalog ({catalog.catalog_version()}); "
                    "a key that is never in a request makes the condition false, or true under IfExists",
                    policy.document.locate(clause.pointer),
                    hint,
                    KEYS_DOC,
                )
            )
    return found


def _is_list(policy: Policy, pointer: str) -> bool:
    return pointer_join(pointer, 0) in policy.document.positions


def _action_problem(text: str) -> tuple[str, str] | None:
    if text == "*":
        return None
    service = text.split(":", 1)[0]
    if not catalog.service_exists(service):
        guess = catalog.suggest_action(text)
        hint = f"did you mean {guess!r}?" if guess else "check the service prefix (s3, iam, sagemaker, logs...)"
        return f"{service!r} is not an AWS service prefix, so {text!r} matches no action", hint
    if "*" in text or "?" in text:
        if catalog.expand_action(text):
            return None
        return f"{text!r} matches no action of {service}", "check the spelling; wildcards match action names"
    if catalog.action_info(text) is not None:
        return None
    guess = catalog.suggest_action(text)
    hint = f"did you mean {guess!r}?" if guess else f"see the list of {service} actions"
    return f"{text!r} is not an action of {service}: the statement never matches it", hint
