"""Serve the output folder read-only over HTTP (WSGI app + waitress).

Only regular files inside the folder are served: no ``..``, no hidden files
(write_atomic's temp files are hidden), no symlink that leaves the folder.
Every file gets a strong ETag (hash of its bytes) and Last-Modified, so feed
readers' conditional GETs end in a 304.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import mimetypes
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import waitress
from waitress import wasyncore
from waitress.trigger import trigger as WaitressTrigger

from topicwire.errors import ConfigError, TopicwireError

Health = Callable[[], Mapping[str, Any]]
Headers = tuple[tuple[str, str], ...]

CONTENT_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
FEED_EXTENSIONS = (".rss", ".atom", ".json")
HEALTH_PATH = "/healthz"
GZIP_MIN_BYTES = 512  # below this gzip's header costs more than it saves
METRICS_PATH = "/metrics"
Exposition = Callable[[], tuple[bytes, str]]  # Prometheus text and its content type
ApiAnswer = Callable[[str, str], tuple[int, bytes]]  # (path, query string) -> (status, JSON)
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found"}
# Readers may keep a copy but must revalidate; with ETags that costs a 304.
CACHE_CONTROL = "no-cache"


@dataclass(frozen=True)
class Response:
    status: str
    headers: Headers
    body: bytes = b""


def _text(status: str, message: str, extra: Headers = ()) -> Response:
    body = f"{message}\n".encode()
    headers = (("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))))
    return Response(status, headers + extra, body)


NOT_FOUND = _text("404 Not Found", "404 Not Found")
NOT_ALLOWED = _text("405 Method Not Allowed", "405 Method Not Allowed", (("Allow", "GET, HEAD"),))


# --- path checks ------------------------------------------------------------


def _request_path(environ: WSGIEnvironment) -> str:
    # PEP 3333: PATH_INFO is already %-decoded, as bytes smuggled in latin-1.
    raw = environ.get("PATH_INFO", "") or "/"
    return raw.encode("latin-1").decode("utf-8", errors="replace")


def _bad_segment(segment: str) -> bool:
    return segment in ("", ".", "..") or segment.startswith(".") or any(c in segment for c in ("\\", "\x00", "\ufffd"))


def resolve(out_dir: Path, url_path: str) -> Path | None:
    """The file a URL path names inside ``out_dir``, or None if it must not be served."""
    segments = url_path.removeprefix("/").split("/")
    if any(_bad_segment(s) for s in segments):
        return None  # also rejects absolute paths: "//etc" has an empty segment
    root = Path(os.path.realpath(out_dir))
    target = Path(os.path.realpath(root.joinpath(*segments)))
    if not target.is_relative_to(root):
        return None  # a symlink pointing out of the folder
    if any(part.startswith(".") for part in target.relative_to(root).parts):
        return None  # a symlink pointing at a hidden (temp) file
    return target if target.is_file() else None


# --- conditional requests ---------------------------------------------------


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2): ignore "W/".
    tags = (t.strip().removeprefix("W/") for t in header.split(","))
    return any(t in ("*", etag) for t in tags)


def _not_modified_since(header: str, mtime: int) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False  # an unparseable date is ignored (RFC 9110 13.1.3)
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return mtime <= since.timestamp()


def _is_fresh(environ: WSGIEnvironment, etag: str, mtime: int | None) -> bool:
    # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since is None or mtime is None:
        return False
    return _not_modified_since(if_modified_since, mtime)


def _content(environ: WSGIEnvironment, data: bytes, content_type: str, mtime: int | None) -> Response:
    """200 or 304 for a body, with validators; gzip when the client asks for it."""
    etag = _etag(data)
    encoding: Headers = ()
    if len(data) >= GZIP_MIN_BYTES and _accepts_gzip(environ):
        # A strong ETag names exact bytes (RFC 9110 8.8.3): the gzip variant gets its own.
        data, etag, encoding = (
            gzip.compress(data, compresslevel=6, mtime=0),
            etag[:-1] + '-gz"',
            (("Content-Encoding", "gzip"),),
        )
    validators: Headers = (("ETag", etag), ("Cache-Control", CACHE_CONTROL), ("Vary", "Accept-Encoding"))
    if mtime is not None:
        validators += (("Last-Modified", formatdate(mtime, usegmt=True)),)
    if _is_fresh(environ, etag, mtime):
        return Response("304 Not Modified", validators)
    headers = (
        ("Content-Type", content_type),
        ("Content-Length", str(len(data))),
        ("X-Content-Type-Options", "nosniff"),
    )
    return Response("200 OK", headers + encoding + validators, data)


def _accepts_gzip(environ: WSGIEnvironment) -> bool:
    for part in environ.get("HTTP_ACCEPT_ENCODING", "").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() == "gzip":
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


# --- handlers ---------------------------------------------------------------


def _content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    return known or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _serve_file(environ: WSGIEnvironment, path: Path) -> Response:
    try:
        with path.open("rb") as f:
            # fstat of the open file: its mtime belongs to the bytes we read,
            # even if write_atomic replaces the file meanwhile.
            mtime = int(os.fstat(f.fileno()).st_mtime)
            data = f.read()
    except OSError:
        return NOT_FOUND
    return _content(environ, data, _content_type(path), mtime)


def listing_html(out_dir: Path) -> bytes:
    """A small page linking every topic's feeds, for when there is no index.html."""
    try:
        names = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
    except OSError:
        names = []
    stems = sorted({n.rsplit(".", 1)[0] for n in names if n.endswith(FEED_EXTENSIONS)})
    rows = [_listing_row(stem, names) for stem in stems]
    if "index.opml" in names:
        rows.append('<li><a href="index.opml">index.opml</a> (all topics, OPML)</li>')
    page = (
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>topicwire feeds</title>'
        "</head>\n<body><h1>topicwire feeds</h1>\n<ul>\n" + "\n".join(rows) + "\n</ul>\n"
        "</body></html>\n"
    )
    return page.encode("utf-8")


