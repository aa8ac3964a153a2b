"""Progressive hints: each `iamlab hint` reveals the next one and records how many were used."""

from __future__ import annotations

from dataclasses import dataclass

from checker.grading.progress import Progress
from checker.grading.spec import Hint, LabSpec


@dataclass(frozen=True)
class Revealed:
    hints: list[Hint]  # every hint revealed so far, oldest first; the last one is new unless exhausted
    total: int
    exhausted: bool  # True when every hint had already been shown before this call


def reveal_next(lab: LabSpec, cloud: str, progress: Progress) -> Revealed:
    hints = lab.hints_for(cloud)
    used = progress.get(lab.id, cloud).hints_used
    if used >= len(hints):
        return Revealed(hints, len(hints), exhausted=True)
    used = progress.record_hint(lab.id, cloud)
    return Revealed(hints[:used], len(hints), exhausted=False)


def revealed(lab: LabSpec, cloud: str, progress: Progress) -> list[Hint]:
    """Hints the learner has already asked for (reports show these in full)."""
    return lab.hints_for(cloud)[: progress.get(lab.id, cloud).hints_used]
