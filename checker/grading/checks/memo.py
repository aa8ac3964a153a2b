"""Answers kept for identical input within one process (a class hands in many identical files).

Used by the slow kinds (`within`, `live`): the same input always gives the same answer, so one run
serves every learner who handed it in. Nothing is kept between processes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from checker.core.engine import WithinResult, WithinStatus
from checker.core.source import LoadedDocument

T = TypeVar("T")


class InputMemo(Generic[T]):
    """Answers by the stable JSON text of their input; the oldest is dropped beyond `size`."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._answers: dict[str, T] = {}

    def answer(
        self,
        parts: Any,
        compute: Callable[[], T],
        default: Callable[[Any], Any] | None = None,
        keep: Callable[[T], bool] | None = None,
    ) -> T:
        """The answer for `parts`, computed once; input without a stable text form is never kept, nor an
        answer `keep` refuses."""
        try:
            # Keys in their order: a proof may find its counterexample in a different order when a learner's
            # file lists the same keys differently, so such files are not the same input.
            text = json.dumps(parts, default=default)
        except (TypeError, ValueError):
            return compute()
        key = hashlib.sha256(text.encode()).hexdigest()  # a digest: large documents are not kept twice
        found = self._answers.get(key)
        if found is None:
            found = compute()
            if keep is not None and not keep(found):
                return found
            if len(self._answers) >= self._size:
                self._answers.pop(next(iter(self._answers)))
            self._answers[key] = found
        return found


def document_data(value: Any) -> Any:
    """The stable text form of a learner's file for `InputMemo.answer`: its parsed data."""
    return value.data if isinstance(value, LoadedDocument) else repr(value)


def shareable(result: WithinResult) -> bool:
    """A proof or a counterexample holds only what the input decides; an "unknown" names the learner's own
    file in its reason (the statement that could not be encoded), so it is never handed to another
    learner, and each learner's proof is tried afresh."""
    return result.status is not WithinStatus.UNKNOWN
