"""`iamlab check --watch`: re-grade whenever a watched file is saved.

Polling the few files a lab reads (modification time and size) needs no extra dependency, works on
every file system (including the network mounts of hosted notebooks) and costs nothing at this scale.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

Stamp = tuple[tuple[str, int, int], ...]


def stamp(paths: Iterable[Path]) -> Stamp:
    marks = []
    for path in sorted(set(paths)):
        try:
            info = path.stat()
            marks.append((str(path), info.st_mtime_ns, info.st_size))
        except OSError:
            marks.append((str(path), -1, -1))  # a missing file is a state too: its return is a change
    return tuple(marks)


def wait_for_change(
    paths: Sequence[Path],
    interval: float = 0.3,
    timeout: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    before: Stamp | None = None,
) -> bool:
    """Block until a watched file differs from `before` (default: now) (True), or `timeout` passes (False).

    Pass the stamp taken before grading, so a save made while grading ran is not missed.
    """
    if before is None:
        before = stamp(paths)
    if stamp(paths) != before:
        return True
    waited = 0.0
    while timeout is None or waited < timeout:
        sleep(interval)
        waited += interval
        if stamp(paths) != before:
            return True
    return False
