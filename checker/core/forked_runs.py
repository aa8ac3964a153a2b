"""One large `simulate --batch` decided on every usable core, its answers written as one process writes them.

A batch's cases are independent, and one process decides them on one core (about 150 µs of Python per AWS
case). A large batch is read a chunk at a time (memory stays bounded whatever its size) and each chunk is
cut into contiguous runs of lines: this process decides the first run itself and forks one worker per other
run, after the engine is imported and the batch's scope entered (a forked worker inherits both, so it decides
inside the same `batch_scope` and loads nothing again). Each worker writes its answers to a file of its own,
in memory where Linux offers one (`_answers_file`; no pipe can fill up and block it), and says through its
exit status whether every line was decided. The answers are then written in input order; line numbers in
error texts stay the input's own, since each run knows where it starts.

A worker that ends any other way (killed, or an error that is not a line's) is not trusted with any line of
its run: each non-blank line of that run gets an error line naming the worker's end, the run's lines are
named on stderr, and the exit status is 2. No line is lost silently.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TextIO

from checker.core.errors import InputError

# Decides `lines` (the first of them being line number `first` of the input) into `out`: the exit status,
# 0 when every line was decided, 2 otherwise.
DecideRun = Callable[[Iterable[str | bytes], int, TextIO], int]
# Writes the answer line of one line that was not decided (its number and why not) into `out`.
LostLine = Callable[[str | bytes, int, str, TextIO], None]

# The fewest lines worth a process of their own. Each worker warms its own caches (ARN and action patterns,
# parsed statements), so a split costs CPU; measured on 2 idle cores with the AWS cases of bench/bench_batch.py
# (`iamlab simulate aws --batch FILE --jobs 1` against `--jobs 2`, median of 7): 250 lines 0.16 -> 0.13 s wall
# for 0.15 -> 0.18 s CPU; 500 lines 0.22 -> 0.16 s wall for 0.22 -> 0.23 s CPU; 1,000 lines 0.33 -> 0.24 s wall
# for 0.32 -> 0.38 s CPU. From 500 lines the wall time saved clearly outweighs the CPU added.
LINES_PER_WORKER = 250
# A worker's exit status when something other than a line failed (it said what on stderr).
_WORKER_FAILED = 70


def usable_cpus() -> int:
    """The cores this process may run on (its affinity mask, as `taskset` or a container sets it)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else 1


