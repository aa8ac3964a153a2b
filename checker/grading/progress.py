"""Local progress in `.iamlab-progress.json` at the course root: best scores, attempts, hints used.

The file is small and rewritten whole, atomically (a temp file in the same folder, then os.replace), so an
interrupted write never leaves half a file. A file we cannot read is reported, never silently reset.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import load_document
from checker.grading.result import LabResult

VERSION = 1


@dataclass
class CloudProgress:
    best_score: int = 0
    max_score: int = 0
    passed: bool = False
    attempts: int = 0
    hints_used: int = 0
    last_score: int | None = None
    last_checked: str | None = None
    revealed: bool = False  # interviews: the model answer was shown (after a pass or on --reveal)
    seconds_used: int | None = None  # interviews: time taken by the last timed attempt
    # With an instructor's hidden checks (--checks) the score is another lab's: kept apart from the above.
    hidden_best_score: int | None = None
    hidden_max_score: int | None = None
    hidden_passed: bool | None = None


Table = dict[str, dict[str, CloudProgress]]


class Progress:
    """Progress per lab (and per interview scenario) and cloud. Load, change, then `save()`."""

    def __init__(self, path: Path, labs: Table | None = None, interviews: Table | None = None) -> None:
        self.path = path
        self.labs: Table = labs or {}
        self.interviews: Table = interviews or {}  # kept apart: an interview may share a lab's id

    @classmethod
    def load(cls, path: Path) -> Progress:
        if not path.exists():
            return cls(path)
        document = load_document(path)
        data = document.data
        broken = InputError(
            "the progress file is not in the shape iamlab writes",
            Where(str(path)),
            "delete the file to start your progress afresh (your policy files are not affected)",
        )
        if not isinstance(data, dict) or not isinstance(data.get("labs"), dict):
            raise broken
        if not isinstance(data.get("interviews", {}), dict):
            raise broken
        try:
            labs = _table(data["labs"])
            interviews = _table(data.get("interviews", {}))
        except (TypeError, AttributeError, ValueError):
            raise broken from None
        return cls(path, labs, interviews)

    def _section(self, interview: bool) -> Table:
        return self.interviews if interview else self.labs

    def get(self, lab: str, cloud: str, *, interview: bool = False) -> CloudProgress:
        return self._section(interview).get(lab, {}).get(cloud, CloudProgress())

    def _entry(self, lab: str, cloud: str, interview: bool = False) -> CloudProgress:
        return self._section(interview).setdefault(lab, {}).setdefault(cloud, CloudProgress())

    def record_reveal(self, lab: str, cloud: str) -> None:
        """An interview's model answer was shown: recorded so the pass that follows is not taken at face value."""
        self._entry(lab, cloud, interview=True).revealed = True

    def record_result(self, result: LabResult, *, interview: bool = False, seconds: int | None = None) -> CloudProgress:
        entry = self._entry(result.lab, result.cloud, interview)
        if seconds is not None:
            entry.seconds_used = seconds
        entry.attempts += 1
        if result.hidden_checks:
            entry.hidden_best_score = max(entry.hidden_best_score or 0, result.score)
            entry.hidden_max_score = result.max_score
            entry.hidden_passed = bool(entry.hidden_passed) or result.passed
            entry.last_checked = datetime.now(UTC).isoformat(timespec="seconds")
            return entry
        entry.max_score = result.max_score
        entry.best_score = max(entry.best_score, result.score)
        entry.passed = entry.passed or result.passed
        entry.last_score = result.score
        entry.last_checked = datetime.now(UTC).isoformat(timespec="seconds")
        return entry

    def record_hint(self, lab: str, cloud: str) -> int:
        entry = self._entry(lab, cloud)
        entry.hints_used += 1
        return entry.hints_used

    def reset_hints(self, lab: str, cloud: str) -> None:
        if lab in self.labs and cloud in self.labs[lab]:
            self.labs[lab][cloud].hints_used = 0

    def to_json(self) -> dict[str, Any]:
        def dump(table: Table) -> dict[str, Any]:
            return {lab: {cloud: asdict(entry) for cloud, entry in clouds.items()} for lab, clouds in table.items()}

        return {"version": VERSION, "labs": dump(self.labs), "interviews": dump(self.interviews)}

    def save(self) -> None:
        write_atomically(self.path, json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n")


def _table(data: Any) -> Table:
    return {lab_id: {cloud: _entry(values) for cloud, values in clouds.items()} for lab_id, clouds in data.items()}


def _entry(values: Any) -> CloudProgress:
    if not isinstance(values, dict):
        raise TypeError("entry is not a mapping")
    known = {key: values[key] for key in CloudProgress.__dataclass_fields__ if key in values}
    entry = CloudProgress(**known)
    for name in ("best_score", "max_score", "attempts", "hints_used"):
        value = getattr(entry, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(name)
    if not isinstance(entry.revealed, bool) or not (entry.seconds_used is None or isinstance(entry.seconds_used, int)):
        raise ValueError("revealed")
    return entry


def write_atomically(path: Path, text: str) -> None:
    """Write a whole file so that readers see the old or the new content, never a mix.

    The file gets the permissions a plain write would give it (an existing file's mode, else 0666 less the
    umask), not the 0600 of the temporary file: a report is for the instructor's colleagues and web server.
    """
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temp, _mode_for(path))
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
        os.umask(mask)
        return 0o666 & ~mask
