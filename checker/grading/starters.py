"""Restore a lab's starter files without git.

Each lab keeps pristine copies of its starter files in `labs/NN-name/.starter/<cloud>/`, beside the
`<cloud>/` folder the learner edits. `iamlab reset` copies the submission files named in lab.yaml and
every file of the starter folder (a folder of rules such as `guardrails/` included) back from there.
What would stop the restored files from being graded as the starter is removed: the other alternatives
of a choice the starter made (roles.yaml when the starter holds roles.tf), and files the learner added
inside a folder of the starter (a learner's extra guardrails/*.rego would still be run). Tests grade the pristine copies, so "the untouched starter does not pass" holds even while
a learner's working copy is edited.

Reset never loses work: each edited file is first copied to `.iamlab-backups/<lab>/<cloud>/<time>/` in
the course root (ignored by git), and the command asks before overwriting (`--yes` skips the question).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from checker.core.errors import InputError, Where
from checker.grading.progress import write_atomically
from checker.grading.spec import LabSpec

STARTER_DIR = ".starter"
BACKUP_DIR = ".iamlab-backups"


def starter_folder(lab: LabSpec, cloud: str) -> Path:
    return lab.folder / STARTER_DIR / cloud


def pending(lab: LabSpec, cloud: str) -> list[str]:
    """The submission files that differ from the starter (edited, deleted or replaced by a link)."""
    spec = lab.cloud(cloud)
    source = starter_folder(lab, spec.cloud)
    target = lab.folder / spec.cloud
    # Of a choice (roles.tf or roles.yaml) the starter holds one; the others are not restored.
    optional = {path for alternatives in spec.choices.values() for path in alternatives}
    names = [name for name in spec.submission_paths if name not in optional or (source / name).is_file()]
    missing = [name for name in names if not (source / name).is_file()]
    missing += [" or ".join(alternatives) for alternatives in spec.choices.values()
                if not any((source / path).is_file() for path in alternatives)]
    if missing:
        raise InputError(
            f"this lab has no pristine copy of {', '.join(missing)}",
            Where(str(source)),
            "the lab's author must keep the starter files in .starter/<cloud>/ (see docs/lab-format.md)",
        )
    names += [name for name in _files_under(source) if name not in names]
    changed = [name for name in names if _read(target / name) != (source / name).read_text(encoding="utf-8")]
    return changed + _stale(source, target, [path for choice in spec.choices.values() for path in choice])


def _files_under(folder: Path) -> list[str]:
    """Every regular file below `folder`, as a relative POSIX path, sorted."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


def _stale(source: Path, target: Path, alternatives: list[str]) -> list[str]:
    """The learner's files the starter does not hold that would change what is graded: a choice's other
    alternatives, and files (or links) inside a folder the starter has."""
    found = [name for name in alternatives if not (source / name).is_file() and _exists(target / name)]
    for folder in sorted({path.parent for path in source.rglob("*") if path.is_file()} - {source}):
        mine = target / folder.relative_to(source)
        if mine.is_dir() and not mine.is_symlink():
            found += [
                path.relative_to(target).as_posix() for path in sorted(mine.rglob("*"))
                if (path.is_file() or path.is_symlink()) and not (source / path.relative_to(target)).is_file()
            ]
    return found


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def edited(lab: LabSpec, cloud: str, names: list[str]) -> list[str]:
    """Of `names`, the files the learner has (a deleted file has nothing to lose)."""
    target = lab.folder / lab.cloud(cloud).cloud
    return [name for name in names if (target / name).is_file() and not (target / name).is_symlink()]


def backup(lab: LabSpec, cloud: str, names: list[str], backups: Path, now: datetime | None = None) -> Path | None:
    """Copy the learner's current `names` to `backups/<lab>/<cloud>/<UTC time>/`; returns that folder."""
    keep = edited(lab, cloud, names)
    if not keep:
        return None
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = backups / lab.id / lab.cloud(cloud).cloud / stamp
    source = lab.folder / lab.cloud(cloud).cloud
    for name in keep:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, folder / name)
    return folder


def restore(lab: LabSpec, cloud: str) -> list[str]:
    """Copy every starter file back and remove what `_stale` names; returns the files that changed
    (unchanged ones are left alone)."""
    spec = lab.cloud(cloud)
    source = starter_folder(lab, spec.cloud)
    target = lab.folder / spec.cloud
    changed = pending(lab, cloud)
    for name in changed:
        destination = target / name  # a link here is replaced by the file itself, never followed
        if not (source / name).is_file():
            destination.unlink()  # stale: the CLI backed it up first, like every edited file
            continue
        _unlink_linked_folders(target, destination.parent)
        destination.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(destination, (source / name).read_text(encoding="utf-8"))
        shutil.copymode(source / name, destination)
    return changed


def _unlink_linked_folders(target: Path, folder: Path) -> None:
    """A folder of the submission replaced by a link (guardrails/ -> elsewhere) is removed, never written
    through: the restored files land in the submission itself."""
    for parent in [folder, *folder.parents]:
        if parent == target or target not in parent.parents:
            return
        if parent.is_symlink():
            parent.unlink()
            return


def _read(path: Path) -> str | None:
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
