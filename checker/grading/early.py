"""Start slow work early in a forked worker process and collect its answer later.

`iamlab check` is a cold process: the live check alone (importing boto3 and moto, starting the
emulator, running the workload) takes longer than all other checks together. Forked before those
checks run, the worker does it on the second core while this process proves and decides; the check
then collects the answer. The worker runs exactly the code the check would run in this process, so
results are the same; its answer comes back pickled, and any failure in it comes back as an error,
never as a hang (a deadline) or a traceback.

The sooner the worker is forked, the sooner it is done, so it can be forked before its work is known
(`Early.spare`): it first runs `prepare` (imports, and caches of data that never changes, such as
botocore's models), then the tasks it is sent, pickled: preparation for the lab at hand (`ready`), and
the work itself (`give`), whose answer `result()` returns. Preparation must never change what the work
computes, only how soon; its failures are ignored, so the work meets them again where the in-process
run would. `iamlab check` forks one spare worker as soon as it starts (`fork_spare`); the check that
needs it takes it (`take_spare`).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from checker.core.errors import InputError

DEADLINE_SECONDS = 180.0  # a live run takes seconds; this only catches a worker that is stuck
_PIPE_BYTES = 1 << 20  # a job pipe that holds a whole task: sending never waits for a busy worker


class WorkerFailed(Exception):
    """The worker crashed, stopped, or missed its deadline: a checker problem, not the learner's."""


def can_fork() -> bool:
    """True when a worker can be forked safely: on Linux, from a process with no other threads.

    Only fork is worth it (a spawned worker would import everything again, the very cost hidden
    here), and forking while another thread holds a lock can leave the child stuck on that lock.
    """
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def _serve(connection: Connection, work: Callable[[], Any]) -> None:
    # Everything inherited from the parent lives until this child exits: its collections need not walk it.
    gc.freeze()
    try:
        answer: tuple[str, Any] = ("ok", work())
    except InputError as exc:  # the lab's or learner's input: shown as the same error as in-process
        answer = ("input", exc)
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the parent as an answer
        answer = ("bug", f"{type(exc).__name__}: {exc}")
    try:
        try:
            connection.send(answer)
        except (OSError, EOFError):
            return  # the parent is gone or stopped listening: nobody needs the answer
        except Exception as exc:  # noqa: BLE001 - e.g. an answer that cannot be pickled
            connection.send(("bug", f"the answer could not be sent back ({type(exc).__name__}: {exc})"))
    except Exception:  # noqa: BLE001, S110 - the parent then reports a worker without an answer
        pass
    finally:
        connection.close()


def _serve_tasks(
    connection: Connection, tasks: Connection, parents_end: Connection, prepare: Callable[[], None]
) -> None:
    """A spare worker: `prepare()`, then each task sent ("ready" ones ignoring failures) until the work."""
    parents_end.close()  # else this child would hold the job pipe open itself and never see the parent go
    gc.freeze()
    with contextlib.suppress(BaseException):  # the work meets the same failure where it happens
        prepare()
    while True:
        try:
            kind, task = tasks.recv()
        except (EOFError, OSError):  # no work came: grading stopped before it (an error, or no live check)
            connection.close()
            return
        except BaseException as exc:  # noqa: BLE001 - a task that cannot be unpickled here: a checker bug
            _serve(connection, functools.partial(_raise, exc))
            return
        if kind == "work":
            _serve(connection, task)
            return
        with contextlib.suppress(BaseException):
            task()


def _raise(exc: BaseException) -> None:
    raise exc


