"""When each source is due: APScheduler interval jobs, nothing else.

Like miniflux's scheduler this module does no work itself: each job calls the
``poll`` callback it was given. One job per source, never two runs of one
source at once (max_instances=1), missed runs coalesced into one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from topicwire.config import SourceConfig

# Jitter spreads polls so that sources with one interval do not all fire in the
# same second after a start; capped so that a 1-day interval still polls on time.
MAX_JITTER = 120.0
JITTER_FRACTION = 0.1


def jitter_for(interval: float) -> int:
    return int(min(interval * JITTER_FRACTION, MAX_JITTER))


class SourceScheduler:
    def __init__(self, poll: Callable[[SourceConfig], object], workers: int) -> None:
        self._poll = poll
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=workers)},
            timezone="UTC",
        )

    def schedule(self, sources: tuple[SourceConfig, ...], now: datetime) -> None:
        """Replace every job: one per source, first run spread over the first minute."""
        self._scheduler.remove_all_jobs()
        count = max(len(sources), 1)
        for i, source in enumerate(sources):
            first = now + timedelta(seconds=min(60.0, source.interval) * i / count)
            self._scheduler.add_job(
                self._poll,
                IntervalTrigger(seconds=source.interval, jitter=jitter_for(source.interval)),
                args=(source,),
                id=source.name,
                name=source.name,
                next_run_time=first,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                replace_existing=True,
            )

    def start(self) -> None:
        self._scheduler.start()

    def stop(self, wait: bool = True) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def jobs(self) -> tuple[tuple[str, datetime | None], ...]:
        return tuple((j.id, j.next_run_time) for j in self._scheduler.get_jobs())
