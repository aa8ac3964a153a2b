"""Job `if:` conditions of GitHub Actions workflows: does a job still run after a job it needs has failed?

Used by the linter's GHA-DEPLOY-WITHOUT-LINT finding and lab 02's `needs-lint` rule, so both read a
condition the same way.
"""

from __future__ import annotations

import re

_STATUS_FUNCTION = re.compile(r"\b(success|failure|always|cancelled)\s*\(\s*\)")
_SUCCESS = re.compile(r"success\s*\(\s*\)")


def skipped_after_failure(condition: str) -> bool:
    """True when a job with `if: condition` is skipped once a job it needs has failed.

    "Using conditions to control job execution": "A default status check of success() is applied unless you
    include one of these functions" (success, always, cancelled, failure). Without any, the condition is
    `success() && (condition)`, false after a failure. With one, it is skipped for sure only when `success()`
    is one of its top-level `&&` terms; `always()`, `failure()`, `!cancelled()`, `!success()` or
    `success() || ...` can run it after the failure.
    """
    text = condition.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    if not _STATUS_FUNCTION.search(text):
        return True
    # A false term makes the whole && false, whatever the other terms are.
    return any(_SUCCESS.fullmatch(_unwrapped(t)) for t in _top_level_and_terms(text))


def _unwrapped(term: str) -> str:
    """`((success()))` -> `success()`: outer parentheses that enclose the whole term dropped."""
    term = term.strip()
    while term.startswith("(") and term.endswith(")") and _balanced(term[1:-1]):
        term = term[1:-1].strip()
    return term


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _top_level_and_terms(text: str) -> list[str]:
    """`a && (b || c) && d` -> [a, (b || c), d]; quotes and parentheses respected."""
    terms, depth, quote, start, index = [], 0, "", 0, 0
    while index < len(text):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and text.startswith("&&", index):
            terms.append(text[start:index])
            start = index + 2
            index += 1
        index += 1
    terms.append(text[start:])
    return terms
