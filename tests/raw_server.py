"""A raw-socket loopback server that misbehaves where http.server cannot (issue 13).

    with RawServer() as bad:
        bad.static("/feed.xml", b"<rss>...</rss>")      # an ordinary 200 response
        bad.misbehave("/page", "header_bytes")           # status line, then a header byte a second
        Fetcher(...).get(bad.url + "/page")

Behaviours (BEHAVIOURS): ``header_bytes`` and ``header_lines`` send the status line
and then drip the headers (one byte, or one header line, per ``interval``);
``continue_flood`` sends ``HTTP/1.1 100 Continue`` responses as fast as the client
reads them (http.client skips 1xx responses in a loop); ``silent`` accepts, reads
the request and sends nothing; ``tls_drip`` (route "tls": the whole server) answers
a TLS ClientHello with a record header and then a byte a second. Every connection gets its own daemon thread whose
loop ends by itself: when the client hangs up, after ``MAX_SECONDS``, or when
the server is closed. ``seconds(path)`` tells how long a client held on.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

MAX_SECONDS = 120.0  # no connection is served longer than this, whatever the client does
REQUEST_LIMIT = 64 * 1024
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class RawServer:
    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._routes: dict[str, Callable[[socket.socket], None]] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.hits: dict[str, int] = {}
        self.held: dict[str, list[float]] = {}  # path -> seconds each connection lasted
        self._acceptor = threading.Thread(target=self._accept, name="raw-accept", daemon=True)

    # -- scripting ------------------------------------------------------------------
    def static(self, path: str, body: bytes, content_type: str = "application/rss+xml") -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        response = head.encode() + b"Connection: close\r\n\r\n" + body
        self._routes[path] = lambda conn: conn.sendall(response)

    def static_raw(self, path: str, response: bytes) -> None:
        """Send ``response`` as it is (status line and headers included), then close."""
        self._routes[path] = lambda conn: conn.sendall(response)

    def misbehave(self, path: str, behaviour: str) -> None:
        self._routes[path] = getattr(self, "_" + behaviour)

    def seconds(self, path: str) -> list[float]:
        with self._lock:
            return list(self.held.get(path, ()))

    # -- behaviours: each loop ends by itself --------------------------------------------
    def _header_bytes(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        header = b"X-Drip: " + b"d" * 60_000  # within http.client's 64 KiB line limit
        started = time.monotonic()
        for i in range(len(header)):
            if not self._pause(started):
                return
            conn.sendall(header[i : i + 1])

    def _header_lines(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        started = time.monotonic()
        for i in range(90):  # below http.client's 100 header lines
            if not self._pause(started):
                return
            conn.sendall(b"X-Drip-%d: one line a second\r\n" % i)

    def _tls_drip(self, conn: socket.socket) -> None:
        """A TLS handshake record header promising 16 KiB, then a byte a second (no request is read)."""
        conn.sendall(b"\x16\x03\x03\x40\x00")
        started = time.monotonic()
        while self._pause(started):
            conn.sendall(b"\x02")

    def _continue_flood(self, conn: socket.socket) -> None:
        batch = CONTINUE * 256
        started = time.monotonic()
        while not self._stop.is_set() and time.monotonic() - started < MAX_SECONDS:
            conn.sendall(batch)  # blocks while the client does not read; raises when it hangs up

    def _silent(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        started = time.monotonic()
        while not self._stop.is_set() and time.monotonic() - started < MAX_SECONDS:
            try:
                if conn.recv(4096) == b"":
                    return  # the client hung up
            except TimeoutError:
                continue

    def _pause(self, started: float) -> bool:
        """Wait one interval; False when the server is closing or the connection is old enough."""
        return not self._stop.wait(self.interval) and time.monotonic() - started < MAX_SECONDS

    # -- plumbing ---------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), name="raw-conn", daemon=True)
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        started = time.monotonic()
        path = "?"
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.settimeout(MAX_SECONDS)
            path = "tls" if "tls" in self._routes else read_request_path(conn)
            with self._lock:
                self.hits[path] = self.hits.get(path, 0) + 1
            route = self._routes.get(path)
            if route is None:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            else:
                route(conn)
        except OSError:
            pass  # the client hung up: what a bounded client does
        finally:
            conn.close()
            with self._lock:
                self.held.setdefault(path, []).append(time.monotonic() - started)

    def __enter__(self) -> RawServer:
        self._acceptor.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._acceptor.join(5)
        self._listener.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(5)


def read_request_path(conn: socket.socket) -> str:
    """The path of the request line; reads the head (at most REQUEST_LIMIT bytes)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < REQUEST_LIMIT:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    parts = data.split(b"\r\n", 1)[0].split(b" ")
    return parts[1].decode("latin-1") if len(parts) >= 2 else "?"
