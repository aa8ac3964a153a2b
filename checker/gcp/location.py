"""Where a value came from, so every InputError names the file/line/column or the field.

A `Loc` wraps either a loaded file (errors carry line and column from `LoadedDocument.locate`) or
a batch case (errors name the field path, e.g. `allow_policies[...].bindings[0].role`). Children are
cheap to make: the JSON pointer is only built when an error needs it.
"""

from __future__ import annotations

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, pointer_join


def shown(value: object, limit: int = 80) -> str:
    """repr() of a learner's value, shortened: a hostile 100 KB value must not flood the message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Loc:
    __slots__ = ("_key", "_parent", "_pointer", "document", "label")

    def __init__(
        self,
        pointer: str = "",
        document: LoadedDocument | None = None,
        label: str = "case",
        *,
        parent: Loc | None = None,
        key: str | int | None = None,
    ) -> None:
        self._pointer: str | None = pointer if parent is None else None
        self.document = document
        self.label = label
        self._parent = parent
        self._key = key

    def child(self, key: str | int) -> Loc:
        return Loc(document=self.document, label=self.label, parent=self, key=key)

    @property
    def pointer(self) -> str:
        if self._pointer is None:
            assert self._parent is not None and self._key is not None
            self._pointer = pointer_join(self._parent.pointer, self._key)
        return self._pointer

    @property
    def field(self) -> str:
        """The pointer in a readable form: allow_policies["//storage…/buckets/b"].bindings[0].role."""
        text = ""
        for token in self.pointer.split("/")[1:]:
            name = token.replace("~1", "/").replace("~0", "~")
            if name.isdigit():
                text += f"[{name}]"
            elif name.isidentifier():
                text += f".{name}" if text else name
            else:
                text += f"[{name!r}]"
        return text

    def where(self) -> Where | None:
        if self.document is None:
            return None
        return self.document.locate(self.pointer)

    def error(self, message: str, hint: str | None = None) -> InputError:
        if self.document is not None:
            return InputError(message, self.document.locate(self.pointer), hint)
        if not self.pointer:
            return InputError(f"{self.label}: {message}", None, hint)
        return InputError(f"{self.label} field {self.field}: {message}", None, hint)

    def error_at(self, message: str, line: int, column: int, hint: str | None = None) -> InputError:
        """An error inside a string value (a CEL expression): line/column relative to that string."""
        base = self.where()
        if base is not None and base.line is not None and base.column is not None:
            found = _in_json_string(base.file, base.line, base.column, line, column)
            if found is not None:
                return InputError(message, Where(base.file, base.line, found, self.pointer), hint)
            # Not a one-line JSON member (YAML, say): count from where the value is recorded.
            file_line = base.line + line - 1
            file_column = base.column + column if line == 1 else column
            return InputError(message, Where(base.file, file_line, file_column, self.pointer), hint)
        place = f"{self.label} field {self.field}" if self.pointer else self.label
        return InputError(
            f"{place}, line {line} column {column} of the expression: {message}",
            None,
            hint,
        )


def _in_json_string(path: str, line: int, column: int, inner_line: int, inner_column: int) -> int | None:
    """The file column of (inner_line, inner_column) of a JSON string value whose member starts at
    (line, column) as `"key": "value"` on one line, counting escapes (`\\"` is two characters in the
    file, one in the value). None when the file does not read that way; errors only, so reading the file
    again costs nothing on the way of a correct submission."""
    try:
        with open(path, encoding="utf-8") as handle:
            rows = handle.read().split("\n")
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not 0 < line <= len(rows):
        return None
    row = rows[line - 1]
    i = _after_string(row, column - 1)
    if i is None:
        return None
    while i < len(row) and row[i] in " \t":
        i += 1
    if i >= len(row) or row[i] != ":":
        return None
    i += 1
    while i < len(row) and row[i] in " \t":
        i += 1
    if i >= len(row) or row[i] != '"':
        return None
    decoded = _decoded(row, i)
    if decoded is None:
        return None
    value, raw_starts = decoded
    lines = value.split("\n")
    if not 0 < inner_line <= len(lines):
        return None
    offset = sum(len(text) + 1 for text in lines[: inner_line - 1]) + inner_column - 1
    return raw_starts[min(offset, len(raw_starts) - 1)] + 1


def _after_string(row: str, start: int) -> int | None:
    """The index after the JSON string that starts at `start`, or None."""
    decoded = _decoded(row, start)
    return None if decoded is None else decoded[1][-1] + 1


def _decoded(row: str, start: int) -> tuple[str, list[int]] | None:
    """A JSON string starting at row[start] == '"': its characters, and for each the index in `row`
    where it starts, plus the index of the closing quote last."""
    if start >= len(row) or row[start] != '"':
        return None
    chars: list[str] = []
    starts: list[int] = []
    i = start + 1
    while i < len(row):
        ch = row[i]
        if ch == '"':
            return "".join(chars), [*starts, i]
        starts.append(i)
        if ch == "\\":
            step = 6 if row[i + 1 : i + 2] == "u" else 2
            chars.append({"n": "\n", "t": "\t"}.get(row[i + 1 : i + 2], "?"))
            i += step
        else:
            chars.append(ch)
            i += 1
    return None
