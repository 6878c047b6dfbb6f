"""Per-host politeness kept in the store for every worker (issue 16 point 1).

The store's host state (store/hosts.py) on both backends: reservations spaced and refused
past ``latest``, Retry-After deferrals, the host-wide 429 pause, retention. Then two
HostLimiters on two Store connections to one PostgreSQL database, as two workers: one
host's spacing and one 429 pause hold between them, on a fake clock and in real time;
and make_fetcher wires the store only when it is shared.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from site_config import write_site_config

from topicwire.config import load_config
from topicwire.errors import FetchError, StoreError, Throttled
from topicwire.pipeline import make_fetcher
from topicwire.sources.fetch import Fetcher
from topicwire.sources.hosts import (
    CRAWL_DELAY_RETRY,
    CRAWL_DELAY_REWRITE,
    CRAWL_DELAY_TTL,
    PAUSES_TTL,
    WIDEN_WINDOW,
    HostBoard,
    HostLimiter,
)
from topicwire.sources.polite import PoliteFetcher
from topicwire.sources.robots import RobotsCache
from topicwire.store import Store
from topicwire.types import HostNotes

NOW = datetime(2024, 11, 14, 17, 8, tzinfo=UTC)
T = 1_700_000_000.0  # a wall-clock time (unix seconds)
A = "http://a.example"
B = "http://b.example"
UA = "topicwire-tests/0.1 (+https://example.invalid/topicwire)"


@pytest.fixture
def store(store_at: Path | str) -> Iterator[Store]:
    s = Store.open(store_at, NOW)
    yield s
    s.close()


# -- the store's host state, on both backends -----------------------------------------------


def test_reservations_space_one_host_and_leave_others_alone(store: Store) -> None:
    reserve = store.hosts.reserve_start
    assert reserve("a.example", T, 2.0, T + 30) == T
    assert reserve("a.example", T, 2.0, T + 30) == T + 2  # queued behind the first
    assert reserve("a.example", T + 1, 5.0, T + 30) == T + 4  # its own spacing counts after it...
    assert reserve("a.example", T, 1.0, T + 30) == T + 9  # ...for the next one
    assert reserve("b.example", T, 2.0, T + 30) == T
    assert reserve("a.example", T + 100, 2.0, T + 130) == T + 100  # long idle: now, not the past


def test_a_reservation_past_latest_is_refused_and_reserves_nothing(store: Store) -> None:
    reserve = store.hosts.reserve_start
    assert reserve("a.example", T, 60.0, T + 30) == T
    assert reserve("a.example", T + 1, 1.0, T + 30) == T + 60  # later than T + 30: refused...
    assert reserve("a.example", T + 1, 1.0, T + 61) == T + 60  # ...so this one still gets T + 60


def test_deferrals_and_the_host_wide_pause(store: Store) -> None:
    hosts = store.hosts
    since = T - WIDEN_WINDOW
    hosts.defer("a.example", A + "/x", T + 300, T, False, since, 2)  # a 503's Retry-After
    hosts.defer("a.example", A + "/x", T + 10, T, False, since, 2)  # shorter and later: kept at 300
    assert hosts.notes("a.example", T).pauses == ((A + "/x", T + 300),)
    hosts.defer("a.example", A + "/1", T + 200, T, True, since, 2)  # one 429: only that URL
    assert {url for url, _ in hosts.notes("a.example", T).pauses} == {A + "/x", A + "/1"}
    hosts.defer("a.example", A + "/2", T + 15, T + 5, True, since + 5, 2)  # a second URL's 429
    assert dict(hosts.notes("a.example", T + 5).pauses)[""] == T + 200  # the host, until the latest asked
    assert hosts.notes("b.example", T) == HostNotes()
    assert dict(hosts.notes("a.example", T + 250).pauses) == {A + "/x": T + 300}  # ended ones are not read


def test_a_crawl_delay_in_force_spaces_every_reservation_until_it_lapses(store: Store) -> None:
    hosts, reserve = store.hosts, store.hosts.reserve_start
    hosts.set_crawl_delay("a.example", 10.0, T, T + 3600)
    assert hosts.notes("a.example", T) == HostNotes(crawl_delay=10.0)
    assert reserve("a.example", T, 0.5, T + 30) == T
    assert reserve("a.example", T, 0.5, T + 30) == T + 10  # the caller's 0.5 s leaves the host's 10
    assert reserve("a.example", T, 20.0, T + 60) == T + 20  # a larger spacing of its own still counts...
    assert reserve("a.example", T, 0.5, T + 60) == T + 40  # ...for the next one
    assert reserve("a.example", T, 0.5, T + 45) == T + 50  # refused past latest, with the host's spacing
    assert hosts.notes("a.example", T + 3601).crawl_delay is None  # a reading lapses unless written again
    assert reserve("a.example", T + 3601, 0.5, T + 3700) == T + 3601
    assert reserve("a.example", T + 3601, 0.5, T + 3700) == T + 3601.5
    hosts.set_crawl_delay("b.example", 5.0, T, T + 3600)
    hosts.set_crawl_delay("b.example", None, T + 1, T + 3600)  # robots.txt read again: none now
    assert hosts.notes("b.example", T + 2) == HostNotes()
    assert reserve("b.example", T + 2, 0.5, T + 30) == T + 2
    assert reserve("b.example", T + 2, 0.5, T + 30) == T + 2.5


def test_retention_keeps_a_host_whose_crawl_delay_is_in_force(store: Store) -> None:
    store.hosts.set_crawl_delay("slow.example", 30.0, T, T + 86400 * 31)
    store.hosts.set_crawl_delay("gone.example", 30.0, T, T + 3600)
    cutoff = datetime.fromtimestamp(T + 86400 * 30, UTC)
    with store.transaction() as tx:
        tx.delete_expired(cutoff, 0, cutoff)
    assert store.hosts.notes("slow.example", T + 86400 * 30).crawl_delay == 30.0
    assert store.hosts.notes("gone.example", T).crawl_delay is None  # its row went (read at T it stood)


@pytest.mark.parametrize(
    ("first", "gap", "second"),
    [(True, WIDEN_WINDOW + 1, True), (False, 1.0, False), (True, 1.0, False)],
    ids=["outside-the-window", "503s-do-not-widen", "one-429-only"],
)
def test_no_host_pause_without_two_recent_429s(store: Store, first: bool, gap: float, second: bool) -> None:
    store.hosts.defer("a.example", A + "/1", T + 1000, T, first, T - WIDEN_WINDOW, 2)
    later = T + gap
    store.hosts.defer("a.example", A + "/2", later + 10, later, second, later - WIDEN_WINDOW, 2)
    assert "" not in dict(store.hosts.notes("a.example", later).pauses)


def test_retention_forgets_idle_hosts(store: Store) -> None:
    store.hosts.reserve_start("old.example", T, 1.0, T + 30)
    store.hosts.reserve_start("new.example", T + 86400 * 40, 1.0, T + 86400 * 41)
    cutoff = datetime.fromtimestamp(T + 86400 * 30, UTC)
    with store.transaction() as tx:
        tx.delete_expired(cutoff, 0, cutoff)
    # A forgotten host starts afresh; the other keeps its next start.
    assert store.hosts.reserve_start("old.example", T, 1.0, T + 30) == T
    assert store.hosts.reserve_start("new.example", T + 86400 * 40, 1.0, T + 86400 * 41) == T + 86400 * 40 + 1


def test_sqlite_is_not_shared_postgresql_is(store: Store, store_at: Path | str) -> None:
    assert store.shared is isinstance(store_at, str)


# -- two workers on one PostgreSQL database -------------------------------------------------


class FakeTime:
    """One clock for both workers (monotonic and wall alike): moves only when slept on or advanced."""

    def __init__(self) -> None:
        self.now = T
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def two_stores(pg_url: str) -> Iterator[tuple[Store, Store]]:
    """Two Store connections (pools) to one database: two workers' stores."""
    first, second = Store.open(pg_url, NOW), Store.open(pg_url, NOW)
    yield first, second
    first.close()
    second.close()


