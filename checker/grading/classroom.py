"""Grade a whole class: one folder per learner, each graded in turn, a broken one never stops the run.

Only policy and answer files are read (through the same loaders as `iamlab check`); nothing a learner
wrote is ever executed. A learner folder holds the lab's submission files directly, or in a `<cloud>/`
sub-folder (the layout of a copy of the course repository's lab folder).
"""

from __future__ import annotations

import errno
import gc
import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from checker.core.errors import InputError, Where
from checker.grading.progress import Progress
from checker.grading.result import LabResult
from checker.grading.runner import grade
from checker.grading.spec import LabSpec

LEARNER_TIME_LIMIT = 300.0  # seconds per learner; a lab's proofs and live run take a few seconds
PROGRESS_FILE = ".iamlab-progress.json"


@dataclass(frozen=True)
class LearnerResult:
    learner: str
    result: LabResult | None
    error: str | None  # why the learner could not be graded (file, line, column and what is wrong)
    attempts: int | None = None  # from a `.iamlab-progress.json` the learner handed in; None: not known
    hints_used: int | None = None

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
    hidden: bool = False  # an instructor's hidden check (grading/hidden.py): reports show it apart

    @property
    def shown_kind(self) -> str:
        """The kind a report shows: a hidden check's kind would tell what it looks at, so only "hidden"."""
        return "hidden" if self.hidden else self.kind


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
            summaries.append(CheckSummary(check.id, check.kind, check.points, passed, failed, not_graded, check.hidden))
        return sorted(summaries, key=lambda summary: (-(summary.failed + summary.not_graded), summary.id))


def learner_folders(folder: Path) -> list[Path]:
    """Every learner entry: folders, and links of any kind (a broken one is reported, never dropped).

    Plain files (notes, a roster) and hidden entries (.git) are not learners.
    """
    if not folder.is_dir():
        raise InputError("submissions folder not found", Where(str(folder)))
    return sorted(
        path
        for path in folder.iterdir()
        if not path.name.startswith(".") and (path.is_symlink() or path.is_dir())
    )


def unreadable_folder(folder: Path) -> str | None:
    """Why this learner entry cannot be graded (a link loop, a dangling link, ...), or None."""
    try:
        resolved = folder.resolve(strict=True)
    except RuntimeError:
        return f"{folder.name} is a symbolic link loop, so there is no folder to grade"
    except FileNotFoundError:
        return f"{folder.name} is a symbolic link to {_link_target(folder)}, which does not exist"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"{folder.name} is a symbolic link loop, so there is no folder to grade"
        return f"{folder.name} cannot be opened: {exc.strerror}"
    if not resolved.is_dir():
        return f"{folder.name} is a link to {_link_target(folder)}, a file, not a folder"
    return None


def _link_target(path: Path) -> str:
    try:
        return repr(str(path.readlink()))
    except OSError:
        return "an unreadable target"


class LearnerTimeout(BaseException):
    """The learner's grading took longer than its time limit (a BaseException: no check may swallow it)."""


def grade_learner(lab: LabSpec, cloud: str, folder: Path, time_limit: float | None = None) -> LearnerResult:
    problem = unreadable_folder(folder)
    if problem is not None:
        return LearnerResult(folder.name, None, problem)
    nested = folder / cloud
    submission = nested if nested.is_dir() else folder
    attempts, hints = known_progress(folder, lab.id, cloud)
    try:
        with _time_limit(time_limit):
            return LearnerResult(folder.name, grade(lab, cloud, submission), None, attempts, hints)
    except LearnerTimeout:
        return LearnerResult(
            folder.name,
            None,
            f"timed out: grading took longer than the {time_limit:g} s limit per learner",
            attempts,
            hints,
        )
    except InputError as exc:
        return LearnerResult(folder.name, None, str(exc), attempts, hints)
    except RecursionError:
        return LearnerResult(folder.name, None, "a file is nested too deeply to grade", attempts, hints)
    except Exception as exc:  # noqa: BLE001 - one learner must never stop the class; the report shows it
        error = f"internal error while grading ({type(exc).__name__}: {exc})"
        return LearnerResult(folder.name, None, error, attempts, hints)


