"""JSON without whitespace for values that cannot contain themselves (decoded JSON, answers built here).

`json.dumps` and `JSONEncoder.encode` make a new C encoder on every call, and check each container for a
circular reference; a batch writes thousands of such values, so the C encoder is made once, without that
check (a value that did contain itself would raise RecursionError, never loop).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any


def compact_writer(*, ascii_only: bool) -> Callable[[Any], str]:
    """A function writing a value as `json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only)` does."""
    fallback = json.JSONEncoder(separators=(",", ":"), ensure_ascii=ascii_only)
    if c_make_encoder is None:
        return fallback.encode
    strings = encode_basestring_ascii if ascii_only else encode_basestring
    encoder = c_make_encoder(None, fallback.default, strings, None, ":", ",", False, False, True)

    def write(value: Any) -> str:
        return "".join(encoder(value, 0))

    return write


_fast_encode: Any = None  # msgspec's JSON encoder, made on first use (importing msgspec costs who never needs it)
_standard = compact_writer(ascii_only=False)


def compact_colons(value: Any) -> int:
    """The colons of a decoded JSON value's compact JSON: one per object member, and those in its strings (no
    encoder escapes a colon), i.e. its `colon_weight` (core/source.py). Written by msgspec, five times faster
    than the standard library's encoder, which writes what msgspec cannot (a lone surrogate)."""
    global _fast_encode
    if _fast_encode is None:
        import msgspec

        _fast_encode = msgspec.json.Encoder().encode
    try:
        return _fast_encode(value).count(b":")  # type: ignore[no-any-return]
    except (TypeError, ValueError, OverflowError):  # (UnicodeEncodeError is a ValueError)
        return _standard(value).count(":")
