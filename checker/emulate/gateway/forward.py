"""Forward an accepted request to the backend over kept-alive loopback connections."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from checker.emulate.wire.http import HttpRequest

# Hop-by-hop headers (RFC 9110 section 7.6.1) and Expect, which the gateway has already answered.
_DROP_REQUEST = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "upgrade",
    "expect",
}
_DROP_RESPONSE = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "content-length"}


def _address_host(host: str, port: int) -> str:
    """host:port with the host as an IP literal (emulators read a dotted name as a bucket)."""
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        address = str(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][0])
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


@dataclass(frozen=True)
class BackendResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


class Forwarder:
    """One kept-alive connection per gateway thread; a stale connection is replaced once."""

    def __init__(self, endpoint_url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the backend must be an http:// URL, not {endpoint_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        # Every forwarded request names the backend by its address, never a name the client chose: a
        # Host such as BUCKET.example makes moto act on BUCKET (see wire/s3address.py).
        self.host_header = _address_host(self.host, self.port)
        self.timeout = timeout
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connection(self, fresh: bool = False) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None or fresh:
            if connection is not None:
                connection.close()
            connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.connection = connection
            with self._lock:
                self._all.append(connection)
        return connection

    def send(self, request: HttpRequest) -> BackendResponse:
        headers = {name: value for name, value in request.headers.items() if name not in _DROP_REQUEST}
        headers["content-length"] = str(len(request.body))
        headers["host"] = self.host_header
        for attempt in (0, 1):
            connection = self._connection(fresh=attempt == 1)
            try:
                connection.request(request.method, request.target, body=request.body, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (http.client.HTTPException, ConnectionError, TimeoutError, OSError):
                connection.close()
                if attempt == 1:
                    raise
                continue
            kept = [
                (name, value) for name, value in response.getheaders() if name.lower() not in _DROP_RESPONSE
            ]
            if request.method.upper() == "HEAD":
                length = response.getheader("content-length")
                if length is not None:
                    kept.append(("Content-Length", length))
            if response.will_close:
                connection.close()
                self._local.connection = None
            return BackendResponse(response.status, response.reason, kept, body)
        raise ConnectionError("unreachable")

    def release(self) -> None:
        """Close this thread's backend connection (its client connection has ended)."""
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            return
        connection.close()
        self._local.connection = None
        with self._lock:
            if connection in self._all:
                self._all.remove(connection)

    def close(self) -> None:
        with self._lock:
            for connection in self._all:
                connection.close()
            self._all.clear()
