"""Where in a learner's policy the emulator's refusal points, for a live check's failure message.

moto refuses some documents our engine reads (as IAM would refuse most of them): an empty statement
list, a number that is not finite (`1e400`), a region in an S3 ARN, or no `Version` (IAM reads a
missing Version as 2008-10-17; moto insists on 2012-10-17). Its message names no line, so the line is
found from what the message and the document say: the element named, or the value quoted.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from checker.core.source import LoadedDocument, pointer_join


def refusal_failure(document: LoadedDocument, message: str) -> str:
    """One failure sentence: the learner's file and line, what the emulator said, and how to fix it."""
    pointer, fix = _pointer(document.data, message)
    where = document.locate(pointer)
    return (
        f"{where}: the emulator refused to install your policy ({message.rstrip('.')}), so the job could not "
        f"run; {fix}"
    )


def _pointer(data: Any, message: str) -> tuple[str, str]:
    """The element the message is about and how to fix it (the document's start if unsure)."""
    if not isinstance(data, dict):
        return "", "a policy is a JSON object"
    if "version" in message.lower():
        fix = 'write "Version": "2012-10-17" (without it IAM reads the policy as 2008-10-17, without variables)'
        return ("/Version" if "Version" in data else ""), fix
    if data.get("Statement") in ([], {}):
        return "/Statement", "a policy needs at least one statement; IAM refuses an empty list too"
    for pointer, value in _values(data, ""):
        if isinstance(value, float) and not math.isfinite(value):
            return pointer, "this number is too large to be finite (1e400 and the like); IAM refuses it too"
    named = [
        (len(value), pointer)
        for pointer, value in _values(data, "")
        if isinstance(value, str) and len(value) >= 3 and value in message
    ]
    fix = "correct this element; IAM refuses such a policy too"
    return (max(named)[1], fix) if named else ("", fix)


def _values(value: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _values(item, pointer_join(pointer, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _values(item, pointer_join(pointer, index))
    else:
        yield pointer, value
