"""Cloud-neutral pieces every engine shares: decisions, findings, source locations, loading, errors.

The names below are imported on first use: importing one module of this package (checker.core.errors)
runs this file first, and a batch run needs neither findings nor the YAML loader.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checker.core.decision import Decision, DecisionKind, Reason
    from checker.core.errors import InputError
    from checker.core.findings import Finding, Severity
    from checker.core.source import (
        LoadedDocument,
        Position,
        SourceLocation,
        load_document,
        parse_json,
        parse_yaml,
    )

_HOMES = {
    "Decision": "decision",
    "DecisionKind": "decision",
    "Reason": "decision",
    "InputError": "errors",
    "Finding": "findings",
    "Severity": "findings",
    "LoadedDocument": "source",
    "Position": "source",
    "SourceLocation": "source",
    "load_document": "source",
    "parse_json": "source",
    "parse_yaml": "source",
}

__all__ = [
    "Decision",
    "DecisionKind",
    "Finding",
    "InputError",
    "LoadedDocument",
    "Position",
    "Reason",
    "Severity",
    "SourceLocation",
    "load_document",
    "parse_json",
    "parse_yaml",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
