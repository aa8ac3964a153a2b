"""Linter findings and the counterexample requests that analysis returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from checker.core.errors import Where


class Severity(StrEnum):
    ERROR = "error"
    SECURITY = "security"
    WARNING = "warning"
    SUGGESTION = "suggestion"

    @property
    def rank(self) -> int:
        return {"error": 3, "security": 2, "warning": 1, "suggestion": 0}[self.value]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    where: Where | None = None
    hint: str | None = None
    doc: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "severity": self.severity.value, "message": self.message}
        if self.where is not None:
            data["file"] = self.where.file
            data["line"] = self.where.line
            data["column"] = self.where.column
            data["pointer"] = self.where.pointer
        if self.hint:
            data["hint"] = self.hint
        if self.doc:
            data["doc"] = self.doc
        return data


@dataclass(frozen=True)
class Counterexample:
    """A concrete request that one policy allows and another does not."""

    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)
    principal: str | None = None
    # The account that owns the resource, when the decision depends on it (AWS: same-account or
    # cross-account); shown so that the request can be decided again exactly as shown.
    resource_account: str | None = None

    def fields(self) -> list[tuple[str, str]]:
        """Every field of the request, in reading order and as text, so a report can list it in full (one
        row per context key; a key's value as JSON, the way a learner would write it in a request file)."""
        rows = [("principal", self.principal)] if self.principal is not None else []
        rows += [("action", self.action), ("resource", self.resource)]
        if self.resource_account is not None:
            rows.append(("resource account", self.resource_account))
        rows += [(f"context {key}", json.dumps(value, default=str)) for key, value in sorted(self.context.items())]
        return [(name, str(value)) for name, value in rows]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": self.action, "resource": self.resource, "context": dict(self.context)}
        if self.principal is not None:
            data["principal"] = self.principal
        if self.resource_account is not None:
            data["resource_account"] = self.resource_account
        return data
