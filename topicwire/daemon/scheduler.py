"""When each source is due: APScheduler jobs, nothing else.

Like miniflux's scheduler this module does no work itself: each job calls the
``poll`` callback it was given, which returns when the source is next due
(decided by schedule.py from the poll's outcome, and stored, so a restart
resumes the schedule instead of polling everything at once). One job per
source, never two runs of one source at once (max_instances=1), missed runs
coalesced into one.

Spreading: sources overdue at start-up are polled within STARTUP_SPREAD (a
minute) so that feeds fill quickly, but that minute must not repeat every
round. Each of them is therefore also given a ``spread``, passed to its poll
and added to the next-due time that poll stores, which places the second round
evenly over the interval (at most SPREAD_WINDOW); policy.py's jitter then keeps
the rounds from bunching again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from topicwire.config import SourceConfig
from topicwire.schedule import MAX_DELAY, MAX_JITTER, jitter_for

__all__ = ["MAX_JITTER", "SourceScheduler", "first_runs", "jitter_for", "spreads"]

# Sources already due at start-up are spread over this long, not fired at once.
STARTUP_SPREAD = 60.0
# Their second round is spread over one interval, but over no more than this: a 1-day
# source is not kept waiting up to 2 days, and an hour is spread enough for any CPU.
SPREAD_WINDOW = 3600.0

MAINTENANCE = "\x00maintenance"  # no source name can clash: names are [a-z0-9._-]
# poll(source, spread) -> next due; spread: seconds its next-due time is pushed back
Poll = Callable[[SourceConfig, float], "datetime | None"]


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
    def __init__(self, poll: Poll, workers: int) -> None:
        self._poll = poll
        self._workers = workers
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=workers)}, timezone="UTC"
        )
        self._idle = threading.Condition()
        self._running = 0
        self._stopping = False
        self._spreads: dict[str, float] = {}  # for the next poll of each source overdue at (re)scheduling

    def schedule(self, sources: tuple[SourceConfig, ...], due: Mapping[str, datetime | None], now: datetime) -> None:
        """Make the jobs match ``sources``: add new ones, drop removed ones, update changed ones."""
        wanted = {s.name for s in sources} | {MAINTENANCE}
        scheduled = set()
        for job in self._scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
            scheduled.add(job.id)
        firsts = first_runs(sources, due, now, self._workers)
        # The second round is spread for sources scheduled now for the first time: on a reload
        # the sources due at that moment are in their normal round, and a spread would push
        # them back up to an hour (review: +1200 s for a daily source, +200 s for a 5 m one).
        fresh = spreads(sources, due, now, self._workers)
        with self._idle:
            self._spreads = {name: s for name, s in fresh.items() if name not in scheduled}
        for source in sources:
            self._scheduler.add_job(
                self._run,
                IntervalTrigger(seconds=source.interval, jitter=jitter_for(source.interval)),
                args=(source,),
                id=source.name,
                name=source.name,
                next_run_time=firsts[source.name],
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                replace_existing=True,
            )

    def add_maintenance(self, func: Callable[[], object], seconds: float, first: datetime) -> None:
        """A housekeeping job (retention) beside the source jobs; never overlapping itself."""
        self._scheduler.add_job(
            func,
            IntervalTrigger(seconds=seconds),
            id=MAINTENANCE,
            name=MAINTENANCE,
            next_run_time=first,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )

    def _run(self, source: SourceConfig) -> None:
        with self._idle:
            if self._stopping:
                return
            self._running += 1
            spread = self._spreads.pop(source.name, 0.0)
        try:
            next_due = self._poll(source, spread)
            if next_due is not None:
                try:
                    self._scheduler.modify_job(source.name, next_run_time=next_due)
                except JobLookupError:
                    pass  # removed by a reload while it ran
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def start(self) -> None:
        self._scheduler.start()

    def stop(self, wait: bool = True) -> None:
        """Start no new polls, let running ones finish, then shut down.

        APScheduler's shutdown(wait=True) holds its job-store lock while it waits,
        and a finishing poll needs that lock to set its next run time: waiting for
        our own polls first avoids that deadlock.
        """
        with self._idle:
            self._stopping = True
            while wait and self._running:
                self._idle.wait()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def jobs(self) -> tuple[tuple[str, datetime | None], ...]:
        return tuple((j.id, j.next_run_time) for j in self._scheduler.get_jobs())
