"""The lab's CloudTrail: one JSON line per decision, appended as calls are decided."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from checker.core.errors import InputError, Where
from checker.core.source import parse_json_data, regular_file_handle


@dataclass(frozen=True)
class AuditRecord:
    time: str  # ISO 8601, UTC
    principal: str
    action: str
    resource: str
    decision: str  # "allow", "explicit_deny", "implicit_deny", "error"
    statement: str | None  # the deciding policy and statement, when one decided
    service: str
    operation: str
    source_ip: str | None = None
    reason: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)  # the call's own condition keys (s3:prefix...)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["context"] = _jsonable(self.context)
        return data


class AuditLog:
    """Appends records to a file (or stream) as JSON lines; safe to share between threads."""

    def __init__(self, target: str | Path | TextIO) -> None:
        self._lock = threading.Lock()
        if isinstance(target, str | Path):
            self._stream: TextIO = open(target, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
            self._owned = True
        else:
            self._stream = target
            self._owned = False

    def write(self, record: AuditRecord) -> None:
        line = json.dumps(record.to_json(), separators=(",", ":"))
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def close(self) -> None:
        if self._owned:
            self._stream.close()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


REQUIRED_FIELDS = ("principal", "action", "resource", "decision")


MAX_AUDIT_LINE_BYTES = 1024 * 1024  # a gateway line is a few hundred bytes; far longer is not an audit line


def read_audit(path: str | Path) -> Iterator[AuditRecord]:
    """Records of an audit file (a regular file, read line by line); a malformed line is an InputError
    naming its line."""
    name = str(path)
    with regular_file_handle(Path(path), "audit file") as handle:
        for number, raw in enumerate(iter(lambda: handle.readline(MAX_AUDIT_LINE_BYTES + 1), b""), start=1):
            if len(raw) > MAX_AUDIT_LINE_BYTES:
                raise InputError(f"line {number} is longer than the {MAX_AUDIT_LINE_BYTES:,} bytes an audit line may have",
                                 Where(name, number, 1), "each line is one JSON object written by `iamlab gateway`")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"not UTF-8 text (byte {exc.start} of the line)", Where(name, number, 1)) from None
            if not line.strip():
                continue
            yield _record(_decoded(line, name, number), name, number)


def _decoded(line: str, name: str, number: int) -> Any:
    try:
        return parse_json_data(line, name)
    except InputError as exc:
        where = exc.where
        column = where.column if where is not None else 1
        raise InputError(f"not a JSON line: {exc.message}", Where(name, number, column),
                         "each line is one JSON object") from None


def _record(data: Any, name: str, number: int) -> AuditRecord:
    if not isinstance(data, Mapping):
        raise InputError("each line must be a JSON object", Where(name, number, 1))
    missing = [key for key in REQUIRED_FIELDS if not isinstance(data.get(key), str)]
    if missing:
        raise InputError(
            f"the record lacks {', '.join(missing)}",
            Where(name, number, 1),
            "audit lines are written by `iamlab gateway`; use its file as it is",
        )
    return AuditRecord(
        time=str(data.get("time", "")),
        principal=data["principal"],
        action=data["action"],
        resource=data["resource"],
        decision=data["decision"],
        statement=data.get("statement") if isinstance(data.get("statement"), str) else None,
        service=str(data.get("service", "")),
        operation=str(data.get("operation", "")),
        source_ip=data.get("source_ip") if isinstance(data.get("source_ip"), str) else None,
        reason=str(data.get("reason", "")),
        context=dict(data["context"]) if isinstance(data.get("context"), Mapping) else {},
    )