def workers(stores: tuple[Store, Store], fake: FakeTime, **kwargs: float) -> tuple[HostLimiter, HostLimiter]:
    def limiter(store: Store) -> HostLimiter:
        return HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, board=store.hosts, **kwargs)

    return limiter(stores[0]), limiter(stores[1])


def test_two_workers_keep_one_hosts_spacing(two_stores: tuple[Store, Store]) -> None:
    fake = FakeTime()
    first, second = workers(two_stores, fake, min_delay=2.0)
    with first.slot("a.example"):
        pass
    with second.slot("a.example"):  # knows nothing of the first's request but what the store says
        pass
    with second.slot("b.example"):  # another host: no wait
        pass
    assert fake.sleeps == [2.0]
    first.set_crawl_delay("a.example", 10)  # a Crawl-delay one worker read holds for the other
    with first.slot("a.example"):  # 10 s after its own last start (T), at T + 2 now
        pass
    with second.slot("a.example"):  # 10 s after the first's, though its own spacing is 2 s
        pass
    assert fake.sleeps == [2.0, 8.0, 10.0]


def test_a_start_too_far_on_the_shared_host_is_throttled_and_reserves_nothing(
    two_stores: tuple[Store, Store],
) -> None:
    fake = FakeTime()
    first, second = workers(two_stores, fake, min_delay=1.0, max_wait=30.0, per_host_concurrency=1)
    first.set_crawl_delay("a.example", 60)
    with first.slot("a.example"):
        pass
    with pytest.raises(Throttled, match="allowed in 60 s"):
        second.slot("a.example", url=A + "/x").__enter__()
    fake.advance(60)
    with second.slot("a.example"):  # the refusal held no slot and reserved nothing
        pass
    assert fake.sleeps == []


