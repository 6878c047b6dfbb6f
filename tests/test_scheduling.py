"""Scheduling through the real pipeline and store: due times, backoff, Retry-After,
moved and gone sources, adaptive intervals, and the schedule in the store (claims, leases). A fixed
clock is injected; nothing sleeps for a real interval."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from fixture_server import FixtureServer

import topicwire.daemon.scheduler as scheduler_module
from topicwire.clock import utc_now
from topicwire.config import Config, SourceConfig, load_config
from topicwire.daemon.heartbeat import Heartbeat
from topicwire.daemon.leases import LeaseKeeper
from topicwire.daemon.scheduler import (
    FOREIGN_DELAY,
    MAX_JITTER,
    TICK_JOB,
    SourceScheduler,
    first_runs,
    jitter_for,
    spreads,
)
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.store import Store
from topicwire.types import PollOutcome, PollStatus
from topicwire.upkeep import Upkeep

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def rss(count: int, every: timedelta, ttl: int | None = None) -> str:
    items = "".join(
        f"<item><title>Item {i}</title><link>http://x.test/{i}</link><guid>g{i}</guid>"
        f"<pubDate>{format_datetime(NOW - every * i)}</pubDate></item>"
        for i in range(count)
    )
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl else ""
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{ttl_tag}{items}</channel></rss>'


def make(tmp_path: Path, server: FixtureServer, interval: str = "10m") -> tuple[Pipeline, Clock, Config]:
    text = f"""
