"""Grade a whole class: one folder per learner, each graded in turn, a broken one never stops the run.

Only policy and answer files are read (through the same loaders as `iamlab check`); nothing a learner
wrote is ever executed. A learner folder holds the lab's submission files directly, or in a `<cloud>/`
sub-folder (the layout of a copy of the course repository's lab folder).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from checker.core.errors import InputError, Where
from checker.grading.result import LabResult
from checker.grading.runner import grade
from checker.grading.spec import LabSpec


@dataclass(frozen=True)
class LearnerResult:
    learner: str
    result: LabResult | None
    error: str | None  # why the learner could not be graded (file, line, column and what is wrong)

    @property
    def score(self) -> int:
        return self.result.score if self.result else 0

    @property
    def passed(self) -> bool:
        return self.result.passed if self.result else False


@dataclass(frozen=True)
class CheckSummary:
    id: str
    kind: str
    max_points: int
    passed: int
    failed: int
    not_graded: int  # learners whose files could not be read


@dataclass(frozen=True)
class ClassReport:
    lab: LabSpec
    cloud: str
    max_score: int
    pass_mark: int
    learners: tuple[LearnerResult, ...]

    def check_summaries(self) -> list[CheckSummary]:
        """Per check, how many learners pass and fail it; the most-failed first."""
        summaries = []
        for check in self.lab.cloud(self.cloud).checks:
            passed = failed = not_graded = 0
            for learner in self.learners:
                if learner.result is None:
                    not_graded += 1
                    continue
                outcome = next(item for item in learner.result.checks if item.id == check.id)
                passed, failed = (passed + 1, failed) if outcome.passed else (passed, failed + 1)
            summaries.append(CheckSummary(check.id, check.kind, check.points, passed, failed, not_graded))
        return sorted(summaries, key=lambda summary: (-(summary.failed + summary.not_graded), summary.id))


def learner_folders(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError("submissions folder not found", Where(str(folder)))
    return sorted(path for path in folder.iterdir() if path.is_dir() and not path.name.startswith("."))


def grade_learner(lab: LabSpec, cloud: str, folder: Path) -> LearnerResult:
    nested = folder / cloud
    submission = nested if nested.is_dir() else folder
    try:
        return LearnerResult(folder.name, grade(lab, cloud, submission), None)
    except InputError as exc:
        return LearnerResult(folder.name, None, str(exc))
    except RecursionError:
        return LearnerResult(folder.name, None, "a file is nested too deeply to grade")
    except Exception as exc:  # noqa: BLE001 - one learner must never stop the class; the report shows it
        return LearnerResult(folder.name, None, f"internal error while grading ({type(exc).__name__}: {exc})")


def grade_class(
    lab: LabSpec,
    cloud: str | None,
    folder: Path,
    on_learner: Callable[[LearnerResult], None] | None = None,
    jobs: int = 1,
) -> ClassReport:
    """Grade every learner folder; with jobs > 1, in that many worker processes (proofs are CPU-bound)."""
    spec = lab.cloud(cloud)
    folders = learner_folders(folder)
    learners: list[LearnerResult] = []
    if jobs <= 1 or len(folders) <= 1:
        for learner_folder in folders:
            learners.append(grade_learner(lab, spec.cloud, learner_folder))
            if on_learner is not None:
                on_learner(learners[-1])
    else:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(grade_learner, lab, spec.cloud, learner_folder) for learner_folder in folders]
            for future in as_completed(futures):
                learners.append(future.result())
                if on_learner is not None:
                    on_learner(learners[-1])
        learners.sort(key=lambda learner: learner.learner)
    return ClassReport(lab, spec.cloud, spec.max_score, spec.pass_mark, tuple(learners))
