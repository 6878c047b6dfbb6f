"""When each source is polled: the store holds the schedule, a tick claims what is due.

Like miniflux's scheduler this module does no work itself: it asks the store for the
sources due now (``store.claim_due``: a lease to this worker, so no other poll of the
source starts, here or in another process, until it is released or the lease runs out)
and hands each to a worker thread, which calls the ``poll`` callback. The poll stores
when the source is next due (decided by schedule.py from the poll's outcome), so a
restart resumes the schedule instead of polling everything at once, and the lease is
released. A worker killed mid-poll loses its claims when their leases (LEASE) run out.

Spreading: sources overdue at start-up are polled within STARTUP_SPREAD (a
minute) so that feeds fill quickly, but that minute must not repeat every
round. Each of them is therefore also given a ``spread``, passed to its poll
and added to the next-due time that poll stores, which places the second round
evenly over the interval (at most SPREAD_WINDOW); schedule.py's jitter then keeps
the rounds from bunching again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from topicwire import log
from topicwire.clock import Clock, utc_now
from topicwire.config import SourceConfig
from topicwire.daemon.jobs import Jobs
from topicwire.daemon.leases import JOB as LEASE_JOB
from topicwire.daemon.leases import LeaseKeeper
from topicwire.errors import StoreError
from topicwire.schedule import MAX_DELAY, MAX_JITTER, jitter_for
from topicwire.store import Store

__all__ = ["MAX_JITTER", "SourceScheduler", "first_runs", "jitter_for", "spreads"]

LOGGER = logging.getLogger(__name__)

# Sources already due at start-up are spread over this long, not fired at once.
STARTUP_SPREAD = 60.0
# Their second round is spread over one interval, but over no more than this: a 1-day
# source is not kept waiting up to 2 days, and an hour is spread enough for any CPU.
SPREAD_WINDOW = 3600.0

TICK_JOB = "tick"
# How often the store is asked for due sources: a poll starts at most this much (plus the
# second the stored times are rounded to) after its due time. An idle tick is one read.
TICK = 0.5
# How long a claim holds a source unless renewed. A poll may take minutes (a first poll of
# max_new_items full-text pages) and its lease is renewed while it runs (daemon/leases.py),
# so the lease only says how long a dead worker's sources wait for another one (issue 16:
# "nothing waits on a dead worker" beyond it).
LEASE = 120.0  # the default of [daemon] lease
# While the store does not answer, the tick asks again after 0.5 s, 1 s, 2 s ... at most this.
OUTAGE_MAX_WAIT = 30.0
# Sources another worker's config has and this one's has not (config files that differ
# between machines, a rolling change): left out of this worker's claims, the newest this
# many. They were due before its own and, given back, were claimed again at every tick:
# a worker whose claims were all such sources polled none of its own (review). Beyond
# FOREIGN_MAX of them (a skip list that long in every claim costs more), one given back is
# due again only FOREIGN_DELAY later, so this worker's own sources come first all the same.
FOREIGN_MAX = 1000
FOREIGN_DELAY = timedelta(seconds=30)
# poll(source, spread) -> next due; spread: seconds its next-due time is pushed back
Poll = Callable[[SourceConfig, float], "datetime | None"]


def worker_name() -> str:
    """This process as a worker of the store: ``host:pid`` (``stats``, leases, logs)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def first_runs(
    sources: tuple[SourceConfig, ...], due: Mapping[str, datetime | None], now: datetime, batch: int = 1
) -> dict[str, datetime]:
    """Stored due times in the future are kept; overdue and new sources are spread out.

    They start ``batch`` at a time (the fetch concurrency): polls that finish together
    share one store commit (store/db.GroupCommit), which one poll at a time never does,
    and the first round is the one that stores everything. A stored time further ahead
    than any delay the scheduler gives (MAX_DELAY) was written by an older version or a bug
    (issue 13: a Retry-After of year 9999): it counts as overdue.
    """
    overdue = _overdue(sources, due, now)
    n = len(overdue)
    spread = {
        s.name: now + timedelta(seconds=min(STARTUP_SPREAD, s.interval) * _slot(i, n, batch))
        for i, s in enumerate(overdue)
    }
    return {s.name: spread.get(s.name) or due[s.name] for s in sources}  # type: ignore[misc]