def known_progress(folder: Path, lab_id: str, cloud: str) -> tuple[int | None, int | None]:
    """(attempts, hints used) from the learner's own `.iamlab-progress.json`, when they handed one in.

    The file is the learner's: it is read as data through the same loader as their policies, and a
    missing, damaged or linked file simply leaves both unknown.
    """
    path = folder / PROGRESS_FILE
    if path.is_symlink() or not path.is_file():
        return None, None
    try:
        progress = Progress.load(path)
    except (InputError, OSError, RecursionError):
        return None, None
    if lab_id not in progress.labs or cloud not in progress.labs[lab_id]:
        return None, None
    entry = progress.get(lab_id, cloud)
    return entry.attempts, entry.hints_used


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise LearnerTimeout in this thread after `seconds` (a real-time alarm; main thread on POSIX only).

    The alarm interrupts Python code and blocking reads alike; the prover's own solver budget bounds
    the time spent inside z3, which the alarm cannot interrupt until the call returns.
    """
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    assert seconds is not None

    def expire(_signum: int, _frame: object) -> None:
        raise LearnerTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def grade_class(
    lab: LabSpec,
    cloud: str | None,
    folder: Path,
    on_learner: Callable[[LearnerResult], None] | None = None,
    jobs: int = 1,
    time_limit: float | None = LEARNER_TIME_LIMIT,
) -> ClassReport:
    """Grade every learner folder; with jobs > 1, in that many worker processes (proofs are CPU-bound).

    Each learner gets `time_limit` seconds; one that takes longer is reported as timed out.
    Learners are graded here until one is graded (which loads the emulator, the solver and the catalogs
    once); the rest follow here or in worker processes forked from this warm process.
    """
    spec = lab.cloud(cloud)
    folders = learner_folders(folder)
    learners: list[LearnerResult] = []

    def graded(result: LearnerResult) -> None:
        learners.append(result)
        if on_learner is not None:
            on_learner(result)

    heap = _Heap()
    try:
        rest = list(folders)
        while rest and (jobs <= 1 or not any(learner.result is not None for learner in learners)):
            graded(grade_learner(lab, spec.cloud, rest.pop(0), time_limit))
            heap.settle()
        if rest:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            # The lab goes to each worker once (inherited through fork), not pickled with every learner.
            with ProcessPoolExecutor(
                max_workers=jobs, mp_context=context, initializer=_adopt, initargs=(lab, spec.cloud, time_limit)
            ) as pool:
                futures = [pool.submit(_grade_adopted, learner_folder) for learner_folder in rest]
                for future in as_completed(futures):
                    graded(future.result())
    finally:
        heap.release()
    learners.sort(key=lambda learner: learner.learner)
    return ClassReport(lab, spec.cloud, spec.max_score, spec.pass_mark, tuple(learners))


# What a worker process grades with: the lab, the cloud and the time limit (set once as it starts).
_adopted: tuple[LabSpec, str, float | None] | None = None


def _adopt(lab: LabSpec, cloud: str, time_limit: float | None) -> None:
    global _adopted
    _adopted = (lab, cloud, time_limit)


def _grade_adopted(folder: Path) -> LearnerResult:
    assert _adopted is not None, "a grading worker starts with _adopt"
    lab, cloud, time_limit = _adopted
    return grade_learner(lab, cloud, folder, time_limit)


YOUNG_THRESHOLD = 20_000  # allocations between young collections while a class is graded (Python's default: 700)


class _Heap:
    """What the first learner loaded (modules, catalogs, the emulator: hundreds of thousands of objects)
    lives for the whole run, yet every full garbage collection would walk it again (about a second per
    hundred learners). `settle` collects once and freezes it out of later collections; forked workers
    inherit the frozen heap and leave its pages unwritten. Garbage made later is collected as usual, its
    young generation less often (a live run and a proof allocate many short-lived objects: the collector
    ran about 8 times per learner for 5% of the class's CPU; with the threshold of `simulate --batch`, under half
    of that). Both are handed back when the class is done."""

    def __init__(self) -> None:
        self.settled = False
        self.frozen = False  # frozen by us (a freeze someone else made is never undone here)
        self.thresholds: tuple[int, int, int] | None = None  # the collector's thresholds before settle

    def settle(self) -> None:
        if not self.settled and gc.isenabled():
            gc.collect()
            self.frozen = gc.get_freeze_count() == 0
            gc.freeze()
            self.thresholds = gc.get_threshold()
            gc.set_threshold(max(self.thresholds[0], YOUNG_THRESHOLD), *self.thresholds[1:])
        self.settled = True

    def release(self) -> None:
        """Hand the objects back to the collector (`--watch` grades again and again in one process)."""
        if self.thresholds is not None:
            gc.set_threshold(*self.thresholds)
            self.thresholds = None
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
