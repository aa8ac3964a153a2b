"""An operation with a space or control character is refused: the one regular-expression scan that does it
refuses exactly the characters `str.isspace()` or a code point below 32 name, checked for every code point."""

from __future__ import annotations

import sys

from checker.azure.operations import operation_problem


def test_every_code_point_is_judged_as_isspace_or_control() -> None:
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        expected = ch.isspace() or code < 32
        refused = operation_problem(f"Microsoft.Storage/x{ch}y/read") is not None
        assert refused == expected, hex(code)
