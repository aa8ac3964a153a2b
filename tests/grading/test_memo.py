"""Answers kept for identical input (checker/grading/checks/memo.py): identical means identical."""

from __future__ import annotations

from checker.grading.checks.memo import InputMemo


def test_the_same_keys_in_another_order_are_another_input() -> None:
    """A proof may find its counterexample in another order when a file lists its keys differently (the
    conditions are encoded in the file's order), so such files never share an answer (issue 24)."""
    memo: InputMemo[int] = InputMemo(8)
    asked: list[int] = []

    def compute(value: int) -> int:
        asked.append(value)
        return value

    first = {"Effect": "Allow", "Action": "s3:GetObject"}
    assert memo.answer([first], lambda: compute(1)) == 1
    assert memo.answer([dict(first)], lambda: compute(2)) == 1  # identical: answered once
    assert memo.answer([{"Action": "s3:GetObject", "Effect": "Allow"}], lambda: compute(3)) == 3
    assert memo.answer([{"Effect": "Allow", "Action": "s3:GetObject", "Sid": "x"}], lambda: compute(4)) == 4
    assert asked == [1, 3, 4]


def test_an_unknown_is_never_handed_to_another_learner() -> None:
    """An "unknown" names the learner's own file in its reason (the statement that could not be encoded):
    the next learner with the same input gets a proof of their own, with their own file named."""
    from checker.core.engine import WithinResult, WithinStatus
    from checker.grading.checks.memo import shareable

    memo: InputMemo[WithinResult] = InputMemo(8)
    reasons = iter(["in ann/trust.json, statement 1", "in ben/trust.json, statement 1"])

    def unknown() -> WithinResult:
        return WithinResult(WithinStatus.UNKNOWN, reason=next(reasons))

    assert memo.answer(["same"], unknown, keep=shareable).reason == "in ann/trust.json, statement 1"
    assert memo.answer(["same"], unknown, keep=shareable).reason == "in ben/trust.json, statement 1"
    proved = WithinResult(WithinStatus.PROVED)
    assert memo.answer(["other"], lambda: proved, keep=shareable) is proved
    assert memo.answer(["other"], lambda: WithinResult(WithinStatus.UNKNOWN), keep=shareable) is proved
