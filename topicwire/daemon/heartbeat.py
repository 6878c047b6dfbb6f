"""The daemon's row in the store's ``workers`` table, kept fresh (issue 16 point 5).

A job of the daemon's Jobs writes the worker's heartbeat every INTERVAL seconds (and once
at start), so ``topicwire stats`` shows which daemons share the store, what each has claimed and how
long ago each was last heard from; a clean stop removes the row. A worker killed with
SIGKILL leaves its row, ageing, until a live one forgets it after FORGET. A database that
does not answer costs a warning per beat, never the daemon.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta

from topicwire import log
from topicwire.clock import Clock, utc_now
from topicwire.daemon.jobs import Jobs
from topicwire.errors import StoreError
from topicwire.store import Store, Worker

INTERVAL = 10.0  # seconds between heartbeats
FORGET = timedelta(hours=1)  # a row silent this long is a dead worker's (its leases ran out long ago)
JOB = "heartbeat"


def dead_here(owners: Iterable[str], host: str) -> tuple[str, ...]:
    """The workers (``host:pid``) of this host whose process is gone: their leases can end
    now instead of when they run out (a worker killed with SIGKILL and started again, or a
    killed ``once``). Only this host's: another machine's pids mean nothing here. Worker
    hosts must therefore have distinct names (README, "Running on several machines")."""
    return tuple(o for o in owners if (pid := _other_pid_here(o, host)) is not None and not _alive(pid))


def others_running_here(workers: Iterable[Worker], host: str) -> tuple[str, ...]:
    """The lease owners that are a live ``once`` beside a SQLite store's one ``run``: a
    process of this host, not this one, with no workers row (a ``run`` writes its row before
    it claims anything; the lock file says no other ``run`` lives). The ``run`` starting
    ends every other lease, but not theirs: it would poll their sources a second time at once."""
    return tuple(
        w.id
        for w in workers
        if w.claims and w.heartbeat is None and (pid := _other_pid_here(w.id, host)) is not None and _alive(pid)
    )


def _other_pid_here(owner: str, host: str) -> int | None:
    """The pid of ``owner`` (``host:pid``) when it names another process of this host. A lease
    owner is any text in the store: a pid is ASCII digits (int() takes "²" for one and fails)."""
    name, _, pid = owner.rpartition(":")
    if name != host or not (pid.isascii() and pid.isdigit()) or int(pid) == os.getpid():
        return None
    return int(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # gone, or beyond any pid (not a C long)
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def end_dead_leases(store: Store) -> int:
    """End the leases of this host's dead workers (logged), and those in this process's own
    name: it has claimed nothing yet, so they are a killed predecessor's with the same host
    name and pid (a container started again: its entry point is pid 1 again), which
    ``claim_due`` would leave until they ran out; how many ended."""
    host = socket.gethostname()
    held = [w.id for w in store.workers() if w.claims]
    dead = dead_here(held, host) + tuple(o for o in held if o == f"{host}:{os.getpid()}")
    if not dead:
        return 0
    with store.transaction() as tx:
        ended = tx.clear_leases(dead)
    log.event("sources.leases_cleared", sources=ended, workers=",".join(dead), reason="dead worker on this host")
    return ended


class Heartbeat:
    def __init__(self, store: Store, worker: str, *, interval: float = INTERVAL, clock: Clock = utc_now) -> None:
        self.store = store
        self.worker = worker
        self.interval = interval
        self.clock = clock
        self.started: datetime = clock()
        self._jobs: Jobs | None = None

    def start(self, jobs: Jobs) -> None:
        self.beat()
        self._jobs = jobs
        jobs.every(JOB, self.beat, self.interval)

    def beat(self) -> bool:
        try:
            with self.store.side_transaction() as tx:  # not behind the polls' saves (daemon/leases.py)
                tx.heartbeat(self.worker, self.started, self.clock(), FORGET)
        except StoreError as e:
            log.event("worker.heartbeat_failed", logging.WARNING, worker=self.worker, error=str(e))
            return False
        return True

    def stop(self) -> None:
        """No more beats; the row goes (a clean stop: after the daemon's jobs have stopped,
        so no beat in flight writes it back)."""
        if self._jobs is not None:
            self._jobs.cancel(JOB)
        try:
            with self.store.transaction() as tx:
                tx.remove_worker(self.worker)
        except StoreError as e:
            log.event("worker.heartbeat_failed", logging.WARNING, worker=self.worker, error=str(e))
