"""Or and And of many solver terms, and `x == n`, made with z3's C API directly: the very terms z3 makes.

z3's Python `Or(*terms)` and `And(*terms)` look for a context argument, a probe and a common sort, and cast
every argument to it before calling `Z3_mk_or` / `Z3_mk_and`. For a list of Boolean terms of one context
none of that changes anything, yet it was a sixth of the CPU of lab 03's escalation gate (thousands of
disjunctions over action classes, regions and statements per prover question). `any_of` and `all_of`
make the same call on the same arguments, so the term, and every answer the solver gives about it, is
unchanged; any other list (empty, mixed, Python values, another context) goes through z3's own function.
`int_is` is `variable == value` (an action class, a region number) without the same coercions, and
`assert_all` is a solver's `add` without them.

They also create and drop exactly the z3 terms z3's functions do, no more and none later: z3 hands the
numbers of freed terms to new ones and its search depends on those numbers, so keeping a term alive longer
(a cache of `x == n` terms, say) changes which counterexample a question finds, though never its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import z3


def any_of(terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """`z3.Or(*terms)`."""
    made = _made(terms, z3.Z3_mk_or)
    return made if made is not None else z3.Or(*terms)


def all_of(terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    """`z3.And(*terms)`."""
    made = _made(terms, z3.Z3_mk_and)
    return made if made is not None else z3.And(*terms)


def int_is(variable: z3.ArithRef, value: int) -> z3.BoolRef:
    """`variable == value` for an integer variable and a Python int (z3 casts the int with IntVal too)."""
    if type(value) is not int or not variable.is_int():
        return variable == value
    context = variable.ctx
    number = z3.IntVal(value, context)
    return z3.BoolRef(z3.Z3_mk_eq(context.ref(), variable.as_ast(), number.as_ast()), context)


def assert_all(solver: z3.Solver, terms: Sequence[z3.BoolRef]) -> None:
    """`solver.add(*terms)`: each Boolean term of the solver's context asserted as z3's `add` asserts it,
    in order, without casting it to Bool again; any other value goes through `add`."""
    context = solver.ctx
    for term in terms:
        if type(term) is z3.BoolRef and term.ctx is context:
            z3.Z3_solver_assert(context.ref(), solver.solver, term.as_ast())
        else:
            solver.add(term)


def _made(terms: Sequence[z3.BoolRef], make: Callable[..., Any]) -> z3.BoolRef | None:
    if not terms:
        return None
    context = terms[0].ctx if isinstance(terms[0], z3.BoolRef) else None
    if context is None or not all(type(t) is z3.BoolRef and t.ctx is context for t in terms):
        return None  # what z3's own function coerces, or refuses with its own message
    array = (z3.Ast * len(terms))(*[t.as_ast() for t in terms])
    return z3.BoolRef(make(context.ref(), len(terms), array), context)
