"""Does a job with this `if:` run after a job it needs has failed? ("Using conditions to control job execution":
"A default status check of success() is applied unless you include one of these functions", the status check
functions being success(), always(), cancelled() and failure().)"""

from __future__ import annotations

import pytest

from checker.iac.job_conditions import skipped_after_failure

SKIPPED = [
    "github.ref == 'refs/heads/main'",  # success() && (...) is implied
    "success()",
    "${{ success() && github.ref == 'refs/heads/main' }}",
    "github.event_name == 'push' && success()",
    "success() && !cancelled()",
    "((success())) && github.actor != 'bot'",
]
MAY_RUN = [
    "always()", "${{ always() }}", "failure()", "!cancelled()", "!success()", "!(success())",
    "success() || failure()", "always() && github.ref == 'refs/heads/main'",
    "(success() || always()) && github.ref == 'refs/heads/main'",
]


@pytest.mark.parametrize("condition", SKIPPED)
def test_conditions_that_skip_the_job_after_a_failed_need(condition: str) -> None:
    assert skipped_after_failure(condition)


@pytest.mark.parametrize("condition", MAY_RUN)
def test_conditions_that_may_run_the_job_after_a_failed_need(condition: str) -> None:
    assert not skipped_after_failure(condition)
