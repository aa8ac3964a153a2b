"""The gateway's HTTP server: threads, kept-alive connections, bounded bodies, clean shutdown.

A client cannot hold the gateway: every read waits at most `read_timeout` seconds, a whole request
(line, headers, body) must arrive within `request_deadline` seconds, and at most `max_connections`
connections are served at once; one more is answered 503 SlowDown and closed at once, so a client
that opens connections and sends nothing never starves the others.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from checker.emulate.gateway.core import GatewayCore, Reply
from checker.emulate.wire.http import HttpRequest

MAX_BODY_BYTES = 64 * 1024 * 1024
_MAX_CHUNK_LINE = 1024
READ_TIMEOUT = 30.0  # seconds one read may wait: an idle kept-alive connection is closed after it
REQUEST_DEADLINE = 120.0  # seconds a whole request may take to arrive (a trickling client is cut off)
MAX_CONNECTIONS = 64
_BUSY_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
)
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nConnection: close\r\n"
    b"Retry-After: 1\r\nContent-Length: " + str(len(_BUSY_BODY)).encode() + b"\r\n\r\n" + _BUSY_BODY
)


class _DeadlineReader(io.RawIOBase):
    """A socket reader whose every read waits at most the idle timeout and the request's time left."""

    def __init__(self, sock: socket.socket, idle: float) -> None:
        self.sock = sock
        self.idle = idle
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        timeout = self.idle
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
            if timeout <= 0:
                raise TimeoutError("the request did not arrive in time")
        self.sock.settimeout(timeout)
        return self.sock.recv_into(buffer)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep connections alive, as SDKs expect
    disable_nagle_algorithm = True  # small answers go out at once, not after the 40 ms delayed ACK
    server: GatewayServer

    def log_message(self, format: str, *args: Any) -> None:  # the audit log is the record
        return

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the socket's own file would keep it open after the connection ends
        self._reader = _DeadlineReader(self.connection, self.server.read_timeout)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # The clock for the next request starts now: waiting for it is bounded by the idle timeout,
        # and reading all of it by the deadline (BaseHTTPRequestHandler closes on TimeoutError).
        self._reader.deadline = time.monotonic() + self.server.request_deadline
        super().handle_one_request()

    def _read_body(self) -> bytes | None:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            return self._read_chunked()
        length_text = self.headers.get("Content-Length") or "0"
        try:
            length = int(length_text)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes | None:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(_MAX_CHUNK_LINE)
            try:
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            except ValueError:
                return None
            if size == 0:
                while self.rfile.readline(_MAX_CHUNK_LINE) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY_BYTES:
                return None
            parts.append(self.rfile.read(size))
            self.rfile.readline(_MAX_CHUNK_LINE)

    def _serve(self) -> None:
        body = self._read_body()
        self._reader.deadline = None  # the request is in; the backend's time is the forwarder's
        self.connection.settimeout(self.server.read_timeout)  # writing the answer waits as long as a read
        if body is None:
            self._reply(
                Reply(413, [("Content-Type", "text/plain")], b"request body missing, malformed or too large")
            )
            self.close_connection = True
            return
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        request = HttpRequest(self.command, self.path, headers, body, self.client_address[0], False)
        try:
            reply = self.server.core.handle(request)
        except (ConnectionError, TimeoutError, OSError) as exc:
            reply = Reply(
                502, [("Content-Type", "text/plain")], f"the backend did not answer: {exc}".encode()
            )
        self._reply(reply)

    def _reply(self, reply: Reply) -> None:
        self.send_response(reply.status, reply.reason or None)
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.command != "HEAD" or not any(name.lower() == "content-length" for name, _ in reply.headers):
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        core: GatewayCore,
        host: str = "127.0.0.1",
        port: int = 4599,
        read_timeout: float = READ_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        request_deadline: float = REQUEST_DEADLINE,
    ) -> None:
        self.core = core
        self.read_timeout = read_timeout
        self.request_deadline = request_deadline
        self.max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            _turn_away(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.core.forwarder.release()  # this thread's backend connection ends with its client's
            self._slots.release()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Serve in a background thread (tests, notebooks)."""
        self._thread = threading.Thread(target=self.serve_forever, name="iamlab-gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.core.forwarder.close()


def _turn_away(sock: socket.socket) -> None:
    """503 SlowDown (S3's and botocore's retryable "too busy"), sent without reading the request."""
    try:
        sock.settimeout(1.0)
        sock.sendall(_BUSY)
    except OSError:
        pass  # the client is gone or not reading: closing it is all that is left
