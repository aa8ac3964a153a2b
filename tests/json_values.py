"""Helpers for tests that walk decoded JSON values."""

from __future__ import annotations

import math
from typing import Any


def objects(value: Any) -> list[dict[str, Any]]:
    """Every object (dict) inside a decoded JSON value, itself included."""
    found = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def strictly_equal(a: Any, b: Any) -> bool:
    """Equal values of equal types, objects with their keys in the same order, floats bit for bit (0.0 is not
    -0.0): what two JSON readers must agree on, or two cache keys tell apart."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(strictly_equal(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(strictly_equal(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is float:
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return bool(a == b)
