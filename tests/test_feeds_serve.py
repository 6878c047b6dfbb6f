"""feeds/publish.py and feeds/serve.py against a real loopback server."""

from __future__ import annotations

import http.client
import json
import os
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
import requests
from waitress.trigger import trigger as WaitressTrigger

from topicwire.errors import ConfigError, PublishError
from topicwire.feeds.publish import publish_index, publish_topic, write_atomic
from topicwire.feeds.serve import FeedServer, parse_listen
from topicwire.types import FeedDoc, FeedEntry

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
OLD = time.mktime((2020, 1, 1, 0, 0, 0, 0, 0, 0))
SECRET = b"not for the world\n"


def feed_doc(name: str, title: str = "Topic") -> FeedDoc:
    item = FeedEntry(
        id=f"urn:topicwire:article:{name}-1",
        title="A story",
        link="https://news.example/1",
        published=NOW,
        updated=NOW,
        summary="Short",
        content_html="<p>Long</p>",
    )
    return FeedDoc(name, title, "About it", "http://127.0.0.1:8080/", NOW, (item,))


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """Two published topics plus the files a traversal would like to reach."""
    out = tmp_path / "out"
    docs = [feed_doc("news"), feed_doc("sport", "Спорт")]
    for d in docs:
        publish_topic(out, d)
    publish_index(out, docs, "All topics")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (out / ".hidden.rss").write_bytes(SECRET)
    (out / "escape.rss").symlink_to(tmp_path / "secret.txt")
    (out / "alias.rss").symlink_to(out / "news.rss")
    for path in out.iterdir():
        os.utime(path, (OLD, OLD), follow_symlinks=False)
    return out


def start(out: Path, health: Any = None) -> FeedServer:
    server = FeedServer("127.0.0.1:0", out, health)
    server.start()
    return server


@pytest.fixture
def server(out_dir: Path) -> Iterator[FeedServer]:
    srv = start(out_dir)
    yield srv
    srv.stop()


