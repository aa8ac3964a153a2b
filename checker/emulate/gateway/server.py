"""The gateway's HTTP server: threads, kept-alive connections, bounded bodies, clean shutdown."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from checker.emulate.gateway.core import GatewayCore, Reply
from checker.emulate.wire.http import HttpRequest

MAX_BODY_BYTES = 64 * 1024 * 1024
_MAX_CHUNK_LINE = 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep connections alive, as SDKs expect
    disable_nagle_algorithm = True  # small answers go out at once, not after the 40 ms delayed ACK
    server: GatewayServer

    def log_message(self, format: str, *args: Any) -> None:  # the audit log is the record
        return

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

    def __init__(self, core: GatewayCore, host: str = "127.0.0.1", port: int = 4599) -> None:
        self.core = core
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None

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
