"""Restore a lab's starter files without git.

Each lab keeps pristine copies of its starter files in `labs/NN-name/.starter/<cloud>/`, beside the
`<cloud>/` folder the learner edits. `iamlab reset` copies the submission files named in lab.yaml back
from there. Tests grade the pristine copies, so "the untouched starter does not pass" holds even while
a learner's working copy is edited.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from checker.core.errors import InputError, Where
from checker.grading.progress import write_atomically
from checker.grading.spec import LabSpec

STARTER_DIR = ".starter"


def starter_folder(lab: LabSpec, cloud: str) -> Path:
    return lab.folder / STARTER_DIR / cloud


def restore(lab: LabSpec, cloud: str) -> list[str]:
    """Copy every starter file back; returns the files that changed (unchanged ones are left alone)."""
    spec = lab.cloud(cloud)
    source = starter_folder(lab, spec.cloud)
    target = lab.folder / spec.cloud
    missing = [name for name in spec.submission_paths if not (source / name).is_file()]
    if missing:
        raise InputError(
            f"this lab has no pristine copy of {', '.join(missing)}",
            Where(str(source)),
            "the lab's author must keep the starter files in .starter/<cloud>/ (see docs/lab-format.md)",
        )
    changed: list[str] = []
    for name in spec.submission_paths:
        original = (source / name).read_text(encoding="utf-8")
        destination = target / name  # a link here is replaced by the file itself, never followed
        current = _read(destination)
        if current == original:
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(destination, original)
        shutil.copymode(source / name, destination)
        changed.append(name)
    return changed


def _read(path: Path) -> str | None:
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
