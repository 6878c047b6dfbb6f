"""Keeping the store in line with the config and the calendar; no polling.

At start-up and after a reload (``prepare``): configured sources registered, topics the
config no longer names dropped (their feed files first), the near-duplicate index loaded,
statements read again where the aliases changed, topics whose rule is new or changed
evaluated again over every stored article. Retention (``prune``) every few hours. Whatever
changes topic membership wholesale marks every story changed for the next publish.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from topicwire import log
from topicwire.clock import Clock, utc_now
from topicwire.config import Config
from topicwire.pipeline import Pipeline
from topicwire.placement import Placer
from topicwire.store import Store
from topicwire.topics.rules import TopicRules

# Stored articles whose statements are extracted at start-up when a store lacks them (an
# upgrade, other [aliases]), newest first: ~0.7 ms each (bench/statements.py), so at most
# ~3.5 s. Not after publishes: bench/render's store of 1M articles would pay it every time.
STATEMENTS_AT_START = 5000

# Deletes the feed files of removed topics; returns how many each lost (Publisher.unpublish).
Unpublish = Callable[[Sequence[str]], Mapping[str, int]]


class Upkeep:
    def __init__(self, config: Config, store: Store, placer: Placer, clock: Clock = utc_now) -> None:
        self.config = config
        self.store = store
        self.placer = placer  # its desk is loaded here, its statement extractor used
        self.changes = placer.changes
        self.clock = clock

    @classmethod
    def of(cls, pipeline: Pipeline) -> Upkeep:
        """The upkeep of the store ``pipeline`` writes, with its placer and clock."""
        return cls(pipeline.config, pipeline.store, pipeline.placer, pipeline.clock)

    def prepare(self, unpublish: Unpublish | None = None) -> None:
        """Register configured sources; drop topics the config no longer names (their feed
        files first, by ``unpublish``: feeds/publisher.Publisher.unpublish); load the
        near-duplicate index; re-evaluate topics whose rule is new or changed."""
        with self.store.transaction() as tx:
            tx.sync_sources(tuple((s.name, s.url, s.kind) for s in self.config.sources))
        self.drop_removed_topics(unpublish)
        self.placer.load(self.store, self.clock())
        self.refresh_statements(STATEMENTS_AT_START)
        stale = [t for t in self.config.topics if self.store.topic_rule(t.name) != t.rule.signature]
        if not stale:
            return
        docs = self.store.match_docs()
        matcher = TopicRules([t.rule for t in stale])
        members: dict[str, list[str]] = {t.name: [] for t in stale}
        for uid, doc in docs:
            for name in matcher.match(doc):
                members[name].append(uid)
        with self.store.transaction() as tx:
            for t in stale:
                tx.replace_topic(t.name, t.rule.signature, members[t.name], self.clock())
        self.changes.mark_all()
        for t in stale:
            log.event("topic.reevaluated", topic=t.name, articles=len(docs), matched=len(members[t.name]))

    def drop_removed_topics(self, unpublish: Unpublish | None = None) -> None:
        """Topics the store holds that the config no longer names: their feed files are
        deleted, then their rows (so a crash in between finds them again next time). They
        leave the other feeds' categories and the API with the rows; OPML and index.html
        list configured topics only."""
        configured = {t.name for t in self.config.topics}
        removed = [name for name in self.store.topic_names() if name not in configured]
        if not removed:
            return
        files = unpublish(removed) if unpublish is not None else {}
        with self.store.transaction() as tx:
            dropped = {name: tx.drop_topic(name) for name in removed}
        self.changes.mark_all()  # other topics' stories lose a category
        for name, stories in dropped.items():
            log.event("topic.removed", topic=name, stories=stories, files=files.get(name, 0))

    def refresh_statements(self, limit: int) -> int:
        """Extract the statements of up to ``limit`` stored articles, newest first, that have
        none yet (stored before statements existed) or were read with other ``[aliases]``.
        Returns how many were extracted; fewer than ``limit`` means none is left."""
        started = time.perf_counter()
        stale = self.store.stale_statements(self.placer.statements.signature, limit)
        found = [(uid, self.placer.statements.extract(body)) for uid, body in stale]
        if found:
            with self.store.transaction() as store:
                for uid, statements in found:
                    store.set_statements(uid, self.placer.statements.signature, statements)
            count = sum(len(s) for _, s in found)
            log.event("statements.extracted", articles=len(found), statements=count, ms=_ms(started))
        return len(found)

    def prune(self) -> int:
        """Delete articles older than ``store.keep``; feeds keep their newest entries."""
        now = self.clock()
        keep = timedelta(seconds=self.config.keep)
        deleted, vacuumed = self.store.prune(now - keep, self.config.max_items, now - 2 * keep)
        if deleted:
            self.changes.mark_all()
            log.event("store.pruned", articles=deleted, vacuumed=vacuumed)
        return deleted


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
