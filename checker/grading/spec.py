"""lab.yaml: load it (with line and column), validate it against the schema written here, and fill dataclasses.

Layout (docs/lab-format.md is the prose version):
    id, title, level, summary?, workload?, parameters?, hints?,
    clouds: {aws|azure|gcp: {identity?, files, answers?, setting?, pass_mark?, checks}}
Strings in checks and settings may use `{{name}}` for a scenario parameter. The double braces keep clear
of IAM policy variables such as `${aws:username}`, which must pass through untouched.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, load_document
from checker.grading.checks import KINDS, UNAVAILABLE_KINDS
from checker.grading.checks.base import CheckKind, CheckSpec, ParseContext
from checker.grading.located import Node, relative_path

CLOUDS = ("aws", "azure", "gcp")
LEVELS = ("beginner", "intermediate", "advanced")
LAB_ID = re.compile(r"^(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_PARAMETER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

_TOP_FIELDS = frozenset({"id", "title", "level", "summary", "workload", "parameters", "hints", "clouds"})
_CLOUD_FIELDS = frozenset({"identity", "files", "answers", "setting", "pass_mark", "checks"})
_HINT_FIELDS = frozenset({"id", "text", "cloud"})
_FILE_FIELDS = frozenset({"path", "optional"})
_COMMON_CHECK_FIELDS = frozenset(
    {"id", "kind", "title", "points", "gate", "message", "fix", "hint", "partial", "identity"}
)


@dataclass(frozen=True)
class Hint:
    id: str
    text: str
    cloud: str | None  # None: the hint applies to every cloud


@dataclass(frozen=True)
class CloudSpec:
    cloud: str
    identity: str | None  # the identity the submission is for: default principal of requests, trust target
    files: dict[str, str]  # logical name -> path inside the submission folder (the first of its choices)
    answers: str | None  # path of the structured answers file inside the submission folder, if any
    setting: dict[str, Any]  # what the lab provides around the submission; {file: ...} entries load files
    pass_mark: int
    checks: tuple[CheckSpec, ...]
    optional_files: frozenset[str] = frozenset()  # logical names a submission may leave out
    # Logical names written as a list in lab.yaml: the learner keeps exactly one of these paths (roles.tf or
    # roles.yaml); the runner reads whichever is present (grading/choices.py).
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def max_score(self) -> int:
        return sum(check.points for check in self.checks)

    @property
    def submission_paths(self) -> list[str]:
        """Every path a submission may hold (each choice's alternatives included), then the answers file."""
        paths = [path for name, first in self.files.items() for path in self.choices.get(name, (first,))]
        return [*paths, *([self.answers] if self.answers else [])]


@dataclass(frozen=True)
class LabSpec:
    id: str
    title: str
    level: str
    summary: str
    workload: str  # how messages name the thing the policy is for, e.g. "the training job"
    parameters: dict[str, Any]
    hints: tuple[Hint, ...]
    clouds: dict[str, CloudSpec]
    folder: Path
    document: LoadedDocument
    hidden_folder: Path | None = None  # the instructor's checks folder for this lab (grading/hidden.py)

    @property
    def number(self) -> str:
        return self.id[:2]

    def hints_for(self, cloud: str) -> list[Hint]:
        return [hint for hint in self.hints if hint.cloud in (None, cloud)]

    def cloud(self, cloud: str | None) -> CloudSpec:
        """The lab's setup for one cloud; without a choice, the first cloud the lab lists."""
        if cloud is None:
            return next(iter(self.clouds.values()))
        if cloud not in self.clouds:
            raise InputError(
                f"lab {self.id} has no {cloud} version",
                hint=f"this lab is available for: {', '.join(self.clouds)}",
            )
        return self.clouds[cloud]


def load_lab(folder: Path) -> LabSpec:
    """Read and validate `folder/lab.yaml`."""
    document = load_document(folder / "lab.yaml")
    root = Node.root(document).mapping(_TOP_FIELDS, {"id", "title", "level", "clouds"})
    lab_id = root.text("id")
    if not LAB_ID.match(lab_id):
        raise root.field("id").error(
            f"lab id {lab_id!r} must look like '01-training-job': two digits, a dash, lowercase words"
        )
    if folder.name != lab_id:
        raise root.field("id").error(
            f"lab id {lab_id!r} does not match its folder name {folder.name!r}",
            "rename the folder or the id so that they agree; `iamlab check` finds labs by folder",
        )
    parameters = _parameters(root)
    hints = _hints(root)
    hint_ids = {hint.id for hint in hints}
    clouds_node = root.field("clouds")
    clouds: dict[str, CloudSpec] = {}
    for cloud, node in clouds_node.mapping(frozenset(CLOUDS)).entries():
        clouds[cloud] = _cloud(cloud, node, parameters, hint_ids)
    if not clouds:
        raise clouds_node.error("clouds must list at least one of: " + ", ".join(CLOUDS))
    for hint in hints:
        if hint.cloud is not None and hint.cloud not in clouds:
            raise root.error(f"hint {hint.id!r} is for {hint.cloud}, which this lab does not offer")
    return LabSpec(
        id=lab_id,
        title=root.text("title"),
        level=root.choice("level", LEVELS),
        summary=root.text("summary", "") if root.has("summary") else "",
        workload=root.text("workload", "the workload"),
        parameters=parameters,
        hints=tuple(hints),
        clouds=clouds,
        folder=folder,
        document=document,
    )


def _parameters(root: Node) -> dict[str, Any]:
    if not root.has("parameters"):
        return {}
    parameters: dict[str, Any] = {}
    for name, node in root.field("parameters").entries():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise node.error(f"parameter name {name!r} must be letters, digits and underscores")
        if not isinstance(node.value, str | int | bool):
            raise node.error(f"parameter {name!r} must be text, a number or true/false")
        parameters[name] = node.value
    return parameters


def _hints(root: Node) -> list[Hint]:
    if not root.has("hints"):
        return []
    hints: list[Hint] = []
    seen: set[str] = set()
    for node in root.field("hints").items():
        node.mapping(_HINT_FIELDS, {"id", "text"})
        hint_id = _slug(node, "id")
        if hint_id in seen:
            raise node.field("id").error(f"hint id {hint_id!r} is used twice")
        seen.add(hint_id)
        cloud = node.choice("cloud", CLOUDS) if node.has("cloud") else None
        hints.append(Hint(hint_id, node.text("text"), cloud))
    return hints


def _cloud(cloud: str, node: Node, parameters: dict[str, Any], hint_ids: set[str]) -> CloudSpec:
    node.mapping(_CLOUD_FIELDS, {"files", "checks"})
    files: dict[str, str] = {}
    optional: set[str] = set()
    choices: dict[str, tuple[str, ...]] = {}
    for name, file_node in node.field("files").entries():
        if isinstance(file_node.value, dict):  # {path: custom-roles.json, optional: true}
            file_node.mapping(_FILE_FIELDS, {"path"})
            files[name] = relative_path(file_node.field("path"))
            if file_node.flag("optional", False):
                optional.add(name)
        elif isinstance(file_node.value, list):  # [roles.tf, roles.yaml]: the learner keeps exactly one
            alternatives = tuple(relative_path(item) for item in file_node.items())
            if len(alternatives) < 2 or len(set(alternatives)) != len(alternatives):
                raise file_node.error("a list of files names two or more different paths, of which a learner keeps one")
            choices[name] = alternatives
            files[name] = alternatives[0]
        else:
            files[name] = relative_path(file_node)
    if not files:
        raise node.field("files").error("files must name at least one submission file")
    answers = relative_path(node.field("answers")) if node.has("answers") else None
    identity = substitute(node.field("identity"), parameters) if node.has("identity") else None
    if identity is not None and not isinstance(identity, str):
        raise node.field("identity").error("identity must be text: the ARN or name of the identity being built")
    setting: dict[str, Any] = {}
    if node.has("setting"):
        setting_node = node.field("setting")
        setting_node.expect(dict)
        setting = substitute(setting_node, parameters)
    checks: list[CheckSpec] = []
    seen: set[str] = set()
    for check_node in node.field("checks").items():
        check = parse_check(cloud, check_node, parameters, hint_ids, identity)
        if check.id in seen:
            raise check_node.field("id").error(f"check id {check.id!r} is used twice for {cloud}")
        seen.add(check.id)
        checks.append(check)
    if not checks:
        raise node.field("checks").error(f"the {cloud} version lists no checks")
    for check in checks:
        check_file_names(check, files)
    if any(check.kind == "answer" for check in checks) and answers is None:
        raise node.error(f"the {cloud} version has answer checks but names no `answers` file")
    max_score = sum(check.points for check in checks)
    pass_mark = node.integer("pass_mark", max_score)
    if pass_mark > max_score:
        raise node.field("pass_mark").error(
            f"pass_mark {pass_mark} is more than the {max_score} points the checks award; no one could pass"
        )
    return CloudSpec(cloud, identity, files, answers, setting, pass_mark, tuple(checks), frozenset(optional), choices)


def parse_check(
    cloud: str, node: Node, parameters: dict[str, Any], hint_ids: set[str], identity: str | None
) -> CheckSpec:
    node.expect(dict)
    kind_name = node.text("kind")
    if kind_name in UNAVAILABLE_KINDS:
        raise node.field("kind").error(UNAVAILABLE_KINDS[kind_name])
    if kind_name not in KINDS:
        raise node.field("kind").error(
            f"unknown check kind {kind_name!r}", f"check kinds: {', '.join(sorted(KINDS))}"
        )
    kind: CheckKind = importlib.import_module(KINDS[kind_name])
    node.mapping(_COMMON_CHECK_FIELDS | kind.FIELDS, {"id", "kind", "points", "message"})
    hint = node.optional_text("hint")
    if hint is not None and hint not in hint_ids:
        raise node.field("hint").error(f"check refers to hint {hint!r}, which the lab does not define")
    check_id = _slug(node, "id")
    resolved = Node(node.doc, node.pointer, substitute(node, parameters))
    # `identity`: the check is about this identity instead of the cloud's (a lab with one role per stage).
    own_identity = resolved.optional_text("identity")
    return CheckSpec(
        id=check_id,
        kind=kind_name,
        title=resolved.text("title", check_id.replace("-", " ")),
        points=node.integer("points"),
        gate=node.flag("gate", False),
        message=resolved.text("message"),
        fix=resolved.optional_text("fix"),
        hint=hint,
        partial=node.flag("partial", False),
        body=kind.parse(resolved, ParseContext(cloud, own_identity or identity)),
        pointer=node.pointer,
        identity=own_identity,
    )


def check_file_names(check: CheckSpec, files: dict[str, str]) -> None:
    """Kinds that read a submission file by its logical name must name one the cloud lists under `files`."""
    kind = importlib.import_module(KINDS[check.kind])
    used = getattr(kind, "logical_files", None)
    if used is None:
        return
    for name, node in used(check.body):
        if name not in files:
            raise node.error(
                f"{name!r} is not a submission file of this cloud", f"files listed: {', '.join(files)}"
            )


def _slug(node: Node, key: str) -> str:
    value = node.text(key)
    if not SLUG.match(value):
        raise node.field(key).error(f"{key} {value!r} must be lowercase words joined by '-' or '_'")
    return value


def substitute(node: Node, parameters: dict[str, Any]) -> Any:
    """Copy a value with `{{name}}` replaced by scenario parameters; an unknown name is an error."""

    def walk(current: Node) -> Any:
        value = current.value
        if isinstance(value, str):
            return _fill(current, value, parameters)
        if isinstance(value, dict):
            return {key: walk(current.child(key, item)) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(current.child(index, item)) for index, item in enumerate(value)]
        return value

    return walk(node)


def _fill(node: Node, text: str, parameters: dict[str, Any]) -> Any:
    whole = _PARAMETER.fullmatch(text)
    if whole and whole.group(1) in parameters:
        return parameters[whole.group(1)]  # keep the parameter's own type (a number stays a number)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in parameters:
            raise node.error(
                f"{{{{{name}}}}} names no scenario parameter",
                f"define it under `parameters:` at the top of lab.yaml (known: {', '.join(parameters) or 'none'})",
            )
        return str(parameters[name])

    return _PARAMETER.sub(replace, text)


def where(lab: LabSpec, pointer: str) -> Where:
    return lab.document.locate(pointer)
