"""Platform templates: `{{name}}` placeholders the platform fills before it uses a document.

The orchestrator of lab 03 keeps one document with `{{team}}` and `{{job}}` and fills them for each job:
on AWS the session policy it passes with AssumeRole, on Azure the role assignments it creates for the
job's managed identity, on GCP the bindings for the job's service account. Only double-brace placeholders are filled; IAM policy variables such as
`${aws:PrincipalTag/team}` and Azure condition attributes pass through untouched, for the cloud to
resolve at request time. The filled document keeps the template's line and column for every
value, so errors still point into the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from checker.core.errors import InputError
from checker.core.source import LoadedDocument

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def fill_template(document: LoadedDocument, values: Mapping[str, str]) -> LoadedDocument:
    """A copy of the document with every `{{name}}` replaced; an unknown name is an error at its line."""

    def walk(value: Any, pointer: str) -> Any:
        if isinstance(value, str):
            return _fill(value, pointer)
        if isinstance(value, dict):
            return {key: walk(item, f"{pointer}/{_token(key)}") for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item, f"{pointer}/{index}") for index, item in enumerate(value)]
        return value

    def _fill(text: str, pointer: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise InputError(
                    f"the template uses {{{{{name}}}}}, which the platform does not fill",
                    document.locate(pointer),
                    hint=f"the platform fills only: {', '.join('{{' + k + '}}' for k in values)}",
                )
            return values[name]

        return _PLACEHOLDER.sub(replace, text)

    return LoadedDocument(document.path, walk(document.data, ""), dict(document.positions))


def placeholders(document: LoadedDocument) -> set[str]:
    """The placeholder names a template uses."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(m.group(1) for m in _PLACEHOLDER.finditer(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document.data)
    return found


def _token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
