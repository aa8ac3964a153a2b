"""Cache keys for a decoded document's values (a batch case's policies or setting).

marshal writes each value with its type, so 1, 1.0, True and "1" differ, and `marshal.loads` gives the
value back: no two different values share bytes. It is about six times faster than JSON text with sorted
keys, which a batch otherwise spends more time on than on deciding. A value marshal cannot write (a YAML
request's date) has no key: the caller parses it afresh, and the parser words any error.

`value_key` uses marshal's current format, the fastest. From format 3 on, marshal marks every object that
has more than one reference and writes repeats as back-references, so equal values can get different bytes
(never the other way round): a key then misses, it never confuses. `canonical_key` uses format 2, the last
without references, about 40% slower: for parts of a document that recur elsewhere next to different
neighbours (an AWS policy's Condition blocks, whose strings a decoder shares with the rest of the text),
where the current format missed half the parts already parsed.

`packed_key` is for decoded JSON only (an AWS batch's statements, policies and hierarchies): msgspec's
MessagePack encoder writes each value with its type too (nil, booleans, integers, floats and strings apart;
no references), twice as fast as marshal format 2. It writes a tuple as a list, which decoded JSON never
holds; a value it cannot write (an integer beyond 64 bits, a lone surrogate) has no key.
"""

from __future__ import annotations

import marshal
from typing import Any

CANONICAL_FORMAT = 2  # marshal's format for canonical_key (readers that call marshal themselves use it)
_CANONICAL = CANONICAL_FORMAT


def value_key(value: Any) -> bytes | None:
    try:
        return marshal.dumps(value)
    except ValueError:
        return None


def canonical_key(value: Any) -> bytes | None:
    try:
        return marshal.dumps(value, _CANONICAL)
    except ValueError:
        return None


_pack: Any = None  # msgspec's encoder, made on first use: importing msgspec costs a program that never needs it


def packed_key(value: Any) -> bytes | None:
    global _pack
    if _pack is None:
        import msgspec

        _pack = msgspec.msgpack.Encoder().encode
    try:
        return _pack(value)  # type: ignore[no-any-return]
    except (ValueError, OverflowError, TypeError):  # (UnicodeEncodeError is a ValueError)
        return None
