"""Politeness: per-host slots and spacing, Retry-After deferrals, robots.txt.

Timing logic runs on a fake clock and sleeper (no real waiting, no wall-clock
asserts); concurrency and HTTP behaviour run against the loopback FixtureServer.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from email.utils import formatdate
from functools import partial

import fixture_server as fixture_module
import pytest
from fixture_server import FixtureServer

from topicwire.errors import FetchError, TargetError, Throttled
from topicwire.sources.fetch import Fetcher
from topicwire.sources.hosts import DEFAULT_429_DELAY, HostLimiter, host_key
from topicwire.sources.polite import PoliteFetcher
from topicwire.sources.robots import MAX_ROBOTS_BYTES, RobotsCache, parse_robots
from topicwire.types import FetchResult

UA = "topicwire-tests/0.1 (+https://example.invalid/topicwire)"
A = "http://a.example"
B = "http://b.example"


class FakeTime:
    """A monotonic clock that only moves when slept on or advanced."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def fake_limiter(fake: FakeTime, **kwargs: float) -> HostLimiter:
    settings: dict[str, float] = {"min_delay": 1.0, **kwargs}
    return HostLimiter(
        per_host_concurrency=int(settings.pop("per_host_concurrency", 2)),
        clock=fake.clock,
        sleep=fake.sleep,
        **settings,
    )


def polite(limiter: HostLimiter, robots: RobotsCache | None = None) -> PoliteFetcher:
    fetcher = Fetcher(user_agent=UA, timeout=5.0, allow_private_addresses=True)
    robots = robots or RobotsCache(fetcher, UA, clock=limiter.clock)
    return PoliteFetcher(fetcher, limiter, robots)


@pytest.fixture
def quick(fake: FakeTime) -> Iterator[PoliteFetcher]:
    """A PoliteFetcher on the fake clock, without spacing."""
    with polite(fake_limiter(fake, min_delay=0.0)) as p:
        yield p


def paths(server: FixtureServer, prefix: str = "/") -> list[str]:
    return [r.path for r in server.requests if r.path.startswith(prefix)]


def fetch_error(call: Callable[[], object]) -> FetchError:
    with pytest.raises(FetchError) as info:
        call()
    return info.value


# -- concurrency: one slow host never holds up another -------------------------------------


