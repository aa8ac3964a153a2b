"""The outcome of one authorization request, with the reasons a learner can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DecisionKind(StrEnum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"


@dataclass(frozen=True)
class Reason:
    """One line of an explanation: which policy and statement did what, or why a statement did not apply."""

    policy: str  # e.g. "identity policy #1", "SCP at OU", "role assignment 2"
    statement: str | None  # Sid, index or rule name; None for the policy as a whole
    effect: str  # "allow", "deny", "not applicable", "missing"
    detail: str  # plain words: which part matched or failed

    def to_json(self) -> dict[str, object]:
        return {"policy": self.policy, "statement": self.statement, "effect": self.effect, "detail": self.detail}

    def __str__(self) -> str:
        where = f"{self.policy}" + (f", statement {self.statement}" if self.statement else "")
        return f"[{self.effect}] {where}: {self.detail}"


@dataclass(slots=True)  # not frozen: one is built per request, and frozen dataclasses initialize slowly
class Decision:
    """Treat as immutable: engines build one per request and never change it afterwards."""

    kind: DecisionKind
    summary: str
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def allowed(self) -> bool:
        return self.kind is DecisionKind.ALLOW

    def to_json(self) -> dict[str, object]:
        return {"summary": self.summary, "reasons": [r.to_json() for r in self.reasons]}

    def __str__(self) -> str:
        lines = [f"{self.kind.value}: {self.summary}"]
        lines.extend(f"  - {reason}" for reason in self.reasons)
        return "\n".join(lines)
