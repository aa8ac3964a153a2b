"""Exact reasoning about text compared only with wildcard patterns, by an automaton product.

When a string (the resource, or a condition key's value) is compared only with patterns that hold no
policy variable, all that matters about it is which of those patterns it matches. This module runs the
patterns' automata side by side over every string (breadth first, one representative per class of
characters the patterns cannot tell apart) and lists every combination of matches that some string
achieves, with the shortest such string. The solver then chooses among those combinations (a "region")
instead of reasoning about strings, which is both exact and fast.

Patterns are lists of items: ("lit", chars) one character from a set; ("any", excluded) one character
not in `excluded`; ("star", excluded) any run of such characters.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import z3

from checker.aws.analyze.globs import FIELD_CHAR, FIELD_STAR, Unsupported
from checker.aws.analyze.terms import any_of, int_is
from checker.aws.wildcard import QUESTION, STAR

Item = tuple[str, frozenset[str]]
NO_CHARS: frozenset[str] = frozenset()
COLON = frozenset({":"})
MAX_STATES = 20_000
# The automaton products' work budget per proof (then the solver's strings take over), counted in steps
# (one step: one pattern moved by one character) rather than seconds, so that the same input gets the same
# answer however loaded the machine is. About 2 s of one idle core (a step takes about 0.35 us; computing
# a pattern's move for a new character, which then is remembered, costs about MISS_STEPS steps).
EXPLORE_STEPS = 6_000_000
MISS_STEPS = 15


class _Budget:
    """Steps left for the automaton products of one proof; an inner budget also charges the outer ones."""

    def __init__(self, steps: int, outer: _Budget | None) -> None:
        self.left: int = steps if outer is None else min(steps, outer.left)
        self.outer = outer
        self.spent = 0  # charged to this budget itself (not by inner ones)

    def charge(self, steps: int) -> None:
        self.spent += steps
        budget: _Budget | None = self
        while budget is not None:
            budget.left -= steps
            if budget.left < 0:
                raise Unsupported("comparing these wildcard patterns exactly takes more work than its budget")
            budget = budget.outer


_budget: ContextVar[_Budget | None] = ContextVar("regions_budget", default=None)


@contextmanager
def proof_budget(steps: int = EXPLORE_STEPS) -> Iterator[None]:
    """Every automaton product built inside shares one budget of `steps` (a proof explores several
    domains, and a probe's proof runs inside its parent's); an inner budget never extends an outer one."""
    token = _budget.set(_Budget(steps, _budget.get()))
    try:
        yield
    finally:
        _budget.reset(token)


READABLE_FILLERS = "xeaolmnprstuvwyz0123456789-_"


def items_of(pieces: Sequence[object]) -> tuple[Item, ...]:
    """Glob pieces (text, STAR, QUESTION, FIELD_STAR, FIELD_CHAR) as automaton items."""
    items: list[Item] = []
    for piece in pieces:
        if isinstance(piece, str):
            items.extend(("lit", frozenset({c})) for c in piece)
        elif piece is STAR:
            items.append(("star", NO_CHARS))
        elif piece is QUESTION:
            items.append(("any", NO_CHARS))
        elif piece is FIELD_STAR:
            items.append(("star", COLON))
        elif piece is FIELD_CHAR:
            items.append(("any", COLON))
        else:
            raise Unsupported("a policy variable where only fixed text was expected")
    return tuple(items)


def _alphabet(patterns: Sequence[tuple[Item, ...]]) -> list[str]:
    """One character per class the patterns cannot tell apart; readable choices first."""
    mentioned: set[str] = set()
    for items in patterns:
        for _kind, chars in items:
            mentioned |= chars
    other = next((c for c in READABLE_FILLERS if c not in mentioned), None)
    if other is None:
        other = next(chr(c) for c in range(0x4E00, 0x9FFF) if chr(c) not in mentioned)
    return [other] + sorted(mentioned)


@dataclass
class Regions:
    """Every achievable combination of pattern matches, each with its shortest witness string."""

    vectors: list[tuple[bool, ...]]
    witnesses: list[str]


class _Automaton:
    """One pattern's automaton, made deterministic as it is explored.

    A set of positions is an integer bit mask, so one step is a few integer operations whatever the
    pattern's length; each mask gets a number once and each (number, character) move is computed once.
    The product then steps with one dict lookup per live pattern.
    """

    def __init__(self, items: tuple[Item, ...], budget: _Budget) -> None:
        self.items = items
        self.budget = budget
        self.end = 1 << len(items)  # the accepting position
        self.stars = sum(1 << p for p, (kind, _chars) in enumerate(items) if kind == "star")
        # From the first of the trailing unrestricted stars on, every continuation matches: all such
        # sets behave alike, so they become one state (fewer product states, same answers).
        tail = len(items)
        while tail and items[tail - 1] == ("star", NO_CHARS):
            tail -= 1
        self.sure = ((self.end << 1) - 1) ^ ((1 << tail) - 1) if tail < len(items) else 0  # tail..end
        self.by_char: dict[str, tuple[int, int]] = {}  # char -> (positions it advances, stars it stays on)
        self.ids: dict[int, int] = {}
        self.masks: list[int] = []
        self.accepting: list[bool] = []
        self.mentioned: list[frozenset[str]] = []  # characters the live positions treat specially
        self.moves: list[dict[str, int]] = []

    def closure(self, mask: int) -> int:
        """Add the position after every star reached (a star may match nothing)."""
        while True:
            grown = mask | ((mask & self.stars) << 1)
            if grown == mask:
                return mask
            mask = grown

    def _masks(self, char: str) -> tuple[int, int]:
        found = self.by_char.get(char)
        if found is None:
            advance = stay = 0
            for position, (kind, chars) in enumerate(self.items):
                if kind == "lit":
                    if char in chars:
                        advance |= 1 << position
                elif char not in chars:
                    if kind == "any":
                        advance |= 1 << position
                    else:
                        stay |= 1 << position
            found = self.by_char[char] = (advance, stay)
        return found

    def number(self, mask: int) -> int:
        """The number of a set of positions; -1 for the empty set (the pattern can no longer match)."""
        if not mask:
            return -1
        if mask & self.sure:
            mask = self.sure
        found = self.ids.get(mask)
        if found is None:
            found = self.ids[mask] = len(self.masks)
            self.masks.append(mask)
            self.accepting.append(bool(mask & self.end))
            chars: set[str] = set()
            rest = mask & (self.end - 1)
            while rest:
                low = rest & -rest
                chars |= self.items[low.bit_length() - 1][1]
                rest ^= low
            self.mentioned.append(frozenset(chars))
            self.moves.append({})
        return found

    def start(self) -> int:
        return self.number(self.closure(1))

    def move(self, state: int, char: str) -> int:
        moves = self.moves[state]
        following = moves.get(char)
        if following is None:
            self.budget.charge(MISS_STEPS)
            mask = self.masks[state]
            advance, stay = self._masks(char)
            moved = ((mask & advance) << 1) | (mask & stay)
            following = moves[char] = self.number(self.closure(moved) if moved else 0)
        return following


# Products already explored in this process, with the steps each cost. Proofs ask for the same product
# again and again (a lab's envelope against many learners' policies that share their resource patterns, a
# proof's probes), and the product is a function of the patterns alone. A product found here is charged its
# recorded cost, so a budget runs out exactly where exploring it again would have run out.
_EXPLORED: dict[tuple[tuple[Item, ...], ...], tuple[Regions, int]] = {}
_EXPLORED_SIZE = 512


def explore(patterns: Sequence[tuple[Item, ...]], steps: int = EXPLORE_STEPS) -> Regions:
    """Every combination of matches some string achieves (breadth first, so each witness is shortest).

    Bounded twice, so that no input can make it run long: at most MAX_STATES product states, and at most
    `steps` steps (and the enclosing proof's budget); past either it raises Unsupported and the caller falls
    back (never a guess). Work is counted, not timed: the answer never depends on the machine's load.
    The answer is shared: callers only read it.
    """
    key = tuple(patterns)
    budget = _Budget(steps, _budget.get())
    known = _EXPLORED.get(key)
    if known is not None:
        budget.charge(known[1])
        return known[0]
    regions = _explore(key, budget)
    if len(_EXPLORED) >= _EXPLORED_SIZE:
        _EXPLORED.pop(next(iter(_EXPLORED)))
    _EXPLORED[key] = (regions, budget.spent)
    return regions


def _explore(patterns: Sequence[tuple[Item, ...]], budget: _Budget) -> Regions:
    alphabet = _alphabet(patterns)
    other = alphabet[0]  # stands for every character no live position mentions
    automata = [_Automaton(items, budget) for items in patterns]

    # A state lists only the patterns still alive (a dead pattern never matches again): most patterns
    # die after a few characters (a different service in the ARN), which keeps each step cheap.
    State = tuple[tuple[int, int], ...]

    def relevant(state: State) -> list[str]:
        """Characters that some live position treats differently from an unmentioned character."""
        chars: set[str] = set()
        for number, current in state:
            chars |= automata[number].mentioned[current]
        return [other] + sorted(chars)

    count = len(patterns)
    start: State = tuple((n, automaton.start()) for n, automaton in enumerate(automata))
    seen: dict[State, str] = {start: ""}
    found: dict[tuple[bool, ...], str] = {}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        text = seen[state]
        accepting = [False] * count
        for number, current in state:
            accepting[number] = automata[number].accepting[current]
        found.setdefault(tuple(accepting), text)
        chars = relevant(state)
        budget.charge(len(chars) * max(1, len(state)))
        for char in chars:
            following: State = tuple(
                (number, moved)
                for number, current in state
                if (moved := automata[number].move(current, char)) >= 0
            )
            if following not in seen:
                if len(seen) >= MAX_STATES:
                    raise Unsupported("too many interacting wildcard patterns to compare exactly")
                seen[following] = text + char
                queue.append(following)
    vectors = list(found)
    return Regions(vectors, [found[v] for v in vectors])


@dataclass
class Domain:
    """One kind of string (the resource, or one condition key) compared only with fixed patterns.

    Matches are solver Booleans created on demand; `finish` computes the regions and ties each string
    variable's region number to its match Booleans.
    """

    name: str
    patterns: list[tuple[Item, ...]] = field(default_factory=list)
    _index: dict[tuple[Item, ...], int] = field(default_factory=dict)
    _uses: list[tuple[z3.ArithRef, int, z3.BoolRef]] = field(default_factory=list)
    variables: list[z3.ArithRef] = field(default_factory=list)
    regions: Regions | None = None

    def new_variable(self, label: str) -> z3.ArithRef:
        variable = z3.Int(f"{self.name}_{label}_region")
        self.variables.append(variable)
        return variable

    def matches(self, variable: z3.ArithRef, items: tuple[Item, ...]) -> z3.BoolRef:
        index = self._index.get(items)
        if index is None:
            index = len(self.patterns)
            self.patterns.append(items)
            self._index[items] = index
        flag = z3.Bool(f"{self.name}_m{len(self._uses)}")
        self._uses.append((variable, index, flag))
        return flag

    def finish(self) -> list[z3.BoolRef]:
        regions = explore(self.patterns)
        self.regions = regions
        constraints: list[z3.BoolRef] = []
        for variable in self.variables:
            constraints.append(variable >= 0)
            constraints.append(variable < len(regions.vectors))
        terms: dict[tuple[int, int], z3.BoolRef] = {}

        def region_is(variable: z3.ArithRef, j: int) -> z3.BoolRef:
            key = (variable.get_id(), j)
            if key not in terms:
                terms[key] = int_is(variable, j)
            return terms[key]

        hits_of = [
            [j for j, vector in enumerate(regions.vectors) if vector[i]] for i in range(len(self.patterns))
        ]
        for variable, index, flag in self._uses:
            hits = hits_of[index]
            constraints.append(
                flag == (any_of([region_is(variable, j) for j in hits]) if hits else z3.BoolVal(False))
            )
        return constraints

    def witness(self, model: z3.ModelRef, variable: z3.ArithRef) -> str:
        assert self.regions is not None
        index = int(model.eval(variable, model_completion=True).as_long())
        return self.regions.witnesses[index]
