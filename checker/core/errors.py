"""The one error type learners see: what is wrong, where, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """A place in a learner's file. Line and column are 1-based; pointer is an RFC 6901 JSON pointer."""

    file: str
    line: int | None = None
    column: int | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.pointer:
            text += f" (at {self.pointer})"
        return text


class InputError(Exception):
    """Bad input from a learner, an instructor or a tool. Never shown as a traceback."""

    def __init__(self, message: str, where: Where | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"message": self.message}
        if self.where is not None:
            data.update(
                file=self.where.file, line=self.where.line, column=self.where.column, pointer=self.where.pointer
            )
        if self.hint:
            data["hint"] = self.hint
        return data
