"""Load JSON and YAML while keeping the line and column of every value.

Learners need errors that point at a line, so loaders record where each value starts, keyed by its
JSON pointer. Duplicate object keys are rejected: JSON leaves their meaning open and AWS rejects them.
The JSON parser is iterative (no recursion limit to trip) and uses the C string and number scanners
of the standard library, so a 100 KB string or a deep document costs linear time.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import os
import re
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from checker.core.errors import InputError, Where

if TYPE_CHECKING:
    import yaml

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
MAX_NESTING = 100
# Python refuses to read longer decimal integers (a guard against quadratic conversion); say so first.
MAX_INTEGER_DIGITS = sys.get_int_max_str_digits() or 4300

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = json.scanner.NUMBER_RE
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Position:
    """Where a value starts: line and column (1-based), and the file when it is not the document's own."""

    line: int
    column: int
    # Set when a value came from another file than the document's own (a Terraform local defined in
    # locals.tf and used in main.tf, a policy read with file()): errors then point into that file.
    file: str | None = None


@dataclass(frozen=True)
class SourceLocation:
    """A place in a source file: its line and column, and the JSON pointer of the value found there."""

    file: str
    line: int
    column: int
    pointer: str


def pointer_join(parent: str, key: str | int) -> str:
    token = str(key).replace("~", "~0").replace("/", "~1")
    return f"{parent}/{token}"


@dataclass
class LoadedDocument:
    """Parsed data plus where each value starts; `locate` answers for any pointer inside the document."""

    path: str
    data: Any
    positions: dict[str, Position] = field(default_factory=dict)

    def locate(self, pointer: str) -> Where:
        probe = pointer
        while True:
            position = self.positions.get(probe)
            if position is not None:
                return Where(position.file or self.path, position.line, position.column, pointer or "/")
            if not probe:
                return Where(self.path, None, None, pointer or "/")
            probe = probe.rsplit("/", 1)[0]

    def sub(self, pointer: str, data: Any) -> LoadedDocument:
        """A view of one value inside this document, keeping positions relative to the same file."""
        prefix_len = len(pointer)
        positions = {
            key[prefix_len:]: pos
            for key, pos in self.positions.items()
            if key == pointer or key.startswith(pointer + "/")
        }
        return LoadedDocument(self.path, data, positions)


class _LineIndex:
    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._starts, offset) - 1
        return Position(line + 1, offset - self._starts[line] + 1)


def _too_many_digits(digits: int) -> tuple[str, str]:
    """Message and hint for an integer longer than Python converts."""
    return (
        f"this integer has {digits:,} digits, more than the {MAX_INTEGER_DIGITS:,} this checker reads",
        "no policy, request or lab value needs such a number; check what was pasted here",
    )


def _check_size(text: str, path: str, limit: int) -> None:
    if len(text) > limit:
        raise InputError(
            f"file is {len(text):,} characters, more than the {limit:,} this checker reads",
            Where(path),
            "a policy file is a few kilobytes at most; check that you pointed at the right file",
        )