def _listing_row(stem: str, names: list[str]) -> str:
    links = (f'<a href="{quote(stem + ext)}">{ext[1:]}</a>' for ext in FEED_EXTENSIONS if stem + ext in names)
    return f"<li>{html.escape(stem)}: " + " ".join(links) + "</li>"


def _serve_root(environ: WSGIEnvironment, out_dir: Path) -> Response:
    index = resolve(out_dir, "/index.html")
    if index is not None:
        return _serve_file(environ, index)
    return _content(environ, listing_html(out_dir), CONTENT_TYPES[".html"], None)


def _serve_health(health: Health) -> Response:
    report = dict(health())
    status = "200 OK" if report.get("status") == "ok" else "503 Service Unavailable"
    # default=str: reports naturally carry datetimes and paths.
    body = json.dumps(report, ensure_ascii=False, default=str).encode("utf-8")
    headers = (
        ("Content-Type", "application/json; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
    )
    return Response(status, headers, body)


def _default_health() -> Mapping[str, Any]:
    return {"status": "ok"}


def handle(
    environ: WSGIEnvironment,
    out_dir: Path,
    health: Health,
    metrics: Exposition | None = None,
    api: ApiAnswer | None = None,
) -> Response:
    """Route one request (pure but for reading the folder)."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return NOT_ALLOWED
    path = _request_path(environ)
    if path == HEALTH_PATH:
        return _serve_health(health)
    if path.startswith("/api/") and api is not None:
        status, body = api(path, environ.get("QUERY_STRING", ""))
        headers = (("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body))))
        return Response(f"{status} {_REASONS.get(status, 'OK')}", headers, body)
    if path == METRICS_PATH and metrics is not None:
        body, content_type = metrics()
        return Response("200 OK", (("Content-Type", content_type), ("Content-Length", str(len(body)))), body)
    if path == "/":
        return _serve_root(environ, out_dir)
    target = resolve(out_dir, path)
    return NOT_FOUND if target is None else _serve_file(environ, target)


def make_app(
    out_dir: Path, health: Health | None = None, metrics: Exposition | None = None, api: ApiAnswer | None = None
) -> WSGIApplication:
    """A WSGI app serving ``out_dir`` read-only, plus ``/healthz`` and (if given) ``/metrics``."""
    check = health or _default_health

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        response = handle(environ, out_dir, check, metrics, api)
        start_response(response.status, list(response.headers))
        # HEAD: same headers (Content-Length included), no body.
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else response.body]

    return app


# --- the server -------------------------------------------------------------


def parse_listen(listen: str) -> tuple[str, int]:
    """``"127.0.0.1:8080"`` / ``"[::1]:8080"`` -> (host, port)."""
    host, sep, port = listen.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ConfigError(f'listen address {listen!r} is not host:port (try "127.0.0.1:8080")')
    return host, int(port)


class FeedServer:
    """waitress serving ``make_app(out_dir)`` from a daemon thread.

    >>> server = FeedServer("127.0.0.1:0", Path("out")); server.start()
    >>> server.url  # "http://127.0.0.1:40123/"
    >>> server.stop()
    """

    def __init__(
        self,
        listen: str,
        out_dir: Path,
        health: Health | None = None,
        metrics: Exposition | None = None,
        api: ApiAnswer | None = None,
    ) -> None:
        self.host, self._port = parse_listen(listen)
        self.app = make_app(out_dir, health, metrics, api)
        # Our own socket map: stop() closes everything in it, nothing else.
        self._map: dict[int, Any] = {}
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("FeedServer already started")
        try:
            self._server = waitress.create_server(self.app, map=self._map, host=self.host, port=self._port, threads=4)
        except OSError as e:
            raise TopicwireError(f"cannot listen on {self.host}:{self._port}: {e}") from e
        # Several sockets when the host name resolves to several addresses.
        listening = getattr(self._server, "effective_listen", None)
        self._port = int(listening[0][1] if listening else self._server.effective_port)
        self._thread = threading.Thread(target=self._server.run, name="topicwire-feed-server", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        """The bound port once started (the real one when 0 was asked for)."""
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def _in_loop(self, thunk: Callable[[], None]) -> bool:
        """Run ``thunk`` inside waitress's loop; False if its trigger is gone or closed."""
        wake = next((d for d in list(self._map.values()) if isinstance(d, WaitressTrigger)), None)
        if wake is None:
            return False
        try:
            wake.pull_trigger(thunk)
        except OSError:
            return False
        return True

    def stop(self, timeout: float = 5.0) -> None:
        """Close the listening sockets and connections; wait at most ~2x ``timeout``."""
        if self._server is None or self._thread is None:
            return
        # Closing the socket map from another thread would race waitress's
        # poll loop; a trigger thunk runs inside that loop instead, and the
        # loop ends once the map is empty.
        if not self._in_loop(lambda: wasyncore.close_all(self._map)):
            # The loop already closed its trigger (seen as EBADF about once in three runs of
            # tests/test_feeds_serve.py, never alone): it cannot be woken, so close the sockets
            # from here; the loop copies the map each turn and ends once it is empty.
            wasyncore.close_all(self._map)
        self._thread.join(timeout)
        self._server.task_dispatcher.shutdown(timeout=timeout)
        self._server = self._thread = None
