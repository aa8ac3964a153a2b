"""within(policy, envelope): does the envelope allow everything the policy allows?"""

from __future__ import annotations

from collections.abc import Sequence

from checker.aws.analyze.inclusion import Question, as_list
from checker.aws.policy import Policy
from checker.core.engine import WithinResult
from checker.core.errors import InputError


def within(
    policy: Policy | Sequence[Policy],
    envelope: Policy | Sequence[Policy],
    *,
    principal: str | None = None,
    limit: int = 3,
) -> WithinResult:
    """PROVED, COUNTEREXAMPLE (up to `limit` confirmed requests from different action classes) or UNKNOWN."""
    if limit < 1:
        raise InputError("limit must be at least 1")
    inside = as_list(policy, "policy")
    outside = as_list(envelope, "envelope")
    return Question(inside, outside, principal).differences(limit).as_within()
