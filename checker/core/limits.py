"""How long a wildcard pattern the provers compare may be (AWS Resource and condition patterns, Azure
`StringLike`), one rule for every cloud.

A prover's automaton (or the solver's regular expression) grows with a pattern's wildcards, and the
product of several patterns multiplies them: a few long patterns full of `*` and `?`, well inside the
clouds' size quotas, could make one proof run for minutes and fail a correct policy on a timeout.
Patterns over these limits are refused as input, naming the element; real policies stay far below them
(an ARN or blob path pattern rarely holds more than three wildcards). docs/lab-format.md, "Input limits".
"""

from __future__ import annotations

MAX_PATTERN_CHARS = 256  # characters in one pattern that holds a wildcard
MAX_PATTERN_WILDCARDS = 10  # `*` and `?` in one pattern

HINT = (
    "write the pattern more simply (a prefix and one `*` usually says the same), or split it into "
    f"shorter ones; the prover compares patterns of at most {MAX_PATTERN_CHARS} characters and "
    f"{MAX_PATTERN_WILDCARDS} wildcards (docs/lab-format.md, \"Input limits\")"
)


def pattern_problem(text: str) -> str | None:
    """Why the prover refuses this pattern, or None. Text without wildcards costs nothing and passes."""
    wildcards = text.count("*") + text.count("?")
    if not wildcards:
        return None
    if len(text) > MAX_PATTERN_CHARS:
        return (
            f"this wildcard pattern is {len(text):,} characters long, more than the {MAX_PATTERN_CHARS} "
            "the prover compares"
        )
    if wildcards > MAX_PATTERN_WILDCARDS:
        return (
            f"this pattern holds {wildcards} wildcards (* and ?), more than the {MAX_PATTERN_WILDCARDS} "
            "the prover compares"
        )
    return None
