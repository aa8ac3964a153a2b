"""The automaton product's budget is counted in work, not time: the same input gets the same answer however
loaded the machine is (issue 24: on a loaded machine a wall-clock budget turned a right answer UNKNOWN, a
failed check for a learner whose policy was right)."""

from __future__ import annotations

import itertools
import time

import pytest

from checker.aws.analyze import regions, within
from checker.aws.analyze.globs import Unsupported
from checker.aws.analyze.regions import explore, items_of, proof_budget
from checker.aws.wildcard import STAR
from checker.core.engine import WithinStatus
from tests.aws_analysis.helpers import allow, policy

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def long_pattern(seed: int) -> str:
    """250 characters with 10 wildcards: thousands of product states when several are compared."""
    parts = ["".join(LETTERS[(seed * 7 + i * 3 + j * 5) % 26] for j in range(22)) for i in range(10)]
    return "arn:aws:s3:::b/" + "*".join(parts[:9]) + "*" + parts[9]


def automaton_patterns(count: int) -> list[tuple[regions.Item, ...]]:
    patterns = []
    for seed in range(count):
        pieces: list[object] = []
        for index, part in enumerate(long_pattern(seed).split("*")):
            if index:
                pieces.append(STAR)
            pieces.append(part)
        patterns.append(items_of(pieces))
    return patterns


def slow_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every clock a budget could read jumps a minute per reading: a machine too loaded to be useful."""
    ticks = itertools.count()
    for name in ("monotonic", "perf_counter", "time", "thread_time", "process_time"):
        monkeypatch.setattr(time, name, lambda: 60.0 * next(ticks))


def test_the_same_patterns_give_the_same_regions_under_a_slow_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = automaton_patterns(5)
    expected = explore(patterns)
    assert len(expected.vectors) > 1
    slow_down(monkeypatch)
    assert explore(patterns) == expected  # raised "takes longer than its budget" with the wall clock


def test_a_proof_that_needs_the_automaton_is_proved_under_a_slow_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Five 250-character patterns under arn:aws:s3:::b/*: proved by the automaton product, however slow."""
    p = policy(allow("s3:GetObject", [long_pattern(seed) for seed in range(5)]))
    e = policy(allow("s3:GetObject", "arn:aws:s3:::b/*"))
    slow_down(monkeypatch)
    assert within(p, e).status is WithinStatus.PROVED


def test_past_its_budget_the_product_stops_at_the_same_point_every_time() -> None:
    patterns = automaton_patterns(5)
    messages = set()
    for _ in range(2):
        with pytest.raises(Unsupported, match="more work than its budget") as raised:
            explore(patterns, steps=50_000)
        messages.add(str(raised.value))
    assert len(messages) == 1
    assert explore(patterns, steps=regions.EXPLORE_STEPS).vectors  # the default budget suffices


def test_an_inner_budget_never_extends_the_proof_budget() -> None:
    """A proof explores several domains (and a probe's proof runs inside its parent's): they share one
    budget, so a proof's work is bounded however many products it builds."""
    patterns = automaton_patterns(5)
    with proof_budget(50_000), pytest.raises(Unsupported, match="more work than its budget"):
        explore(patterns)  # its own default budget is larger, the enclosing proof's is not
    with proof_budget(regions.EXPLORE_STEPS):
        explore(patterns)
        with proof_budget(regions.EXPLORE_STEPS), pytest.raises(Unsupported, match="more work than its budget"):
            for _ in range(100):  # each product is charged to the outer budget as well
                explore(patterns)


def test_a_product_explored_again_is_shared_and_charged_its_cost() -> None:
    """Proofs ask for the same product again and again (issue 24: the envelope's patterns against many
    learners'): it is explored once, and each later ask is charged the same steps, so a budget runs out
    exactly where exploring it again would have."""
    patterns = automaton_patterns(4)
    first = explore(patterns)
    assert explore(list(patterns)) is first
    cost = regions._EXPLORED[tuple(patterns)][1]
    assert cost > 0
    with proof_budget(cost):
        assert explore(patterns) is first
    with proof_budget(cost - 1), pytest.raises(Unsupported, match="more work than its budget"):
        explore(patterns)
