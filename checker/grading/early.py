"""Start slow work early in a forked worker process and collect its answer later.

`iamlab check` is a cold process: the live check alone (importing boto3 and moto, starting the
emulator, running the workload) takes longer than all other checks together. Forked before those
checks run, the worker does it on the second core while this process proves and decides; the check
then collects the answer. The worker runs exactly the code the check would run in this process, so
results are the same; its answer comes back pickled, and any failure in it comes back as an error,
never as a hang (a deadline) or a traceback.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from checker.core.errors import InputError

DEADLINE_SECONDS = 180.0  # a live run takes seconds; this only catches a worker that is stuck


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


class Early:
    """`work()` running in a forked child; `result()` waits for it (up to the deadline) and returns it."""

    def __init__(self, work: Callable[[], Any], deadline_seconds: float = DEADLINE_SECONDS) -> None:
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        # Buffered output would be written twice (by the child too) if it were not flushed first.
        sys.stdout.flush()
        sys.stderr.flush()
        self._process = context.Process(target=_serve, args=(send, work), daemon=True, name="iamlab-early")
        self._process.start()
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
        self._connection.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join(timeout=5)
