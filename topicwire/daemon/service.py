"""The long-running daemon behind ``topicwire run``: store, scheduler, feed server, signals.

SIGTERM/SIGINT stop it cleanly: no new polls start, running polls finish
(each saves in one transaction), feeds are written, the store closes, exit 0.
A second signal exits at once; the store's transactions and the atomic feed
writes keep everything on disk consistent even then.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

from topicwire import log
from topicwire.config import Config, SourceConfig
from topicwire.daemon.scheduler import SourceScheduler
from topicwire.feeds.serve import FeedServer
from topicwire.pipeline import Pipeline, make_fetcher, utc_now
from topicwire.store import Store


class Daemon:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = Store.open(config.store_path, utc_now())
        self.pipeline = Pipeline(config, self.store, make_fetcher(config))
        self.scheduler = SourceScheduler(self.poll, config.fetch.concurrency)
        self.server = FeedServer(
            f"{config.listen[0]}:{config.listen[1]}", config.output_dir, self.health
        )
        self._stop = threading.Event()
        self._publish_lock = threading.Lock()

    def poll(self, source: SourceConfig) -> None:
        if self._stop.is_set():
            return
        outcome = self.pipeline.poll(source)
        if outcome.new:
            self.publish()

    def publish(self) -> None:
        with self._publish_lock:
            self.pipeline.publish()

    def health(self) -> dict[str, object]:
        ok = self.scheduler.running and not self._stop.is_set()
        return {"status": "ok" if ok else "stopping", "sources": len(self.config.sources)}

    def run(self) -> int:
        self.pipeline.prepare_store()
        self.publish()  # feeds exist (possibly empty) before the first poll ends
        self.server.start()
        self.scheduler.schedule(self.config.sources, utc_now())
        self.scheduler.start()
        self._install_signals()
        log.event(
            "daemon.started",
            sources=len(self.config.sources),
            topics=len(self.config.topics),
            listen=self.server.url,
            pid=os.getpid(),
        )
        self._stop.wait()
        return self.shutdown()

    def shutdown(self) -> int:
        log.event("daemon.stopping")
        self.scheduler.stop(wait=True)
        self.publish()
        self.server.stop()
        self.pipeline.fetcher.close()
        self.store.close()
        log.event("daemon.stopped")
        return 0

    def _install_signals(self) -> None:
        def on_stop(signum: int, frame: FrameType | None) -> None:
            if self._stop.is_set():
                log.event("daemon.killed", signal=signal.Signals(signum).name)
                os._exit(1)  # second signal: every write on disk is atomic, so this is safe
            log.event("daemon.signal", signal=signal.Signals(signum).name)
            self._stop.set()

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)

    def request_stop(self) -> None:
        self._stop.set()
