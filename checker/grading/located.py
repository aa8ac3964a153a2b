"""Typed reads from a located document: every complaint names the file, line and column.

lab.yaml is validated with these small readers rather than a JSON Schema library: the schema lives in
code next to the dataclasses it fills, and `import jsonschema` alone costs more than our whole cold-start
budget for `iamlab check`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, pointer_join

_TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false", dict: "a mapping", list: "a list"}


@dataclass(frozen=True)
class Node:
    """One value inside a loaded document, with its JSON pointer."""

    doc: LoadedDocument
    pointer: str
    value: Any

    @classmethod
    def root(cls, doc: LoadedDocument) -> Node:
        return cls(doc, "", doc.data)

    def error(self, message: str, hint: str | None = None) -> InputError:
        return InputError(message, self.doc.locate(self.pointer), hint)

    @property
    def label(self) -> str:
        return self.pointer or "the document"

    def child(self, key: str | int, value: Any) -> Node:
        return Node(self.doc, pointer_join(self.pointer, key), value)

    # --- shape checks -------------------------------------------------------------------------------

    def expect(self, kind: type) -> Any:
        # bool is a subclass of int in Python; a lab author writing `points: true` made a mistake.
        ok = isinstance(self.value, kind) and not (kind is int and isinstance(self.value, bool))
        if not ok:
            raise self.error(f"{self.label} must be {_TYPE_NAMES.get(kind, kind.__name__)}, not {_describe(self.value)}")
        return self.value

    def mapping(self, allowed: set[str] | frozenset[str], required: set[str] | frozenset[str] = frozenset()) -> Node:
        data = self.expect(dict)
        for key in data:
            if not isinstance(key, str):
                raise self.error(f"{self.label} has a key {key!r} that is not text")
            if key not in allowed:
                raise self.child(key, data[key]).error(
                    f"unknown field {key!r} in {self.label}",
                    f"allowed fields here: {', '.join(sorted(allowed))}",
                )
        for key in sorted(required):
            if key not in data:
                raise self.error(f"{self.label} is missing the required field {key!r}")
        return self

    def items(self) -> Iterator[Node]:
        for index, item in enumerate(self.expect(list)):
            yield self.child(index, item)

    def entries(self) -> Iterator[tuple[str, Node]]:
        for key, item in self.expect(dict).items():
            yield str(key), self.child(str(key), item)

    # --- field reads --------------------------------------------------------------------------------

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def field(self, key: str) -> Node:
        return self.child(key, self.value.get(key) if isinstance(self.value, dict) else None)

    def text(self, key: str, default: str | None = None) -> str:
        if not self.has(key):
            if default is None:
                raise self.error(f"{self.label} is missing the required field {key!r}")
            return default
        value: str = self.field(key).expect(str)
        if not value.strip():
            raise self.field(key).error(f"{self.field(key).label} must not be empty")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def integer(self, key: str, default: int | None = None, minimum: int = 0) -> int:
        if not self.has(key):
            if default is None:
                raise self.error(f"{self.label} is missing the required field {key!r}")
            return default
        node = self.field(key)
        value: int = node.expect(int)
        if value < minimum:
            raise node.error(f"{node.label} must be {minimum} or more, not {value}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        value: bool = self.field(key).expect(bool)
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(key, default)
        if value not in choices:
            raise self.field(key).error(
                f"{self.field(key).label} is {value!r}, which is not one of: {', '.join(choices)}"
            )
        return value


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, bool) and kind is bool:
            return f"{name} ({value!r})"
        if isinstance(value, kind) and not isinstance(value, bool):
            return f"{name} ({value!r})" if kind in (str, int) else name
    return type(value).__name__


def relative_path(node: Node) -> str:
    """A path inside the lab or submission folder: relative, forward slashes, never climbing out."""
    value: str = node.expect(str)
    path = PurePosixPath(value)
    if not value.strip() or path.is_absolute() or ".." in path.parts or "\\" in value:
        raise node.error(f"{value!r} must be a relative path inside the folder, like 'permissions.json'")
    return value


def inside(folder: Path, relative: str, what: str = "submission folder") -> Path:
    """`folder/relative`, refusing links that lead out of the folder (a submission is read, never trusted;
    a lab's files, its workload included, must come with the lab, not from elsewhere on the machine)."""
    path = folder / relative
    try:
        resolved = path.resolve()
        base = folder.resolve()
    except (OSError, RuntimeError):
        raise InputError("cannot resolve this path (a link loop?)", Where(str(path))) from None
    if not resolved.is_relative_to(base):
        raise InputError(
            f"this file is a link to somewhere outside the {what}",
            Where(str(path)),
            "replace the link with the file itself",
        )
    return path
