"""Fetcher against the loopback FixtureServer: statuses, caps, redirects, refusals."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from raw_server import RawServer

from topicwire.errors import FetchError, SourceError, TargetError
from topicwire.sources import fetch
from topicwire.sources.fetch import Fetcher, parse_content_type, parse_retry_after

UA = "topicwire-tests/0.1 (+https://example.invalid/topicwire)"
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    f = Fetcher(user_agent=UA, timeout=5.0, allow_private_addresses=True)
    yield f
    f.close()


def fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.get(url)
    return info.value


# -- 200 and 304 -----------------------------------------------------------


def test_200_gives_a_full_result(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.route(
        "/feed.xml",
        body=RSS,
        headers={"Content-Type": 'Application/RSS+XML; Charset="UTF-8"', "X-Extra": "1"},
        etag='"v1"',
        last_modified="Wed, 01 May 2024 10:00:00 GMT",
    )
    result = fetcher.get(fixture_server.url + "/feed.xml")
    assert result.status == 200 and not result.not_modified
    assert result.content == RSS
    assert (result.content_type, result.charset) == ("application/rss+xml", "utf-8")
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 01 May 2024 10:00:00 GMT"
    assert result.url == result.requested_url == fixture_server.url + "/feed.xml"
    assert ("x-extra", "1") in result.headers
    assert all(name == name.lower() for name, _ in result.headers)
    assert result.elapsed_ms >= 0


def test_request_headers_are_honest(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.route("/a", body=RSS)
    fetcher.get(fixture_server.url + "/a")
    fetcher.get(fixture_server.url + "/a", accept="text/html")
    first, second = fixture_server.requests
    assert first.method == "GET"
    assert first.headers["user-agent"] == UA
    assert first.headers["accept-encoding"] == "gzip, deflate"
    assert "application/rss+xml" in first.headers["accept"]
    assert "if-none-match" not in first.headers and "if-modified-since" not in first.headers
    assert second.headers["accept"] == "text/html"


def test_304_with_etag(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.route("/f", body=RSS, etag='"abc"')
    first = fetcher.get(fixture_server.url + "/f")
    again = fetcher.get(fixture_server.url + "/f", etag=first.etag)
    assert again.status == 304 and again.not_modified
    assert again.content == b"" and again.etag == '"abc"'
    assert fixture_server.requests[-1].headers["if-none-match"] == '"abc"'


def test_304_with_last_modified(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    stamp = "Wed, 01 May 2024 10:00:00 GMT"
    fixture_server.route("/f", body=RSS, last_modified=stamp)
    again = fetcher.get(fixture_server.url + "/f", last_modified=stamp)
    assert again.status == 304 and again.content == b""
    assert again.last_modified == stamp
    assert fixture_server.requests[-1].headers["if-modified-since"] == stamp


def test_changed_etag_gives_200(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.route("/f", body=RSS, etag='"new"')
    assert fetcher.get(fixture_server.url + "/f", etag='"old"').status == 200


def test_serve_dir_with_conditional_get(fixture_server: FixtureServer, fetcher: Fetcher, tmp_path: Path) -> None:
    (tmp_path / "feed.atom").write_text('<feed><link href="{{BASE}}/x"/></feed>')
    (tmp_path / "page.html").write_text("<html></html>")
    fixture_server.serve_dir("/site/", tmp_path)
    atom = fetcher.get(fixture_server.url + "/site/feed.atom")
    assert atom.content_type == "application/atom+xml"
    assert f'href="{fixture_server.url}/x"'.encode() in atom.content
    page = fetcher.get(fixture_server.url + "/site/page.html")
    assert (page.content_type, page.charset) == ("text/html", "utf-8")
    assert fetcher.get(atom.url, etag=atom.etag).status == 304
    assert fetcher.get(atom.url, last_modified=atom.last_modified).status == 304
    assert fetch_error(fetcher, fixture_server.url + "/site/../conftest.py").status == 404


def test_gzip_body_is_decoded(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.route("/gz", body=gzip.compress(RSS), headers={"Content-Encoding": "gzip"})
    assert fetcher.get(fixture_server.url + "/gz").content == RSS


def test_chunked_body(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    body = RSS * 200
    fixture_server.route("/c", body=body, headers={"Transfer-Encoding": "chunked"})
    assert fetcher.get(fixture_server.url + "/c").content == body


# -- HTTP errors -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [(404, "HTTP 404 Not Found"), (410, "HTTP 410 Gone"), (500, "HTTP 500 Internal Server Error")],
    ids=["404", "410", "500"],
)
def test_error_status(fixture_server: FixtureServer, fetcher: Fetcher, status: int, message: str) -> None:
    fixture_server.route("/x", body=b"nope", status=status)
    error = fetch_error(fetcher, fixture_server.url + "/x")
    assert isinstance(error, SourceError)
    assert (error.status, error.message, error.retry_after) == (status, message, None)
    assert error.url == fixture_server.url + "/x"


def test_429_retry_after_seconds(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.route("/x", status=429, headers={"Retry-After": "120"})
    error = fetch_error(fetcher, fixture_server.url + "/x")
    assert (error.status, error.retry_after) == (429, 120.0)


def test_503_retry_after_date(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    later = datetime.now(UTC) + timedelta(seconds=300)
    fixture_server.route("/x", status=503, headers={"Retry-After": format_datetime(later, True)})
    error = fetch_error(fetcher, fixture_server.url + "/x")
    assert error.status == 503
    assert error.retry_after is not None and 290 <= error.retry_after <= 301


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("0", 0.0),
        ("3600", 3600.0),
        ("Wed, 01 May 2024 12:02:00 GMT", 120.0),
        ("Wed, 01 May 2024 11:00:00 GMT", 0.0),  # in the past: retry now
        ("Wed, 01 May 2024 12:01:00 -0000", 60.0),
        ("soon", None),
        ("-5", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", ("", None)),
        ("text/xml", ("text/xml", None)),
        ("TEXT/HTML; Charset=ISO-8859-1", ("text/html", "iso-8859-1")),
        ('application/rss+xml; q=1; charset="utf-8"', ("application/rss+xml", "utf-8")),
        ("text/xml; charset=", ("text/xml", None)),
    ],
)
def test_parse_content_type(header: str, expected: tuple[str, str | None]) -> None:
    assert parse_content_type(header) == expected


# -- redirects ------------------------------------------------------------------


def test_relative_redirects_are_followed(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.redirect("/old/feed", "../new/feed", status=301)
    fixture_server.redirect("/new/feed", "/final.xml?x=1", status=307)
    fixture_server.route("/final.xml", body=RSS)
    result = fetcher.get(fixture_server.url + "/old/feed")
    assert result.content == RSS
    assert result.requested_url == fixture_server.url + "/old/feed"
    assert result.url == fixture_server.url + "/final.xml?x=1"
    assert [r.path for r in fixture_server.requests] == ["/old/feed", "/new/feed", "/final.xml?x=1"]


def test_too_many_redirects(fixture_server: FixtureServer) -> None:
    for hop in range(10):
        fixture_server.redirect(f"/r{hop}", f"/r{hop + 1}", status=302)
    fetcher = Fetcher(user_agent=UA, max_redirects=3, allow_private_addresses=True)
    assert fetch_error(fetcher, fixture_server.url + "/r0").message == "more than 3 redirects"
    assert len(fixture_server.requests) == 4


def test_redirect_loop(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.redirect("/a", "/b")
    fixture_server.redirect("/b", fixture_server.url + "/a")
    error = fetch_error(fetcher, fixture_server.url + "/a")
    assert error.message == f"redirect loop at {fixture_server.url}/a"
    assert len(fixture_server.requests) == 2


def test_redirect_without_location_is_an_error(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.route("/a", status=302)
    assert fetch_error(fetcher, fixture_server.url + "/a").status == 302


def test_redirect_to_other_scheme_is_refused(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.redirect("/a", "file:///etc/passwd")
    error = fetch_error(fetcher, fixture_server.url + "/a")
    assert error.message == "unsupported URL scheme 'file' (only http, https)"


# -- caps ------------------------------------------------------------------------


def test_byte_cap_from_content_length(fixture_server: FixtureServer) -> None:
    fixture_server.route("/big", body=b"x" * 2000)
    fetcher = Fetcher(user_agent=UA, max_bytes=1000, allow_private_addresses=True)
    assert fetch_error(fetcher, fixture_server.url + "/big").message == ("response larger than 1000 bytes")


def test_byte_cap_while_streaming(fixture_server: FixtureServer) -> None:
    fixture_server.route("/big", body=b"x" * 300_000, headers={"Transfer-Encoding": "chunked"})
    fixture_server.route("/fits", body=b"x" * 1000, headers={"Transfer-Encoding": "chunked"})
    fetcher = Fetcher(user_agent=UA, max_bytes=100_000, allow_private_addresses=True)
    assert "larger than 100000 bytes" in fetch_error(fetcher, fixture_server.url + "/big").message
    assert len(fetcher.get(fixture_server.url + "/fits").content) == 1000


def gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    block = bytes(1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(size // len(block))) + packer.flush()


def test_gzip_bomb_is_refused_without_inflating_it(fixture_server: FixtureServer) -> None:
    bomb = gzip_bomb(50 * 1024 * 1024)
    assert len(bomb) < 100_000
    fixture_server.route("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    fetcher = Fetcher(user_agent=UA, max_bytes=1024 * 1024, allow_private_addresses=True)
    tracemalloc.start()
    try:
        error = fetch_error(fetcher, fixture_server.url + "/bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.message == f"response larger than {1024 * 1024} bytes"
    assert peak < 16 * 1024 * 1024, f"peak {peak} bytes: the bomb was inflated"


def test_total_deadline_stops_a_dripping_server(fixture_server: FixtureServer) -> None:
    fixture_server.route("/drip", body=b"x" * 1000, drip=10)
    fetcher = Fetcher(user_agent=UA, timeout=1.0, allow_private_addresses=True)
    started = time.monotonic()
    error = fetch_error(fetcher, fixture_server.url + "/drip")
    took = time.monotonic() - started
    assert error.message == "timed out after 1 s reading the body"
    assert took < 2.5, f"held for {took:.1f} s"  # ~1 s; generous for loaded CI machines


def test_slow_headers_hit_the_deadline(fixture_server: FixtureServer) -> None:
    fixture_server.route("/slow", body=RSS, delay=3)
    fetcher = Fetcher(user_agent=UA, timeout=0.5, allow_private_addresses=True)
    error = fetch_error(fetcher, fixture_server.url + "/slow")
    assert error.message == "timed out after 0.5 s waiting for the response headers"


# Issue 13: requests' read timeout is per socket read, so these held a fetch for as
# long as the server liked (past 60 s); fetch.timeout now bounds the whole response.
HEADER_STALLS = ["header_bytes", "header_lines", "continue_flood", "silent"]


@pytest.mark.parametrize("behaviour", HEADER_STALLS)
def test_deadline_covers_the_status_line_and_headers(behaviour: str) -> None:
    with RawServer(interval=0.2) as server:
        server.misbehave("/feed", behaviour)
        fetcher = Fetcher(user_agent=UA, timeout=1.0, allow_private_addresses=True)
        started = time.monotonic()
        error = fetch_error(fetcher, server.url + "/feed")
        took = time.monotonic() - started
        fetcher.close()
        assert error.message == "timed out after 1 s waiting for the response headers"
        assert not isinstance(error, TargetError)  # says nothing about the URL itself
        assert 0.9 < took < 2.5, f"held for {took:.1f} s"
        deadline = time.monotonic() + 5
        while not server.seconds("/feed") and time.monotonic() < deadline:
            time.sleep(0.05)  # the server notices the hang-up at its next send
        assert server.seconds("/feed") and server.seconds("/feed")[0] < 3.0  # we hung up


def test_a_dripping_tls_handshake_is_bounded_by_the_connect_timeout() -> None:
    # Python bounds connect and do_handshake as a whole by the socket timeout; urllib3
    # reports the handshake's as a read timeout, which is not about response headers.
    with RawServer(interval=0.2) as server:
        server.misbehave("tls", "tls_drip")
        fetcher = Fetcher(user_agent=UA, timeout=3.0, connect_timeout=1.0, allow_private_addresses=True)
        started = time.monotonic()
        error = fetch_error(fetcher, server.url.replace("http:", "https:") + "/feed")
        took = time.monotonic() - started
        fetcher.close()
    assert error.message == "TLS handshake with 127.0.0.1 timed out"
    assert took < 2.0, f"held for {took:.1f} s"


def test_deadline_spans_redirect_hops(fixture_server: FixtureServer) -> None:
    with RawServer(interval=0.2) as server:
        server.misbehave("/feed", "header_lines")
        fixture_server.route("/a", status=302, headers={"Location": server.url + "/feed"}, delay=0.6)
        fetcher = Fetcher(user_agent=UA, timeout=1.0, allow_private_addresses=True)
        started = time.monotonic()
        error = fetch_error(fetcher, fixture_server.url + "/a")
        assert error.message == "timed out after 1 s waiting for the response headers"
        assert time.monotonic() - started < 2.0  # one budget for both hops, not one each


def test_deadline_spawns_no_threads() -> None:
    with RawServer(interval=0.1) as server:
        server.misbehave("/feed", "header_bytes")
        fetcher = Fetcher(user_agent=UA, timeout=0.2, allow_private_addresses=True)
        before = {t.ident for t in threading.enumerate() if not t.name.startswith("raw-")}
        for _ in range(5):
            fetch_error(fetcher, server.url + "/feed")
        after = {t.ident for t in threading.enumerate() if not t.name.startswith("raw-")}
        fetcher.close()
        assert after <= before  # nothing started (threads of earlier tests may end meanwhile)


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(150)) + b"\r\n", "more than 100 headers"),
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"y" * 70_000 + b"\r\n\r\n", "header line"),
        (b"HTTP/1.1 100 Continue\r\n" + b"X-Big: " + b"y" * 70_000 + b"\r\n\r\n", "header line"),
    ],
    ids=["count", "line", "line-in-100-continue"],
)
def test_header_size_and_count_are_bounded(head: bytes, message: str) -> None:
    # http.client's own limits (_MAXHEADERS = 100, _MAXLINE = 64 KiB) hold, 1xx included.
    with RawServer() as server:
        server.static_raw("/feed", head + RSS)
        fetcher = Fetcher(user_agent=UA, timeout=2.0, allow_private_addresses=True)
        error = fetch_error(fetcher, server.url + "/feed")
        fetcher.close()
    assert message in error.message


def test_truncated_body(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.route("/cut", body=b"x" * 1000, truncate_to=10)
    assert "connection broken" in fetch_error(fetcher, fixture_server.url + "/cut").message


# -- network failures and refusals ---------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_refused(fetcher: Fetcher) -> None:
    error = fetch_error(fetcher, f"http://127.0.0.1:{free_port()}/feed")
    assert error.message == "connection refused by 127.0.0.1"
    assert isinstance(error.__cause__, Exception)


@pytest.mark.parametrize("allow_private", [True, False], ids=["requests", "address-check"])
def test_unresolvable_host(allow_private: bool) -> None:
    # RFC 2606 reserves .invalid: no resolver answers it, online or not.
    fetcher = Fetcher(user_agent=UA, allow_private_addresses=allow_private)
    error = fetch_error(fetcher, "http://no-such-host.invalid/feed")
    assert error.message == "cannot resolve host no-such-host.invalid"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/feed", "unsupported URL scheme 'ftp' (only http, https)"),
        ("file:///etc/passwd", "unsupported URL scheme 'file' (only http, https)"),
        ("example.org/feed", "unsupported URL scheme '' (only http, https)"),
        ("http:///feed", "invalid URL 'http:///feed': no host"),
        ("http://[::1/feed", "invalid URL 'http://[::1/feed': Invalid IPv6 URL"),
    ],
)
def test_bad_urls(fetcher: Fetcher, url: str, message: str) -> None:
    assert fetch_error(fetcher, url).message == message


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "0.0.0.0", "10.1.2.3", "169.254.169.254"])
def test_private_addresses_are_refused(host: str) -> None:
    fetcher = Fetcher(user_agent=UA)
    error = fetch_error(fetcher, f"http://{host}:9/feed")
    assert error.message.startswith("refused private address ")
    assert error.message.endswith("(set fetch.allow_private_addresses = true to allow)")


def test_refusal_names_the_address(fixture_server: FixtureServer) -> None:
    fixture_server.route("/feed", body=RSS)
    error = fetch_error(Fetcher(user_agent=UA), fixture_server.url + "/feed")
    assert error.message == ("refused private address 127.0.0.1 (set fetch.allow_private_addresses = true to allow)")
    assert fixture_server.requests == ()  # refused before connecting


def test_redirect_to_a_private_address_is_refused(
    fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend the first host is public; the redirect target is checked for real.
    real_resolve = fetch.resolve
    calls: list[str] = []

    def first_hop_public(url: str, host: str, port: int, seconds: float) -> tuple[fetch.IPAddress, ...]:
        calls.append(host)
        return (IPv4Address("93.184.216.34"),) if len(calls) == 1 else real_resolve(url, host, port, seconds)

    monkeypatch.setattr(fetch, "resolve", first_hop_public)
    fixture_server.redirect("/start", f"http://localhost:{fixture_server.port}/internal")
    error = fetch_error(Fetcher(user_agent=UA), fixture_server.url + "/start")
    assert error.message.startswith("refused private address ")
    assert [r.path for r in fixture_server.requests] == ["/start"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("169.254.169.254", False),  # cloud metadata
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("ff02::1", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert fetch.is_public_address(fetch.parse_address(address)) is public


# -- the fixture server itself --------------------------------------------------


def test_keep_alive_with_tcp_nodelay(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    fixture_server.route("/k", body=RSS, etag='"k"')
    started = time.monotonic()
    for n in range(20):
        fetcher.get(fixture_server.url + "/k", etag='"k"' if n % 2 else None)
    print(f"20 keep-alive requests in {time.monotonic() - started:.3f} s")
    assert fixture_server.nodelay_flags == (1,)  # one connection, reused, with TCP_NODELAY


# -- what requests' Session does for us -------------------------------------------------


def test_cookies_set_on_a_redirect_go_to_the_next_hop(fixture_server: FixtureServer, fetcher: Fetcher) -> None:
    # Consent and bot walls: "set a cookie, come back" (requests' Session keeps the jar).
    fixture_server.route("/gate", status=302, headers={"Location": "/feed", "Set-Cookie": "consent=yes; Path=/"})
    fixture_server.route("/feed", body=RSS)
    assert fetcher.get(fixture_server.url + "/gate").content == RSS
    gate, feed = fixture_server.requests
    assert "cookie" not in gate.headers and feed.headers["cookie"] == "consent=yes"


@pytest.mark.parametrize(
    ("path", "sent"),
    [("/a b/caf\u00e9?q=x y", "/a%20b/caf%C3%A9?q=x%20y"), ("/x#frag", "/x"), ("/p?a=1&b=%2F", "/p?a=1&b=%2F")],
    ids=["spaces-and-utf8", "fragment", "query-kept"],
)
def test_request_targets_are_encoded(fixture_server: FixtureServer, fetcher: Fetcher, path: str, sent: str) -> None:
    fixture_server.route(sent.split("?")[0], body=RSS)
    fetcher.get(fixture_server.url + path)
    assert fixture_server.requests[-1].path == sent
