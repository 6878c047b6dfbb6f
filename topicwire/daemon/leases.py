"""Leases of the polls still running, renewed while they run (issue 16 point 3).

A claim leases a source for ``[daemon] lease`` (2 minutes). A poll may outlast it: a
first poll of a feed with ``fetch.max_new_items`` full-text pages on a slow site, or a
daemon starved of CPU (bench/scale.py: a poll took 32.7 s with four daemons on two cores,
and a 30 s lease let another daemon poll the source again, a double poll). So the worker
renews the leases of its running polls every third of the lease (at most a minute), on a
connection of its own (Store.side_transaction), not behind its polls' saves: a lease runs
out only when its worker is gone or cannot reach the store.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from topicwire import log
from topicwire.clock import Clock, utc_now
from topicwire.daemon.jobs import Jobs
from topicwire.store import Store

JOB = "leases"


class LeaseKeeper:
    def __init__(self, store: Store, worker: str, lease: timedelta, clock: Clock = utc_now) -> None:
        self.store = store
        self.worker = worker
        self.lease = lease
        self.clock = clock
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._renewed: datetime | None = None  # the last renewal while polls ran

    @property
    def period(self) -> float:
        """Seconds between renewals: a third of the lease, at most a minute, at least 0.2 s."""
        return max(min(self.lease.total_seconds() / 3, 60.0), 0.2)

    def start(self, jobs: Jobs) -> None:
        jobs.every(JOB, self.renew, self.period)

    def hold(self, name: str) -> None:
        with self._lock:
            self._held.add(name)

    def drop(self, name: str) -> None:
        with self._lock:
            self._held.discard(name)

    def renew(self) -> None:
        """Every running poll's lease lasts a whole lease from now (a store error is the job's
        to log: daemon/jobs.py; the leases then run out as they would)."""
        with self._lock:
            names = tuple(sorted(self._held))
        if not names:
            self._renewed = None
            return
        # Not queued behind this process's units: under load (bench/scale.py, four daemons on
        # two cores) a poll's save waits seconds on another worker's placement, and a renewal
        # behind eight of them let a live poll's lease run out (double polls).
        now = self.clock()
        with self.store.side_transaction() as tx:
            tx.renew_leases(names, self.worker, now + self.lease)
        self._late(now)

    def _late(self, now: datetime) -> None:
        """Say so when this renewal came over two thirds of the lease after the last (two
        periods, while the period is not capped at a minute): the machine or the database is
        too slow for the lease, and at a whole lease another worker may poll these sources
        again (a double poll). Raise ``[daemon] lease`` or lighten the load. Not two periods
        whatever the lease: with a 10-minute lease that warned at 2 minutes, and raising the
        lease, the advice, never silenced it."""
        last, self._renewed = self._renewed, now
        late = max(2 * self.period, self.lease.total_seconds() * 2 / 3)
        if last is not None and (gap := (now - last).total_seconds()) > late:
            log.event(
                "lease.renewal_late",
                logging.WARNING,
                worker=self.worker,
                seconds=round(gap, 1),
                lease_s=round(self.lease.total_seconds(), 1),
            )