def can_fork() -> bool:
    """Workers are forked copies of this process: Linux only (fork without exec is unsafe on macOS)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def worker_count(requested: int | None, lines: int) -> int:
    """How many processes decide `lines` lines: `requested` (None: automatic), never more than one per
    line; automatic takes every usable core once each gets LINES_PER_WORKER lines."""
    if not can_fork():
        return 1
    if requested is None:
        return max(1, min(usable_cpus(), lines // LINES_PER_WORKER))
    if requested < 1:
        raise InputError("--jobs must be 1 or more")
    return max(1, min(requested, lines))


def decide_batch(lines: Iterable[str | bytes], jobs: int | None, decide: DecideRun, lost: LostLine,
                 out: TextIO, source: str) -> int:
    """Decide every line, in `jobs` processes (None: automatic); the exit status of the whole batch.

    The input is read a chunk at a time (`CHUNK_LINES` lines or `CHUNK_SIZE` characters, whichever comes
    first), each chunk split over the workers and answered before the next is read: a batch of any size is
    held in memory a chunk at most."""
    if jobs == 1 or not can_fork():
        return decide(lines, 1, out)  # streamed: no line is kept once answered
    pending = iter(lines)
    status, first = 0, 1
    while chunk := _chunk(pending):
        runs = _runs(len(chunk), worker_count(jobs, len(chunk)))
        if len(runs) == 1:
            code = decide(chunk, first, out)
        else:
            code = _decide_forked(chunk, first, runs, decide, lost, out, source)
        status = max(status, code)
        first += len(chunk)
        del chunk  # before the next one is read: one chunk in memory at a time
    return status


# The most of a batch held at once. 100,000 AWS cases of bench/bench_batch.py are about 180 MB of text: read
# whole, `simulate` peaked at 229 MB; in 64 MiB chunks at 112 MB, 1% slower (6.57 s against 6.49 s, 2 cores).
CHUNK_LINES = 100_000
CHUNK_SIZE = 64 << 20


def _chunk(pending: Iterator[str | bytes]) -> list[str | bytes]:
    chunk: list[str | bytes] = []
    size = 0
    for line in pending:
        chunk.append(line)
        size += len(line)
        if len(chunk) >= CHUNK_LINES or size >= CHUNK_SIZE:
            break
    return chunk


def _runs(count: int, parts: int) -> list[range]:
    """`count` line indexes cut into `parts` contiguous runs whose sizes differ by one at most."""
    size, extra = divmod(count, parts)
    runs, start = [], 0
    for part in range(parts):
        end = start + size + (part < extra)
        runs.append(range(start, end))
        start = end
    return runs


class _Worker:
    """A forked worker: its pid, the indexes of its lines, the file it writes its answers to (`_answers_file`), and
    its exit status once it ended (negative: the signal that ended it). (A plain class: a dataclass costs
    every `simulate` run a millisecond or two to create.)"""

    __slots__ = ("answers", "pid", "run", "status")

    def __init__(self, pid: int, run: range, answers: IO[bytes]) -> None:
        self.pid, self.run, self.answers = pid, run, answers
        self.status: int | None = None


def _decide_forked(lines: Sequence[str | bytes], first: int, runs: list[range], decide: DecideRun, lost: LostLine,
                   out: TextIO, source: str) -> int:
    """Decide `lines` (the first being line number `first` of the input) in one process per run."""
    out.flush()  # nothing written so far may be written again by a worker
    sys.stderr.flush()
    workers: list[_Worker] = []
    try:
        try:
            for run in runs[1:]:
                workers.append(_fork(lines, first, run, decide))
        except OSError:  # no answers file or no process to be had: the batch is decided here alone
            _end(workers)
            return decide(lines, first, out)
        all_decided = decide(lines[runs[0].start:runs[0].stop], first + runs[0].start, out) == 0
        for worker in workers:
            all_decided &= _hand_over(worker, lines, first, lost, out, source)
    finally:
        _end(workers)
    out.flush()
    return 0 if all_decided else 2


def _answers_file() -> IO[bytes]:
    """Where a worker writes its answers: an anonymous file in memory (Linux's memfd: nothing to import, name
    or remove; it holds a run's answers, less than the chunk of input they answer, and is gone with its last
    descriptor), else a temporary file. (Importing `tempfile` cost a batch's start-up 3.5 ms.)"""
    create = getattr(os, "memfd_create", None)
    if create is not None:
        try:
            return open(create("iamlab-answers", os.MFD_CLOEXEC), "w+b")  # noqa: SIM115 - closed by _end
        except OSError:
            pass  # (a sandbox may refuse memfd_create)
    import tempfile

    return tempfile.TemporaryFile()  # noqa: SIM115 - closed by _end once the worker is handed over


def _fork(lines: Sequence[str | bytes], first: int, run: range, decide: DecideRun) -> _Worker:
    answers = _answers_file()
    try:
        pid = os.fork()
    except OSError:
        answers.close()
        raise
    if pid:
        return _Worker(pid, run, answers)
    code = _WORKER_FAILED  # the child: it never returns from here
    try:
        with io.TextIOWrapper(answers, encoding="utf-8", newline="", write_through=False) as text:
            code = decide(lines[run.start:run.stop], first + run.start, text)
            text.flush()
    except KeyboardInterrupt:
        import signal  # (here: a batch decided without interruption does not pay for importing it)

        code = 128 + signal.SIGINT
    except BaseException as exc:  # noqa: BLE001 - not a line's own error: said, and the run is lost
        print(f"error: the worker deciding lines {first + run.start}-{first + run.stop - 1} failed: "
              f"{type(exc).__name__}: {exc}",
              file=sys.stderr)
        code = _WORKER_FAILED
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)  # no clean-up of the parent's state (its open files, atexit handlers) in a copy


def _hand_over(worker: _Worker, lines: Sequence[str | bytes], first: int, lost: LostLine, out: TextIO,
               source: str) -> bool:
    """Write a worker's answers once it ended; whether it decided every line of its run."""
    _, status = os.waitpid(worker.pid, 0)
    worker.status = os.waitstatus_to_exitcode(status)
    if worker.status in (0, 2):
        worker.answers.seek(0)
        with io.TextIOWrapper(worker.answers, encoding="utf-8", newline="") as text:
            while block := text.read(1 << 20):
                out.write(block)
        return worker.status == 0
    start, last = first + worker.run.start, first + worker.run.stop - 1
    why = f"the worker process deciding lines {start}-{last} {_ending(worker.status)}"
    print(f"error: lines {start}-{last} of {source} were not decided: {why}; each has an error line",
          file=sys.stderr)
    for index in worker.run:
        lost(lines[index], first + index, why, out)
    return False


def _ending(status: int) -> str:
    import signal

    if status == _WORKER_FAILED:
        return "failed (what failed is said on stderr)"
    if status >= 0:
        return f"ended with exit status {status} before it finished"
    try:
        return f"was killed by signal {-status} ({signal.Signals(-status).name}) before it finished"
    except ValueError:
        return f"was killed by signal {-status} before it finished"


def _end(workers: list[_Worker]) -> None:
    """Stop and reap every worker not handed over (this process is failing or was interrupted)."""
    import signal

    for worker in workers:
        if worker.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
            worker.status = os.waitstatus_to_exitcode(os.waitpid(worker.pid, 0)[1])
        worker.answers.close()

