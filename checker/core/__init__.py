"""Cloud-neutral pieces every engine shares: decisions, findings, source locations, loading, errors."""

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