[fetch]
allow_private_addresses = true
per_host_delay = "1ms"
min_interval = "5m"
max_interval = "6h"
max_backoff = "2h"
[defaults]
fulltext = false
[[sources]]
name = "s"
url = "{server.url}/feed.xml"
kind = "feed"
interval = "{interval}"
[[topics]]
name = "t"
query = "Item"
"""
    (tmp_path / "c.toml").write_text(text)
    config = load_config(tmp_path / "c.toml")
    clock = Clock()
    pipeline = Pipeline(config, Store.open(config.store_path, NOW), make_fetcher(config), clock)
    Upkeep.of(pipeline).prepare()
    return pipeline, clock, config


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with FixtureServer() as s:
        yield s


def test_success_schedules_the_interval_and_survives_restart(tmp_path: Path, server: FixtureServer) -> None:
    server.route("/feed.xml", rss(3, timedelta(hours=1)), headers={"Content-Type": "application/rss+xml"})
    pipeline, _, config = make(tmp_path, server)
    outcome = pipeline.poll(config.sources[0])
    # the interval, then up to 10% of it (60 s) of jitter: never sooner
    assert outcome.status == "ok" and outcome.next_due
    assert NOW + timedelta(minutes=10) <= outcome.next_due < NOW + timedelta(minutes=11)
    pipeline.store.close()
    reopened = Store.open(config.store_path, NOW)
    state = reopened.source_state("s")
    assert state is not None and state.next_due == outcome.next_due.replace(microsecond=0)  # stored to the second
    firsts = first_runs(config.sources, {"s": state.next_due}, NOW)
    assert firsts["s"] == state.next_due  # a restart resumes instead of polling at once


def test_failures_back_off_and_are_counted(tmp_path: Path, server: FixtureServer) -> None:
    server.route("/feed.xml", status=500)
    pipeline, clock, config = make(tmp_path, server)
    delays = []
    for _ in range(5):
        outcome = pipeline.poll(config.sources[0])
        assert outcome.status == "error" and outcome.next_due
        delays.append((outcome.next_due - clock.now).total_seconds())
        clock.now = outcome.next_due
    state = pipeline.store.source_state("s")
    assert state and state.error_count == 5 and "HTTP 500" in (state.error or "")
    # equal jitter: each delay lies in [base/2, base) with base = 10 min * 2**(n-1), capped at 2 h
    for n, delay in enumerate(delays, start=1):
        base = min(600 * 2 ** (n - 1), 7200)
        assert base / 2 <= delay < base
    server.route("/feed.xml", rss(1, timedelta(hours=1)), headers={"Content-Type": "application/rss+xml"})
    assert pipeline.poll(config.sources[0]).status == "ok"
    state = pipeline.store.source_state("s")
    assert state and state.error_count == 0 and state.error is None


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_never_shortened(tmp_path: Path, server: FixtureServer, status: int) -> None:
    server.route("/feed.xml", status=status, headers={"Retry-After": "7200"})
    pipeline, clock, config = make(tmp_path, server)
    outcome = pipeline.poll(config.sources[0])
    assert outcome.next_due and outcome.next_due >= NOW + timedelta(seconds=7200)
    seen = len(server.requests)
    # A fresh process (new fetcher, same store) still waits: the deferral is stored.
    fresh = Pipeline(config, pipeline.store, make_fetcher(config), clock)
    clock.now = NOW + timedelta(hours=1)
    again = fresh.poll(config.sources[0])
    assert again.status == "deferred" and len(server.requests) == seen
    clock.now = NOW + timedelta(hours=2, seconds=1)
    server.route("/feed.xml", rss(1, timedelta(hours=1)), headers={"Content-Type": "application/rss+xml"})
    assert fresh.poll(config.sources[0]).status == "ok"


def test_permanent_redirect_moves_the_source(tmp_path: Path, server: FixtureServer) -> None:
    server.redirect("/feed.xml", "/new.xml", status=301)
    server.route("/new.xml", rss(2, timedelta(hours=1)), headers={"Content-Type": "application/rss+xml"}, etag='"v1"')
    pipeline, _, config = make(tmp_path, server)
    outcome = pipeline.poll(config.sources[0])
    assert outcome.moved_to == f"{server.url}/new.xml"
    state = pipeline.store.source_state("s")
    assert state and state.url == f"{server.url}/new.xml" and state.config_url == f"{server.url}/feed.xml"
    seen = len(server.requests)
    assert pipeline.poll(config.sources[0]).status == "not_modified"
    assert [r.path for r in server.requests[seen:]] == ["/new.xml"]  # straight to the new URL, conditional


def test_temporary_redirect_does_not_move(tmp_path: Path, server: FixtureServer) -> None:
    server.redirect("/feed.xml", "/tmp.xml", status=302)
    server.route("/tmp.xml", rss(1, timedelta(hours=1)), headers={"Content-Type": "application/rss+xml"})
    pipeline, _, config = make(tmp_path, server)
    assert pipeline.poll(config.sources[0]).moved_to is None
    state = pipeline.store.source_state("s")
    assert state and state.url == f"{server.url}/feed.xml"


def test_gone_retires_until_the_url_changes(tmp_path: Path, server: FixtureServer) -> None:
    server.route("/feed.xml", status=410)
    pipeline, _, config = make(tmp_path, server)
    assert pipeline.poll(config.sources[0]).status == "retired"
    seen = len(server.requests)
    assert pipeline.poll(config.sources[0]).status == "retired" and len(server.requests) == seen
    state = pipeline.store.source_state("s")
    assert state and state.retired == NOW
    # Pointing the config at a new URL brings the source back.
    server.route("/v2.xml", rss(1, timedelta(hours=1)), headers={"Content-Type": "application/rss+xml"})
    with pipeline.store.transaction() as tx:
        tx.sync_sources((("s", f"{server.url}/v2.xml", "feed"),))
    state = pipeline.store.source_state("s")
    assert state and state.retired is None and state.status == "never"


def test_adaptive_interval_follows_the_publishing_rate(tmp_path: Path, server: FixtureServer) -> None:
    server.route("/feed.xml", rss(10, timedelta(hours=1)), headers={"Content-Type": "application/rss+xml"})
    pipeline, _, config = make(tmp_path, server, interval="auto")
    assert config.sources[0].adaptive
    outcome = pipeline.poll(config.sources[0])
    assert outcome.interval is not None and 25 * 60 <= outcome.interval <= 35 * 60  # about twice per hourly post
    state = pipeline.store.source_state("s")
    assert state and state.interval == outcome.interval


def test_ttl_is_a_floor(tmp_path: Path, server: FixtureServer) -> None:
    server.route("/feed.xml", rss(2, timedelta(hours=1), ttl=60), headers={"Content-Type": "application/rss+xml"})
    pipeline, _, config = make(tmp_path, server)
    outcome = pipeline.poll(config.sources[0])
    assert outcome.next_due  # <ttl>60</ttl> beats the 10-minute interval; the jitter is the interval's (<= 60 s)
    assert NOW + timedelta(minutes=60) <= outcome.next_due < NOW + timedelta(minutes=61)


def store_with(where: Path | str, sources: tuple[SourceConfig, ...]) -> Store:
    """A store holding ``sources``: ``where`` is a folder (SQLite) or a store_at location."""
    store = Store.open(where / "s.sqlite3" if isinstance(where, Path) and where.is_dir() else where, NOW)
    with store.transaction() as tx:
        tx.sync_sources(tuple((s.name, s.url, s.kind) for s in sources))
    return store


def due_times(store: Store, sources: tuple[SourceConfig, ...]) -> dict[str, datetime | None]:
    return {s.name: s.next_due for s in store.source_states(tuple(x.name for x in sources))}


def claim(store: Store, worker: str, now: datetime, limit: int = 100, lease: float = 60) -> list[str]:
    with store.transaction() as tx:
        return tx.claim_due(now, worker, limit, timedelta(seconds=lease))


def test_the_schedule_is_stored_and_the_start_up_round_spread(tmp_path: Path) -> None:
    config = load_config(ROOT / "config.toml")
    store = store_with(tmp_path, config.sources)
    scheduler = SourceScheduler(lambda s, spread: None, 2, store)
    scheduler.schedule(config.sources, {}, NOW)
    firsts = [due_times(store, config.sources)[s.name] for s in config.sources]
    assert all(firsts) and firsts == sorted(firsts)  # type: ignore[type-var]
    assert (firsts[-1] - firsts[0]).total_seconds() < 60  # type: ignore[operator]
    assert sorted(scheduler.jobs.names()) == ["leases", TICK_JOB]  # one tick, not a job per source
    assert jitter_for(60) == 6 and jitter_for(86400) == MAX_JITTER
    store.close()


def test_reschedule_keeps_future_due_times_and_removed_sources_are_never_claimed(store_at: Path | str) -> None:
    config = load_config(ROOT / "config.toml")
    store = store_with(store_at, config.sources)
    scheduler = SourceScheduler(lambda s, spread: None, 2, store)
    scheduler.schedule(config.sources, {}, NOW)
    later = NOW + timedelta(hours=3)
    kept = config.sources[:2]
    with store.transaction() as tx:  # the reload's Upkeep.prepare: only these are configured
        tx.sync_sources(tuple((s.name, s.url, s.kind) for s in kept))
        tx.set_due({kept[0].name: later})
    scheduler.schedule(kept, {kept[0].name: later}, NOW)
    assert due_times(store, kept)[kept[0].name] == later
    assert claim(store, "w", NOW + timedelta(hours=1), lease=86400) == [kept[1].name]  # not removed, not later
    assert claim(store, "w", later + timedelta(seconds=1)) == [kept[0].name]
    store.close()


def test_a_reload_spreads_only_new_sources(tmp_path: Path) -> None:
    """Review: a reload gave the sources due at that moment a start-up spread (up to an hour
    on a daily source); only a source scheduled for the first time is spread."""
    config = load_config(ROOT / "config.toml")
    store = store_with(tmp_path, config.sources)
    scheduler = SourceScheduler(lambda s, spread: None, 2, store)
    first, *others = config.sources
    scheduler.schedule(tuple(others), {}, NOW)  # start-up: every source overdue, every one spread
    assert set(scheduler._spreads) == {s.name for s in others}
    scheduler._spreads.clear()  # their first polls took them
    due = {s.name: NOW - timedelta(seconds=1) for s in config.sources}  # all due right now
    scheduler.schedule(config.sources, due, NOW + timedelta(hours=2))  # SIGHUP, one source added
    assert set(scheduler._spreads) <= {first.name}
    store.close()


def test_claims_are_exclusive_until_released_or_the_lease_runs_out(store_at: Path | str) -> None:
    """Issue 16: a source is claimed by one worker at a time; a worker that dies (never
    releases) loses it when the lease runs out; a release stores the next due time."""
    sources = tuple(SourceConfig(f"s{n}", f"http://x.test/{n}", "feed", 300.0, False) for n in range(6))
    store = store_with(store_at, sources)
    a = claim(store, "a", NOW, limit=4)
    b = claim(store, "b", NOW)
    assert len(a) == 4 and len(b) == 2 and not set(a) & set(b)  # new sources (no due time) are due at once
    assert claim(store, "c", NOW + timedelta(seconds=30)) == []  # every lease is live
    with store.transaction() as tx:
        tx.release_source(a[0], "a", NOW + timedelta(minutes=5))
        tx.release_source(b[0], "a", NOW)  # not a's lease: nothing happens
    assert claim(store, "c", NOW + timedelta(seconds=30)) == []
    assert due_times(store, sources)[a[0]] == NOW + timedelta(minutes=5)
    # "a" and "b" died: their leases run out after 60 s and "c" takes the sources.
    assert claim(store, "c", NOW + timedelta(seconds=61), lease=3600) == sorted([*a[1:], *b])
    assert claim(store, "d", NOW + timedelta(minutes=5)) == []  # due at NOW+5m: not before a second past it
    assert claim(store, "d", NOW + timedelta(minutes=5, seconds=1)) == [a[0]]
    store.close()


def test_a_claim_skips_retired_and_future_sources_and_clear_leases_frees_them(store_at: Path | str) -> None:
    sources = tuple(SourceConfig(f"s{n}", f"http://x.test/{n}", "feed", 300.0, False) for n in range(3))
    store = store_with(store_at, sources)
    with store.transaction() as tx:
        tx.record_poll(PollOutcome("s0", PollStatus.RETIRED, error="410"), NOW)
        tx.set_due({"s1": NOW + timedelta(hours=1)})
    assert not store.any_due(NOW - timedelta(days=1)) or claim(store, "w", NOW) == ["s2"]
    assert claim(store, "w", NOW) == []
    with store.transaction() as tx:
        assert tx.clear_leases(("w",)) == 1  # the one daemon of a SQLite store starting again
    assert claim(store, "w", NOW) == ["s2"]
    with store.transaction() as tx:
        assert tx.clear_leases(("w",)) == 1
    # Only sources this worker skips (another config's) are due: the idle tick reads that
    # and runs no claim transaction.
    assert store.any_due(NOW) and not store.any_due(NOW, ("s2",)) and store.any_due(NOW, ("s1",))
    store.close()


def test_the_tick_polls_what_is_due_and_releases_it(store_at: Path | str) -> None:
    """The real scheduler thread: due sources are polled once each, their leases released
    with the next due time the poll returned; a stop waits for running polls."""
    sources = tuple(SourceConfig(f"s{n}", f"http://x.test/{n}", "feed", 300.0, False) for n in range(5))
    store = store_with(store_at, sources)
    polled: list[str] = []
    lock = threading.Lock()

    def poll(source: SourceConfig, spread: float) -> datetime:
        with lock:
            polled.append(source.name)
        return NOW + timedelta(days=1)

    clock = [NOW]
    scheduler = SourceScheduler(poll, 2, store, "me", tick=0.05, clock=lambda: clock[0])
    with store.transaction() as tx:
        tx.set_due({s.name: NOW - timedelta(minutes=1) for s in sources})
    scheduler.schedule(sources, due_times(store, sources), NOW)
    scheduler._spreads.clear()
    clock[0] = NOW + timedelta(minutes=2)  # past the start-up minute the overdue sources were spread over
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while len(polled) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # more ticks: nothing is due any more
    finally:
        scheduler.stop()
    assert sorted(polled) == [s.name for s in sources]
    assert set(due_times(store, sources).values()) == {NOW + timedelta(days=1)}
    assert claim(store, "other", NOW + timedelta(days=1, seconds=1)) == [s.name for s in sources]  # released
    store.close()


def test_a_stop_mid_poll_loses_nothing(tmp_path: Path, server: FixtureServer) -> None:
    server.route("/feed.xml", rss(3, timedelta(hours=1)), headers={"Content-Type": "application/rss+xml"}, etag='"v"')
    pipeline, _, config = make(tmp_path, server)
    pipeline.stopping.set()  # SIGTERM arrived: no article is taken up
    assert pipeline.poll(config.sources[0]).new == 0
    assert pipeline.store.validators(f"{server.url}/feed.xml") == (None, None)  # so the next run is not a 304
    pipeline.stopping.clear()
    assert pipeline.poll(config.sources[0]).new == 3


def test_stored_due_times_carry_jitter(tmp_path: Path, server: FixtureServer) -> None:
    """Sources polled together must not stay together (issue 19): each stored next-due time
    is the interval plus a random 0-10% of it (at most 2 minutes), never sooner."""
    sources = "".join(f'[[sources]]\nname = "s{n}"\nurl = "{server.url}/f{n}.xml"\nkind = "feed"\n' for n in range(20))
    text = f'[fetch]\nallow_private_addresses = true\nper_host_delay = "0s"\n[defaults]\nfulltext = false\n{sources}'
    (tmp_path / "c.toml").write_text(text + '[[topics]]\nname = "t"\nquery = "Item"\n')
    config = load_config(tmp_path / "c.toml")
    for n in range(20):
        server.route(f"/f{n}.xml", rss(2, timedelta(hours=1)), headers={"Content-Type": "application/rss+xml"})
    pipeline = Pipeline(config, Store.open(config.store_path, NOW), make_fetcher(config), Clock())
    Upkeep.of(pipeline).prepare()
    for source in config.sources:
        assert pipeline.poll(source).status == "ok"
    due = [s.next_due for s in pipeline.store.source_states(tuple(s.name for s in config.sources))]
    interval = timedelta(minutes=15)  # the default
    assert all(d and NOW + interval <= d <= NOW + interval + timedelta(seconds=90) for d in due), due
    assert len(set(due)) >= 10  # 20 draws over 90 whole seconds: before the fix, all NOW + 15 min


@pytest.mark.parametrize("batch", [1, 16])
def test_the_start_up_round_is_not_repeated(batch: int, tmp_path: Path) -> None:
    """The overdue sources are polled within a minute of start-up (``batch`` at a time, so
    that they share store commits); their second polls, with the spread the scheduler passes
    them, are evenly over one interval, and never sooner."""
    interval = 300.0
    sources = tuple(SourceConfig(f"s{n}", f"http://x.test/{n}", "feed", interval, False) for n in range(300))
    firsts = first_runs(sources, {}, NOW, batch)
    extra = spreads(sources, {}, NOW, batch)
    starts = sorted(firsts.values())
    assert len(set(starts)) == -(-300 // batch)  # one start time per batch
    seconds = sorted((firsts[s.name] - NOW).total_seconds() + interval + extra[s.name] for s in sources)
    assert all(extra[s.name] >= 0 for s in sources)
    assert max((firsts[s.name] - NOW).total_seconds() for s in sources) < 60
    start = seconds[0]
    windows = [sum(start + 30 * k <= x < start + 30 * (k + 1) for x in seconds) for k in range(10)]
    assert max(windows) <= 1.2 * len(sources) / 10, windows  # before: all 300 within 60 s
    # A source already due in the future keeps its time and gets no spread.
    later = NOW + timedelta(minutes=3)
    assert spreads(sources[:2], {"s0": later}, NOW) == {"s1": 0.0}
    # The scheduler hands the spread to the first poll only.
    seen: list[float] = []

    def poll(source: SourceConfig, spread: float) -> None:
        seen.append(spread)

    store = store_with(tmp_path, sources[:3])
    scheduler = SourceScheduler(poll, 1, store)
    scheduler.schedule(sources[:3], {}, NOW)
    for _ in range(2):
        scheduler._running += 1  # as _tick counts a poll it starts
        scheduler._run(sources[2])
    store.close()
    assert seen == [(300 - 60) * 2 / 3, 0.0]  # the third of three overdue sources: 2/3 of (interval - 60 s)


def test_two_workers_claiming_at_once_never_share_a_source(store_at: Path | str) -> None:
    """Issue 16: two daemons on one store (two connections, two threads) claim at the same
    moments; every source is claimed exactly once."""
    sources = tuple(SourceConfig(f"s{n:03}", f"http://x.test/{n}", "feed", 300.0, False) for n in range(200))
    first = store_with(store_at, sources)
    second = Store.open(store_at, NOW)
    got: dict[str, list[str]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def worker(name: str, store: Store) -> None:
        start.wait()
        for _ in range(40):
            got[name].extend(claim(store, name, NOW, limit=3, lease=3600))

    threads = [threading.Thread(target=worker, args=(n, s)) for n, s in (("a", first), ("b", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    claimed = got["a"] + got["b"]
    assert sorted(claimed) == [s.name for s in sources]  # all of them, none twice
    assert got["a"] and got["b"]
    first.close()
    second.close()


def test_a_reload_never_moves_a_due_time_a_poll_stored_meanwhile(store_at: Path | str) -> None:
    """Review 16: a reload read the due times, a poll ending at that instant stored its next
    one, and the reload's start-up spread wrote over it (the source came early). The spread
    only replaces a time still overdue; a bad stored time is still replaced."""
    sources = tuple(SourceConfig(f"s{n}", f"http://x.test/{n}", "feed", 300.0, False) for n in range(3))
    store = store_with(store_at, sources)
    past = NOW - timedelta(minutes=10)
    with store.transaction() as tx:
        tx.set_due({s.name: past for s in sources})
    read = due_times(store, sources)  # what the reload saw: every source overdue
    polled = NOW + timedelta(seconds=290)
    with store.transaction() as tx:
        tx.set_due({"s0": polled})  # s0's poll ended and stored its next due time
        tx.set_due({"s1": NOW + timedelta(days=3650)})  # far beyond any delay: a bug wrote it
    SourceScheduler(lambda s, spread: None, 1, store).schedule(sources, read, NOW)
    after = due_times(store, sources)
    assert after["s0"] == polled
    assert after["s1"] is not None and after["s1"] <= NOW + timedelta(seconds=60)  # spread again
    assert after["s2"] is not None and NOW <= after["s2"] <= NOW + timedelta(seconds=60)
    store.close()


def test_a_poll_longer_than_its_lease_keeps_it(store_at: Path | str) -> None:
    """bench/scale.py: a poll took 32.7 s under load and a 30 s lease let another daemon poll
    the source again. A running poll's lease is renewed (daemon/leases.py), so no other worker
    claims its source until it ends; then the lease is released."""
    sources = (SourceConfig("slow", "http://x.test/slow", "feed", 300.0, False),)
    store = store_with(store_at, sources)
    started, finish = threading.Event(), threading.Event()

    def poll(source: SourceConfig, spread: float) -> datetime:
        started.set()
        finish.wait(10)
        return utc_now() + timedelta(seconds=300)

    scheduler = SourceScheduler(poll, 1, store, "me", tick=0.05, lease=1.0)
    scheduler.schedule(sources, {}, utc_now())
    scheduler.start()
    try:
        assert started.wait(5)
        time.sleep(2.5)  # more than twice the lease
        assert claim(store, "other", utc_now()) == []  # still held: renewed
    finally:
        finish.set()
        scheduler.stop()
    assert {w.id: w.claims for w in store.workers() if w.claims} == {}  # released at its end
    store.close()


def test_a_lease_renewal_never_queues_behind_this_workers_saves(pg_url: str) -> None:
    """bench/scale.py, four daemons on two cores: each poll's save waited seconds for another
    daemon's placement, eight polls' saves queued in one process, and a lease renewal queued
    behind them let a live poll's lease run out (5 double polls). A renewal (and the
    heartbeat) takes a connection of its own, so it lands while a save of this worker waits."""
    sources = (SourceConfig("slow", "http://x.test/slow", "feed", 300.0, False),)
    store, other = store_with(pg_url, sources), Store.open(pg_url, NOW)
    with store.transaction() as tx:
        tx.set_due({"slow": NOW - timedelta(minutes=1)})
    assert claim(store, "me", NOW, lease=30) == ["slow"]
    keeper = LeaseKeeper(store, "me", timedelta(seconds=600), clock=lambda: NOW)
    keeper.hold("slow")
    saving, saved = threading.Event(), threading.Event()

    def save() -> None:  # a poll's save of this worker, waiting (here: on an event) in its unit
        with store.transaction():
            saving.set()
            saved.wait(20)

    threads = [threading.Thread(target=save), threading.Thread(target=keeper.renew)]
    threads[0].start()
    try:
        assert saving.wait(10)
        threads[1].start()
        threads[1].join(10)
        assert not threads[1].is_alive(), "the renewal waited for the save"
        assert claim(other, "other", NOW + timedelta(seconds=60)) == []  # renewed past the 30 s
        assert Heartbeat(store, "me", clock=lambda: NOW).beat()  # the heartbeat does not wait either
    finally:
        saved.set()
        threads[0].join()
    assert claim(other, "other", NOW + timedelta(seconds=601)) == ["slow"]  # until the renewed end
    other.close()
    store.close()


def test_claims_and_releases_never_queue_behind_this_workers_saves(pg_url: str) -> None:
    """One poll's save waits in its unit (for another daemon's placement, here an event): the
    scheduler still claims, polls and releases another due source beside it. Queued behind
    the saves, a free poll thread waited out that queue for its next claim and its release."""
    sources = (
        SourceConfig("held", "http://x.test/held", "feed", 300.0, False),
        SourceConfig("quick", "http://x.test/quick", "feed", 300.0, False),
    )
    store, other = store_with(pg_url, sources), Store.open(pg_url, NOW)
    saving, saved = threading.Event(), threading.Event()
    polled: list[str] = []
    day = timedelta(days=1)

    def poll(source: SourceConfig, spread: float) -> datetime:
        polled.append(source.name)
        if source.name == "held":
            with store.transaction():
                saving.set()
                saved.wait(20)
        return utc_now() + day

    scheduler = SourceScheduler(poll, 2, store, "me", tick=0.05)
    scheduler.schedule(sources, {}, utc_now())
    with store.transaction() as tx:
        tx.set_due({"held": utc_now() - timedelta(minutes=1), "quick": utc_now() + day})
    scheduler.start()
    try:
        assert saving.wait(10)
        with other.transaction() as tx:
            tx.set_due({"quick": utc_now() - timedelta(seconds=2)})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _released(other, "quick", day):
            time.sleep(0.05)
        assert polled == ["held", "quick"] and _released(other, "quick", day), polled
        assert not saved.is_set()  # all while the save of "held" still waited
    finally:
        saved.set()
        scheduler.stop()
    other.close()
    store.close()


def _released(store: Store, name: str, interval: timedelta) -> bool:
    """``name`` was polled and released: its next due time is about ``interval`` away, no lease."""
    (state,) = store.source_states((name,))
    held = {w.id: w.claims for w in store.workers() if w.claims}
    return state.next_due is not None and state.next_due > utc_now() + interval / 2 and held == {"me": 1}


def test_a_renewal_later_than_two_periods_is_logged(store_at: Path | str, caplog: pytest.LogCaptureFixture) -> None:
    """Before a lease runs out under a live poll (a double poll), the operator is told the
    renewals come late; none while polls renew on time, or after an idle spell."""
    store = store_with(store_at, (SourceConfig("a", "http://x.test/a", "feed", 300.0, False),))
    clock = [NOW]
    keeper = LeaseKeeper(store, "me", timedelta(seconds=60), clock=lambda: clock[0])
    keeper.hold("a")
    for gap in (0, 20, 20, 39):  # the period is 20 s: on time, up to two periods
        clock[0] += timedelta(seconds=gap)
        keeper.renew()
    assert "lease.renewal_late" not in caplog.text
    clock[0] += timedelta(seconds=45)
    keeper.renew()
    late = [r for r in caplog.records if r.getMessage() == "lease.renewal_late"]
    assert [r.tw_fields for r in late] == [{"worker": "me", "seconds": 45.0, "lease_s": 60.0}]  # type: ignore[attr-defined]
    keeper.drop("a")
    clock[0] += timedelta(seconds=600)
    keeper.renew()  # nothing held: nothing renewed, and the idle spell is no lateness
    keeper.hold("a")
    for _ in range(2):
        keeper.renew()
    assert caplog.text.count("lease.renewal_late") == 1
    store.close()


def test_a_long_lease_is_late_at_two_thirds_of_it_not_at_two_capped_periods(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A 10-minute lease is renewed every minute (the period's cap): a renewal 2.5 minutes
    after the last leaves most of the lease, and "raise daemon.lease", the warning's advice,
    must silence it. It warned past two periods (2 minutes) whatever the lease; the README
    says two thirds of the lease, which is two periods only up to a 3-minute lease."""
    store = store_with(tmp_path, (SourceConfig("a", "http://x.test/a", "feed", 300.0, False),))
    clock = [NOW]
    keeper = LeaseKeeper(store, "me", timedelta(minutes=10), clock=lambda: clock[0])
    keeper.hold("a")
    for gap in (0, 150, 399):
        clock[0] += timedelta(seconds=gap)
        keeper.renew()
    assert keeper.period == 60.0 and "lease.renewal_late" not in caplog.text
    clock[0] += timedelta(seconds=401)
    keeper.renew()
    assert caplog.text.count("lease.renewal_late") == 1
    store.close()