def _slot(i: int, n: int, batch: int) -> float:
    """Where in [0, 1) of the start-up spread the i-th of n overdue sources starts."""
    return (i // max(batch, 1)) * max(batch, 1) / max(n, 1)


def _overdue(
    sources: tuple[SourceConfig, ...], due: Mapping[str, datetime | None], now: datetime
) -> list[SourceConfig]:
    latest = now + timedelta(seconds=MAX_DELAY)
    return [s for s in sources if not (due.get(s.name) and now < due[s.name] <= latest)]  # type: ignore[operator]


def spreads(
    sources: tuple[SourceConfig, ...], due: Mapping[str, datetime | None], now: datetime, batch: int = 1
) -> dict[str, float]:
    """Seconds added to the next-due time after the first poll of each overdue source.

    The i-th of N overdue sources is first polled at about ``now + w*i/N`` (``first_runs``,
    w = min(STARTUP_SPREAD, interval)); with this much more its second poll comes at
    ``now + interval + p*i/N`` (p = min(interval, SPREAD_WINDOW)): the second round is
    spread evenly over p, one source at a time, instead of repeating the start-up minute.
    Never negative: no poll comes sooner than its interval.
    """
    overdue = _overdue(sources, due, now)
    n = max(len(overdue), 1)
    return {
        s.name: max(min(s.interval, SPREAD_WINDOW) * i / n - min(STARTUP_SPREAD, s.interval) * _slot(i, n, batch), 0.0)
        for i, s in enumerate(overdue)
    }


class SourceScheduler:
    """Polls what the store says is due. One APScheduler job, the tick, claims due sources
    with a lease (``Transaction.claim_due``) as worker threads are free and hands each to
    a thread; the poll stores the next due time and the lease is released. The schedule
    itself is in the store, so it survives restarts and, with a lease that runs out, a
    worker that died (issue 16). The tick is a job of the daemon's ``Jobs`` (given), or of
    its own when none is given (tests)."""

    def __init__(
        self,
        poll: Poll,
        workers: int,
        store: Store,
        worker_id: str = "",
        *,
        tick: float = TICK,
        lease: float = LEASE,
        clock: Clock = utc_now,
        jobs: Jobs | None = None,
    ) -> None:
        self._poll = poll
        self._workers = workers
        self._store = store
        self.worker_id = worker_id or worker_name()
        self._tick_seconds = tick
        self._lease = timedelta(seconds=lease)
        self._clock = clock
        self._own_jobs = jobs is None
        self.jobs = jobs or Jobs()
        self.leases = LeaseKeeper(store, self.worker_id, self._lease, clock)  # renewed while polls run
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll")
        self._idle = threading.Condition()
        self._running = 0
        self._stopping = False
        self._sources: dict[str, SourceConfig] = {}
        self._spreads: dict[str, float] = {}  # for the next poll of each source overdue at (re)scheduling
        self._owed: dict[str, datetime | None] = {}  # releases the store refused (it was away)
        self._foreign: dict[str, None] = {}  # claimed, not in this worker's config (FOREIGN_MAX), oldest first
        self._named: set[str] = set()  # of them, those logged (once each)
        self._down_since: float | None = None  # time.monotonic() the store stopped answering
        self._wait = 0.0
        self._retry_at = 0.0

    def schedule(self, sources: tuple[SourceConfig, ...], due: Mapping[str, datetime | None], now: datetime) -> None:
        """Poll ``sources`` from now on: the overdue and new ones spread over the start-up
        minute (their first due times are stored), the others when the store says."""
        firsts = first_runs(sources, due, now, self._workers)
        moved = {name: when for name, when in firsts.items() if when != due.get(name)}
        # The second round is spread for sources scheduled now for the first time: on a reload
        # the sources due at that moment are in their normal round, and a spread would push
        # them back up to an hour (review: +1200 s for a daily source, +200 s for a 5 m one).
        fresh = spreads(sources, due, now, self._workers)
        with self._idle:
            known = set(self._sources)
            self._sources = {s.name: s for s in sources}
            self._spreads = {name: s for name, s in fresh.items() if name not in known}
            self._foreign = {name: None for name in self._foreign if name not in self._sources}
            self._named -= self._sources.keys()
        # Only over a time still overdue: a poll that ended since ``due`` was read (a reload
        # while polls run) stored its next due time, and the spread must not bring it forward.
        with self._store.transaction() as tx:
            tx.set_due(moved, keep=(now, now + timedelta(seconds=MAX_DELAY)))
        if not self.jobs.has(TICK_JOB):
            self.jobs.every(TICK_JOB, self._tick, self._tick_seconds)
            self.leases.start(self.jobs)

    def _tick(self) -> None:
        """Claim as many due sources as there are free workers, and start them. While the
        store does not answer (the database went away), ask again after a wait that doubles
        up to OUTAGE_MAX_WAIT, logging the outage once and its end once (issue 16 point 6)."""
        if time.monotonic() < self._retry_at:
            return
        try:
            self._release_owed()
            names = self._claim()
        except StoreError as e:
            self._outage(e)
            return
        if self._down_since is not None:
            log.event("store.recovered", seconds=round(time.monotonic() - self._down_since, 1))
            self._down_since, self._wait = None, 0.0
        for name in names:
            self._start(name)

    def _claim(self) -> list[str]:
        with self._idle:
            free = 0 if self._stopping else self._workers - self._running
        now = self._clock()
        if free <= 0:
            return []
        with self._idle:
            skip = tuple(self._foreign)
        if not self._store.any_due(now, skip):  # only other workers' sources due: no write
            return []
        with self._store.side_transaction() as tx:  # not behind the polls' saves: see _run
            return tx.claim_due(now, self.worker_id, free, self._lease, skip)

    def _outage(self, error: StoreError) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.event("store.unavailable", logging.ERROR, error=str(error))
        self._wait = min(max(self._wait * 2, self._tick_seconds), OUTAGE_MAX_WAIT)
        self._retry_at = time.monotonic() + self._wait

    def _release_owed(self) -> None:
        """Releases that failed while the store was away: their sources are due again now."""
        with self._idle:
            owed, self._owed = self._owed, {}
        try:
            while owed:
                name, next_due = next(iter(owed.items()))
                with self._store.side_transaction() as tx:
                    tx.release_source(name, self.worker_id, next_due)
                del owed[name]
        finally:
            with self._idle:
                self._owed = owed | self._owed  # what the store refused again stays owed

    def _foreign_claimed(self, name: str) -> datetime | None:
        """Remember ``name`` (claimed, not in this worker's config; under ``_idle``) to skip
        it; when the skip list is full, the time it is given back until (FOREIGN_DELAY)."""
        if name not in self._named:
            self._named.add(name)
            log.event("source.foreign", logging.WARNING, source=name, worker=self.worker_id)
        full = len(self._foreign) >= FOREIGN_MAX and name not in self._foreign
        self._foreign.pop(name, None)
        self._foreign[name] = None  # the newest
        while len(self._foreign) > FOREIGN_MAX:
            del self._foreign[next(iter(self._foreign))]
        return self._clock() + FOREIGN_DELAY if full else None

    def _start(self, name: str) -> None:
        later: datetime | None = None
        with self._idle:
            source = None if self._stopping else self._sources.get(name)
            if source is not None:
                self._running += 1
            elif not self._stopping:
                later = self._foreign_claimed(name)
        if source is None:  # not in this worker's config (another's, or a reload removed it) or stopping: give it back
            try:
                with self._store.side_transaction() as tx:
                    tx.release_source(name, self.worker_id, later)
            except StoreError:  # the database is away: released by the first tick it answers,
                with self._idle:  # and the tick's other claims are still started (review 16)
                    self._owed[name] = later
            return
        self.leases.hold(name)
        self._pool.submit(self._run, source)

    def _run(self, source: SourceConfig) -> None:
        next_due = None
        try:
            with self._idle:
                spread = self._spreads.pop(source.name, 0.0)
            next_due = self._poll(source, spread)
        except Exception as e:
            # A bug in a poll: logged (a thread pool's future would keep it unseen), and the
            # source waits its interval, as under per-source jobs before; released with its
            # past due time kept, the next tick would poll it again, twice a second for ever.
            log.event("source.crashed", logging.ERROR, source=source.name, error=repr(e))
            LOGGER.debug("poll of %s raised", source.name, exc_info=True)
            next_due = self._clock() + timedelta(seconds=source.interval)
        finally:
            # Claims and releases touch only this worker's sources rows (claims pass over rows
            # another transaction holds): on PostgreSQL they take a connection of their own
            # rather than queue again behind the other polls' saves, each of which may wait for
            # another daemon's placement (Store.side_transaction), so a thread that finished
            # its poll is free, and claimed again, without waiting out that queue twice.
            try:
                with self._store.side_transaction() as tx:
                    tx.release_source(source.name, self.worker_id, next_due)
            except StoreError:  # the database is away: released by the first tick it answers
                with self._idle:
                    self._owed[source.name] = next_due
            finally:
                self.leases.drop(source.name)
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()

    def start(self) -> None:
        self.jobs.start()

    def stop(self, wait: bool = True) -> None:
        """Start no new polls, let running ones finish (each releases its lease), then end the
        tick (and the jobs, when they are this scheduler's own)."""
        with self._idle:
            self._stopping = True
            while wait and self._running:
                self._idle.wait()
        self.jobs.cancel(TICK_JOB)
        self.jobs.cancel(LEASE_JOB)
        if self._own_jobs:
            self.jobs.stop(wait=wait)
        self._pool.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return self.jobs.running and self.jobs.has(TICK_JOB)

    def polling(self) -> int:
        """Polls in flight now."""
        with self._idle:
            return self._running
