"""Why a lab request was decided as it was, in the words `iamlab simulate --explain` uses.

A failing `allows`, `denies` or `trust` case names what actually decided it: the statement or binding
that would have applied and the condition clause that failed (with the request's value), the statement
that granted what must be denied, or the action or resource that did not match. A name in the learner's
files that is a misspelling of the request's action is named as unknown with a "did you mean".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from checker.core.source import LoadedDocument
from checker.core.suggest import did_you_mean
from checker.grading.checks.base import RunContext

# --- names the cloud does not know ----------------------------------------------------------------------

_SHAPES = {
    "aws": re.compile(r"^[a-zA-Z0-9-]+:[a-zA-Z0-9]+$"),
    "gcp": re.compile(r"^[a-z][a-z0-9]*\.[a-zA-Z][a-zA-Z0-9_]*\.[a-zA-Z][a-zA-Z0-9]*$"),
    "azure": re.compile(r"^[A-Za-z]+\.[A-Za-z.]+/[A-Za-z0-9/]+$"),
}
_WHAT = {"aws": "an AWS action", "gcp": "a GCP permission", "azure": "an Azure operation"}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _known(cloud: str, name: str) -> bool:
    if cloud == "aws":
        from checker.aws import catalog

        return catalog.action_info(name) is not None
    if cloud == "gcp":
        return name in _gcp_permissions()
    return name.lower() in _azure_operations()


@functools.lru_cache(maxsize=1)
def _gcp_permissions() -> frozenset[str]:
    from checker.gcp.catalog import predefined_roles

    return frozenset(p for role in predefined_roles().values() for p in role.permissions)


@functools.lru_cache(maxsize=1)
def _azure_operations() -> frozenset[str]:
    """Operations the catalog lists, and every literal one a built-in role names."""
    from checker.azure.catalog import active_catalog

    catalog = active_catalog()
    names = {info.name.lower() for info in catalog.operations}
    for role in catalog.roles:
        for permission in role.permissions:
            for pattern in (*permission.actions, *permission.data_actions, *permission.not_actions, *permission.not_data_actions):
                if not pattern.has_wildcard:
                    names.add(pattern.text.lower())
    return frozenset(names)


def _typo_of(text: str, action: str) -> bool:
    """A near miss of `action` (a letter or two wrong), not a different name of the same service."""
    if abs(len(text) - len(action)) > 2 or text.lower() == action.lower():
        return False
    return did_you_mean(text, [action], cutoff=0.85) is not None


def misspelled(context: RunContext, action: str) -> list[str]:
    """Sentences naming each string in the learner's files that looks like a misspelling of `action`."""
    shape = _SHAPES.get(context.cloud)
    if shape is None or not action:
        return []
    found: list[str] = []
    for label, document in context.submission.files.items():
        data = document.data if isinstance(document, LoadedDocument) else document
        for text in dict.fromkeys(_strings(data)):
            if text.lower() == action.lower() or not shape.match(text) or "*" in text:
                continue
            if not _typo_of(text, action) or _known(context.cloud, text):
                continue
            source = PurePath(document.path).name if isinstance(document, LoadedDocument) else label
            found.append(
                f"{source} names {text!r}, which is not {_WHAT[context.cloud]}, so it grants nothing; "
                f"did you mean {action!r}?"
            )
    return found
