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


def last_checked_cloud(lab: LabSpec, progress: Progress) -> str | None:
    """The cloud of the learner's most recent `iamlab check` of this lab (hints follow it), if any."""
    checked = [(entry.last_checked, cloud) for cloud, entry in progress.labs.get(lab.id, {}).items()
               if entry.last_checked and cloud in lab.clouds]
    return max(checked)[1] if checked else None


def hint_command(lab: LabSpec, cloud: str) -> str:
    """The command that reveals the next hint for this cloud (named whenever the lab has several)."""
    return f"iamlab hint {lab.number}" + (f" --cloud {cloud}" if len(lab.clouds) > 1 else "")
