"""A lab's `mutations.yaml`: each requirement its README states as a must, and how to break it.

The test suite applies every mutation, one at a time, to the lab's reference solution and proves the lab
is then not passed, because a gated check fails (docs/lab-format.md, "Every must is a gate"). Layout:

    requirements:
      - id: network-isolation
        must: "`EnableNetworkIsolation` must be `true`"   # quoted word for word from the lab's README.md
        clouds: [aws]                                    # optional: default every cloud of the lab
        mutations:
          - cloud: aws
            file: training-job.json                      # a file of the reference solution
            caught_by: [job-definition]                  # gated checks that must fail
            set: {/EnableNetworkIsolation: false}        # JSON pointer -> new value ('-' appends to a list)
            remove: [/Statement/1/Condition]             # JSON pointers to delete
            replace: {"fraud/v3/*": "fraud/*"}           # text -> text, each must occur in the file

Edits apply in the order remove, set, replace. An edit that changes nothing is an error: a mutation that
leaves the solution as it was would prove nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.core.source import load_document
from checker.grading.located import Node, relative_path
from checker.grading.spec import CLOUDS, SLUG

FILE_NAME = "mutations.yaml"
_REQUIREMENT_FIELDS = frozenset({"id", "must", "clouds", "mutations"})
_MUTATION_FIELDS = frozenset({"cloud", "file", "caught_by", "set", "remove", "replace"})
MUST = re.compile(r"\bmust\b", re.IGNORECASE)


@dataclass(frozen=True)
class Mutation:
    cloud: str
    file: str
    caught_by: tuple[str, ...]
    set: tuple[tuple[str, Any], ...]
    remove: tuple[str, ...]
    replace: tuple[tuple[str, str], ...]
    node: Node  # where it is declared, for errors

    @property
    def label(self) -> str:
        return f"{self.node.doc.path} {self.node.pointer}"


@dataclass(frozen=True)
class Requirement:
    id: str
    must: str
    clouds: tuple[str, ...]
    mutations: tuple[Mutation, ...]


def load_requirements(lab_folder: Path, lab_clouds: tuple[str, ...]) -> list[Requirement]:
    """Read and validate `lab_folder/mutations.yaml`; errors name the file, line and column."""
    document = load_document(lab_folder / FILE_NAME)
    root = Node.root(document).mapping(frozenset({"requirements"}), {"requirements"})
    requirements: list[Requirement] = []
    seen: set[str] = set()
    for node in root.field("requirements").items():
        node.mapping(_REQUIREMENT_FIELDS, {"id", "must", "mutations"})
        requirement_id = node.text("id")
        if not SLUG.match(requirement_id) or requirement_id in seen:
            raise node.field("id").error(f"requirement id {requirement_id!r} must be a unique lowercase slug")
        seen.add(requirement_id)
        must = node.text("must")
        if not MUST.search(must):
            raise node.field("must").error("quote the README sentence part that says `must`")
        clouds = lab_clouds
        if node.has("clouds"):
            clouds = tuple(_cloud(item, lab_clouds) for item in node.field("clouds").items())
        mutations = tuple(_mutation(item, clouds) for item in node.field("mutations").items())
        missing = [cloud for cloud in clouds if not any(m.cloud == cloud for m in mutations)]
        if missing:
            raise node.field("mutations").error(f"requirement {requirement_id!r} has no mutation for {', '.join(missing)}")
        requirements.append(Requirement(requirement_id, must, clouds, mutations))
    return requirements


def _cloud(node: Node, allowed: tuple[str, ...]) -> str:
    value: str = node.expect(str)
    if value not in CLOUDS or value not in allowed:
        raise node.error(f"{value!r} is not a cloud of this lab ({', '.join(allowed)})")
    return value


def _mutation(node: Node, clouds: tuple[str, ...]) -> Mutation:
    node.mapping(_MUTATION_FIELDS, {"cloud", "file", "caught_by"})
    caught = node.field("caught_by")
    caught_by = tuple(item.expect(str) for item in caught.items()) if isinstance(caught.value, list) else (caught.expect(str),)
    sets = tuple((key, item.value) for key, item in node.field("set").entries()) if node.has("set") else ()
    removes = tuple(item.expect(str) for item in node.field("remove").items()) if node.has("remove") else ()
    replaces: tuple[tuple[str, str], ...] = ()
    if node.has("replace"):
        replaces = tuple((old, item.expect(str)) for old, item in node.field("replace").entries())
    if not (sets or removes or replaces):
        raise node.error("a mutation needs at least one of set, remove, replace")
    for pointer in (*(key for key, _ in sets), *removes):
        if not pointer.startswith("/"):
            raise node.error(f"{pointer!r} is not a JSON pointer (it starts with '/')")
    return Mutation(_cloud(node.field("cloud"), clouds), relative_path(node.field("file")), caught_by, sets, removes, replaces, node)


def uncovered_musts(readme: str, requirements: list[Requirement]) -> tuple[list[str], list[str]]:
    """(README passages saying `must` that no requirement quotes, quotes the README does not contain).

    Whitespace is normalized so a quote may span a line break of the README.
    """
    text = " ".join(readme.split())
    covered: list[tuple[int, int]] = []
    absent = []
    for requirement in requirements:
        quote = " ".join(requirement.must.split())
        spans = [(m.start(), m.start() + len(quote)) for m in re.finditer(re.escape(quote), text)]
        if not spans:
            absent.append(requirement.must)
        covered.extend(spans)
    uncovered = [
        text[max(0, m.start() - 60) : m.end() + 60]
        for m in MUST.finditer(text)
        if not any(start <= m.start() < end for start, end in covered)
    ]
    return uncovered, absent


def apply(mutation: Mutation, folder: Path) -> None:
    """Apply one mutation to the copy of a solution in `folder` (edits the file in place)."""
    path = folder / mutation.file
    original = path.read_text(encoding="utf-8")
    text = original
    if mutation.remove or mutation.set:
        data = json.loads(text)
        for pointer in mutation.remove:
            data = _remove(data, pointer, mutation)
        for pointer, value in mutation.set:
            data = _set(data, pointer, value, mutation)
        text = json.dumps(data, indent=2) + "\n"
    for old, new in mutation.replace:
        if old not in text:
            raise ValueError(f"{mutation.label}: {old!r} does not occur in {mutation.file}")
        text = text.replace(old, new)
    if _unchanged(path, text, original):
        raise ValueError(f"{mutation.label}: the mutation leaves {mutation.file} as it was")
    path.write_text(text, encoding="utf-8")


def _unchanged(path: Path, text: str, original: str) -> bool:
    """JSON files compare as data (a reformat is no change); code (.tf, .yml, .rego) compares as text."""
    if path.suffix == ".json":
        return bool(json.loads(text) == json.loads(original))
    return text == original


def _steps(pointer: str) -> list[str]:
    return [raw.replace("~1", "/").replace("~0", "~") for raw in pointer.split("/")[1:]]


def _parent(data: Any, steps: list[str], mutation: Mutation) -> Any:
    current = data
    for step in steps:
        if isinstance(current, list) and step.isdigit() and int(step) < len(current):
            current = current[int(step)]
        elif isinstance(current, dict) and step in current:
            current = current[step]
        else:
            raise ValueError(f"{mutation.label}: {step!r} is not in {mutation.file}")
    return current


def _set(data: Any, pointer: str, value: Any, mutation: Mutation) -> Any:
    steps = _steps(pointer)
    if not steps:
        return value
    parent = _parent(data, steps[:-1], mutation)
    last = steps[-1]
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) < len(parent):
            parent[int(last)] = value
        else:
            raise ValueError(f"{mutation.label}: index {last!r} is not in the list")
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise ValueError(f"{mutation.label}: {pointer} does not lead into an object or list")
    return data


def _remove(data: Any, pointer: str, mutation: Mutation) -> Any:
    steps = _steps(pointer)
    parent = _parent(data, steps[:-1], mutation)
    last = steps[-1] if steps else ""
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        del parent[int(last)]
    elif isinstance(parent, dict) and last in parent:
        del parent[last]
    else:
        raise ValueError(f"{mutation.label}: {pointer} is not in {mutation.file}")
    return data
