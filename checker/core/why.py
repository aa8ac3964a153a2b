"""Why a decision came out as it did, in one line a learner can act on.

Shared by grading (a failing allows/denies/trust case) and the live run (each step of `iamlab run`):
the statement or binding that granted the request, or for a denial the explicit deny, else the
statements that came closest and the clause that failed (a condition with the request's value).
"""

from __future__ import annotations

from pathlib import PurePath

from checker.core.decision import Decision, Reason

MAX_REASONS = 2  # the closest misses; the rest are usually statements about other actions


def _line(reason: Reason) -> str:
    policy = reason.policy
    if policy.endswith((".json", ".yaml", ".yml")):
        policy = PurePath(policy).name  # the learner's file, without the folder it was graded in
    statement = reason.statement or ""
    if statement[:1].isdigit():
        statement = f"statement {statement}"
    where = policy + (f", {statement}" if statement else "")
    return f"{where}: {reason.detail}"


def _closeness(reason: Reason) -> int:
    """0 for a statement that failed only on a condition, 1 on the resource or principal, 2 on the action."""
    detail = reason.detail.lower()
    if "condition" in detail:
        return 0
    if "action does not match" in detail or "no role bound" in detail or "has nothing in" in detail:
        return 2
    return 1


def why_denied(decision: Decision) -> str:
    """The cause of a denial: an explicit deny, or the statements that came closest and what failed."""
    denies = [r for r in decision.reasons if r.effect == "deny"]
    if denies:
        return "; ".join(_line(r) for r in denies[:MAX_REASONS])
    misses = sorted((r for r in decision.reasons if r.effect == "not applicable"), key=_closeness)
    if misses:
        best = _closeness(misses[0])
        closest = [r for r in misses if _closeness(r) == best][:MAX_REASONS]
        return f"{decision.summary}; " + "; ".join(_line(r) for r in closest)
    missing = [r for r in decision.reasons if r.effect == "missing"]
    return decision.summary + "".join(f"; {r.detail}" for r in missing[:1] if r.detail not in decision.summary)


def why_allowed(decision: Decision) -> str:
    """The statement or binding that granted the request."""
    grants = [r for r in decision.reasons if r.effect == "allow"]
    return "; ".join(_line(r) for r in grants[:MAX_REASONS]) or decision.summary
