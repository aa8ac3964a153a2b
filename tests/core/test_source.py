"""Located loading: every error names file, line and column; duplicate keys are refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker.core.errors import InputError
from checker.core.source import load_document, parse_json, parse_yaml

BAD_JSON = [
    ("duplicate key", '{"a": 1,\n "a": 2}', (2, 2), "duplicate key"),
    ("trailing comma", '{"a": [1, 2,]}', (1, 13), "trailing comma"),
    ("missing comma", '{"a": 1\n "b": 2}', (2, 2), "expected ','"),
    ("single quotes", "{'a': 1}", (1, 2), "double-quoted"),
    ("unterminated string", '{"a": "x}', (1, 7), "Unterminated"),
    ("empty", "   ", (1, 4), "ends where a value was expected"),
    ("extra data", '{"a": 1} {"b": 2}', (1, 10), "extra data"),
    ("bad literal", '{"a": tru}', (1, 7), "unexpected character"),
]


@pytest.mark.parametrize(("text", "position", "needle"), [b[1:] for b in BAD_JSON], ids=[b[0] for b in BAD_JSON])
def test_json_errors_have_positions(text: str, position: tuple[int, int], needle: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_json(text, "f.json")
    where = caught.value.where
    assert where is not None and (where.file, where.line, where.column) == ("f.json", *position)
    assert needle in caught.value.message


def test_positions_point_at_keys_and_items() -> None:
    doc = parse_json('{\n  "Statement": [\n    {"Effect": "Allow"}\n  ]\n}', "p.json")
    assert doc.locate("/Statement/0/Effect").line == 3
    assert doc.locate("/Statement/0/Effect").column == 6
    assert doc.locate("/Statement/0/Missing").line == 3  # falls back to the nearest enclosing value


def test_deep_nesting_is_refused_without_recursion() -> None:
    with pytest.raises(InputError, match="nesting is deeper"):
        parse_json("[" * 100_000 + "]" * 100_000)


def test_large_string_is_linear() -> None:
    doc = parse_json('["' + "x" * 200_000 + '"]')
    assert len(doc.data[0]) == 200_000


def test_numbers_and_literals() -> None:
    assert parse_json('[1, -2.5e3, true, false, null, "\\u00e9"]').data == [1, -2500.0, True, False, None, "é"]


def test_yaml_duplicate_keys_and_positions() -> None:
    with pytest.raises(InputError) as caught:
        parse_yaml("a: 1\nb: 2\na: 3\n", "lab.yaml")
    assert caught.value.where is not None and caught.value.where.line == 3
    doc = parse_yaml("checks:\n  - id: one\n    points: 2\n", "lab.yaml")
    assert doc.locate("/checks/0/points").line == 3


def test_yaml_syntax_error_has_position() -> None:
    with pytest.raises(InputError) as caught:
        parse_yaml("a: [1, 2\nb: 3\n", "lab.yaml")
    assert caught.value.where is not None and caught.value.where.line is not None


def test_yaml_alias_bomb_is_not_expanded() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(12)
    )
    doc = parse_yaml(bomb)
    assert "a" in doc.data


def test_load_document_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_document(tmp_path / "missing.json")
    folder = tmp_path / "dir.json"
    folder.mkdir()
    with pytest.raises(InputError, match="folder"):
        load_document(folder)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not UTF-8"):
        load_document(binary)
    huge = tmp_path / "huge.json"
    huge.write_text("[" + "1," * 10 + "1]")
    with pytest.raises(InputError, match="more than"):
        load_document(huge, limit=5)


def test_integers_over_pythons_digit_limit_are_errors_at_their_position() -> None:
    """Python refuses to convert decimal integers over 4,300 digits (sys.int_info.default_max_str_digits):
    before, the ValueError escaped every loader as a traceback."""
    big = "9" * 5000
    with pytest.raises(InputError) as raised:
        parse_json('{"a": [1,\n  -' + big + "]}", "p.json")
    assert str(raised.value).startswith("p.json:2:3: invalid JSON: this integer has 5,000 digits")
    with pytest.raises(InputError) as raised:
        parse_yaml("a:\n  b: [1, " + big + "]\n", "lab.yaml")
    assert str(raised.value).startswith("lab.yaml:2:10: this integer has 5,000 digits")
    assert parse_json("9" * 4300).data == int("9" * 4300)  # at the limit: read


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_special_files_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "permissions.json"
    os.mkfifo(fifo)  # opening it for a plain read would wait for a writer forever
    with pytest.raises(InputError, match="this is a FIFO \\(named pipe\\), not a regular file"):
        load_document(fifo)
    with pytest.raises(InputError, match="this is a device, not a regular file"):
        load_document("/dev/zero")  # reading it would never end
    with pytest.raises(InputError, match="expected a file but this is a folder"):
        load_document(tmp_path)