def test_one_429_pause_holds_for_both_workers(two_stores: tuple[Store, Store]) -> None:
    fake = FakeTime()
    first, second = workers(two_stores, fake)
    assert second.deferred_until(A + "/3") is None  # read (and cached) before the 429s
    first.defer(A + "/1", 300, 429)
    assert second.deferred_until(A + "/1") is None  # the cached read stands for PAUSES_TTL...
    fake.advance(PAUSES_TTL)
    assert second.deferred_until(A + "/1") == T + 300  # ...then the first's deferral is seen
    assert second.deferred_until(A + "/3") is None  # one URL: only that URL
    fake.advance(1)
    second.defer(A + "/2", 10, 429)  # the second URL's 429 came to the other worker: the host pauses
    assert second.deferred_until(A + "/3") == T + 300
    fake.advance(PAUSES_TTL)
    assert first.deferred_until(A + "/3") == T + 300
    assert first.deferred_until(B + "/1") is None
    fake.advance(300)
    assert first.deferred_until(A + "/3") is None and second.deferred_until(A + "/3") is None


def test_a_429_through_one_workers_fetcher_stops_the_others_request(
    fixture_server: FixtureServer, two_stores: tuple[Store, Store]
) -> None:
    fake = FakeTime()
    limiters = workers(two_stores, fake, min_delay=0.0)
    first, second = (PoliteFetcher(Fetcher(user_agent=UA, allow_private_addresses=True), lim) for lim in limiters)
    with first, second:
        for path in ("/1", "/2"):
            fixture_server.route(path, status=429, headers={"Retry-After": "30"})
            assert fetch_error(partial(first.get, fixture_server.url + path)).status == 429
        fixture_server.route("/feed.xml", body="<rss/>")
        throttled = fetch_error(lambda: second.get(fixture_server.url + "/feed.xml"))
        assert isinstance(throttled, Throttled) and "Retry-After" in throttled.message
    assert [r.path for r in fixture_server.requests] == ["/1", "/2"]


