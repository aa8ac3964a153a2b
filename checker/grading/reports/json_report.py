"""The fixed JSON result shape (see LabResult.to_json)."""

from __future__ import annotations

import json

from checker.grading.result import LabResult


def render(result: LabResult) -> str:
    return json.dumps(result.to_json(), indent=2) + "\n"
