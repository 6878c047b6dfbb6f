"""The daemon's one APScheduler: every timed job of ``run`` is a job here (issue 16 point 1).

The tick that claims due sources (daemon/scheduler.py), the coalesced publish and the
status page (daemon/coalesce.py), retention, the heartbeat (daemon/heartbeat.py) and,
on a shared store, following another daemon's renders are all jobs of one
BackgroundScheduler, so they are listed, started and stopped in one place instead of
each keeping a thread of its own.

A job that raises never reaches APScheduler's own logger (a traceback on stderr each
time, e.g. every 5 s while the database is away): it is logged ``event=job.failed``
once per streak of failures, and ``event=job.recovered`` when it runs again.

Repeating jobs never overlap themselves (``max_instances=1``, a late run is coalesced
into one). A one-shot job (``at``) keeps its name: scheduling it again moves it. Misfires
are never dropped (``misfire_grace_time=None``): a job that comes late on a busy machine
still runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from topicwire import log
from topicwire.clock import utc_now
from topicwire.errors import TopicwireError

LOGGER = logging.getLogger(__name__)

# A job's threads: the tick (which only claims and hands polls to the poll pool), the
# publish and status renders, retention, the heartbeat and the follower, with room for a
# one-shot job fired while its previous run is still finishing (it waits on its own lock).
THREADS = 10


class Jobs:
    def __init__(self) -> None:
        self._scheduler = BackgroundScheduler(
            timezone="UTC", executors={"default": {"type": "threadpool", "max_workers": THREADS}}
        )
        # A repeating job still running when its next run is due is skipped on purpose
        # (max_instances=1): APScheduler's warning for it, twice a second for the tick while
        # the store is slow, says nothing an operator can use.
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        self._failing: set[str] = set()
        self._lock = threading.Lock()

    def every(self, name: str, func: Callable[[], object], seconds: float, first: datetime | None = None) -> None:
        """``func`` every ``seconds`` (first at ``first``, else one period from now); never two at once."""
        self._scheduler.add_job(
            self._guarded,
            IntervalTrigger(seconds=seconds),
            args=(name, func),
            id=name,
            name=name,
            next_run_time=first or utc_now() + timedelta(seconds=seconds),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )

    def at(self, name: str, func: Callable[[], object], seconds: float) -> None:
        """``func`` once, ``seconds`` from now; scheduling ``name`` again moves it.

        Up to three runs may overlap: a run already started when the next is scheduled
        must not make APScheduler drop the next one (it would with ``max_instances=1``,
        and a one-shot job dropped never comes back). ``func`` serializes itself.
        """
        when = utc_now() + timedelta(seconds=max(seconds, 0.0))
        self._scheduler.add_job(
            self._guarded,
            DateTrigger(run_date=when),
            args=(name, func),
            id=name,
            name=name,
            max_instances=3,
            misfire_grace_time=None,
            replace_existing=True,
        )

    def _guarded(self, name: str, func: Callable[[], object]) -> None:
        try:
            func()
        except Exception as e:
            expected = isinstance(e, (TopicwireError, OSError))  # the store away, a full disk
            with self._lock:
                first = name not in self._failing
                self._failing.add(name)
            if first:
                level = logging.WARNING if expected else logging.ERROR
                log.event("job.failed", level, job=name, error=str(e) if expected else repr(e))
            if not expected:
                LOGGER.debug("job %s raised", name, exc_info=True)
            return
        with self._lock:
            failed = name in self._failing
            self._failing.discard(name)
        if failed:
            log.event("job.recovered", job=name)

    def cancel(self, name: str) -> None:
        """``name`` will not run again (a run in progress finishes)."""
        try:
            self._scheduler.remove_job(name)
        except JobLookupError:
            pass

    def has(self, name: str) -> bool:
        return self._scheduler.get_job(name) is not None

    def names(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def stop(self, wait: bool = True) -> None:
        """No job starts again; with ``wait``, the runs in progress finish first."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)
