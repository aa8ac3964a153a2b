"""What every check kind shares: the common fields, the outcome of running one, and the run context."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from checker.core.engine import Engine, Submission
from checker.core.findings import Counterexample
from checker.core.source import LoadedDocument

if TYPE_CHECKING:
    from checker.grading.located import Node
    from checker.grading.spec import LabSpec


@dataclass(frozen=True)
class CheckSpec:
    """One check from lab.yaml. `body` is the kind's own parsed fields (see the kind's module)."""

    id: str
    kind: str
    title: str
    points: int
    gate: bool
    message: str  # the lab author's feedback when the check fails: what is wrong and why it matters
    fix: str | None  # how to fix it, in plain words; shown with a failure
    hint: str | None  # id of a progressive hint that helps with this check
    partial: bool  # score per case instead of all-or-nothing
    body: Any
    pointer: str  # where the check sits in lab.yaml, for errors raised while running it
    hidden: bool = False  # an instructor's check (grading/hidden.py): its requests and values are never shown
    identity: str | None = None  # the identity this check is about, when not the cloud's (lab.yaml `identity`)


@dataclass
class Outcome:
    """What running a check found. Cases are the individual requests, principals or answers checked."""

    total_cases: int
    failed: list[str] = field(default_factory=list)  # one plain-words sentence per failing case
    passed_notes: list[str] = field(default_factory=list)  # one sentence per passing case, for reports
    counterexample: Counterexample | None = None  # the first failing request, when there is one
    # How to fix what failed, when the kind knows better than the check's own `fix` (which is written for
    # the usual mistake): e.g. a needed request denied by a mistyped condition value.
    fix: str | None = None

    @property
    def passed_cases(self) -> int:
        return max(0, self.total_cases - len(self.failed))

    @property
    def passed(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class RunContext:
    """Everything a check may consult. Built once per grading run; documents are parsed once."""

    cloud: str
    engine: Engine
    submission: Submission
    lab: LabSpec
    answers: LoadedDocument | None
    load_lab_file: Callable[[Node, str], LoadedDocument]  # a file next to lab.yaml, parsed once per run
    # Work a kind began before the checks ran (its `start`), by the check's pointer in lab.yaml.
    started: Mapping[str, Any] = field(default_factory=dict)
    backend: str = "moto"  # where live checks run: "moto", "localstack" or a URL (`iamlab check --backend`)
    folder: Path | None = None  # the submission folder (kinds that read a folder of it: guardrails)
    # The same run seen from another identity of the lab (a check's `identity`, each of `separation`'s).
    focus: Callable[[str | None], RunContext] | None = None

    def about(self, identity: str | None) -> RunContext:
        """This run with `identity` as the engine's default principal and trust target."""
        return self if self.focus is None else self.focus(identity)


@dataclass(frozen=True)
class ParseContext:
    """What a kind may need while reading its fields: the cloud and the identity the lab builds."""

    cloud: str
    identity: str | None


class CheckKind(Protocol):
    """The shape of a check-kind module in checker.grading.checks."""

    KIND: str
    FIELDS: frozenset[str]

    def parse(self, node: Node, where: ParseContext) -> Any: ...

    def run(self, body: Any, context: RunContext) -> Outcome: ...


class EarlyStart(Protocol):
    """A kind that can begin its slow part before the checks run: `start` (optional in a kind module).

    It returns a handle (with `close()`, to stop unfinished work) the kind's `run` finds in
    `context.started`, or None to run the usual way. `files_of(identity)` gives the documents seen as
    another identity of the lab (a pipeline's stage roles). `prepared` is the handle the kind's
    `prepare` returned for this check, if any: the worker to hand the work to.
    """

    def __call__(
        self, body: Any, lab: LabSpec, files: Mapping[str, LoadedDocument], backend: str,
        files_of: Callable[[str], Mapping[str, LoadedDocument]], *, prepared: Any = None,
    ) -> Any: ...


class EarlyBegin(Protocol):
    """A kind whose slow part needs the loaded submission: `begin` (optional in a kind module).

    Called once the submission is loaded and before any check runs (`iamlab check`), it returns a handle
    (with `close()`) the kind's `run` finds in `context.started` under the check's pointer, or None to run
    the usual way. The work must be exactly what `run` would compute in this process.
    """

    def __call__(self, body: Any, context: RunContext) -> Any: ...


class EarlyPrepare(Protocol):
    """A kind that can begin even before the learner's files are read: `prepare` (optional in a kind module).

    It returns a handle (with `close()`) that `start` later gives the work to, or None.
    """

    def __call__(self, body: Any, lab: LabSpec, backend: str) -> Any: ...


def describe_context(context: Mapping[str, Any] | None) -> str:
    """' with aws:SourceIp=10.1.2.3' style suffix so a learner sees the conditions of a request."""
    if not context:
        return ""
    parts = [f"{key}={value}" for key, value in context.items()]
    return " with " + ", ".join(parts)
