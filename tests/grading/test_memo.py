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
