"""The error a malformed condition raises: an InputError that also knows its line and column."""

from __future__ import annotations

from checker.core.errors import InputError, Where


class ConditionError(InputError):
    """A condition that does not parse. `line` and `column` are 1-based, inside the condition text."""

    def __init__(self, message: str, line: int, column: int, hint: str | None = None,
                 where: Where | None = None) -> None:
        super().__init__(message, where or Where("condition", line, column), hint)
        self.line = line
        self.column = column

    def placed(self, where: Where) -> ConditionError:
        """The same error reported at the file location of the condition field."""
        message = f"condition line {self.line}, column {self.column}: {self.message}"
        return ConditionError(message, self.line, self.column, self.hint, where)