def raw_get(server: FeedServer, path: str, method: str = "GET") -> http.client.HTTPResponse:
    """Send ``path`` byte for byte (requests would normalise "/../")."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request(method, path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


# --- files, types, validators -------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("news.rss", "application/rss+xml; charset=utf-8"),
        ("news.atom", "application/atom+xml; charset=utf-8"),
        ("news.json", "application/feed+json; charset=utf-8"),
        ("index.opml", "text/x-opml; charset=utf-8"),
        ("alias.rss", "application/rss+xml; charset=utf-8"),
    ],
    ids=["rss", "atom", "json", "opml", "symlink-inside"],
)
def test_content_types(server: FeedServer, out_dir: Path, path: str, content_type: str) -> None:
    response = requests.get(server.url + path, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.content == (out_dir / path).read_bytes()
    assert response.headers["Last-Modified"] == formatdate(OLD, usegmt=True)


def test_etag_is_strong_and_gives_304(server: FeedServer) -> None:
    first = requests.get(server.url + "news.rss", timeout=5)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    for header in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        again = requests.get(server.url + "news.rss", headers={"If-None-Match": header}, timeout=5)
        assert again.status_code == 304, header
        assert again.content == b"" and again.headers["ETag"] == etag
    changed = requests.get(server.url + "news.rss", headers={"If-None-Match": '"x"'}, timeout=5)
    assert changed.status_code == 200


@pytest.mark.parametrize(
    ("since", "status"),
    [
        (formatdate(OLD, usegmt=True), 304),
        (formatdate(OLD + 3600, usegmt=True), 304),
        (formatdate(OLD - 3600, usegmt=True), 200),
        ("not a date", 200),
    ],
    ids=["same", "later", "earlier", "garbage"],
)
def test_if_modified_since(server: FeedServer, since: str, status: int) -> None:
    response = requests.get(server.url + "news.atom", headers={"If-Modified-Since": since}, timeout=5)
    assert response.status_code == status


def test_if_none_match_wins_over_if_modified_since(server: FeedServer) -> None:
    headers = {"If-None-Match": '"stale"', "If-Modified-Since": formatdate(OLD, usegmt=True)}
    response = requests.get(server.url + "news.rss", headers=headers, timeout=5)
    assert response.status_code == 200


def test_unchanged_publish_keeps_etag_and_mtime(server: FeedServer, out_dir: Path) -> None:
    before = requests.get(server.url + "news.rss", timeout=5).headers
    assert publish_topic(out_dir, feed_doc("news")) == ()
    after = requests.get(server.url + "news.rss", timeout=5).headers
    assert (after["ETag"], after["Last-Modified"]) == (before["ETag"], before["Last-Modified"])


def test_head_has_headers_but_no_body(server: FeedServer, out_dir: Path) -> None:
    head = requests.head(server.url + "news.json", timeout=5)
    get = requests.get(server.url + "news.json", timeout=5)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len((out_dir / "news.json").read_bytes()))
    assert head.headers["ETag"] == get.headers["ETag"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"], ids=str.lower)
def test_other_methods_are_405(server: FeedServer, method: str) -> None:
    response = requests.request(method, server.url + "news.rss", timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_missing_file_is_404(server: FeedServer) -> None:
    response = requests.get(server.url + "nope.rss", timeout=5)
    assert response.status_code == 404
    assert response.text == "404 Not Found\n"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/../etc/passwd",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/news.rss/../../secret.txt",
        "/escape.rss",
        "/.hidden.rss",
        "/%2ehidden.rss",
        "/news.rss%00.txt",
        "/..%5csecret.txt",
        "/.",
    ],
    ids=[
        "dotdot",
        "etc-passwd",
        "encoded-dots",
        "encoded-slash",
        "all-encoded",
        "absolute",
        "encoded-absolute",
        "nested-dotdot",
        "symlink-out",
        "hidden",
        "encoded-hidden",
        "nul",
        "backslash",
        "dot",
    ],
)
def test_traversal_is_refused(server: FeedServer, path: str) -> None:
    response = raw_get(server, path)
    assert response.status == 404


@pytest.mark.parametrize("path", ["/news.rss", "/%6eews.rss", "/alias.rss"], ids=str)
def test_raw_requests_reach_real_files(server: FeedServer, path: str) -> None:
    # The control for the traversal cases: the raw client itself works.
    assert raw_get(server, path).status == 200


def test_traversal_through_requests_too(server: FeedServer) -> None:
    assert requests.get(server.url + "%2e%2e/secret.txt", timeout=5).status_code == 404
    assert requests.get(server.url + "../etc/passwd", timeout=5).status_code == 404


# --- root and health --------------------------------------------------------------


def test_root_lists_feeds_without_index_html(server: FeedServer) -> None:
    response = requests.get(server.url, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    for href in ("news.rss", "news.atom", "news.json", "sport.rss", "index.opml"):
        assert f'href="{href}"' in response.text
    assert ".hidden" not in response.text
    etag = response.headers["ETag"]
    again = requests.get(server.url, headers={"If-None-Match": etag}, timeout=5)
    assert again.status_code == 304


def test_root_serves_index_html(server: FeedServer, out_dir: Path) -> None:
    (out_dir / "index.html").write_text("<h1>mine</h1>", encoding="utf-8")
    response = requests.get(server.url, timeout=5)
    assert response.text == "<h1>mine</h1>"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("report", "status"),
    [
        (None, 200),
        ({"status": "ok", "last_run": NOW}, 200),
        ({"status": "degraded", "failing": ["tass"]}, 503),
        ({}, 503),
    ],
    ids=["default", "ok-with-datetime", "degraded", "no-status"],
)
def test_healthz(out_dir: Path, report: Mapping[str, Any] | None, status: int) -> None:
    srv = start(out_dir, None if report is None else (lambda: report))
    try:
        response = requests.get(srv.url + "healthz", timeout=5)
    finally:
        srv.stop()
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.text)
    assert body == ({"status": "ok"} if report is None else json.loads(json.dumps(report, default=str)))


# --- the server's life cycle ----------------------------------------------------


def test_port_zero_gives_real_port_and_stop_is_bounded(out_dir: Path) -> None:
    srv = start(out_dir)
    assert srv.port > 0 and srv.url == f"http://127.0.0.1:{srv.port}/"
    session = requests.Session()  # keeps a keep-alive connection open
    assert session.get(srv.url + "news.rss", timeout=5).status_code == 200
    began = time.monotonic()
    srv.stop()
    assert time.monotonic() - began < 2
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.url + "news.rss", timeout=2)
    srv.stop()  # a second stop is harmless


def test_stop_when_the_loop_already_closed_its_trigger(out_dir: Path) -> None:
    """waitress's loop sometimes closes its own wake-up pipe first (EBADF on the next pull):
    stop() still closes every socket, at once."""
    srv = start(out_dir)
    wake = next(d for d in srv._map.values() if isinstance(d, WaitressTrigger))
    wake.pull_trigger(wake.close)  # closed by the loop itself, as it happens
    deadline = time.monotonic() + 5
    while not wake._closed:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    began = time.monotonic()
    srv.stop()
    assert time.monotonic() - began < 3
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.url + "news.rss", timeout=2)


@pytest.mark.parametrize(
    ("listen", "expected"),
    [("127.0.0.1:8080", ("127.0.0.1", 8080)), ("[::1]:0", ("::1", 0))],
    ids=["ipv4", "ipv6"],
)
def test_parse_listen(listen: str, expected: tuple[str, int]) -> None:
    assert parse_listen(listen) == expected


@pytest.mark.parametrize("listen", ["8080", "localhost", ":8080", "host:http", "host:70000"], ids=str)
def test_parse_listen_rejects(listen: str) -> None:
    with pytest.raises(ConfigError, match="host:port"):
        parse_listen(listen)


# --- publish ----------------------------------------------------------------------


def test_write_atomic_skips_identical_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.rss"
    assert write_atomic(path, b"one") is True
    os.utime(path, (OLD, OLD))
    assert write_atomic(path, b"one") is False
    assert path.stat().st_mtime == OLD
    assert write_atomic(path, b"two") is True
    assert path.read_bytes() == b"two"
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.rss"]


@pytest.mark.parametrize("target", ["missing/a.rss", "a-dir"], ids=["no-folder", "is-a-dir"])
def test_write_atomic_failure_names_path_and_cleans_up(tmp_path: Path, target: str) -> None:
    (tmp_path / "a-dir").mkdir()
    path = tmp_path / target
    with pytest.raises(PublishError, match=re.escape(str(path))):
        write_atomic(path, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-dir"]
    assert list((tmp_path / "a-dir").iterdir()) == []


def test_publish_topic_reports_changed_files(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    written = publish_topic(out, feed_doc("news"))
    assert [p.name for p in written] == ["news.rss", "news.atom", "news.json"]
    assert publish_topic(out, feed_doc("news")) == ()
    assert publish_index(out, [feed_doc("news")], "All") == out / "index.opml"


@pytest.mark.parametrize("name", ["../evil", "a/b", ".hidden", ""], ids=repr)
def test_publish_topic_refuses_unsafe_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(PublishError, match="plain file name"):
        publish_topic(tmp_path, feed_doc(name))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [("gzip", True), ("br, gzip;q=0.8", True), ("identity", False), ("gzip;q=0", False), ("", False)],
    ids=["gzip", "weighted", "identity", "refused", "none"],
)
def test_gzip_when_asked(server: FeedServer, out_dir: Path, accept: str, gzipped: bool) -> None:
    import gzip as gz

    response = requests.get(f"{server.url}news.rss", headers={"Accept-Encoding": accept}, stream=True, timeout=5)
    raw = response.raw.read(decode_content=False)
    assert response.headers["Vary"] == "Accept-Encoding"
    assert (response.headers.get("Content-Encoding") == "gzip") is gzipped
    body = gz.decompress(raw) if gzipped else raw
    assert body == (out_dir / "news.rss").read_bytes()
    again = requests.get(
        f"{server.url}news.rss",
        headers={"Accept-Encoding": accept, "If-None-Match": response.headers["ETag"]},
        timeout=5,
    )
    assert again.status_code == 304
    assert response.headers["ETag"].endswith('-gz"') is gzipped
