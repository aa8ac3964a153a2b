"""Soundness fuzzing of every lab's `within` proof against the evaluator (see prover_fuzz.py).

The short run in `make test` tries a few seeded policies per cloud; `make fuzz-prover` runs thousands and
prints the figures per cloud (policies tried, proved, counterexamples, unknown, findings).
"""

from __future__ import annotations

from tests.soundness import budget
from tests.soundness.prover_fuzz import run, targets


def test_every_lab_with_a_within_check_is_fuzzed() -> None:
    clouds = {t.spec.cloud for t in targets() if t.lab.id.startswith("01")}
    assert clouds == {"aws", "azure", "gcp"}
    assert all(t.starts for t in targets()), "each target needs a starter or solution to mutate"


def test_no_proof_or_counterexample_is_contradicted_by_the_evaluator() -> None:
    report = run(
        budget.count(short=10, long=100_000),
        seed=budget.SEED,
        seconds_per_cloud=budget.seconds(short=3.0, long=600.0),
        probes_per_proof=2000 if budget.LONG else 120,
    )
    print()
    for cloud, figures in report.items():
        print(figures.line(cloud))
    for cloud, figures in report.items():
        assert figures.tried > 0, cloud
        assert not figures.findings, "\n\n".join(figures.findings[:5])
