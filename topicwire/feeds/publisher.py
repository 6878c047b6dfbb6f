"""Publishing: every topic's feed files, index.opml and index.html regenerated from the store.

The pipeline ingests and marks the stories it changed (topicwire/changes.py); this
reads the topics' newest stories (feeds/doc_cache.py, unchanged stories kept in memory),
renders each feed (feeds/render.py, entries rendered once while they stay), writes
the files atomically (feeds/publish.py), pings the WebSub hub for the files that
changed, and rewrites the status page. The daemon owns one, built again on a
reload with what must survive it passed in (the changes, a WebSub pinger with
pings still to retry, the metrics); ``once`` builds one for its single publish.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from topicwire import log
from topicwire.changes import StoryChanges
from topicwire.clock import Clock, utc_now
from topicwire.config import Config
from topicwire.feeds.doc_cache import FeedDocCache
from topicwire.feeds.index_page import render_index_html
from topicwire.feeds.publish import (
    INDEX_NAME,
    publish_index,
    publish_status_page,
    publish_topics,
    unpublish_topics,
    write_atomic,
)
from topicwire.feeds.render import EntryCache
from topicwire.feeds.websub import WebSubPinger, feed_urls, pinger_for
from topicwire.lxmlock import holding_lxml
from topicwire.metrics import Metrics
from topicwire.statements.speakers import SpeakerQuery
from topicwire.store import Store
from topicwire.types import FeedDoc


class Publisher:
    def __init__(
        self,
        config: Config,
        store: Store,
        changes: StoryChanges,
        *,
        websub: WebSubPinger | None = None,  # None: a new one if output.websub_hub is set
        metrics: Metrics | None = None,
        clock: Clock = utc_now,
        render_cache: EntryCache | None = None,  # a reload's: kept, and never freed outside LXML
    ) -> None:
        self.config = config
        self.store = store
        self.changes = changes
        self.websub = websub if websub is not None else pinger_for(config)
        self.metrics = metrics if metrics is not None else Metrics.off()
        self.clock = clock
        # Entries rendered once while they stay in a feed. Its lxml elements are freed only by
        # sweep(), under LXML; so a reload hands it on rather than dropping it (lxmlock.py).
        self.render_cache = render_cache if render_cache is not None else EntryCache()
        self.doc_cache = FeedDocCache(store, config.base_url, config.max_items, config.title)
        self.speaker_queries = {t.name: SpeakerQuery(t.statements) for t in config.topics if t.statements}
        self._shown: tuple[FeedDoc, ...] | None = None  # the topics as last published, for index.html
        self._status_lock = threading.Lock()
        self._status_stale = False
        self._shared_all = False  # every topic file is kept in a shared store at the first publish
        self.owes_render = False  # the last publish only followed another daemon's, with changes of ours pending

    def publish(self, since: float | None = None, status: bool = True) -> int:
        """Regenerate every topic feed and index.opml; return how many files changed.

        ``since``: time.monotonic() of the oldest stored change this publish shows (the
        daemon's coalesced publishing), for the store-to-feed delay in the log and metrics.
        ``status``: rewrite the status page (index.html) too. The daemon's coalesced renders
        leave it to its status job (once per 10 s): with 1,000 sources the page costs ~60 ms
        of CPU, five times a feed render, and in bench/steady.py's first round it was
        rewritten 39 times, 2.4 s of the 3.5 s ``run`` spent above ``once`` (issue 19).

        On a store several daemons share, one renders at a time (Store.exclusive) and keeps
        the files it changed in the store; a daemon that finds another rendering copies
        those files instead (``follow``), so every server answers the same bytes.
        """
        with self.store.exclusive("publish") as mine:
            if mine:
                self.owes_render = False
                return self._render(since, status)
            # The other daemon's render may have read the store before our polls' changes
            # were committed: ours still owe a render of our own (the daemon schedules one).
            self.owes_render = self.changes.pending()
            return self.follow()

    def _render(self, since: float | None, status: bool) -> int:
        started = time.monotonic()
        # Committed data only: feeds never announce what a crash could still lose (group commit).
        with self.store.committed():
            changed_ids, everything = self.changes.take()
            # On a shared store the other daemons' polls change stories too, and this one's
            # changes never name them: kept entries could be stale, and written over the file
            # the daemon that changed them rendered (review of issue 16). Read them all again.
            if everything or self.store.shared:
                self.doc_cache.clear()
            self.doc_cache.invalidate(changed_ids)
            docs = [self.feed_doc(t.name, t.title, t.description) for t in self.config.topics]
        hub, cache = self.config.websub_hub, self.render_cache
        written = list(publish_topics(self.config.output_dir, docs, hub, cache))
        with holding_lxml():  # frees the lxml elements of entries no feed shows any more (lxmlock.py)
            cache.sweep()
        self.doc_cache.sweep()
        if self.websub is not None:  # also retries pings that failed last time; returns at once
            self.websub.notify(feed_urls(self.config.base_url, written))
        index = publish_index(self.config.output_dir, docs, self.config.title)
        if self.store.shared:
            self._share([*written, index] if self._shared_all else self._topic_files(docs) + [index])
        self._shown = tuple(docs)
        if status:
            self.publish_status()
        ended = time.monotonic()
        delay = None if since is None else ended - since
        self.metrics.render_seconds.observe(ended - started)
        if delay is not None:
            self.metrics.publish_delay_seconds.observe(delay)
        delay_ms = None if delay is None else int(delay * 1000)
        log.event("feeds.published", topics=len(docs), changed=len(written), delay_ms=delay_ms)
        return len(written)

    def _topic_files(self, docs: Sequence[FeedDoc]) -> list[Path]:
        return [p for d in docs for p in self.config.output_dir.glob(f"{d.name}.*") if p.suffix != ".tmp"]

    def _share(self, paths: Sequence[Path]) -> None:
        """Keep these files in the store for the other daemons (every one the first time)."""
        files = [(p.name, p.read_bytes()) for p in dict.fromkeys(paths) if p.is_file()]
        with self.store.transaction() as tx:
            for name, data in files:
                tx.save_feed_file(name, data, hashlib.sha256(data).hexdigest(), self.clock())
        self._shared_all = True

    def follow(self, periodic: bool = False) -> int:
        """Another daemon is rendering: copy the files it keeps in the store that differ
        from ours. Returns how many files changed here.

        ``periodic`` (the daemon's follow job, every few seconds): log only when something
        changed. The status page (index.html) is not among them: each daemon writes its own.
        """
        changed = 0
        out = self.config.output_dir
        out.mkdir(parents=True, exist_ok=True)
        # Only our topics' files: a daemon not reloaded yet still renders a topic our reload
        # removed, and nothing here would delete its copy again (review of issue 16).
        ours = {t.name for t in self.config.topics}
        for name, digest in sorted(self.store.feed_file_digests().items()):
            path = out / name
            if path.parent != out or not _plain(name):
                continue  # only plain names in our folder, whatever the store holds
            if name != INDEX_NAME and name.rsplit(".", 1)[0] not in ours:
                continue
            try:
                if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                    continue
            except FileNotFoundError:
                pass
            data = self.store.feed_file(name)
            if data is not None and write_atomic(path, data):
                changed += 1
        if changed or not periodic:
            log.event("feeds.followed", changed=changed)
        return changed

    def publish_status(self) -> bool:
        """Rewrite the status page (index.html) alone: source health as ``sources`` shows it
        now, topics as last published. Returns whether this call changed the file.

        Calls that find a render in flight leave it to run once more for them, so a burst
        of calls costs two renders, not one each. Source states are read without forcing
        a group commit: a status line a crash could lose is only redone by the next poll.
        """
        changed = False
        self._status_stale = True
        while self._status_stale and self._status_lock.acquire(blocking=False):
            try:
                self._status_stale = False
                changed = self._write_status() or changed
            finally:
                self._status_lock.release()
        return changed

    def unpublish(self, names: Sequence[str]) -> dict[str, int]:
        """Delete the feed files of topics removed from the config, before their rows go
        (a crash in between finds them again); returns how many files each topic lost."""
        files: list[Path] = list(unpublish_topics(self.config.output_dir, names))
        if self.store.shared and files:
            with self.store.transaction() as tx:
                tx.drop_feed_files([p.name for p in files])
        return {name: sum(p.stem == name for p in files) for name in names}

    def wait(self) -> None:
        """Until the WebSub pings sent so far are answered (bounded by fetch's timeouts)."""
        if self.websub is not None:
            self.websub.wait()

    def _write_status(self) -> bool:
        if self._shown is None:
            return False  # no publish yet: the first one writes the page with the topics
        states = self.store.source_states(tuple(s.name for s in self.config.sources))
        fetch = self.config.fetch
        page = render_index_html(self.config.title, self._shown, states, self.clock(), fetch.failing_after)
        return publish_status_page(self.config.output_dir, page)

    def feed_doc(self, name: str, title: str, description: str) -> FeedDoc:
        speakers = self.speaker_queries.get(name)
        if speakers is not None:  # a statements topic: its entries are statements
            return self.doc_cache.statement_doc(name, title, description, speakers.takes)
        return self.doc_cache.feed_doc(name, title, description)


def _plain(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9._-]+", name)) and not name.startswith(".")
