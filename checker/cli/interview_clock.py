"""The clock of `iamlab interview --timed`: a countdown shown until the candidate presses Enter or time is up.

Standard input is read in a daemon thread, so the countdown keeps running while the candidate works in
their editor; Enter (or the end of input) stops it. Without a console (JSON output) nothing is drawn.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

TICK = 0.25  # seconds between redraws; the clock shows whole seconds


def run_clock(limit_seconds: float, console: Console | None) -> tuple[int, bool]:
    """Wait for Enter or the limit; return (whole seconds used, whether time ran out)."""
    done = threading.Event()

    def wait_for_enter() -> None:
        try:
            sys.stdin.readline()  # a line, or the end of input
        except (OSError, ValueError):
            return  # no usable standard input: only the clock can end the attempt
        done.set()

    threading.Thread(target=wait_for_enter, daemon=True).start()
    started = time.monotonic()
    deadline = started + limit_seconds
    if console is None:
        done.wait(max(0.0, deadline - time.monotonic()))
    else:
        from rich.live import Live
        from rich.text import Text

        def face() -> Text:
            left = max(0, int(deadline - time.monotonic() + 0.999))
            return Text(f"time left {left // 60:02d}:{left % 60:02d}  (write your answer files, then press Enter)")

        with Live(face(), console=console, refresh_per_second=4, transient=True) as live:
            while not done.wait(min(TICK, max(0.0, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    break
                live.update(face())
    used = time.monotonic() - started
    return int(used), not done.is_set() and used >= limit_seconds