class InFlight:
    """Stands in for fixture_server's ``time``: counts handlers inside a route's delay."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = self.peak = 0

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(seconds)
        finally:
            with self._lock:
                self.now -= 1


def test_per_host_concurrency_bounds_what_the_server_sees(
    fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_flight = InFlight()
    monkeypatch.setattr(fixture_module, "time", in_flight)
    fixture_server.route("/slow", body="x", delay=0.15)
    limiter = HostLimiter(per_host_concurrency=2, min_delay=0.0)
    with ExitStack() as stack:
        # One Fetcher per worker thread, one limiter for all, as the daemon wires them.
        workers = [stack.enter_context(polite(limiter)) for _ in range(7)]
        other = stack.enter_context(FixtureServer())
        other.route("/fast", body="y")
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=7))
        slow: list[Future[FetchResult]] = [
            pool.submit(w.get, f"{fixture_server.url}/slow?{i}") for i, w in enumerate(workers[:6])
        ]
        for _ in range(1000):  # until the slow host's two slots are taken (four wait)
            if in_flight.now == 2:
                break
            time.sleep(0.005)
        assert workers[6].get(other.url + "/fast").content == b"y"
        assert not all(f.done() for f in slow)  # the other host did not wait for them
        assert all(f.result().status == 200 for f in slow)
    assert in_flight.peak == 2


def test_max_wait_for_a_slot_raises_host_busy() -> None:
    limiter = HostLimiter(per_host_concurrency=1, min_delay=0.0, max_wait=0.05)
    with limiter.slot("a.example"):
        error = fetch_error(lambda: limiter.slot("a.example", url=A + "/x").__enter__())
        with limiter.slot("b.example"):  # another host is free meanwhile
            pass
    assert isinstance(error, Throttled) and "host busy" in error.message
    assert error.url == A + "/x"
    with limiter.slot("a.example"):  # the refused waiter took no slot
        pass


# -- spacing on a fake clock ---------------------------------------------------------------


def test_min_delay_spaces_request_starts_per_host(fake: FakeTime) -> None:
    limiter = fake_limiter(fake, min_delay=1.0)
    with limiter.slot("a.example"):
        fake.advance(0.4)  # a request that took 0.4 s
    with limiter.slot("b.example"):  # other hosts never wait on a.example
        pass
    with limiter.slot("a.example"):
        pass
    with limiter.slot("A.Example"):  # hosts compare lower-cased
        pass
    assert fake.sleeps == pytest.approx([0.6, 1.0])


@pytest.mark.parametrize(
    ("crawl_delay", "expected"),
    [(5.0, 5.0), (0.5, 1.0), (None, 1.0)],
    ids=["crawl-delay-larger-wins", "min-delay-larger-wins", "no-crawl-delay"],
)
def test_spacing_is_the_larger_of_min_delay_and_crawl_delay(
    fake: FakeTime, crawl_delay: float | None, expected: float
) -> None:
    limiter = fake_limiter(fake, min_delay=1.0)
    limiter.set_crawl_delay("a.example", crawl_delay)
    for _ in range(2):
        with limiter.slot("a.example"):
            pass
    assert fake.sleeps == [expected]


def test_spacing_longer_than_max_wait_refuses_without_sleeping(fake: FakeTime) -> None:
    limiter = fake_limiter(fake, min_delay=1.0, max_wait=30.0)
    limiter.set_crawl_delay("a.example", 60)
    with limiter.slot("a.example"):
        pass
    error = fetch_error(lambda: limiter.slot("a.example").__enter__())
    assert isinstance(error, Throttled) and "host busy" in error.message
    assert fake.sleeps == []
    fake.advance(60)
    with limiter.slot("a.example"):  # the refusal reserved nothing
        pass
    assert fake.sleeps == []


# -- Retry-After ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retry_after", "at_least"),
    [
        (429, lambda: "120", 119.0),
        (503, lambda: formatdate(time.time() + 300, usegmt=True), 290.0),
    ],
    ids=["429-seconds", "503-http-date"],
)
def test_retry_after_defers_the_url_and_nothing_is_sent(
    fixture_server: FixtureServer,
    fake: FakeTime,
    quick: PoliteFetcher,
    status: int,
    retry_after: Callable[[], str],
    at_least: float,
) -> None:
    fixture_server.route("/busy", status=status, headers={"Retry-After": retry_after()})
    url = fixture_server.url + "/busy"
    assert fetch_error(lambda: quick.get(url)).status == status
    deferred = fetch_error(lambda: quick.get(url))
    assert isinstance(deferred, Throttled) and "Retry-After" in deferred.message
    assert deferred.retry_after is not None and deferred.retry_after >= at_least
    assert paths(fixture_server) == ["/busy"]  # the second get sent nothing
    fixture_server.route("/other", body="ok")
    assert quick.get(fixture_server.url + "/other").status == 200  # one URL only
    fake.advance(deferred.retry_after)
    fixture_server.route("/busy", body="back")
    assert quick.get(url).content == b"back"


def test_503_without_retry_after_defers_nothing(fixture_server: FixtureServer, quick: PoliteFetcher) -> None:
    fixture_server.route("/down", status=503)
    url = fixture_server.url + "/down"
    for _ in range(2):
        assert fetch_error(lambda: quick.get(url)).status == 503
    assert paths(fixture_server) == ["/down", "/down"]


def test_429_without_retry_after_defers_by_the_default(fake: FakeTime) -> None:
    limiter = fake_limiter(fake)
    limiter.defer(A + "/x", None, 429)
    assert limiter.deferred_until(A + "/x") == fake.now + DEFAULT_429_DELAY


def test_a_shorter_retry_after_never_shortens_a_deferral(fake: FakeTime) -> None:
    limiter = fake_limiter(fake)
    limiter.defer(A + "/x", 300, 503)
    limiter.defer(A + "/x", 10, 503)
    assert limiter.deferred_until(A + "/x") == fake.now + 300
    fake.advance(300)
    assert limiter.deferred_until(A + "/x") is None


def test_429s_from_two_urls_pause_the_host_until_the_latest_asked(fake: FakeTime) -> None:
    limiter = fake_limiter(fake)
    limiter.defer(A + "/1", 300, 429)
    assert limiter.deferred_until(A + "/3") is None  # one URL: only that URL
    fake.advance(5)
    limiter.defer(A + "/2", 10, 429)
    pause = fake.now - 5 + 300
    assert limiter.deferred_until(A + "/3") == pause
    assert limiter.deferred_until(A + "/2") == pause  # the host pause outlasts its own 10 s
    assert limiter.deferred_until(B + "/1") is None
    assert limiter.stats() == {
        "deferred_urls": 2,
        "paused_hosts": ("a.example",),
        "busy_hosts": 0,
        "crawl_delayed_hosts": 0,
    }


@pytest.mark.parametrize(
    ("first", "gap", "second"),
    [(429, 601.0, 429), (503, 1.0, 503), (429, 1.0, 503)],
    ids=["outside-the-window", "503s-do-not-widen", "one-429-only"],
)
def test_no_host_pause_without_two_recent_429s(fake: FakeTime, first: int, gap: float, second: int) -> None:
    limiter = fake_limiter(fake)
    limiter.defer(A + "/1", 1000, first)
    fake.advance(gap)
    limiter.defer(A + "/2", 10, second)
    assert limiter.deferred_until(A + "/3") is None


def test_host_pause_through_the_polite_fetcher(fixture_server: FixtureServer, quick: PoliteFetcher) -> None:
    for path in ("/1", "/2"):
        fixture_server.route(path, status=429, headers={"Retry-After": "30"})
        assert fetch_error(partial(quick.get, fixture_server.url + path)).status == 429
    fixture_server.route("/feed.xml", body="<rss/>")
    assert isinstance(fetch_error(lambda: quick.get(fixture_server.url + "/feed.xml")), Throttled)
    assert paths(fixture_server) == ["/1", "/2"]


# -- robots.txt ----------------------------------------------------------------------------

ROBOTS = """\
User-agent: *
Disallow: /private/

