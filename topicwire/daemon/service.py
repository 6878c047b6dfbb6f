"""The long-running daemon behind ``topicwire run``: store, scheduler, feed server, signals.

SIGTERM/SIGINT stop it cleanly: no new polls start, running polls finish
(each saves in one transaction), feeds are written, the store closes, exit 0.
A second signal exits at once; the store's transactions and the atomic feed
writes keep everything on disk consistent even then.

New articles do not each regenerate the feeds: daemon/coalesce.py renders
once, ``output.publish_delay`` after the first change not yet published.

SIGHUP reloads the config file: added sources start, removed ones stop,
changed intervals apply, topics are re-evaluated, removed topics' feed files and rows go. A config with errors is
logged with every error and the running config is kept.

One daemon per SQLite store (daemon/lock.py); on PostgreSQL several share the store, each a
worker ``host:pid`` that claims sources with leases and heartbeats its row in the store
(daemon/heartbeat.py: ``topicwire stats`` lists the workers).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from datetime import datetime, timedelta
from types import FrameType

from topicwire import log
from topicwire.changes import StoryChanges
from topicwire.clock import utc_now
from topicwire.config import Config, SourceConfig, load_config
from topicwire.cpu import CpuPool
from topicwire.daemon.coalesce import PublishScheduler
from topicwire.daemon.heartbeat import Heartbeat, end_dead_leases, others_running_here
from topicwire.daemon.jobs import Jobs
from topicwire.daemon.lock import StoreLock
from topicwire.daemon.notify import Notifier
from topicwire.daemon.scheduler import SourceScheduler
from topicwire.errors import ConfigError, StoreError, TopicwireError
from topicwire.feeds.api import Api
from topicwire.feeds.publisher import Publisher
from topicwire.feeds.serve import FeedServer
from topicwire.feeds.webhooks import Deliverer
from topicwire.metrics import Metrics, StoreFigures
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.sources.polite import PoliteFetcher
from topicwire.store import Store
from topicwire.upkeep import Upkeep

STATUS_DELAY = 10.0  # seconds from a poll to the status page (index.html) showing it, at most
MAINTENANCE_EVERY = 6 * 3600.0  # retention, the first an hour after start (not in the start-up rush)
# On a store several daemons share, how often this one copies the feeds another rendered:
# a daemon whose own polls find nothing new renders nothing, and its server must not keep
# answering old bytes (issue 16 point 3). One read of a digest per file when nothing changed.
FOLLOW_EVERY = 5.0
# At a clean stop on a shared store, how long to wait for another daemon's render to end so
# that this one's last articles are rendered too (review of issue 16).
STOP_RENDER_WAIT = 10.0
# A reload the store refused (the database away, issue 16 point 6) is made again this much
# later, until the store answers: the daemon keeps polling on what it has meanwhile.
RELOAD_RETRY = 10.0
RELOAD_JOB = "reload"


class Daemon:
    def __init__(self, config: Config) -> None:
        self.config = config
        # One daemon per SQLite store (a lock file beside it), taken before opening: a second
        # one must not even migrate it. On PostgreSQL several daemons share the store (claims
        # with leases keep them from polling one source twice): no lock file.
        self.lock = StoreLock(config.store_path)
        self.shared = bool(config.store_url)
        if not self.shared:
            self.lock.acquire()
        self.store = Store.open(config.store, utc_now(), config.pool_size)
        self.metrics = Metrics()
        self.metrics.add_state(self.figures)
        self.metrics.add_outbox(self.store.delivery_states)
        # Stories changed by polls, for the next publish: one for the daemon's life, so a
        # reload's new publisher sees what the old pipeline's polls still saving change.
        self.changes = StoryChanges()
        self.fetcher = make_fetcher(config, self.store)
        # Fetchers a reload replaced, closed once it is made: a reload that fails on the store
        # has installed its own already, and its retry replaces that one (review8: the first
        # was never closed, its poll threads' sessions leaked, one fetcher per failed retry).
        self._replaced_fetchers: list[PoliteFetcher] = []
        self.cpu = CpuPool(config.workers)  # worker processes for parsing and extraction; kept across reloads
        self.pipeline = Pipeline(
            config, self.store, self.fetcher, changes=self.changes, metrics=self.metrics, cpu=self.cpu
        )
        self.feeds = Publisher(config, self.store, self.changes, metrics=self.metrics)
        self.upkeep = Upkeep.of(self.pipeline)
        self.jobs = Jobs()  # every timed job: the tick, publishing, retention, heartbeat, following
        self.scheduler = SourceScheduler(
            self.poll, config.fetch.concurrency, self.store, lease=config.lease, jobs=self.jobs
        )
        self.heartbeat = Heartbeat(self.store, self.scheduler.worker_id)
        self.metrics.add_worker(self.scheduler.worker_id, self.store.backend)
        self.deliverer = Deliverer(config, self.store, metrics=self.metrics)  # its own thread: never on the polls' path
        self.server = FeedServer(
            f"{config.listen[0]}:{config.listen[1]}",
            config.output_dir,
            self.health,
            self.metrics.exposition,
            lambda path, query: Api(self.config, self.store).answer(path, query),  # follows reloads
        )
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._reload = False
        self.publisher = PublishScheduler(self._publish, config.publish_delay, jobs=self.jobs, name="publish")
        # The status page too is rewritten at most once per STATUS_DELAY after a poll, not after
        # each one: with 1,000 sources at 5 minutes a render per poll (source states + page,
        # 30-50 ms) was 17% of a core in a round of 304s (bench/steady.py).
        self.status = PublishScheduler(lambda since: self.publish_status(), STATUS_DELAY, jobs=self.jobs, name="status")
        self.notifier = Notifier(self.healthy)

    def poll(self, source: SourceConfig, spread: float = 0.0) -> datetime | None:
        if self._stop.is_set():
            return None
        pipeline = self.pipeline  # a reload swaps it; this poll finishes on the one it started with
        outcome = pipeline.poll(source, spread)
        self.status.changed()  # whatever the poll found: the status page shows it within STATUS_DELAY
        if outcome.new:
            self.publisher.changed()  # coalesced: a burst of polls costs one render
        return outcome.next_due

    def _publish(self, since: float | None) -> None:
        # The status page follows by the status job (within STATUS_DELAY); a flush (start-up,
        # reload, stop) writes it at once (publish below).
        self.feeds.publish(since, status=False)
        self.status.changed()
        if self.feeds.owes_render:  # another daemon was rendering: render ours after another delay
            self.publisher.changed()

    def publish_status(self) -> None:
        """index.html alone, from the current publisher (a reload may have swapped it)."""
        self.feeds.publish_status()

    def maintain(self) -> None:
        if self.upkeep.prune():
            self.publisher.changed()

    def publish(self) -> None:
        """Render now, covering every change so far, and the status page (start-up, reload, stop)."""
        self.publisher.flush()
        self.feeds.publish_status()

    def follow(self) -> None:
        """Copy the feeds another daemon rendered into ours (a shared store), never while ours renders."""
        with self.publisher.no_render():
            self.feeds.follow(periodic=True)

    def figures(self) -> StoreFigures:
        names = tuple(s.name for s in self.config.sources)
        limiter = self.fetcher.limiter.stats()
        counts = {k: v if isinstance(v, int) else len(v) for k, v in limiter.items()}
        store = self.store
        return store.source_states(names), store.size_bytes(), store.article_count(), store.story_count(), counts

    def healthy(self) -> bool:
        """The scheduler runs and the store answers: what the watchdog and /healthz report."""
        return self.scheduler.running and not self._stop.is_set() and self.store.ping()

    def health(self) -> dict[str, object]:
        return {"status": "ok" if self.healthy() else "unhealthy", "sources": len(self.config.sources)}

    def prepare(self) -> None:
        """The store ready for polls: sources registered, removed topics dropped (files first),
        the near-duplicate index loaded, changed topics re-evaluated; no source leased (but by a
        ``once`` polling now, or another worker of a shared store)."""
        self.upkeep.prepare(self.feeds.unpublish)
        if self.shared:  # other workers' leases are live: a dead one's run out (LEASE), or
            end_dead_leases(self.store)  # end now when it ran on this host (restarted after SIGKILL)
            return
        # The lock file makes this the only daemon on this store: a lease still held is one a
        # killed run (or once) left, and its source must not wait for the lease to run out; so
        # are the rows of the workers table. But a `once` takes no lock and may be polling now:
        # its leases stay (review of issue 16: they were cleared, and run polled its source too).
        workers = self.store.workers()
        polling = others_running_here(workers, socket.gethostname())
        with self.store.transaction() as tx:
            cleared = tx.clear_leases(tuple(w.id for w in workers if w.claims and w.id not in polling))
            tx.clear_workers()
        if cleared:
            log.event("sources.leases_cleared", sources=cleared)

    def run(self) -> int:
        # First: a SIGTERM while the store is prepared and the feeds first written (a slow
        # start on a big store, systemd stopping it meanwhile) ends the start-up cleanly, with
        # no poll begun, instead of killing the process by the signal's default (review 5).
        self._install_signals()
        self.prepare()
        self.publish()  # feeds exist (possibly empty) before the first poll ends
        self.server.start()
        self._schedule()
        self.jobs.every("maintenance", self.maintain, MAINTENANCE_EVERY, utc_now() + timedelta(hours=1))
        if self.shared:
            self.jobs.every("follow", self.follow, FOLLOW_EVERY)
        self.heartbeat.start(self.jobs)
        if not self._stop.is_set():  # stopped during start-up: no job, no poll begins
            self.scheduler.start()
        self.deliverer.start()  # resumes what the store holds pending, from before a restart too
        self.notifier.ready()
        log.event(
            "daemon.started",
            worker=self.scheduler.worker_id,
            sources=len(self.config.sources),
            topics=len(self.config.topics),
            listen=self.server.url,
            pid=os.getpid(),
        )
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._reload and not self._stop.is_set():
                self._reload = False
                self.reload()
        return self.shutdown()

    def _schedule(self) -> None:
        states = self.store.source_states(tuple(s.name for s in self.config.sources))
        active = tuple(s for s in self.config.sources if not _retired(s.name, states))
        due = {s.name: s.next_due for s in states}
        self.scheduler.schedule(active, due, utc_now())

    def reload(self) -> None:
        self.notifier.send("RELOADING=1")
        try:
            self._reload_config()
        except StoreError as e:
            # Registering the sources and rescheduling write to the store: a SIGHUP while the
            # database was away escaped run() and ended the daemon (exit 1, no clean stop).
            # The whole reload is made again (it is idempotent) once the store answers.
            log.event("config.reload_failed", logging.ERROR, error=str(e), retry_in=f"{RELOAD_RETRY:g}s")
            self.jobs.at(RELOAD_JOB, self._request_reload, RELOAD_RETRY)
        finally:
            self.notifier.send("READY=1")

    def _request_reload(self) -> None:
        self._reload = True
        self._wake.set()

    def _reload_config(self) -> None:
        try:
            config = load_config(self.config.path)
        except ConfigError as e:
            for problem in e.problems:
                log.event("config.invalid", logging.ERROR, path=str(self.config.path), error=problem)
            log.event("config.kept", logging.WARNING, reason="the new config has errors")
            return
        if config.listen != self.config.listen or config.store != self.config.store:
            log.event("config.restart_needed", logging.WARNING, keys="server.listen/store.path")
        if config.workers != self.config.workers:
            log.event("config.restart_needed", logging.WARNING, keys="daemon.workers")
        if config.store_url and config.pool_size != self.config.pool_size:  # the pool is made at open
            log.event("config.restart_needed", logging.WARNING, keys="store.pool_size")
        if config.lease != self.config.lease or config.fetch.concurrency != self.config.fetch.concurrency:
            # The scheduler's lease and its pool of poll threads are made at start.
            log.event("config.restart_needed", logging.WARNING, keys="daemon.lease/fetch.concurrency")
        old, old_feeds = self.pipeline, self.feeds
        self._replaced_fetchers.append(self.fetcher)
        self.config = config
        # Polls of the old pipeline may still be saving: one index sees their articles too.
        desk = old.desk if config.dedup == old.config.dedup else None
        websub = old_feeds.websub
        if websub is not None and websub.hub != config.websub_hub:
            websub = None  # else pings that failed before the reload are still retried
        self.fetcher = make_fetcher(config, self.store)
        self.pipeline = Pipeline(
            config, self.store, self.fetcher, desk=desk, changes=self.changes, metrics=self.metrics, cpu=self.cpu
        )
        self.feeds = Publisher(
            config, self.store, self.changes, websub=websub, metrics=self.metrics, render_cache=old_feeds.render_cache
        )
        self.upkeep = Upkeep.of(self.pipeline)
        self.deliverer.configure(config)
        with self.publisher.no_render():
            # A publish of the old publisher may be writing its topics' files: a removed topic's
            # are deleted only after it, or that publish would write them back for good.
            self.upkeep.prepare(self.feeds.unpublish)
        self.publisher.delay = config.publish_delay
        self._schedule()
        try:
            self.publish()
        except (TopicwireError, OSError) as e:
            # A full disk must not end the daemon on SIGHUP (it escaped run() with no clean
            # stop, review 2): the change stays pending and the publisher thread retries it.
            log.event("feeds.failed", logging.ERROR, error=str(e))
        while self._replaced_fetchers:
            self._replaced_fetchers.pop(0).close()
        log.event("config.reloaded", sources=len(config.sources), topics=len(config.topics))

    def shutdown(self) -> int:
        log.event("daemon.stopping")
        self.notifier.stopping()
        self.pipeline.stopping.set()  # running polls save what they have; bounded by fetch.timeout
        self.scheduler.stop(wait=True)
        self.deliverer.stop()  # what it has not sent stays pending in the store for the next start
        self.publisher.stop()
        self.status.stop()  # the final publish below rewrites the status page as well
        self.jobs.stop(wait=True)  # a render, retention or beat in flight finishes
        self.heartbeat.stop()  # after the last poll released its lease, and no beat can follow
        code = 0
        try:
            self.publish()  # what the last polls stored, and any change still waiting for its render
            self._render_owed()
        except (TopicwireError, OSError) as e:  # a full disk: the store is still closed cleanly
            log.event("feeds.failed", logging.ERROR, error=str(e))
            code = 1
        self.feeds.wait()  # WebSub pings, bounded by fetch's timeouts; console() will not wait
        self.server.stop()
        self.cpu.close()
        self.fetcher.close()
        self.store.close()
        self.lock.release()
        log.event("daemon.stopped", code=code)
        return code

    def _render_owed(self) -> None:
        """On a shared store the last publish may only have copied another daemon's render,
        which may predate our last polls' articles (``owes_render``): try to render them
        ourselves for up to STOP_RENDER_WAIT, else leave them to the next render of any daemon."""
        deadline = time.monotonic() + STOP_RENDER_WAIT
        while self.feeds.owes_render and time.monotonic() < deadline:
            time.sleep(0.5)
            self.publish()
        if self.feeds.owes_render:
            log.event("feeds.render_owed", logging.WARNING, reason="another daemon kept rendering")

    def _install_signals(self) -> None:
        def on_stop(signum: int, frame: FrameType | None) -> None:
            if self._stop.is_set():
                log.event("daemon.killed", signal=signal.Signals(signum).name)
                os._exit(1)  # second signal: safe, every write is atomic (uncommitted polls are made again)
            log.event("daemon.signal", signal=signal.Signals(signum).name)
            self._stop.set()
            self._wake.set()

        def on_hup(signum: int, frame: FrameType | None) -> None:
            self._reload = True
            self._wake.set()

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, on_hup)

    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()


def _retired(name: str, states: tuple) -> bool:  # type: ignore[type-arg]
    return any(s.name == name and s.retired for s in states)
