"""What a lab notebook shows: decisions, proofs and counterexamples as HTML tables (docs/notebooks.md).

Every object here renders as an HTML table in Jupyter (`_repr_html_`) and as short, stable text everywhere
else (`_repr_pretty_`): nbval compares both with the outputs stored in the notebook, so the text holds no
memory address, path or timing. A counterexample is listed in full, every field of the request, so a
learner can decide it again by hand. Grading results and live runs render themselves the same way
(`LabResult`, `LiveRun`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Protocol

from checker.core.decision import Decision
from checker.core.engine import WithinResult
from checker.grading.reports.html_report import STYLE, counterexample_table

if TYPE_CHECKING:
    from checker.aws.evaluate import PolicySet
    from checker.aws.request import Request

_COLOUR = {True: "#1a7f37", False: "#cf222e"}


class _Printer(Protocol):
    """The part of IPython's pretty printer `_repr_pretty_` uses."""

    def text(self, text: str) -> None: ...


def _html(body: str) -> str:
    return f"<style>{STYLE}</style>{body}"


@dataclass(frozen=True)
class Decisions:
    """Requests and the engine's decision on each: one table row per request, every field shown."""

    columns: tuple[str, ...]  # the request's fields, in the order the rows give them
    rows: tuple[tuple[tuple[str, ...], Decision], ...]

    @property
    def kinds(self) -> list[str]:
        """Each decision's kind ("allow", "implicit_deny", "explicit_deny"), for a notebook's asserts."""
        return [decision.kind.value for _, decision in self.rows]

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{escape(name)}</th>" for name in (*self.columns, "decision", "why"))
        rows = []
        for values, decision in self.rows:
            cells = "".join(f"<td><code>{escape(value)}</code></td>" for value in values)
            state = "pass" if decision.allowed else "fail"
            rows.append(
                f'<tr class="{state}">{cells}<td style="color:{_COLOUR[decision.allowed]}"><b>'
                f"{escape(decision.kind.value)}</b></td><td>{escape(decision.summary)}</td></tr>"
            )
        return _html(f'<table class="iamlab decisions"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')

    def _repr_pretty_(self, printer: _Printer, cycle: bool) -> None:
        printer.text("\n".join(f"{' '.join(values)} -> {decision.kind.value}" for values, decision in self.rows))


def decisions(columns: Sequence[str], rows: Iterable[tuple[Sequence[str], Decision]]) -> Decisions:
    """A table of requests already decided by any cloud's engine: `columns` name the request's fields.

    A column no request fills (no request names a resource account, say) is left out."""
    decided = [(tuple(values), decision) for values, decision in rows]
    used = [i for i in range(len(columns)) if any(values[i] for values, _ in decided)]
    return Decisions(
        tuple(columns[i] for i in used), tuple((tuple(values[i] for i in used), decision) for values, decision in decided)
    )


def decide_aws(policies: PolicySet, requests: Iterable[Request]) -> Decisions:
    """Decide each AWS request against the policies (checker.aws.evaluate) and show every field of it."""
    from checker.aws.evaluate import evaluate

    rows = [
        (
            (
                request.principal,
                request.action,
                request.resource,
                request.resource_account or "",
                json.dumps(dict(request.context), sort_keys=True, default=str) if request.context else "",
            ),
            evaluate(request, policies),
        )
        for request in requests
    ]
    return decisions(("principal", "action", "resource", "resource account", "context"), rows)


@dataclass(frozen=True)
class Proof:
    """A prover's answer about one claim: proved, or every counterexample it found listed in full."""

    claim: str  # what is to be proved, e.g. "a risk principal reaches nothing of growth's"
    result: WithinResult

    @property
    def proved(self) -> bool:
        return self.result.proved

    @property
    def verdict(self) -> str:
        """"proved", "counterexample to" or "unknown" (never a guess), to read before the claim."""
        return {"proved": "proved", "counterexample": "counterexample to"}.get(self.result.status.value, "unknown")

    def _repr_html_(self) -> str:
        head = (
            f'<p><b style="color:{_COLOUR[self.proved]}">{escape(self.verdict)}</b>: {escape(self.claim)}'
            + (f" ({escape(self.result.reason)})" if self.result.reason else "")
            + "</p>"
        )
        examples = "".join(counterexample_table(example) for example in self.result.counterexamples)
        return _html(head + examples)

    def _repr_pretty_(self, printer: _Printer, cycle: bool) -> None:
        lines = [f"{self.verdict}: {self.claim}" + (f" ({self.result.reason})" if self.result.reason else "")]
        for example in self.result.counterexamples:
            lines.append("  counterexample: " + ", ".join(f"{name}={value}" for name, value in example.fields()))
        printer.text("\n".join(lines))


def proof(claim: str, result: WithinResult) -> Proof:
    """Show a `within`-style answer (`ENGINE.within`, `reaches`, `confined`) under the claim it decides."""
    return Proof(claim, result)

