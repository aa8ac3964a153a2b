"""One HTTP request as the gateway received it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # the request-target as sent: raw path and query, still percent-encoded
    headers: dict[str, str]  # names lowercased; repeated headers joined with ","
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    secure: bool = False

    @property
    def raw_path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def raw_query(self) -> str:
        return urlsplit(self.target).query

    def query_items(self) -> list[tuple[str, str]]:
        return parse_qsl(self.raw_query, keep_blank_values=True)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)