def test_a_crawl_delay_one_worker_read_spaces_a_worker_that_never_read_it(two_stores: tuple[Store, Store]) -> None:
    """The other worker has ``per_host_delay = "0s"`` and has not read the host's robots.txt
    (feed polls skip it): the board's Crawl-delay, read with the host's notes before its
    request, spaces it, and it reserves through the board again."""
    fake = FakeTime()
    board = CountingBoard(two_stores[1].hosts)
    first = workers(two_stores, fake, min_delay=0.0)[0]
    second = HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, min_delay=0.0, board=board)
    assert second.deferred_until(A + "/feed.xml") is None and second.spacing("a.example") == 0.0
    first.set_crawl_delay("a.example", 10)
    with first.slot("a.example"):
        pass
    fake.advance(PAUSES_TTL)  # the second's cached read of the host's notes stands until then
    assert second.deferred_until(A + "/feed.xml") is None
    assert second.spacing("a.example") == 10.0
    with second.slot("a.example"):  # 10 s after the first's start, PAUSES_TTL of them passed
        pass
    assert fake.sleeps == [10.0 - PAUSES_TTL] and board.reserved == 1
    assert second.stats()["crawl_delayed_hosts"] == 1


def test_a_crawl_delay_is_written_once_per_reading_not_per_request(two_stores: tuple[Store, Store]) -> None:
    fake = FakeTime()
    board = CountingBoard(two_stores[0].hosts)
    limiter = HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, min_delay=0.0, board=board)
    for _ in range(3):  # PoliteFetcher sets it before each page request
        limiter.set_crawl_delay("a.example", 10)
    limiter.set_crawl_delay("b.example", None)  # none: written too, so an old reading ends
    limiter.set_crawl_delay("a.example", 4)  # robots.txt changed
    fake.advance(CRAWL_DELAY_REWRITE)
    limiter.set_crawl_delay("a.example", 4)  # written again before the board's reading lapses
    assert board.written == [("a.example", 10.0), ("b.example", None), ("a.example", 4.0), ("a.example", 4.0)]
    assert two_stores[1].hosts.notes("a.example", fake.now).crawl_delay == 4.0
    assert two_stores[1].hosts.notes("a.example", fake.now + CRAWL_DELAY_TTL).crawl_delay is None


def test_a_robots_crawl_delay_read_by_one_workers_fetcher_spaces_the_others_feed_polls(
    fixture_server: FixtureServer, two_stores: tuple[Store, Store]
) -> None:
    fake = FakeTime()
    limiters = workers(two_stores, fake, min_delay=0.0)
    fixture_server.route("/robots.txt", body="User-agent: *\nCrawl-delay: 7\n")
    fixture_server.route("/story.html", body="<html><body><p>A story.</p></body></html>")
    fixture_server.route("/feed.xml", body="<rss/>")
    fetchers = [Fetcher(user_agent=UA, allow_private_addresses=True) for _ in limiters]
    first, second = (
        PoliteFetcher(f, lim, RobotsCache(f, UA, clock=fake.clock)) for f, lim in zip(fetchers, limiters, strict=True)
    )
    with first, second:
        first.get(fixture_server.url + "/story.html", purpose="page")  # robots.txt, then 7 s, the page
        second.get(fixture_server.url + "/feed.xml")  # a feed poll reads no robots.txt, yet waits 7 s
    assert [r.path for r in fixture_server.requests] == ["/robots.txt", "/story.html", "/feed.xml"]
    assert fake.sleeps == [7.0, 7.0]


