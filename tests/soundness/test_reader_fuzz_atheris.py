"""Coverage-guided fuzzing of every reader with atheris (libFuzzer), one short run per reader.

Each target (atheris_readers.py) runs in its own process, as libFuzzer requires; a crash or an input slower
than the time bound fails the run, and libFuzzer's saved input is named in the failure. `make fuzz-readers`
runs each target for longer (IAMLAB_FUZZ_SECONDS per reader).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.soundness import budget
from tests.soundness.readers import READERS, TIME_BOUND

pytest.importorskip("atheris", reason="atheris ships wheels for Linux; make install adds it there")
TARGET = Path(__file__).with_name("atheris_readers.py")
RUNS: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Any:
    yield
    print("\ninputs tried per reader (atheris): " + ", ".join(f"{k} {v}" for k, v in sorted(RUNS.items())))


@pytest.mark.parametrize("reader", sorted(READERS))
def test_coverage_guided_run_finds_no_crash(reader: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seconds = int(budget.seconds(short=1, long=120))
    flags = [
        f"-max_total_time={seconds}",
        f"-timeout={int(TIME_BOUND)}",
        f"-artifact_prefix={tmp_path}/",
        f"-seed={budget.SEED + 1}",
        "-print_final_stats=1",
    ]
    if not budget.LONG:
        flags.append("-runs=400")
    done = subprocess.run(
        [sys.executable, str(TARGET), reader, str(corpus), *flags],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    runs = re.search(r"Done (\d+) runs", done.stderr)
    RUNS[reader] += int(runs.group(1)) if runs else 0
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "slow-")))
    assert done.returncode == 0 and not crashes, f"{reader}: {crashes}\n{done.stderr[-3000:]}"
