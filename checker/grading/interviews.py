"""Interview scenarios: a lab-format folder under interviews/ plus `interview.yaml` (docs/interviews.md).

    interviews/NN-name/
      README.md          the question, as the candidate sees it
      lab.yaml           the checks, exactly as for a lab (spec.py)
      interview.yaml     time limit, the rubric (why each check matters) and the weak answers tested
      <cloud>/           the files the candidate writes
      model/<cloud>/     the model answer, shown after a passing attempt or on --reveal
      weak/<cloud>/NAME/ realistic weak answers; interview.yaml says which checks each must fail

Everything is checked here, with file, line and column: a rubric entry for every check of every cloud
(and none for a check that does not exist), a model answer for every cloud, weak answers that exist and
name real checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from checker.core.source import load_document
from checker.grading.located import Node
from checker.grading.spec import CLOUDS, SLUG, LabSpec, load_lab

INTERVIEW_FILE = "interview.yaml"
DEFAULT_MINUTES = 20
_TOP_FIELDS = frozenset({"time_limit", "rubric", "weak"})
_WEAK_FIELDS = frozenset({"name", "cloud", "fails", "about"})


@dataclass(frozen=True)
class WeakAnswer:
    """An answer a candidate might really give, and the exact checks it must fail."""

    name: str
    cloud: str
    fails: frozenset[str]
    about: str  # what the candidate got wrong, in one sentence
    folder: Path


@dataclass(frozen=True)
class Interview:
    lab: LabSpec
    time_limit: int  # minutes, for --timed without a number
    rubric: dict[str, dict[str, str]]  # cloud -> check id -> why this point matters
    weak: tuple[WeakAnswer, ...]

    @property
    def question(self) -> Path:
        return self.lab.folder / "README.md"

    def model_folder(self, cloud: str) -> Path:
        return self.lab.folder / "model" / cloud


def load_interview(folder: Path) -> Interview:
    lab = load_lab(folder)
    document = load_document(folder / INTERVIEW_FILE)
    root = Node.root(document).mapping(_TOP_FIELDS, {"rubric"})
    minutes = root.integer("time_limit", DEFAULT_MINUTES)
    if minutes < 1:
        raise root.field("time_limit").error("time_limit is in whole minutes and must be at least 1")
    if not (folder / "README.md").is_file():
        raise root.error("an interview needs README.md next to lab.yaml: the question the candidate reads")
    rubric = _rubric(root.field("rubric"), lab)
    for cloud in lab.clouds:
        if not lab.folder.joinpath("model", cloud).is_dir():
            raise root.error(f"no model answer for {cloud}: add the folder model/{cloud}/ next to lab.yaml")
    weak = tuple(_weak(item, lab) for item in root.field("weak").items()) if root.has("weak") else ()
    return Interview(lab, minutes, rubric, weak)


def _rubric(node: Node, lab: LabSpec) -> dict[str, dict[str, str]]:
    node.mapping(frozenset(CLOUDS), set(lab.clouds))
    rubric: dict[str, dict[str, str]] = {}
    for cloud, cloud_node in node.entries():
        if cloud not in lab.clouds:
            raise cloud_node.error(f"the rubric has a {cloud} part, but lab.yaml offers no {cloud} version")
        checks = {check.id for check in lab.clouds[cloud].checks}
        cloud_node.mapping(frozenset(checks), checks)  # every check explained, nothing else
        rubric[cloud] = {check_id: cloud_node.text(check_id) for check_id in cloud_node.value}
    return rubric


def _weak(node: Node, lab: LabSpec) -> WeakAnswer:
    node.mapping(_WEAK_FIELDS, set(_WEAK_FIELDS))
    name = node.text("name")
    if not SLUG.match(name):
        raise node.field("name").error(f"weak answer name {name!r} must be lowercase words joined by '-' or '_'")
    cloud = node.choice("cloud", tuple(lab.clouds))
    checks = {check.id for check in lab.clouds[cloud].checks}
    fails: set[str] = set()
    for item in node.field("fails").items():
        check_id = item.expect(str)
        if check_id not in checks:
            raise item.error(f"{check_id!r} is not a {cloud} check of this interview")
        fails.add(check_id)
    if not fails:
        raise node.field("fails").error("a weak answer must fail at least one check")
    folder = lab.folder / "weak" / cloud / name
    if not folder.is_dir():
        raise node.field("name").error(f"the weak answer's files are missing: add the folder weak/{cloud}/{name}/")
    return WeakAnswer(name, cloud, frozenset(fails), node.text("about"), folder)