def test_two_workers_in_real_time_never_start_closer_than_the_spacing(two_stores: tuple[Store, Store]) -> None:
    spacing = 0.15
    starts: list[float] = []
    lock = threading.Lock()

    def poll(store: Store) -> None:
        limiter = HostLimiter(per_host_concurrency=2, min_delay=spacing, board=store.hosts)
        for _ in range(3):
            with limiter.slot("a.example"):
                with lock:
                    starts.append(time.time())

    threads = [threading.Thread(target=poll, args=(s,)) for s in two_stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The i-th start is no earlier than i spacings after the first. Not each gap: a thread
    # that wakes late from its reserved time (a loaded CI machine: 94 ms) makes the gap to
    # the next one, which started on time, short without either starting early.
    ordered = sorted(starts)
    late = [round(s - ordered[0] - i * spacing, 3) for i, s in enumerate(ordered)]
    assert len(starts) == 6 and min(late) >= -0.01, late


class CountingBoard:
    """A board that counts the reservations it was asked for."""

    def __init__(self, board: HostBoard) -> None:
        self.board, self.reserved = board, 0
        self.written: list[tuple[str, float | None]] = []

    def reserve_start(self, host: str, earliest: float, spacing: float, latest: float) -> float:
        self.reserved += 1
        return self.board.reserve_start(host, earliest, spacing, latest)

    def notes(self, host: str, now: float) -> HostNotes:
        return self.board.notes(host, now)

    def set_crawl_delay(self, host: str, seconds: float | None, now: float, until: float) -> None:
        self.written.append((host, seconds))
        self.board.set_crawl_delay(host, seconds, now, until)

    def defer(self, host: str, url: str, until: float, now: float, strike: bool, since: float, widen_at: int) -> None:
        self.board.defer(host, url, until, now, strike, since, widen_at)


def test_a_host_without_spacing_costs_no_store_write_per_request(two_stores: tuple[Store, Store]) -> None:
    """``per_host_delay = "0s"`` and no Crawl-delay: a request reserves nothing on the board
    (bench/scale.py: one upsert of one host row per request, every worker's fetches queued
    on its row lock); a Crawl-delay read later spaces through the board again."""
    fake = FakeTime()
    board = CountingBoard(two_stores[0].hosts)
    limiter = HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, min_delay=0.0, board=board)
    for _ in range(3):
        with limiter.slot("a.example"):
            pass
    assert board.reserved == 0 and fake.sleeps == []
    limiter.set_crawl_delay("a.example", 5)
    other = HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, min_delay=0.0, board=two_stores[1].hosts)
    other.set_crawl_delay("a.example", 5)
    fake.advance(10)  # the first worker's own last request is long past
    with limiter.slot("a.example"):
        pass
    with other.slot("a.example"):  # spaced by the first worker's reservation
        pass
    assert board.reserved == 1 and fake.sleeps == [5.0]


class FailingBoard:
    """A store that went away: every call fails."""

    def reserve_start(self, host: str, earliest: float, spacing: float, latest: float) -> float:
        raise StoreError("store host state failed: connection refused")

    def notes(self, host: str, now: float) -> HostNotes:
        raise StoreError("store host state failed: connection refused")

    def set_crawl_delay(self, host: str, seconds: float | None, now: float, until: float) -> None:
        raise StoreError("store host state failed: connection refused")

    def defer(self, host: str, url: str, until: float, now: float, strike: bool, since: float, widen_at: int) -> None:
        raise StoreError("store host state failed: connection refused")


def test_a_crawl_delay_the_failing_store_did_not_take_is_written_a_minute_on() -> None:
    fake, board = FakeTime(), WritingBoard()
    limiter = HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, min_delay=0.0, board=board)
    board.down = True
    limiter.set_crawl_delay("a.example", 10)
    limiter.set_crawl_delay("a.example", 10)  # the next page request: not tried again at once
    assert limiter.spacing("a.example") == 10.0  # this process's reading spaces it meanwhile
    board.down = False
    fake.advance(CRAWL_DELAY_RETRY)
    limiter.set_crawl_delay("a.example", 10)
    assert board.tries == 2 and board.written == [("a.example", 10.0)]


def test_a_failing_store_leaves_the_in_memory_politeness() -> None:
    fake = FakeTime()
    limiter = HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, min_delay=1.0, board=FailingBoard())
    for _ in range(2):
        with limiter.slot("a.example"):
            pass
    assert fake.sleeps == [1.0]
    limiter.defer(A + "/x", 60, 503)
    assert limiter.deferred_until(A + "/x") == fake.now + 60


class WritingBoard(FailingBoard):
    """A store that fails while ``down``; counts the Crawl-delay writes tried, keeps those taken."""

    def __init__(self) -> None:
        self.down, self.tries = False, 0
        self.written: list[tuple[str, float | None]] = []

    def set_crawl_delay(self, host: str, seconds: float | None, now: float, until: float) -> None:
        self.tries += 1
        if self.down:
            super().set_crawl_delay(host, seconds, now, until)
        self.written.append((host, seconds))


