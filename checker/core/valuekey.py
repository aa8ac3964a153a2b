"""A cache key for a decoded document's values (a batch case's policies or setting).

marshal writes each value with its type, so 1, 1.0, True and "1" differ, and `marshal.loads` gives the
value back: no two different values share bytes. It is about six times faster than JSON text with sorted
keys, which a batch otherwise spends more time on than on deciding. A value marshal cannot write (a YAML
request's date) has no key: the caller parses it afresh, and the parser words any error.

Format version 2, the last without references: from version 3 on, marshal marks every object that has
more than one reference and writes repeats as back-references, so the same statement gets other bytes
when the rest of its line happens to share a string with it (the JSON decoder shares repeated keys), and a
batch missed its cache for half the statements it had already parsed.
"""

from __future__ import annotations

import marshal
from typing import Any

_VERSION = 2


def value_key(value: Any) -> bytes | None:
    try:
        return marshal.dumps(value, _VERSION)
    except ValueError:
        return None
