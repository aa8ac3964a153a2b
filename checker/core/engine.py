"""The small face every cloud engine offers to grading.

Grading's check kinds are written once against this face, not once per cloud. Each engine module
(`checker.aws`, `checker.azure`, `checker.gcp`) exposes an object named `ENGINE` that satisfies `Engine`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from checker.core.decision import Decision
from checker.core.findings import Counterexample, Finding
from checker.core.source import LoadedDocument


class WithinStatus(StrEnum):
    PROVED = "proved"  # a real proof: nothing the policy allows lies outside the envelope
    COUNTEREXAMPLE = "counterexample"  # concrete requests, each re-checked with the evaluator
    UNKNOWN = "unknown"  # a construct could not be decided; never reported as proved


@dataclass(frozen=True)
class WithinResult:
    status: WithinStatus
    counterexamples: tuple[Counterexample, ...] = ()
    reason: str = ""  # for UNKNOWN: the construct that could not be decided

    @property
    def proved(self) -> bool:
        return self.status is WithinStatus.PROVED


@dataclass(frozen=True)
class Submission:
    """A learner's parsed files for one cloud, plus the setting the lab provides.

    `files` maps a logical name from lab.yaml (e.g. "permissions", "trust") to the loaded document;
    `model` is the engine's own parsed form, built once per run.
    """

    cloud: str
    files: Mapping[str, LoadedDocument]
    setting: Mapping[str, Any] = field(default_factory=dict)
    model: Any = None


class Engine(Protocol):
    cloud: str

    def load_submission(
        self, files: Mapping[str, LoadedDocument], setting: Mapping[str, Any]
    ) -> Submission:
        """Parse and validate the learner's files; raise InputError with a location when they are invalid."""
        ...

    def decide(self, submission: Submission, request: Mapping[str, Any]) -> Decision:
        """Decide one request (cloud-specific shape, as in the lab's allows/denies checks)."""
        ...

    def within(self, submission: Submission, envelope: Mapping[str, Any]) -> WithinResult:
        """Prove that everything the submission allows is also allowed by the envelope."""
        ...

    def findings(self, submission: Submission) -> list[Finding]:
        """Lint the submission."""
        ...

    def trust_within(self, submission: Submission, identity: str, may_assume: Any) -> WithinResult:
        """Prove that every principal able to act as `identity` (assume the role, impersonate the service
        account, act as the managed identity), under any context, is one `may_assume` lists (the lab's
        allowed set, in the cloud's own terms); else counterexamples naming the principal and context."""
        ...