@pytest.mark.parametrize("foreign_max", [1000, 2])
def test_sources_of_another_workers_config_never_starve_this_ones(
    store_at: Path | str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, foreign_max: int
) -> None:
    """Several workers whose config files differ (a rolling change): the store's active sources
    are another worker's, due before this worker's own. Claimed, they are given back untouched
    and not claimed again, so this worker's own source is polled; the others stay due for the
    workers that have them, and the mismatch is logged once per source. Beyond FOREIGN_MAX
    of them, those given back wait FOREIGN_DELAY: this worker's own still come first."""
    monkeypatch.setattr(scheduler_module, "FOREIGN_MAX", foreign_max)
    ours = SourceConfig("mine", "http://x.test/mine", "feed", 300.0, False)
    theirs = tuple(SourceConfig(f"theirs{n}", f"http://x.test/t{n}", "feed", 300.0, False) for n in range(4))
    store = store_with(store_at, (ours, *theirs))  # the other worker synced last: all active
    with store.transaction() as tx:
        tx.set_due({s.name: NOW - timedelta(hours=1) for s in theirs} | {ours.name: NOW - timedelta(minutes=1)})
    polled: list[str] = []

    def poll(source: SourceConfig, spread: float) -> datetime:
        polled.append(source.name)
        return NOW + timedelta(days=1)

    clock = [NOW + timedelta(minutes=2)]
    scheduler = SourceScheduler(poll, 2, store, "me", tick=0.05, clock=lambda: clock[0])
    scheduler.schedule((ours,), due_times(store, (ours,)), NOW)
    scheduler._spreads.clear()
    with caplog.at_level(logging.INFO, logger="topicwire"):
        scheduler.start()
        try:
            deadline = time.monotonic() + 5
            while due_times(store, (ours,))[ours.name] != NOW + timedelta(days=1) and time.monotonic() < deadline:
                time.sleep(0.02)  # polled and released
            writes_after_release: list[int] = []
            real = store.transaction
            monkeypatch.setattr(store, "transaction", lambda: writes_after_release.append(1) or real())
            time.sleep(0.3)  # more ticks
        finally:
            scheduler.stop()
    assert polled == ["mine"]
    if foreign_max >= len(theirs):
        assert writes_after_release == []  # every foreign source skipped: idle ticks wrote nothing
    due = due_times(store, theirs)
    if foreign_max >= len(theirs):
        assert due == {s.name: NOW - timedelta(hours=1) for s in theirs}  # untouched
    else:  # some were given back for FOREIGN_DELAY, never brought forward
        assert all(when in (NOW - timedelta(hours=1), clock[0] + FOREIGN_DELAY) for when in due.values())
    later = clock[0] + FOREIGN_DELAY + timedelta(seconds=2)
    assert claim(store, "other", later) == [s.name for s in theirs]  # free for the workers that have them
    foreign = [r.tw_fields["source"] for r in caplog.records if r.getMessage() == "source.foreign"]  # type: ignore[attr-defined]
    assert sorted(foreign) == sorted({*foreign}) and set(foreign) <= {s.name for s in theirs} and foreign
    store.close()