class Early:
    """`work()` running in a forked child; `result()` waits for it (up to the deadline) and returns it."""

    def __init__(self, work: Callable[[], Any], deadline_seconds: float = DEADLINE_SECONDS) -> None:
        self._tasks: Connection | None = None
        self._start(_serve, (work,), deadline_seconds)

    @classmethod
    def spare(cls, prepare: Callable[[], None], deadline_seconds: float = DEADLINE_SECONDS) -> Early:
        """A child forked now that runs `prepare()`, then the tasks `ready` and `give` send it."""
        early = cls.__new__(cls)
        context = multiprocessing.get_context("fork")
        take, tasks = context.Pipe(duplex=False)
        with contextlib.suppress(Exception):  # Linux's F_SETPIPE_SZ; a smaller pipe only makes sends wait
            import fcntl

            fcntl.fcntl(tasks.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        try:
            early._tasks = tasks
            early._start(_serve_tasks, (take, tasks, prepare), deadline_seconds)
        except BaseException:
            tasks.close()
            raise
        finally:
            take.close()  # the child holds the receiving end of the job pipe
        return early

    def ready(self, task: Callable[[], None]) -> bool:
        """Send a spare worker a preparation (pickled); False when it cannot take it (it is then stopped)."""
        return self._send("ready", task)

    def give(self, work: Callable[[], Any]) -> bool:
        """Send a spare worker its work (pickled); False when it cannot take it (it is then stopped)."""
        sent = self._send("work", work)
        if self._tasks is not None:
            self._tasks.close()  # nothing follows the work
            self._tasks = None
        return sent

    def _send(self, kind: str, task: Callable[[], Any]) -> bool:
        if self._tasks is None:
            return False
        try:
            self._tasks.send((kind, task))
            return True
        except Exception:  # noqa: BLE001 - e.g. a value that cannot be pickled, or a worker already gone
            self.close()
            return False

    def _start(self, target: Callable[..., None], args: tuple[Any, ...], deadline_seconds: float) -> None:
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        # Buffered output would be written twice (by the child too) if it were not flushed first.
        sys.stdout.flush()
        sys.stderr.flush()
        self._process = context.Process(target=target, args=(send, *args), daemon=True, name="iamlab-early")
        try:
            self._process.start()
        except BaseException:
            receive.close()
            raise
        finally:
            send.close()  # the child holds the sending end; EOF here then means the child is gone
        self._connection = receive
        self._seconds = deadline_seconds
        self._deadline = time.monotonic() + deadline_seconds
        self._answer: tuple[str, Any] | None = None

    def result(self) -> Any:
        if self._answer is None:
            self._answer = self._receive()
            self.close()  # the worker has nothing left to do; its own exit would only cost time
        kind, value = self._answer
        if kind == "ok":
            return value
        if kind == "input":
            raise value
        raise WorkerFailed(str(value))

    def _receive(self) -> tuple[str, Any]:
        waited = max(0.0, self._deadline - time.monotonic())
        try:
            if not self._connection.poll(waited):
                return ("bug", f"the worker did not answer within {self._seconds:g} s and was stopped")
            answer: tuple[str, Any] = self._connection.recv()
            return answer
        except (EOFError, OSError):
            self._process.join(timeout=5)
            return ("bug", f"the worker stopped without an answer (exit code {self._process.exitcode})")

    def close(self) -> None:
        """Stop the worker if it still runs (its answer is not needed, or it missed the deadline)."""
        if self._tasks is not None:
            self._tasks.close()
            self._tasks = None
        self._connection.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join(timeout=5)


# The one spare worker `iamlab check` forks at its start, until a check takes it or the run ends.
_spare: Early | None = None


def fork_spare(prepare: Callable[[], None]) -> None:
    """Fork a spare worker now (when forking is safe here and none waits yet); `take_spare` hands it out."""
    global _spare
    if _spare is None and can_fork():
        with contextlib.suppress(OSError):  # no process could be started: each check forks its own or runs here
            _spare = Early.spare(prepare)


def take_spare() -> Early | None:
    global _spare
    spare, _spare = _spare, None
    return spare


def close_spare() -> None:
    """Stop the spare worker no check took (this lab had no work for it)."""
    spare = take_spare()
    if spare is not None:
        spare.close()