def parse_json(text: str, path: str = "<input>", limit: int = MAX_DOCUMENT_BYTES) -> LoadedDocument:
    """Parse JSON text into a LoadedDocument, or raise InputError naming the line and column."""
    _check_size(text, path, limit)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _LineIndex(text)
    offsets: dict[str, int] = {}

    def fail(message: str, offset: int, hint: str | None = None) -> InputError:
        pos = lines.position(min(offset, len(text)))
        return InputError(f"invalid JSON: {message}", Where(path, pos.line, pos.column), hint)

    def skip(i: int) -> int:
        return _WHITESPACE.match(text, i).end()  # type: ignore[union-attr]

    def scalar(i: int) -> tuple[Any, int]:
        ch = text[i] if i < len(text) else ""
        if ch == '"':
            try:
                return _scanstring(text, i + 1, True)  # type: ignore[no-any-return]
            except json.JSONDecodeError as exc:
                raise fail(exc.msg, exc.pos) from None
        if text.startswith("true", i):
            return True, i + 4
        if text.startswith("false", i):
            return False, i + 5
        if text.startswith("null", i):
            return None, i + 4
        match = _NUMBER.match(text, i)
        if match is not None:
            integer, frac, exp = match.groups()
            if frac or exp:
                return float(integer + (frac or "") + (exp or "")), match.end()
            digits = len(integer.lstrip("-"))
            if digits > MAX_INTEGER_DIGITS:
                message, hint = _too_many_digits(digits)
                raise fail(message, i, hint)
            return int(integer), match.end()
        if not ch:
            raise fail("the file ends where a value was expected", i)
        if ch == "'":
            raise fail("strings must use double quotes", i, 'write "value", not \'value\'')
        raise fail(f"unexpected character {ch!r} where a value was expected", i)

    # Each stack frame: (container, pointer, pending key for objects, set of keys seen).
    stack: list[tuple[Any, str, list[str | None], set[str]]] = []
    i = skip(0)
    root: Any = None
    have_root = False

    def attach(value: Any, pointer_of_value: str) -> None:
        nonlocal root, have_root
        if not stack:
            root, have_root = value, True
            return
        container, _ptr, pending, _seen = stack[-1]
        if isinstance(container, list):
            container.append(value)
        else:
            key = pending[0]
            assert key is not None
            container[key] = value
            pending[0] = None

    def child_pointer() -> str:
        container, ptr, pending, _seen = stack[-1]
        if isinstance(container, list):
            return pointer_join(ptr, len(container))
        key = pending[0]
        assert key is not None
        return pointer_join(ptr, key)

    expect_value = True
    while True:
        i = skip(i)
        if expect_value:
            pointer = child_pointer() if stack else ""
            offsets.setdefault(pointer, i)
            ch = text[i] if i < len(text) else ""
            if ch and ch in "{[":
                if len(stack) >= MAX_NESTING:
                    raise fail(f"nesting is deeper than {MAX_NESTING} levels", i)
                container: Any = {} if ch == "{" else []
                attach(container, pointer)
                stack.append((container, pointer, [None], set()))
                i = skip(i + 1)
                closing = "}" if ch == "{" else "]"
                if i < len(text) and text[i] == closing:
                    stack.pop()
                    i += 1
                    expect_value = False
                    if not stack:
                        break
                    continue
                if ch == "{":
                    i = _read_key(text, i, stack, fail, offsets)
                continue
            value, i = scalar(i)
            attach(value, pointer)
            expect_value = False
            if not stack:
                break
            continue
        # After a value inside a container: a comma or the closing bracket.
        container, _ptr, _pending, _seen = stack[-1]
        ch = text[i] if i < len(text) else ""
        closing = "]" if isinstance(container, list) else "}"
        if ch == ",":
            i = skip(i + 1)
            if i < len(text) and text[i] == closing:
                raise fail("trailing comma before the closing bracket", i, "remove the last comma")
            if isinstance(container, dict):
                i = _read_key(text, i, stack, fail, offsets)
            expect_value = True
            continue
        if ch == closing:
            stack.pop()
            i += 1
            if not stack:
                break
            continue
        if not ch:
            raise fail(f"the file ends before the closing {closing!r}", i)
        raise fail(f"expected ',' or {closing!r} but found {ch!r}", i, "is a comma missing on the line before?")
    i = skip(i)
    if not have_root:
        raise fail("the file is empty", 0)
    if i != len(text):
        raise fail("extra data after the end of the document", i)
    positions = {ptr: lines.position(off) for ptr, off in offsets.items()}
    return LoadedDocument(path, root, positions)


class _NeedsPositions(Exception):
    """The fast decoder met input only the located parser words correctly (duplicate key, NaN, ...)."""


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _NeedsPositions
    return result


def _refuse_constant(_name: str) -> Any:
    raise _NeedsPositions  # NaN, Infinity and -Infinity are not JSON


