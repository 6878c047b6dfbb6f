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
from topicwire.sources.hosts import PAUSES_TTL, WIDEN_WINDOW, HostBoard, HostLimiter
from topicwire.sources.polite import PoliteFetcher
from topicwire.store import Store

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
    assert hosts.pauses("a.example", T) == ((A + "/x", T + 300),)
    hosts.defer("a.example", A + "/1", T + 200, T, True, since, 2)  # one 429: only that URL
    assert {url for url, _ in hosts.pauses("a.example", T)} == {A + "/x", A + "/1"}
    hosts.defer("a.example", A + "/2", T + 15, T + 5, True, since + 5, 2)  # a second URL's 429
    assert dict(hosts.pauses("a.example", T + 5))[""] == T + 200  # the host, until the latest asked
    assert hosts.pauses("b.example", T) == ()
    assert dict(hosts.pauses("a.example", T + 250)) == {A + "/x": T + 300}  # ended ones are not read


@pytest.mark.parametrize(
    ("first", "gap", "second"),
    [(True, WIDEN_WINDOW + 1, True), (False, 1.0, False), (True, 1.0, False)],
    ids=["outside-the-window", "503s-do-not-widen", "one-429-only"],
)
def test_no_host_pause_without_two_recent_429s(store: Store, first: bool, gap: float, second: bool) -> None:
    store.hosts.defer("a.example", A + "/1", T + 1000, T, first, T - WIDEN_WINDOW, 2)
    later = T + gap
    store.hosts.defer("a.example", A + "/2", later + 10, later, second, later - WIDEN_WINDOW, 2)
    assert "" not in dict(store.hosts.pauses("a.example", later))


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
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    assert len(starts) == 6 and min(gaps) >= spacing - 0.01, gaps


class CountingBoard:
    """A board that counts the reservations it was asked for."""

    def __init__(self, board: HostBoard) -> None:
        self.board, self.reserved = board, 0

    def reserve_start(self, host: str, earliest: float, spacing: float, latest: float) -> float:
        self.reserved += 1
        return self.board.reserve_start(host, earliest, spacing, latest)

    def pauses(self, host: str, now: float) -> tuple[tuple[str, float], ...]:
        return self.board.pauses(host, now)

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

    def pauses(self, host: str, now: float) -> tuple[tuple[str, float], ...]:
        raise StoreError("store host state failed: connection refused")

    def defer(self, host: str, url: str, until: float, now: float, strike: bool, since: float, widen_at: int) -> None:
        raise StoreError("store host state failed: connection refused")


def test_a_failing_store_leaves_the_in_memory_politeness() -> None:
    fake = FakeTime()
    limiter = HostLimiter(clock=fake.clock, sleep=fake.sleep, wall=fake.clock, min_delay=1.0, board=FailingBoard())
    for _ in range(2):
        with limiter.slot("a.example"):
            pass
    assert fake.sleeps == [1.0]
    limiter.defer(A + "/x", 60, 503)
    assert limiter.deferred_until(A + "/x") == fake.now + 60


class SwitchedBoard(FailingBoard):
    """A store that goes away and comes back: fails while ``down``; answers no pauses else."""

    def __init__(self) -> None:
        self.down = False

    def pauses(self, host: str, now: float) -> tuple[tuple[str, float], ...]:
        if self.down:
            super().pauses(host, now)
        return ()


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
