"""`grade-class --collect DIR`: merge the results each learner's CI uploaded into one class report.

Each learner's CI runs `iamlab grade-class` on its own submission (docs/ci/learner-grade.yml) and uploads
the class JSON as an artifact; the instructor downloads the artifacts into DIR. Grading then scales with
the CI runners. An artifact is the learner's CI's word, so it is checked against the instructor's pinned
lab: a result from another grader version or lab definition, with unknown checks or points above a
check's maximum, is reported as not graded, and score and verdict are recomputed from the pinned lab's
points, gates and pass mark. A learner controls their own workflow, so an artifact can still be forged:
grade-class on the submissions (or the course repository's pull-request workflow) gives the grade of
record; docs/instructor-guide says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.findings import Counterexample
from checker.core.source import load_document
from checker.grading.classroom import ClassReport, LearnerResult
from checker.grading.gradebook import grader_version, lab_version
from checker.grading.result import CheckResult, LabResult
from checker.grading.runner import score
from checker.grading.spec import CloudSpec, LabSpec


class ArtifactError(ValueError):
    """An artifact's learner entry does not fit the instructor's lab (the reason is shown in the report)."""


def collect(
    lab: LabSpec, cloud: str | None, folder: Path, on_learner: Callable[[LearnerResult], None] | None = None
) -> ClassReport:
    """Every `*.json` under `folder` (artifact downloads nest in folders) merged into one class report."""
    if not folder.is_dir():
        raise InputError("artifacts folder not found", Where(str(folder)), "pass --collect DIR, a folder")
    spec = lab.cloud(cloud)
    expected = {"version": grader_version(), "lab_version": lab_version(lab)}
    learners: dict[str, LearnerResult] = {}
    for path in sorted(folder.rglob("*.json")):
        if path.is_symlink() or not path.is_file():
            continue
        for learner in _learners(path, lab, spec, expected):
            if learner.learner in learners:
                learner = LearnerResult(learner.learner, None, f"more than one result uploaded (also {path.name})")
            learners[learner.learner] = learner
            if on_learner is not None:
                on_learner(learner)
    ordered = tuple(learners[name] for name in sorted(learners))
    return ClassReport(lab, spec.cloud, spec.max_score, spec.pass_mark, ordered)


def _learners(path: Path, lab: LabSpec, spec: CloudSpec, expected: dict[str, str]) -> list[LearnerResult]:
    data = load_document(path).data
    if not isinstance(data, dict) or not isinstance(data.get("learners"), list):
        raise InputError("not a class result written by iamlab grade-class --format json", Where(str(path)))
    if data.get("lab") != lab.id or data.get("cloud") != spec.cloud:
        raise InputError(
            f"this result is for {data.get('lab')!r} ({data.get('cloud')!r}), not {lab.id} ({spec.cloud})",
            Where(str(path)),
            "collect one lab and cloud at a time: put other labs' artifacts in another folder",
        )
    raw_grader = data.get("grader")
    grader: dict[str, Any] = raw_grader if isinstance(raw_grader, dict) else {}
    mismatch = [
        f"{name.replace('_', ' ')} {grader.get(name)!r}, not the instructor's {value!r}"
        for name, value in expected.items()
        if grader.get(name) != value
    ]
    found = []
    for row in data["learners"]:
        name = row.get("learner") if isinstance(row, dict) else None
        if not isinstance(name, str) or not name:
            raise InputError("a learner entry has no learner name", Where(str(path)))
        if mismatch:
            found.append(LearnerResult(name, None, f"{path.name}: graded with {'; '.join(mismatch)}: re-run the learner's CI"))
            continue
        try:
            result = _result(row.get("result"), lab, spec)
        except ArtifactError as exc:
            found.append(LearnerResult(name, None, f"{path.name}: {exc}"))
            continue
        error = None if result is not None else str(row.get("error") or "not graded")
        found.append(LearnerResult(name, result, error, _count(row.get("attempts")), _count(row.get("hints_used"))))
    return found


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _result(data: Any, lab: LabSpec, spec: CloudSpec) -> LabResult | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
        raise ArtifactError("the result is not in the shape iamlab writes")
    hidden = data.get("hidden") or {}
    rows = [*data["checks"], *(hidden.get("checks", []) if isinstance(hidden, dict) else [])]
    by_id = {check.id: check for check in spec.checks}
    checks: dict[str, CheckResult] = {}
    for row in rows:
        check = _check(row, by_id)
        checks[check.id] = check
    if set(checks) != set(by_id):
        missing = sorted(set(by_id) - set(checks))
        raise ArtifactError(f"the result does not grade the lab's checks (missing: {', '.join(missing) or 'none'})")
    ordered = tuple(checks[check.id] for check in spec.checks)
    return score(lab, spec, ordered)  # points, gates and pass mark are the instructor's, not the artifact's


def _check(row: Any, by_id: dict[str, Any]) -> CheckResult:
    if not isinstance(row, dict) or row.get("id") not in by_id:
        raise ArtifactError(f"the result has a check the lab does not: {row.get('id') if isinstance(row, dict) else row!r}")
    spec = by_id[row["id"]]
    points, passed, message = row.get("points"), row.get("passed"), row.get("message")
    if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= spec.points:
        raise ArtifactError(f"check {spec.id!r} claims {points!r} points; it is worth 0 to {spec.points}")
    if not isinstance(passed, bool) or not isinstance(message, str) or (passed and points != spec.points):
        raise ArtifactError(f"check {spec.id!r} is not in the shape iamlab writes")
    return CheckResult(
        id=spec.id,
        kind=spec.kind,
        title=spec.title,
        passed=passed,
        points=points,
        max_points=spec.points,
        message=message,
        counterexample=_counterexample(row.get("counterexample")),
        gate=spec.gate,
        fix=spec.fix,
        hint=spec.hint,
        failures=(),
        notes=(),
        headline=message,
        hidden=spec.hidden,
    )


def _counterexample(data: Any) -> Counterexample | None:
    if not isinstance(data, dict) or not isinstance(data.get("action"), str) or not isinstance(data.get("resource"), str):
        return None
    raw_context = data.get("context")
    context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
    principal = data.get("principal") if isinstance(data.get("principal"), str) else None
    return Counterexample(action=data["action"], resource=data["resource"], context=context, principal=principal)
