"""`terms.any_of` / `all_of` make exactly the term z3.Or / z3.And make: the prover's questions are unchanged.

z3 shares structurally equal terms (hash-consing), so `eq` holds exactly when both calls built the same
term; the solver then cannot answer differently. Lists z3's own functions would coerce or refuse go to them.
"""

from __future__ import annotations

import pytest
import z3

from checker.aws.analyze import condition_encoding, regions, symbolic
from checker.aws.analyze.symbolic import Encoder, new_space
from checker.aws.analyze.terms import all_of, any_of, assert_all, int_is
from checker.aws.policy import Policy, PolicyKind, parse_policy

A, B, C = z3.Bools("a b c")
number = z3.Int("x")


@pytest.mark.parametrize(
    "terms",
    [[A], [A, B], [A, B, C, A], [number == 1, number > 2, z3.Not(A)], [z3.BoolVal(True), A], [z3.And(A, B), z3.Or(B, C)]],
    ids=["one", "two", "repeated", "mixed-shapes", "constant", "nested"],
)
def test_the_same_term_as_z3s_own(terms: list[z3.BoolRef]) -> None:
    assert any_of(terms).eq(z3.Or(*terms))
    assert all_of(terms).eq(z3.And(*terms))
    assert any_of(terms).sexpr() == z3.Or(*terms).sexpr()


def test_or_and_and_are_not_confused() -> None:
    assert not any_of([A, B]).eq(z3.And(A, B))
    assert not all_of([A, B]).eq(z3.Or(A, B))


@pytest.mark.parametrize("terms", [[], [True, A], [A, False], [True]], ids=["empty", "python-first", "python-last", "python-only"])
def test_lists_z3_coerces_go_through_z3(terms: list[object]) -> None:
    assert any_of(terms).eq(z3.Or(*terms))  # type: ignore[arg-type]
    assert all_of(terms).eq(z3.And(*terms))  # type: ignore[arg-type]


def test_another_context_is_left_to_z3() -> None:
    other = z3.Context()
    p, q = z3.Bool("p", other), z3.Bool("q", other)
    assert any_of([p, q]).eq(z3.Or(p, q))
    with pytest.raises(z3.Z3Exception):
        any_of([A, p])  # z3's own refusal of a context mismatch, not a silently mixed term


def _encoded(policy: Policy) -> tuple[z3.BoolRef, list[z3.BoolRef]]:
    space = new_space([policy])
    allows = Encoder(space).allows([policy], widen=True)
    space.finish()  # the regions' constraints
    return allows, space.constraints


def test_a_policys_encoding_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """A policy with conditions and region patterns, encoded with the helpers and with z3.Or / z3.And in their
    place, in two fresh request spaces: the same formula and the same constraints."""
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*",
                 "Condition": {"StringEquals": {"aws:RequestTag/team": ["risk", "growth"]},
                               "Null": {"aws:TagKeys": "false"}}},
                {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": ["arn:aws:s3:::b/secret/*", "arn:aws:s3:::c"]},
            ],
        },
        kind=PolicyKind.IDENTITY,
    )
    fast, fast_constraints = _encoded(policy)
    for module in (symbolic, regions, condition_encoding):
        if hasattr(module, "any_of"):
            monkeypatch.setattr(module, "any_of", lambda terms: z3.Or(*terms))
        if hasattr(module, "all_of"):
            monkeypatch.setattr(module, "all_of", lambda terms: z3.And(*terms))
    plain, plain_constraints = _encoded(policy)
    assert fast.eq(plain)
    assert len(fast_constraints) == len(plain_constraints)
    assert all(a.eq(b) for a, b in zip(fast_constraints, plain_constraints, strict=True))


@pytest.mark.parametrize("value", [0, 7, 123456789012345678901234567890, -3])
def test_int_is_is_z3s_equality(value: int) -> None:
    assert int_is(number, value).eq(number == value)
    assert not int_is(number, value).eq(number == value + 1)


def test_int_is_leaves_other_values_and_sorts_to_z3() -> None:
    real = z3.Real("r")
    assert int_is(real, 2).eq(real == 2)  # a real variable: z3 casts 2 with RealVal
    assert int_is(number, True).eq(number == True)  # noqa: E712 - a bool is not an int here, as z3 sees it


def test_assert_all_asserts_what_add_asserts_in_order() -> None:
    terms = [A, z3.Or(B, C), number > 2, z3.BoolVal(True)]
    fast, plain = z3.Solver(), z3.Solver()
    assert_all(fast, [*terms, True])  # a Python value goes through `add`, which casts it
    plain.add(*terms, True)
    assert [a.sexpr() for a in fast.assertions()] == [a.sexpr() for a in plain.assertions()]
    assert all(a.eq(b) for a, b in zip(fast.assertions(), plain.assertions(), strict=True))
