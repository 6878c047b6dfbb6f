"""A scriptable loopback HTTP server for tests (no internet, ever).

    with FixtureServer() as server:
        server.route("/feed.xml", body=b"<rss/>", etag='"v1"')
        server.redirect("/old", "/feed.xml")
        server.serve_dir("/corpus/", folder)
        Fetcher(...).get(server.url + "/feed.xml")
        server.requests  # what the client sent

Every accepted socket gets TCP_NODELAY: without it a keep-alive client waits
for the delayed ACK (~40 ms on Linux) before each response, and a suite of a
few hundred requests crawls (Nagle's algorithm meets delayed ACK, RFC 896).
"""

from __future__ import annotations

import hashlib
import mimetypes
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

CONTENT_TYPES = {
    ".xml": "application/rss+xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
}


class RecordedRequest(NamedTuple):
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased


@dataclass(frozen=True)
class Route:
    body: bytes = b""
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds before the status line
    drip: float | None = None  # bytes per second for the body
    etag: str | None = None
    last_modified: str | None = None
    truncate_to: int | None = None  # send only this many body bytes, then close


@dataclass(frozen=True)
class DirMount:
    folder: Path
    substitute: tuple[tuple[bytes, bytes], ...] = field(default_factory=tuple)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog of 5 stalls clients for a second
    # when a benchmark or a sweep opens dozens of connections at once.
    request_queue_size = 128
    fixture: FixtureServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup
        # that can stall for seconds on a machine without a resolver.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-exchange (a refused body, a timeout) is
        # exactly what half the tests do; only print real handler bugs.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.fixture._record_nodelay(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return conn, addr


class FixtureServer:
    """HTTP/1.1 server on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = {}
        self._mounts: dict[str, DirMount] = {}
        self._requests: list[RecordedRequest] = []
        self._nodelay: list[int] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fixture = self
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    # -- scripting ---------------------------------------------------------

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        drip: float | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        truncate_to: int | None = None,
    ) -> None:
        raw = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(
            body=raw,
            status=status,
            headers=tuple((headers or {}).items()),
            delay=delay,
            drip=drip,
            etag=etag,
            last_modified=last_modified,
            truncate_to=truncate_to,
        )
        with self._lock:
            self._routes[path] = route

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        self.route(path, status=status, headers={"Location": to})

    def serve_dir(self, prefix: str, folder: str | Path, substitute: Mapping[str, str] | None = None) -> None:
        """Serve ``folder`` under ``prefix`` with strong ETags, Last-Modified and 304s."""
        pairs = {"{{BASE}}": self.url} if substitute is None else substitute
        encoded = tuple((k.encode(), v.encode()) for k, v in pairs.items())
        with self._lock:
            self._mounts[prefix] = DirMount(Path(folder), encoded)

    # -- inspection --------------------------------------------------------

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        with self._lock:
            return tuple(self._requests)

    @property
    def nodelay_flags(self) -> tuple[int, ...]:
        """TCP_NODELAY as read back from each accepted socket (1 when set)."""
        with self._lock:
            return tuple(self._nodelay)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _record_nodelay(self, flag: int) -> None:
        with self._lock:
            self._nodelay.append(flag)

    def _lookup(self, path: str) -> Route | None:
        with self._lock:
            routes, mounts = dict(self._routes), dict(self._mounts)
        bare = path.split("?", 1)[0]
        if path in routes or bare in routes:
            return routes.get(path) or routes[bare]
        for prefix, mount in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
            if bare.startswith(prefix):
                return _file_route(mount, bare[len(prefix) :])
        return None

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FixtureServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _file_route(mount: DirMount, relative: str) -> Route | None:
    root = mount.folder.resolve()
    path = (root / relative.lstrip("/")).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    body = path.read_bytes()
    for old, new in mount.substitute:
        body = body.replace(old, new)
    suffix = path.suffix.lower()
    ctype = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
    return Route(
        body=body,
        headers=(("Content-Type", ctype or "application/octet-stream"),),
        etag='"' + hashlib.sha1(body).hexdigest()[:20] + '"',
        last_modified=formatdate(path.stat().st_mtime, usegmt=True),
    )


def _is_chunked(route: Route) -> bool:
    """A route asks for chunked transfer coding with a Transfer-Encoding header."""
    return any(name.lower() == "transfer-encoding" and "chunked" in value.lower() for name, value in route.headers)


def _chunk_encode(body: bytes, *, complete: bool, size: int = 1000) -> bytes:
    pieces = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)]
    return b"".join(pieces) + (b"0\r\n\r\n" if complete else b"")


def _not_modified(route: Route, headers: Mapping[str, str]) -> bool:
    """RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if route.etag is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or route.etag.removeprefix("W/") in tags
    since = headers.get("if-modified-since")
    if since is None or route.last_modified is None:
        return False
    try:
        return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 10  # idle keep-alive connections let their thread go eventually

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep pytest output clean; server.requests is the log

    def _respond(self, *, send_body: bool) -> None:
        fixture = self.server.fixture
        headers = {k.lower(): v for k, v in self.headers.items()}
        fixture._record(RecordedRequest(self.command, self.path, headers))
        route = fixture._lookup(self.path)
        if route is None:
            route = Route(body=b"not found\n", status=404)
        if route.delay:
            time.sleep(route.delay)
        if _not_modified(route, headers):
            self._send_head(304, route, length=None)
            return
        chunked = _is_chunked(route)
        self._send_head(route.status, route, length=None if chunked else len(route.body))
        if send_body:
            self._send_body(route, chunked=chunked)

    def _send_head(self, status: int, route: Route, *, length: int | None) -> None:
        self.send_response(status)
        for name, value in route.headers:
            self.send_header(name, value)
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)
        if length is not None:
            self.send_header("Content-Length", str(length))
        if route.truncate_to is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def _send_body(self, route: Route, *, chunked: bool) -> None:
        body = route.body if route.truncate_to is None else route.body[: route.truncate_to]
        if chunked:
            body = _chunk_encode(body, complete=route.truncate_to is None)
        try:
            if route.drip:
                self._drip(body, route.drip)
            else:
                self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up, as it should

    def _drip(self, body: bytes, rate: float) -> None:
        # Small writes at a steady pace; at 1 B/s each byte is its own packet.
        step = max(1, int(rate / 20))
        for start in range(0, len(body), step):
            self.wfile.write(body[start : start + step])
            self.wfile.flush()
            time.sleep(step / rate)
