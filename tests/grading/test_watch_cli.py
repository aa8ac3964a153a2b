"""`iamlab check --watch` as a learner uses it: a report, a save, a new report, Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.grading.helpers import write


def _reader(process: subprocess.Popen[str]) -> queue.Queue[str]:
    """Lines of the process's output, read in a thread so a silent process cannot hang the test."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], text: str, seen: list[str], timeout: float = 30) -> None:
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"never saw {text!r}; output was:\n{''.join(seen)}") from None
        seen.append(line)
        if text in line:
            return


def test_watch_regrades_on_save_and_stops_on_ctrl_c(course: Path, lab_dir: Path, solution_dir: Path) -> None:
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    process = subprocess.Popen(
        [sys.executable, "-m", "checker.cli.main", "check", "01", "--watch", "--root", str(course)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        # Ctrl-C must reach it even when the tests run in the background (SIGINT ignored, kept across exec).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen: list[str] = []
    lines = _reader(process)
    try:
        _wait_for(lines, "watching for changes", seen)
        assert any("Not passed yet" in line for line in seen)
        write(lab_dir / "aws" / "permissions.json", '{"Version": "2012-10-17",\n "Statement": [}')
        _wait_for(lines, "permissions.json:2:", seen)  # an invalid save shows the error and keeps watching
        _wait_for(lines, "watching for changes", seen)
        for name in ("permissions.json", "trust.json", "answers.yaml"):
            write(lab_dir / "aws" / name, (solution_dir / name).read_text())
        _wait_for(lines, "Passed: 8/8 points", seen)
        _wait_for(lines, "watching for changes", seen)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0  # the last grade passed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