User-agent: topicwire-tests
Disallow: /no-topicwire/
Crawl-delay: 3
"""


def test_robots_disallow_applies_to_pages_not_feeds(fixture_server: FixtureServer, quick: PoliteFetcher) -> None:
    fixture_server.route("/robots.txt", body="User-agent: *\nDisallow: /private/\n")
    fixture_server.route("/private/feed.xml", body="<rss/>")
    url = fixture_server.url + "/private/feed.xml"
    error = fetch_error(lambda: quick.get(url, purpose="page"))
    assert error.message == "disallowed by robots.txt" and not isinstance(error, Throttled)
    assert quick.get(url, purpose="feed").content == b"<rss/>"
    assert quick.get(url).status == 200  # "feed" is the default
    assert paths(fixture_server) == ["/robots.txt", "/private/feed.xml", "/private/feed.xml"]


def test_without_a_robots_cache_pages_ignore_robots(fixture_server: FixtureServer, fake: FakeTime) -> None:
    fixture_server.route("/robots.txt", body="User-agent: *\nDisallow: /\n")
    fixture_server.route("/a", body="ok")
    fetcher = Fetcher(user_agent=UA, timeout=5.0, allow_private_addresses=True)
    with PoliteFetcher(fetcher, fake_limiter(fake, min_delay=0.0)) as p:
        assert p.get(fixture_server.url + "/a", purpose="page").content == b"ok"
    assert paths(fixture_server) == ["/a"]


def test_robots_rules_for_our_user_agent_and_crawl_delay(fixture_server: FixtureServer, fake: FakeTime) -> None:
    fixture_server.route("/robots.txt", body=ROBOTS)
    fixture_server.route("/private/a", body="ok")
    with polite(fake_limiter(fake, min_delay=1.0)) as p:
        assert fetch_error(lambda: p.get(fixture_server.url + "/no-topicwire/a", purpose="page"))
        # Our own group replaces "*": /private/ is not ours to avoid.
        assert p.get(fixture_server.url + "/private/a", purpose="page").status == 200
        assert p.limiter.spacing(host_key(fixture_server.url)) == 3.0
    # robots.txt went through the slot too: the page waited the crawl delay after it.
    assert fake.sleeps == [3.0]


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(404, True), (403, True), (500, False), (503, False), (429, False)],
    ids=["404-allow-all", "403-allow-all", "500-disallow", "503-disallow", "429-disallow"],
)
def test_robots_status_decides_for_the_whole_host(
    fixture_server: FixtureServer, quick: PoliteFetcher, status: int, allowed: bool
) -> None:
    if status != 404:
        fixture_server.route("/robots.txt", status=status, body="User-agent: *\nDisallow: /\n")
    fixture_server.route("/article", body="text")
    url = fixture_server.url + "/article"
    if allowed:
        assert quick.get(url, purpose="page").content == b"text"
    else:
        # Not "disallowed by robots.txt": the rules said nothing, the host did not answer (issue 13).
        message = fetch_error(lambda: quick.get(url, purpose="page")).message
        assert message.startswith(f"robots.txt unreachable (HTTP {status} ")
        assert message.endswith("): disallowed for now (RFC 9309 2.3.1.4)")
    assert paths(fixture_server) == ["/robots.txt"] + ["/article"] * allowed


@pytest.fixture
def robots(fake: FakeTime) -> Iterator[RobotsCache]:
    """A RobotsCache on the fake clock, fetching with its own Fetcher."""
    with Fetcher(user_agent=UA, timeout=5.0, allow_private_addresses=True) as fetcher:
        yield RobotsCache(fetcher, UA, clock=fake.clock)


def test_unreachable_robots_disallows_then_is_asked_again(fake: FakeTime, robots: RobotsCache) -> None:
    down = FixtureServer()
    down.close()  # nothing listens on its port any more: connection refused
    assert not robots.allowed(down.url + "/article")
    with FixtureServer() as up:
        up.route("/robots.txt", status=500)
        assert not robots.allowed(up.url + "/a")
        assert not robots.allowed(up.url + "/a")  # the failure is cached too
        fake.advance(601)  # failure_ttl passed; robots.txt is fixed
        up.route("/robots.txt", body="User-agent: *\nDisallow:\n")
        assert robots.allowed(up.url + "/a")
        assert paths(up) == ["/robots.txt", "/robots.txt"]


def test_last_good_robots_is_kept_while_unreachable(
    fixture_server: FixtureServer, fake: FakeTime, robots: RobotsCache
) -> None:
    fixture_server.route("/robots.txt", body="User-agent: *\nDisallow: /private/\n")
    assert robots.allowed(fixture_server.url + "/public")
    fake.advance(24 * 3600 + 1)
    fixture_server.route("/robots.txt", status=502)
    assert robots.allowed(fixture_server.url + "/public")
    assert not robots.allowed(fixture_server.url + "/private/x")
    assert paths(fixture_server) == ["/robots.txt", "/robots.txt"]


def test_robots_is_fetched_once_per_host_per_ttl(
    fixture_server: FixtureServer, fake: FakeTime, quick: PoliteFetcher
) -> None:
    fixture_server.route("/robots.txt", body="User-agent: *\nDisallow: /private/\n")
    for i in range(5):
        fixture_server.route(f"/p{i}.html", body=f"<p>{i}</p>")
    for i in range(5):
        quick.get(f"{fixture_server.url}/p{i}.html", purpose="page")
    assert paths(fixture_server, "/robots.txt") == ["/robots.txt"]
    fake.advance(24 * 3600 + 1)
    quick.get(fixture_server.url + "/p0.html", purpose="page")
    assert paths(fixture_server, "/robots.txt") == ["/robots.txt", "/robots.txt"]


def test_concurrent_callers_share_one_robots_fetch(fixture_server: FixtureServer) -> None:
    fixture_server.route("/robots.txt", body="User-agent: *\nDisallow: /x\n", delay=0.1)
    fetcher = Fetcher(user_agent=UA, timeout=5.0, allow_private_addresses=True)
    robots = RobotsCache(fetcher, UA)
    gets = [Fetcher(user_agent=UA, timeout=5.0, allow_private_addresses=True) for _ in range(5)]
    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(lambda f: robots.allowed(fixture_server.url + "/y", lambda u: f.get(u)), gets))
    assert answers == [True] * 5
    assert paths(fixture_server) == ["/robots.txt"]
    for f in [fetcher, *gets]:
        f.close()


def test_robots_parses_only_the_first_500_kib() -> None:
    padding = b"# filler\n" * (MAX_ROBOTS_BYTES // 9 + 1)
    body = b"User-agent: *\nDisallow: /early/\n" + padding + b"Disallow: /late/\n"
    parser = parse_robots(body)
    assert not parser.can_fetch(UA, "http://a.example/early/x")
    assert parser.can_fetch(UA, "http://a.example/late/x")


# -- misleading errors (issue 13): a robots.txt fetch that failed for the URL's own reasons --


@pytest.fixture
def no_outside_connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fails the test on any connect to a non-loopback address; records every connect."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: object) -> None:
        attempts.append(address)
        host = address[0] if isinstance(address, tuple) else ""
        assert host in ("127.0.0.1", "::1"), f"tried to connect to {address}"
        real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts


def test_private_article_link_names_the_refused_address(fake: FakeTime, no_outside_connections: list[object]) -> None:
    # Was "disallowed by robots.txt": the refused robots.txt fetch was taken for an unreachable host.
    fetcher = Fetcher(user_agent=UA, timeout=5.0, allow_private_addresses=False)
    with PoliteFetcher(fetcher, fake_limiter(fake, min_delay=0.0), RobotsCache(fetcher, UA, clock=fake.clock)) as p:
        for _ in range(2):  # not cached as "unreachable" either
            error = fetch_error(lambda: p.get("http://10.255.255.1/news/1.html", purpose="page"))
            assert isinstance(error, TargetError)
            assert error.url == "http://10.255.255.1/news/1.html"
            assert error.message == (
                "refused private address 10.255.255.1 (set fetch.allow_private_addresses = true to allow)"
            )
    assert no_outside_connections == []  # refused before any connection was attempted


def test_unresolvable_host_is_named_not_disallowed(quick: PoliteFetcher) -> None:
    # RFC 6761 6.4: .invalid never resolves.
    error = fetch_error(lambda: quick.get("http://news.topicwire.invalid/a.html", purpose="page"))
    assert isinstance(error, TargetError)
    assert error.message == "cannot resolve host news.topicwire.invalid"


def test_unreachable_robots_names_why(quick: PoliteFetcher) -> None:
    down = FixtureServer()
    down.close()  # nothing listens on its port any more: connection refused
    error = fetch_error(lambda: quick.get(down.url + "/article", purpose="page"))
    assert error.message == (
        "robots.txt unreachable (connection refused by 127.0.0.1): disallowed for now (RFC 9309 2.3.1.4)"
    )
    assert not isinstance(error, TargetError)  # the host may come back: RFC 9309's disallow-for-now


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[::1/a.html", "invalid URL 'http://[::1/a.html': Invalid IPv6 URL"),
        ("http:///a.html", "invalid URL 'http:///a.html': no host"),
        ("http://example.org:99999/a.html", "invalid URL 'http://example.org:99999/a.html': Port out of range 0-65535"),
        ("javascript:alert(1)", "unsupported URL scheme 'javascript' (only http, https)"),
    ],
    ids=["ipv6", "no-host", "port", "scheme"],
)
def test_an_unfetchable_page_url_is_named_before_robots(quick: PoliteFetcher, url: str, message: str) -> None:
    # Was a ValueError from robots.txt's origin() (a crash), or "invalid URL 'http:///robots.txt'".
    error = fetch_error(lambda: quick.get(url, purpose="page"))
    assert isinstance(error, TargetError) and error.message == message and error.url == url


def test_robots_redirected_elsewhere_is_not_the_page_error(fixture_server: FixtureServer, quick: PoliteFetcher) -> None:
    # A failure on another origin's hop says nothing about the page's own host.
    fixture_server.redirect("/robots.txt", "ftp://example.org/robots.txt")
    fixture_server.route("/a.html", body="text")
    error = fetch_error(lambda: quick.get(fixture_server.url + "/a.html", purpose="page"))
    assert not isinstance(error, TargetError)
    unsupported = "unsupported URL scheme 'ftp' (only http, https)"
    assert error.message == f"robots.txt unreachable ({unsupported}): disallowed for now (RFC 9309 2.3.1.4)"
    assert paths(fixture_server) == ["/robots.txt"]
