"""Hidden checks: an instructor's extra or replacement checks, kept outside the learners' repository.

`iamlab check --checks DIR` and `grade-class --checks DIR` read `DIR/<lab id>/checks.yaml`:

    lab: 01-training-job          # must name the lab it is for
    clouds:
      aws:
        pass_mark: 12             # optional; default: the lab's pass mark plus the points hidden checks add
        checks:                   # written exactly like lab.yaml's checks
          - id: writes-model      # the id of a lab check: replaces it
          - id: no-other-bucket   # a new id: added

Files a hidden check names (an envelope) are read next to `checks.yaml`, so they stay private too. The
lab's parameters (`{{role}}`) and hints may be used. Learners see how many hidden checks passed and the
failing ones' messages, never their requests, expected values or counterexamples (runner.judge).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from checker.core.errors import InputError, Where
from checker.core.source import load_document
from checker.grading.checks.base import CheckSpec
from checker.grading.located import Node
from checker.grading.spec import CLOUDS, CloudSpec, LabSpec, check_file_names, parse_check

CHECKS_FILE = "checks.yaml"
_TOP_FIELDS = frozenset({"lab", "clouds"})
_CLOUD_FIELDS = frozenset({"pass_mark", "checks"})


def with_hidden_checks(lab: LabSpec, folder: Path) -> LabSpec:
    """The lab with the instructor's hidden checks for it merged in (each marked `hidden`)."""
    if not folder.is_dir():
        raise InputError("hidden checks folder not found", Where(str(folder)), "pass --checks DIR, a folder")
    path = folder / lab.id / CHECKS_FILE
    if not path.is_file():
        raise InputError(
            f"no hidden checks for lab {lab.id} in {folder}",
            Where(str(path)),
            f"write {lab.id}/{CHECKS_FILE} in the checks folder, or grade without --checks",
        )
    root = Node.root(load_document(path)).mapping(_TOP_FIELDS, {"lab", "clouds"})
    if root.text("lab") != lab.id:
        raise root.field("lab").error(f"these hidden checks are for lab {root.text('lab')!r}, not {lab.id!r}")
    clouds = dict(lab.clouds)
    for cloud, node in root.field("clouds").mapping(frozenset(CLOUDS)).entries():
        if cloud not in clouds:
            raise node.error(f"lab {lab.id} has no {cloud} version, so it cannot have hidden {cloud} checks")
        clouds[cloud] = _merge(lab, clouds[cloud], node)
    return dataclasses.replace(lab, clouds=clouds, hidden_folder=path.parent)


def _merge(lab: LabSpec, spec: CloudSpec, node: Node) -> CloudSpec:
    node.mapping(_CLOUD_FIELDS, {"checks"})
    hint_ids = {hint.id for hint in lab.hints}
    hidden: list[CheckSpec] = []
    for check_node in node.field("checks").items():
        check = parse_check(spec.cloud, check_node, lab.parameters, hint_ids, spec.identity)
        if any(check.id == other.id for other in hidden):
            raise check_node.field("id").error(f"hidden check id {check.id!r} is used twice for {spec.cloud}")
        check_file_names(check, spec.files)
        hidden.append(dataclasses.replace(check, hidden=True))
    if not hidden:
        raise node.field("checks").error(f"the hidden {spec.cloud} checks list no checks")
    # A replacement takes the public check's place, so reports keep the lab's order.
    merged = [next((h for h in hidden if h.id == check.id), check) for check in spec.checks]
    public = {check.id for check in spec.checks}
    merged += [check for check in hidden if check.id not in public]
    max_score = sum(check.points for check in merged)
    if node.has("pass_mark"):
        pass_mark = node.integer("pass_mark")
        if pass_mark > max_score:
            raise node.field("pass_mark").error(
                f"pass_mark {pass_mark} is more than the {max_score} points the checks award; no one could pass"
            )
    else:
        # The learner may miss as many points as the lab allows, no more: added points raise the mark.
        pass_mark = max(0, min(max_score, spec.pass_mark + max_score - spec.max_score))
    return dataclasses.replace(spec, checks=tuple(merged), pass_mark=pass_mark)
