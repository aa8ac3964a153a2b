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
        if base is not None and base.line is not None:
            # The value starts at base (its opening quote); the expression's own line 1 starts one char later.
            file_line = base.line + line - 1
            file_column = (base.column or 1) + column if line == 1 else column
            return InputError(message, Where(base.file, file_line, file_column, self.pointer), hint)
        place = f"{self.label} field {self.field}" if self.pointer else self.label
        return InputError(
            f"{place}, line {line} column {column} of the expression: {message}",
            None,
            hint,
        )
