"""Coverage-guided fuzz targets, one per reader (atheris, libFuzzer for Python).

    python tests/soundness/atheris_readers.py READER [CORPUS_DIR] [libFuzzer flags, e.g. -max_total_time=60]

The target feeds libFuzzer's bytes to the reader (readers.py) and lets any exception other than the
reader's clear errors escape, which libFuzzer reports as a crash with the input saved; `-timeout=N` makes a
slow input a crash too. The corpus starts from the reader's real seeds. test_reader_fuzz_atheris.py runs
each target briefly in `make test`, `make fuzz-readers` for longer.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports(include=["checker"]):
    from tests.soundness.readers import CLEAR_ERRORS, READERS, seeds


def main() -> None:
    reader = sys.argv[1]
    read, clear = READERS[reader], CLEAR_ERRORS[reader]
    corpus = [a for a in sys.argv[2:] if not a.startswith("-")]
    for folder in corpus:
        for index, seed in enumerate(seeds(reader)):
            (Path(folder) / f"seed-{index}").write_bytes(seed)

    def target(data: bytes) -> None:
        with contextlib.suppress(clear):
            read(data)

    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
