"""``topicwire once``'s polls: every configured source now, each under a lease.

``once`` polls every source whatever its due time, but on a store a ``run`` shares (a
PostgreSQL store with workers, or a SQLite store whose daemon is running) a source that
worker is polling at this moment must not be polled twice at once (issue 16 point 3): each
source is claimed with a lease (``Transaction.claim_source``) before its poll and released
after it, and a source another worker holds is skipped and named.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from topicwire import log
from topicwire.clock import utc_now
from topicwire.config import Config, SourceConfig
from topicwire.daemon.heartbeat import end_dead_leases
from topicwire.daemon.jobs import Jobs
from topicwire.daemon.leases import LeaseKeeper
from topicwire.daemon.scheduler import worker_name
from topicwire.pipeline import Pipeline
from topicwire.types import PollOutcome


class OncePolls:
    def __init__(self, pipeline: Pipeline, config: Config) -> None:
        self.pipeline = pipeline
        self.config = config
        self.worker = worker_name()
        self.leases = LeaseKeeper(pipeline.store, self.worker, timedelta(seconds=config.lease))
        self.held: list[str] = []  # sources another worker was polling

    def run(self) -> list[PollOutcome]:
        """Poll every source, ``fetch.concurrency`` at a time; the outcomes of those polled."""
        end_dead_leases(self.pipeline.store)  # a killed once's or run's: never skipped for them
        jobs = Jobs()  # the leases of running polls renewed (a poll may outlast one)
        self.leases.start(jobs)
        jobs.start()
        try:
            with ThreadPoolExecutor(max_workers=self.config.fetch.concurrency) as pool:
                futures = pool.map(self.poll, self.config.sources)
                if sys.stderr.isatty():
                    from tqdm import tqdm  # only on a terminal: plain log lines otherwise

                    futures = tqdm(futures, total=len(self.config.sources), desc="polling", unit="source")
                return [o for o in futures if o is not None]
        finally:
            jobs.stop()

    def poll(self, source: SourceConfig) -> PollOutcome | None:
        store = self.pipeline.store
        with store.transaction() as tx:
            mine = tx.claim_source(source.name, self.worker, utc_now(), self.leases.lease)
        if not mine:
            self.held.append(source.name)
            log.event("source.held", source=source.name, reason="another worker is polling it")
            return None
        self.leases.hold(source.name)
        try:
            return self.pipeline.poll(source)
        finally:
            self.leases.drop(source.name)
            with store.transaction() as tx:
                tx.release_source(source.name, self.worker, None)  # the poll stored its next due time
