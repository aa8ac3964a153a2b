"""`live`: run the lab's workload against an emulator with the learner's policies installed.

The workload is a Python file next to lab.yaml, written by the lab's author, that defines `WORKLOAD`
(a checker.emulate.workload.Workload): the job's own steps must succeed and its rogue steps (what a
compromised job would try) must be denied. Only the author's file is imported; the learner's files are
read as policy documents, never run. The emulator (moto, in this process) is imported only when a lab
has a live check, so other checks keep their fast start.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.core.errors import InputError
from checker.core.findings import Counterexample
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.located import Node, relative_path

KIND = "live"
FIELDS = frozenset({"workload", "policies", "boundary"})
CLOUDS = ("aws",)  # the emulator runs AWS workloads (moto)

_workloads: dict[Path, Any] = {}


@dataclass(frozen=True)
class LiveBody:
    workload: str  # a Python file next to lab.yaml defining WORKLOAD
    policies: tuple[str, ...]  # logical submission files installed as the role's inline policies
    boundary: str | None  # logical submission file installed as its permissions boundary
    node: Node


def parse(node: Node, where: ParseContext) -> LiveBody:
    if where.cloud not in CLOUDS:
        raise node.field("kind").error(f"live checks run on the AWS emulator; the {where.cloud} version cannot use them")
    workload = relative_path(node.field("workload"))
    if not workload.endswith(".py"):
        raise node.field("workload").error("workload must be a Python file next to lab.yaml that defines WORKLOAD")
    policies = tuple(item.expect(str) for item in node.field("policies").items())
    if not policies:
        raise node.field("policies").error("policies must name at least one submission file")
    return LiveBody(workload, policies, node.optional_text("boundary"), node)


def logical_files(body: LiveBody) -> list[tuple[str, Node]]:
    names = [(name, item) for name, item in zip(body.policies, body.node.field("policies").items(), strict=True)]
    if body.boundary is not None:
        names.append((body.boundary, body.node.field("boundary")))
    return names


def _load_workload(path: Path, node: Node) -> Any:
    if path not in _workloads:
        if not path.is_file():
            raise node.field("workload").error(f"the workload file {path.name} does not exist next to lab.yaml")
        spec = importlib.util.spec_from_file_location(f"iamlab_workload_{abs(hash(path))}", path)
        if spec is None or spec.loader is None:
            raise node.field("workload").error(f"cannot load {path.name} as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        workload = getattr(module, "WORKLOAD", None)
        if workload is None:
            raise node.field("workload").error(f"{path.name} defines no WORKLOAD")
        _workloads[path] = workload
    return _workloads[path]


def _document(context: RunContext, name: str, node: Node) -> Any:
    document = context.submission.files.get(name)
    if document is None:
        raise node.error(f"no submission file is named {name!r} under this cloud's `files`")
    return document.data


def run(body: LiveBody, context: RunContext) -> Outcome:
    from checker.emulate.workload import run_workload

    workload = _load_workload(context.lab.folder / body.workload, body.node)
    policies = [_document(context, name, body.node.field("policies")) for name in body.policies]
    boundary = _document(context, body.boundary, body.node.field("boundary")) if body.boundary else None
    try:
        report = run_workload(workload, policies, boundary)
    except InputError as exc:
        if exc.where is None:
            raise InputError(exc.message, context.lab.document.locate(body.node.pointer), exc.hint) from None
        raise
    outcome = Outcome(total_cases=len(report.results))
    for result in report.results:
        if result.passed:
            outcome.passed_notes.append(result.line().removeprefix("ok  ").strip())
            continue
        if result.step.rogue:
            outcome.failed.append(
                f"if {context.lab.workload} were compromised, it could {result.step.title}: your policy allows "
                f"{result.action} on {result.resource}"
            )
        else:
            outcome.failed.append(
                f"{context.lab.workload} could not {result.step.title}: {result.action} on {result.resource} "
                f"was denied ({result.message})"
            )
        if outcome.counterexample is None:
            outcome.counterexample = Counterexample(result.action, result.resource)
    return outcome
