"""How long the fuzzers run: a short seeded run in `make test`, a long one under IAMLAB_FUZZ=long.

`make fuzz-prover` and `make fuzz-readers` set IAMLAB_FUZZ=long; IAMLAB_FUZZ_SEED picks another seed,
IAMLAB_FUZZ_SECONDS another time budget (per cloud for the prover, per atheris target) and
IAMLAB_FUZZ_EXAMPLES another number of examples (policies per cloud, hypothesis inputs per reader).
"""

from __future__ import annotations

import os

LONG = os.environ.get("IAMLAB_FUZZ") == "long"
SEED = int(os.environ.get("IAMLAB_FUZZ_SEED", "0"))


def seconds(short: float, long: float) -> float:
    return float(os.environ.get("IAMLAB_FUZZ_SECONDS", long if LONG else short))


def count(short: int, long: int) -> int:
    return int(os.environ.get("IAMLAB_FUZZ_EXAMPLES", long if LONG else short))
