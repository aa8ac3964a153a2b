"""How long one solver question may take, counted in the CPU time of the thread that asks it.

A wall-clock timeout makes a verdict depend on the machine's load: the same correct policy proved in a
quiet run turns "unknown" (a failed check) while a class is graded on a busy laptop or CI runner. A
thread's CPU time only advances while it runs, so the budget means the same work on an idle machine and
on a crowded one. (z3's own `rlimit` work counter was tried first: its string solver barely advances it,
so a regular-expression question ran for seconds on a budget meant for milliseconds.)

`BudgetedSolver` is a z3 Solver whose every `check()` is watched: one watchdog thread reads the asking
thread's CPU clock and interrupts the solver when the budget is spent (z3 then answers unknown,
"canceled"). z3 contexts are not thread-safe, and the project solves in one thread per process (grade-class
forks workers: a forked child starts its own watchdog), so interrupting the solver's context stops
exactly the question asked. The wall-clock timeout stays only as a guard against a hang, far beyond the
budget, so it never decides a normal run.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import z3

WALL_GUARD_FACTOR = 12  # the hang guard: this many times the budget in wall-clock time
WALL_GUARD_MIN_MS = 30_000
POLL_SECONDS = 0.005

_GAVE_UP = ("canceled", "timeout", "interrupted")


class BudgetedSolver(z3.Solver):  # type: ignore[misc]
    """A z3 Solver whose `check()` stops after `budget_ms` of the asking thread's CPU time."""

    def __init__(self, budget_ms: int) -> None:
        super().__init__()
        self.budget_ms = budget_ms
        set_budget(self, budget_ms)

    def check(self, *assumptions: Any) -> Any:
        with _watchdog.watching(self, self.budget_ms):
            return super().check(*assumptions)


def set_budget(solver: BudgetedSolver, milliseconds: int) -> None:
    """The CPU budget of every following `check()` of `solver`."""
    solver.budget_ms = milliseconds
    solver.set("timeout", max(milliseconds * WALL_GUARD_FACTOR, WALL_GUARD_MIN_MS))


def why_unknown(solver: Any) -> str:
    """z3's reason for an `unknown`, worded for a learner."""
    reason = str(solver.reason_unknown())
    if reason in _GAVE_UP:
        return "the question needed more solver time than the prover's budget allows"
    return reason


class _Watchdog:
    """One daemon thread for every solving thread: interrupts a check whose thread spent its CPU budget."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._watched: dict[int, _Watch] = {}  # thread id -> the check it is running
        self._thread: threading.Thread | None = None

    def watching(self, solver: z3.Solver, budget_ms: int) -> _Watch:
        return _Watch(self, solver.ctx, budget_ms)

    def start(self, watch: _Watch) -> None:
        with self._lock:
            self._watched[threading.get_ident()] = watch
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="solver-budget", daemon=True)
                self._thread.start()
            self._work.notify()

    def stop(self, watch: _Watch) -> None:
        with self._lock:
            if self._watched.get(threading.get_ident()) is watch:
                del self._watched[threading.get_ident()]

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._watched:
                    self._work.wait()
                watched = list(self._watched.items())
            for ident, watch in watched:
                try:
                    spent = time.clock_gettime(watch.clock) >= watch.deadline
                except OSError:  # the thread ended between the copy and the read
                    continue
                if spent:
                    with self._lock:
                        # The same watch, not merely the same thread: the check may have ended and the
                        # thread started its next one (same CPU clock) since the copy.
                        if self._watched.get(ident) is watch:
                            del self._watched[ident]
                            watch.interrupted = True
                            watch.context.interrupt()
            time.sleep(POLL_SECONDS)


class _Watch:
    """One watched `check()`: the asking thread's CPU clock, its deadline, and whether it was interrupted."""

    def __init__(self, watchdog: _Watchdog, context: z3.Context, budget_ms: int) -> None:
        # The context only, never the solver: a solver freed by the watchdog thread crashes z3.
        self._watchdog, self.context, self._budget_ms = watchdog, context, budget_ms
        self.clock = 0
        self.deadline = 0.0
        self.interrupted = False

    def __enter__(self) -> None:
        self.clock = time.pthread_getcpuclockid(threading.get_ident())
        self.deadline = time.clock_gettime(self.clock) + self._budget_ms / 1000
        self._watchdog.start(self)

    def __exit__(self, *_: object) -> None:
        self._watchdog.stop(self)  # after this, the watchdog cannot interrupt this check any more
        if self.interrupted:
            _clear_interrupt(self.context)


def _clear_interrupt(context: z3.Context) -> None:
    """An interrupt that lands after z3 finished the check (the thread is back in Python, not yet out
    of the watch) stays pending in the context, and the context's next push, pop or assert fails with
    "canceled" although no check is running. A check clears it; an empty solver's costs nothing."""
    z3.Solver(ctx=context).check()


_watchdog = _Watchdog()


def _after_fork_in_child() -> None:
    global _watchdog
    _watchdog = _Watchdog()  # threads do not survive fork(): the child watches with a thread of its own


os.register_at_fork(after_in_child=_after_fork_in_child)
