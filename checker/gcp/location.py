"""Where a value came from, so every InputError names the file/line/column or the field.

A `Loc` wraps either a loaded file (errors carry line and column from `LoadedDocument.locate`) or
a batch case (errors name the field path, e.g. `allow_policies/…/bindings/0/role`).
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, pointer_join


@dataclass(frozen=True)
class Loc:
    pointer: str = ""
    document: LoadedDocument | None = None
    label: str = "case"

    def child(self, key: str | int) -> Loc:
        return Loc(pointer_join(self.pointer, key), self.document, self.label)

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