# What json.loads(text, object_pairs_hook=..., parse_constant=...) builds on every call, made once.
_CHECKED = json.JSONDecoder(object_pairs_hook=_unique_object, parse_constant=_refuse_constant)


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` levels (the located parser's MAX_NESTING rule)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def parse_json_data(text: str, path: str = "<input>", limit: int = MAX_DOCUMENT_BYTES) -> Any:
    """The `data` of `parse_json(text, path, limit)`, for callers that need no positions (batch lines).

    The standard library's C decoder reads valid input several times faster than the located parser;
    whatever it refuses, or whatever our rules refuse and it would accept (duplicate keys, NaN/Infinity,
    over-long integers, nesting deeper than MAX_NESTING), is parsed again by `parse_json`, so an error
    names exactly the line and column it always did.
    """
    _check_size(text, path, limit)
    body = text[1:] if text.startswith("\ufeff") else text
    try:
        data = _CHECKED.decode(body)
    except (ValueError, _NeedsPositions, RecursionError):
        return parse_json(text, path, limit).data
    nested = isinstance(data, (dict, list))
    if nested and body.count("{") + body.count("[") > MAX_NESTING and _deeper_than(data, MAX_NESTING):
        return parse_json(text, path, limit).data
    return data


# Batch lines without the duplicate-key hook (a third of their decoding time), proved free of duplicate keys by
# counting colons instead. Outside strings, JSON text has exactly one ':' per object member; inside them each
# ':' stays one ':' once decoded, and only an escape \u003a makes a ':' out of other characters. A duplicate
# key loses a member (and whatever its value held) from the decoded data. So for text without such an escape,
# text.count(":") equals `colon_weight(data)` (members of every object plus colons in every string) exactly
# when no object has a duplicate key, and is larger otherwise.
_UNHOOKED = json.JSONDecoder(parse_constant=_refuse_constant)


def json_data_unproved(text: str, limit: int = MAX_DOCUMENT_BYTES) -> tuple[Any, int] | None:
    """The data of JSON `text` decoded without looking for duplicate keys, and the colons of its text.

    The data may be used only once `colon_weight(data)` (or a sum of cached weights of its parts) equals the
    count returned; otherwise, and whenever this returns None (text the C decoder or our rules refuse, a
    colon escape, deep nesting), `parse_json_data` reads the text and words its error.
    """
    if len(text) > limit:
        return None
    body = text[1:] if text.startswith("\ufeff") else text
    if "\\u003a" in body or "\\u003A" in body:
        return None  # an escaped colon would count in the data but not in the text
    try:
        data = _UNHOOKED.decode(body)
    except (ValueError, _NeedsPositions, RecursionError):
        return None
    if isinstance(data, (dict, list)) and body.count("{") + body.count("[") > MAX_NESTING and _deeper_than(
        data, MAX_NESTING
    ):
        return None
    return data, body.count(":")


def colon_weight(value: Any) -> int:
    """Members of every object in a decoded JSON value plus the colons in its strings (keys included): the
    colons of its JSON text when that text had no duplicate key (see `json_data_unproved`)."""
    if type(value) is str:
        return value.count(":")
    weight = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            weight += len(item)
            for key, child in item.items():
                weight += key.count(":")
                if type(child) is str:
                    weight += child.count(":")
                elif type(child) is dict or type(child) is list:
                    stack.append(child)
        elif type(item) is list:
            for child in item:
                if type(child) is str:
                    weight += child.count(":")
                elif type(child) is dict or type(child) is list:
                    stack.append(child)
        elif type(item) is str:
            weight += item.count(":")
    return weight


def _read_key(
    text: str,
    i: int,
    stack: list[tuple[Any, str, list[str | None], set[str]]],
    fail: Any,
    offsets: dict[str, int],
) -> int:
    """Read `"key" :` inside an object, rejecting duplicate keys; return the index after the colon."""
    container, ptr, pending, seen = stack[-1]
    if i >= len(text) or text[i] != '"':
        ch = text[i] if i < len(text) else "end of file"
        raise fail(f"expected a double-quoted member name but found {ch!r}", i)
    try:
        key, end = _scanstring(text, i + 1, True)
    except json.JSONDecodeError as exc:
        raise fail(exc.msg, exc.pos) from None
    if key in seen:
        raise fail(
            f"duplicate key {key!r} in the same object",
            i,
            "JSON leaves duplicate keys ambiguous and AWS rejects them; keep one and merge the values",
        )
    seen.add(key)
    pending[0] = key
    end = _WHITESPACE.match(text, end).end()  # type: ignore[union-attr]
    if end >= len(text) or text[end] != ":":
        raise fail(f"expected ':' after the member name {key!r}", end)
    offsets.setdefault(pointer_join(ptr, key), i)
    return end + 1


def parse_yaml(text: str, path: str = "<input>", limit: int = MAX_DOCUMENT_BYTES) -> LoadedDocument:
    """Parse one YAML document with positions; duplicate keys are errors, as in JSON."""
    # Imported here: PyYAML costs a JSON-only run (a batch) more start-up time than the rest of this module.
    import yaml

    _check_size(text, path, limit)
    # libyaml's parser (when PyYAML was built with it) reads a lab.yaml ten times faster and keeps the same marks.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = Where(path, mark.line + 1, mark.column + 1) if mark else Where(path)
            raise InputError(f"invalid YAML: {exc.problem or exc.context}", where) from None
        except yaml.YAMLError as exc:
            raise InputError(f"invalid YAML: {exc}", Where(path)) from None
        except RecursionError:
            raise InputError("invalid YAML: nesting is too deep", Where(path)) from None
        if node is None:
            return LoadedDocument(path, None, {"": Position(1, 1)})
        positions = _yaml_positions(node, path)
        try:
            data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise InputError(f"invalid YAML value: {exc}", Where(path)) from None
        except ValueError as exc:  # an integer longer than Python reads (the only ValueError found so far)
            raise _long_number(node, path, exc) from None
        except RecursionError:
            raise InputError("invalid YAML: nesting is too deep", Where(path)) from None
    finally:
        loader.dispose()
    return LoadedDocument(path, data, positions)


def _long_number(root: yaml.Node, path: str, exc: ValueError) -> InputError:
    """The error for a value PyYAML could not convert, at the first over-long number."""
    import yaml

    work = [root]
    seen: set[int] = set()
    while work:
        node = work.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            digits = sum(char.isdigit() for char in str(node.value))
            if digits > MAX_INTEGER_DIGITS:
                message, hint = _too_many_digits(digits)
                mark = node.start_mark
                return InputError(message, Where(path, mark.line + 1, mark.column + 1), hint)
        elif isinstance(node, yaml.SequenceNode):
            work.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in reversed(node.value):
                work.extend((value_node, key_node))
    return InputError(f"invalid YAML value: {exc}", Where(path))


def _yaml_positions(root: yaml.Node, path: str) -> dict[str, Position]:
    import yaml

    positions: dict[str, Position] = {}
    visited: set[int] = set()
    work: list[tuple[yaml.Node, str, int]] = [(root, "", 0)]
    while work:
        node, pointer, depth = work.pop()
        positions.setdefault(pointer, Position(node.start_mark.line + 1, node.start_mark.column + 1))
        if id(node) in visited:  # aliases point at a node already walked; do not expand them again
            continue
        visited.add(id(node))
        if depth > MAX_NESTING:
            raise InputError(f"invalid YAML: nesting is deeper than {MAX_NESTING} levels", Where(path))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    mark = key_node.start_mark
                    raise InputError(
                        f"duplicate key {key!r} in the same mapping",
                        Where(path, mark.line + 1, mark.column + 1),
                        "keep one of them; YAML loaders disagree on which one wins",
                    )
                seen.add(key)
                child = pointer_join(pointer, key)
                # Point at the key, as the JSON loader does: that is where a learner looks.
                positions[child] = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                work.append((value_node, child, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                work.append((item, pointer_join(pointer, index), depth + 1))
    return positions


def load_document(path: str | Path, limit: int = MAX_DOCUMENT_BYTES) -> LoadedDocument:
    """Read a JSON or YAML file (by extension; .yaml/.yml are YAML) into a LoadedDocument."""
    file = Path(path)
    name = str(path)
    text = read_text_file(file, limit)
    if file.suffix.lower() in (".yaml", ".yml"):
        return parse_yaml(text, name, limit)
    return parse_json(text, name, limit)


def read_text_file(file: Path, limit: int = MAX_DOCUMENT_BYTES, what: str = "file") -> str:
    """The UTF-8 text of a regular file (`read_regular_file`), or an InputError naming the file."""
    raw = read_regular_file(file, limit, what)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the {what} is not UTF-8 text (byte {exc.start})", Where(str(file))) from None


def read_regular_file(file: Path, limit: int = MAX_DOCUMENT_BYTES, what: str = "file",
                      prefix: bool = False) -> bytes:
    """The bytes of a regular file, refusing folders, FIFOs, devices and sockets without blocking.

    Opening a FIFO for reading waits for a writer and reading a device may never end, so the file is
    opened non-blocking and checked on the open handle (no gap in which it could be swapped). With
    `prefix`, only the first `limit` bytes are read (a reader that sniffs a file's kind) and a longer file
    is no error.
    """
    name = str(file)
    with _regular(file, what) as handle:
        size = os.fstat(handle).st_size
        if size > limit and not prefix:
            raise InputError(f"{what} is {size:,} bytes, more than the {limit:,} this checker reads", Where(name))
        try:
            with os.fdopen(handle, "rb", closefd=False) as stream:
                data = stream.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read the {what}: {exc.strerror}", Where(name)) from None
    if len(data) > limit:
        if prefix:
            return data[:limit]
        raise InputError(f"{what} is more than the {limit:,} bytes this checker reads", Where(name))
    return data


@contextmanager
def regular_file_handle(file: Path, what: str = "file") -> Iterator[BinaryIO]:
    """A blocking binary stream of a regular file, refused like `read_regular_file` refuses (for readers that
    stream a file line by line, such as an audit log)."""
    with _regular(file, what) as handle, os.fdopen(handle, "rb", closefd=False) as stream:
        yield stream


@contextmanager
def _regular(file: Path, what: str) -> Iterator[int]:
    name = str(file)
    try:
        handle = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError(f"{what} not found", Where(name)) from None
    except IsADirectoryError:
        raise InputError(f"expected a {what} but this is a folder", Where(name)) from None
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror}", Where(name)) from None
    try:
        info = os.fstat(handle)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"expected a {what} but this is a folder", Where(name))
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"this is {_file_kind(info.st_mode)}, not a regular file, so it is not read",
                Where(name),
                "put it in an ordinary file (a FIFO or device could block the checker forever)",
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(handle, True)
        yield handle
    finally:
        os.close(handle)


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