class SwitchedBoard(FailingBoard):
    """A store that goes away and comes back: fails while ``down``; answers no pauses else."""

    def __init__(self) -> None:
        self.down = False

    def notes(self, host: str, now: float) -> HostNotes:
        if self.down:
            super().notes(host, now)
        return HostNotes()


def test_each_outage_of_the_board_is_logged_once_without_spacing(caplog: pytest.LogCaptureFixture) -> None:
    """per_host_delay 0s reserves nothing (4e1b7d7): the reads of a host's pauses must end an
    outage too, or only the first one was ever logged (review of issue 16)."""
    fake, board = FakeTime(), SwitchedBoard()
    limiter = HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, min_delay=0.0, board=board)
    for down in (True, True, False, True, True):
        board.down = down
        fake.advance(PAUSES_TTL + 1)  # the host's pauses are read again
        assert limiter.deferred_until(A + "/x") is None
    assert caplog.text.count("hosts.board_failed") == 2, caplog.text


class NotingBoard(FailingBoard):
    """A store with one pause and a Crawl-delay noted for a.example; fails while ``down``."""

    def __init__(self) -> None:
        self.down, self.reads = False, 0

    def notes(self, host: str, now: float) -> HostNotes:
        self.reads += 1
        if self.down:
            super().notes(host, now)
        return HostNotes(pauses=((A + "/x", T + 100),), crawl_delay=5.0)


def test_while_the_board_fails_its_last_reading_stands_and_is_asked_for_every_pauses_ttl() -> None:
    """Not at every request: each try waits for a pooled connection while the database is away."""
    fake, board = FakeTime(), NotingBoard()
    limiter = HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, min_delay=0.0, board=board)
    assert limiter.deferred_until(A + "/x") == T + 100 and limiter.spacing("a.example") == 5.0
    board.down = True
    fake.advance(PAUSES_TTL)
    for _ in range(3):
        assert limiter.deferred_until(A + "/x") == T + 100  # the pause read before the outage holds
        assert limiter.spacing("a.example") == 5.0  # and so does the Crawl-delay
    assert board.reads == 2
    fake.advance(PAUSES_TTL)
    assert limiter.deferred_until(A + "/y") is None and board.reads == 3


def test_a_retry_after_while_the_board_fails_leaves_its_last_reading_standing() -> None:
    """A 503's Retry-After for one URL during the outage: its deferral is not written, and
    the host's notes are to be read again, but the reading before the outage still stands:
    its Crawl-delay spaces this worker (which never read robots.txt), its pause holds."""
    fake, board = FakeTime(), NotingBoard()
    limiter = HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, min_delay=0.0, board=board)
    assert limiter.spacing("a.example") == 0.0 and limiter.deferred_until(A + "/x") == T + 100
    board.down = True
    limiter.defer(A + "/z", 30.0, 503)
    assert limiter.spacing("a.example") == 5.0
    assert limiter.deferred_until(A + "/x") == T + 100 and limiter.deferred_until(A + "/z") == T + 30
    assert limiter.spacing("a.example") == 5.0 and board.reads == 2  # asked again once, then every PAUSES_TTL


# -- wiring ---------------------------------------------------------------------------------


def test_make_fetcher_shares_host_state_only_on_a_shared_store(tmp_path: Path, store_at: Path | str) -> None:
    line = f"url = {store_at!r}".replace("'", '"') if isinstance(store_at, str) else f'path = "{store_at}"'
    config = load_config(write_site_config(tmp_path, "http://127.0.0.1", (), store=(line,)))
    store = Store.open(config.store, NOW)
    try:
        with make_fetcher(config, store) as fetcher:
            assert fetcher.limiter.board is (store.hosts if isinstance(store_at, str) else None)
        with make_fetcher(config) as fetcher:
            assert fetcher.limiter.board is None  # `discover`: no store
    finally:
        store.close()


def fetch_error(call: Callable[[], object]) -> FetchError:
    with pytest.raises(FetchError) as info:
        call()
    return info.value
