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
from collections.abc import Sequence
from dataclasses import dataclass, field

import z3

from checker.aws.analyze.globs import FIELD_CHAR, FIELD_STAR, Unsupported
from checker.aws.wildcard import QUESTION, STAR

Item = tuple[str, frozenset[str]]
NO_CHARS: frozenset[str] = frozenset()
COLON = frozenset({":"})
MAX_STATES = 20_000
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


def _closure(items: tuple[Item, ...], positions: set[int]) -> frozenset[int]:
    result = set(positions)
    work = list(positions)
    while work:
        position = work.pop()
        if position < len(items) and items[position][0] == "star" and position + 1 not in result:
            result.add(position + 1)
            work.append(position + 1)
    return frozenset(result)


def _step(items: tuple[Item, ...], positions: frozenset[int], char: str) -> frozenset[int]:
    following: set[int] = set()
    for position in positions:
        if position >= len(items):
            continue
        kind, chars = items[position]
        if kind == "lit":
            if char in chars:
                following.add(position + 1)
        elif char not in chars:
            following.add(position + 1 if kind == "any" else position)
    return _closure(items, following) if following else frozenset()


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


def explore(patterns: Sequence[tuple[Item, ...]]) -> Regions:
    alphabet = _alphabet(patterns)
    other = alphabet[0]  # stands for every character no live position mentions
    memo: list[dict[tuple[frozenset[int], str], frozenset[int]]] = [{} for _ in patterns]

    def step(number: int, positions: frozenset[int], char: str) -> frozenset[int]:
        if not positions:
            return positions
        cache = memo[number]
        key = (positions, char)
        result = cache.get(key)
        if result is None:
            result = _step(patterns[number], positions, char)
            cache[key] = result
        return result

    # A state lists only the patterns still alive (a dead pattern never matches again): most patterns
    # die after a few characters (a different service in the ARN), which keeps each step cheap.
    State = tuple[tuple[int, frozenset[int]], ...]

    def relevant(state: State) -> list[str]:
        """Characters that some live position treats differently from an unmentioned character."""
        chars: set[str] = set()
        for number, positions in state:
            items = patterns[number]
            for position in positions:
                if position < len(items):
                    chars |= items[position][1]
        return [other] + sorted(chars)

    count = len(patterns)
    start: State = tuple((n, _closure(items, {0})) for n, items in enumerate(patterns))
    seen: dict[State, str] = {start: ""}
    found: dict[tuple[bool, ...], str] = {}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        text = seen[state]
        accepting = [False] * count
        for number, positions in state:
            accepting[number] = len(patterns[number]) in positions
        found.setdefault(tuple(accepting), text)
        for char in relevant(state):
            following: State = tuple(
                (number, moved) for number, positions in state if (moved := step(number, positions, char))
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
                terms[key] = variable == j
            return terms[key]

        hits_of = [
            [j for j, vector in enumerate(regions.vectors) if vector[i]] for i in range(len(self.patterns))
        ]
        for variable, index, flag in self._uses:
            hits = hits_of[index]
            constraints.append(
                flag == (z3.Or(*[region_is(variable, j) for j in hits]) if hits else z3.BoolVal(False))
            )
        return constraints

    def witness(self, model: z3.ModelRef, variable: z3.ArithRef) -> str:
        assert self.regions is not None
        index = int(model.eval(variable, model_completion=True).as_long())
        return self.regions.witnesses[index]
