"""The result of grading one lab on one cloud. `to_json` is the fixed shape other tools depend on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.core.findings import Counterexample


@dataclass(frozen=True)
class CheckResult:
    id: str
    kind: str
    title: str
    passed: bool
    points: int
    max_points: int
    message: str  # one paragraph: the author's feedback plus the first failing case, in plain words
    counterexample: Counterexample | None
    gate: bool
    fix: str | None
    hint: str | None  # id of the progressive hint for this check
    failures: tuple[str, ...]  # every failing case, one sentence each
    notes: tuple[str, ...]  # every passing case, one sentence each
    headline: str = ""  # the message without the further problems, for reports that list `failures` below it
    hidden: bool = False  # an instructor's hidden check: only its id, points and author's message are shown

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "passed": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "message": self.message,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
        }


@dataclass(frozen=True)
class LabResult:
    lab: str
    title: str
    cloud: str
    score: int
    max_score: int
    pass_mark: int
    passed: bool
    checks: tuple[CheckResult, ...]

    @property
    def failed_gates(self) -> list[CheckResult]:
        return [check for check in self.checks if check.gate and not check.passed]

    @property
    def public_checks(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if not check.hidden)

    @property
    def hidden_checks(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if check.hidden)

    @property
    def hidden_summary(self) -> str:
        """"N hidden checks passed, M failed" (empty without hidden checks)."""
        hidden = self.hidden_checks
        if not hidden:
            return ""
        passed = sum(1 for check in hidden if check.passed)
        noun = "check" if len(hidden) == 1 else "checks"
        return f"{len(hidden)} hidden {noun}: {passed} passed, {len(hidden) - passed} failed"

    @property
    def verdict(self) -> str:
        """One sentence saying whether the lab passes and, if not, what stands in the way."""
        if self.passed:
            return f"passed: {self.score}/{self.max_score} points"
        reasons = []
        if self.failed_gates:
            names = ", ".join(check.id for check in self.failed_gates)
            reasons.append(f"required check(s) failing: {names}")
        if self.score < self.pass_mark:
            reasons.append(f"{self.score}/{self.max_score} points, {self.pass_mark} needed")
        return "not passed yet: " + "; ".join(reasons)

    def to_json(self) -> dict[str, Any]:
        shape: dict[str, Any] = {
            "lab": self.lab,
            "cloud": self.cloud,
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "checks": [check.to_json() for check in self.public_checks],
        }
        hidden = self.hidden_checks
        if hidden:  # only with --checks, so the fixed shape above is unchanged for everyone else
            passed = sum(1 for check in hidden if check.passed)
            shape["hidden"] = {
                "passed": passed,
                "failed": len(hidden) - passed,
                "checks": [check.to_json() for check in hidden],
            }
        return shape

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's text for a result (a notebook stores it next to the HTML): the verdict, not the fields."""
        hidden = f"; {self.hidden_summary}" if self.hidden_checks else ""
        printer.text(f"{self.lab} ({self.cloud}): {self.verdict}{hidden}")

    def _repr_html_(self) -> str:
        """Jupyter shows a result as an HTML table."""
        from checker.grading.reports.html_report import STYLE, result_table

        return f"<style>{STYLE}</style>{result_table(self)}"
