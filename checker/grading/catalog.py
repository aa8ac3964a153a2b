"""Where the course lives: the repository root, its labs, and finding a lab by id or number."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from checker.core.errors import InputError, Where
from checker.grading.spec import LAB_ID, LabSpec, load_lab

ROOT_ENV = "IAMLAB_ROOT"


@dataclass(frozen=True)
class Course:
    root: Path

    @property
    def labs_dir(self) -> Path:
        return self.root / "labs"

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def progress_file(self) -> Path:
        return self.root / ".iamlab-progress.json"

    @property
    def interviews_dir(self) -> Path:
        return self.root / "interviews"

    def lab_folders(self) -> list[Path]:
        return _scenario_folders(self.labs_dir)

    def interview_folders(self) -> list[Path]:
        """Interview scenarios: folders in the lab format under interviews/ (docs/interviews.md)."""
        return _scenario_folders(self.interviews_dir)

    def find(self, name: str) -> Path:
        """A lab folder from its full id ('01-training-job'), its number ('01' or '1'), its name without
        the number ('training-job') or a path."""
        return _find(name, self.labs_dir, "lab")

    def find_interview(self, name: str) -> Path:
        """An interview folder from its full id ('01-inference-api'), its number, its name without the number
        ('inference-api') or a path."""
        return _find(name, self.interviews_dir, "interview")

    def each_lab(self) -> list[tuple[Path, LabSpec | InputError]]:
        """Every lab folder with its parsed lab.yaml, or the error that names what is wrong in it;
        one broken lab must not hide the others from `list` and `progress`."""
        found: list[tuple[Path, LabSpec | InputError]] = []
        for folder in self.lab_folders():
            try:
                found.append((folder, load_lab(folder)))
            except InputError as exc:
                found.append((folder, exc))
        return found

    def next_step(self, lab: LabSpec) -> str:
        """What a learner who just passed `lab` does next: the following lab, or the overview."""
        later = [folder for folder in self.lab_folders() if folder.name > lab.id]
        if later:
            return f"next: `iamlab check {later[0].name[:2]}` ({later[0].name}), or `iamlab list` for every lab"
        return "that was the last lab; `iamlab list` shows where you stand on every lab and cloud"

    def load(self, name: str) -> LabSpec:
        return load_lab(self.find(name))

    def solution_folder(self, lab: LabSpec, cloud: str) -> Path:
        return self.solutions_dir / lab.id / cloud


def _scenario_folders(base: Path) -> list[Path]:
    if not base.is_dir():
        return []
    return sorted(path for path in base.iterdir() if LAB_ID.match(path.name) and (path / "lab.yaml").is_file())


def _find(name: str, base: Path, what: str) -> Path:
    candidate = Path(name)
    if (candidate / "lab.yaml").is_file():
        return candidate
    folders = _scenario_folders(base)
    wanted = name.zfill(2) if name.isdigit() else None
    for folder in folders:
        if folder.name == name or (wanted is not None and folder.name[:2] == wanted) or folder.name[3:] == name:
            return folder
    known = ", ".join(folder.name for folder in folders) or "none found"
    raise InputError(f"no {what} called {name!r} in {base}", hint=f"{what}s: {known}")


def find_course(start: Path | None = None, explicit: str | None = None) -> Course:
    """The course root: --root, then $IAMLAB_ROOT, then the nearest folder upwards holding `labs/`."""
    chosen = explicit or os.environ.get(ROOT_ENV)
    if chosen:
        root = Path(chosen)
        if not (root / "labs").is_dir():
            raise InputError("this folder has no labs/ folder, so it is not a course repository", Where(chosen))
        return Course(root)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "labs").is_dir():
            return Course(folder)
    raise InputError(
        "not inside a course repository (no labs/ folder here or above)",
        hint="run iamlab from your course checkout, or pass --root",
    )
