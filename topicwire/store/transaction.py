"""The store's writer: every write method, usable only inside its own unit.

``with store.transaction() as tx:`` hands out a ``Transaction`` bound to that unit
of the group commit (db.GroupCommit) and to the thread that opened it. The Store
itself has no write method, so a write outside a unit cannot be written (issue 15
point 5); and once the block ends, or from another thread (the connection is shared,
the store's lock is held by the opener), every method raises StoreError naming itself.

The writer also offers the three reads that decide a write (``find_article``,
``near_candidates``, ``story_members``: the story desk's and placement's): inside the unit
they see its own writes, so an article placed earlier in a poll is found by the next.
The first two lock placement for the rest of the unit (Backend.lock_placement: on
PostgreSQL another worker's placing unit waits, so two copies placed at once are one
story; SQLite's one writer needs nothing). Every other read is the Store's.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Concatenate, ParamSpec, TypeVar

from topicwire.errors import StoreError
from topicwire.store import (
    articles,
    bands,
    deliveries,
    feed_files,
    hosts,
    http_cache,
    sources,
    statements,
    stories,
    templates,
    topics,
    workers,
)
from topicwire.store.codec import iso
from topicwire.store.dialect import DB
from topicwire.types import Article, DeliveryStatus, ExactHit, Fingerprint, PollOutcome, Statement, StoryMember

P = ParamSpec("P")
R = TypeVar("R")


def _in_unit(method: Callable[Concatenate[Transaction, P], R]) -> Callable[Concatenate[Transaction, P], R]:
    """The method runs only in the thread whose unit is open; else StoreError naming it."""

    @functools.wraps(method)
    def guarded(self: Transaction, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._owner != threading.get_ident():
            raise StoreError(f"store write {method.__name__}() outside its transaction: {self._where()}")
        return method(self, *args, **kwargs)

    return guarded


class Transaction:
    """One unit's writes (and the reads that decide them); made by Store.transaction() only."""

    def __init__(
        self,
        db: DB,
        push_topics: frozenset[str],
        enqueued: threading.Event,
        lock_placement: Callable[[DB], None],
    ) -> None:
        self._db = db
        self._owner: int | None = threading.get_ident()
        self._lock_placement = lock_placement
        self._placing = False  # the placement lock is held (until the unit ends)
        # Topics with a webhook: a story entering one of their feeds gets an outbox row
        # in this same unit; `enqueued` wakes the delivery worker.
        self._push_topics = push_topics
        self._enqueued = enqueued

    def end(self) -> None:
        """The unit's block has ended: from now on every method raises."""
        self._owner = None

    def _where(self) -> str:
        return "its block has ended" if self._owner is None else "it belongs to another thread"

    # -- sources ---------------------------------------------------------------------
    @_in_unit
    def sync_sources(self, rows: tuple[tuple[str, str, str], ...]) -> None:
        sources.sync(self._db, rows)

    @_in_unit
    def claim_due(
        self, now: datetime, worker: str, limit: int, lease: timedelta, skip: tuple[str, ...] = ()
    ) -> list[str]:
        """Lease up to ``limit`` sources due by ``now`` to ``worker`` for ``lease``, none of
        ``skip``. Due means a stored next-due time at least a second past (times are kept to
        the second, and a poll must never come before the time it was given, Retry-After above all)."""
        cutoff = iso(now - timedelta(seconds=1))
        return sources.claim_due(self._db, cutoff, worker, limit, iso(now + lease), skip)

    @_in_unit
    def claim_source(self, name: str, worker: str, now: datetime, lease: timedelta) -> bool:
        """Lease ``name`` to ``worker`` for ``lease`` now, due or not; False when another
        worker's lease on it is live."""
        return sources.claim(self._db, name, worker, iso(now), iso(now + lease))

    @_in_unit
    def renew_leases(self, names: tuple[str, ...], worker: str, until: datetime) -> None:
        """Polls of ``names`` by ``worker`` still run: their leases last until ``until``."""
        sources.renew(self._db, names, worker, iso(until))

    @_in_unit
    def release_source(self, name: str, worker: str, next_due: datetime | None) -> None:
        sources.release(self._db, name, worker, iso(next_due) if next_due else None)

    @_in_unit
    def clear_leases(self, owners: tuple[str, ...]) -> int:
        """End the leases of ``owners``; returns how many ended."""
        return sources.clear_leases(self._db, owners)

    # -- workers -----------------------------------------------------------------------
    @_in_unit
    def heartbeat(self, worker: str, started: datetime, now: datetime, forget: timedelta) -> None:
        """``worker`` is alive at ``now``; rows of workers silent for ``forget`` go (killed:
        their leases have long run out)."""
        workers.beat(self._db, worker, iso(started), iso(now))
        workers.forget_before(self._db, iso(now - forget))

    @_in_unit
    def remove_worker(self, worker: str) -> None:
        """A clean stop: the worker's row goes."""
        workers.remove(self._db, worker)

    @_in_unit
    def clear_workers(self) -> int:
        """Every worker row goes (the one daemon of a SQLite store starting, as clear_leases)."""
        return workers.forget_all(self._db)

    @_in_unit
    def set_due(self, due: Mapping[str, datetime], keep: tuple[datetime, datetime] | None = None) -> None:
        """When each source is first due (the scheduler's start-up spread); with ``keep`` =
        (after, until), a source whose stored time is now in that window keeps it."""
        window = None if keep is None else (iso(keep[0]), iso(keep[1]))
        sources.set_due(self._db, [(name, iso(when)) for name, when in due.items()], window)

    @_in_unit
    def save_feed_file(self, name: str, data: bytes, digest: str, now: datetime) -> None:
        feed_files.put(self._db, name, data, digest, now)

    @_in_unit
    def drop_feed_files(self, names: list[str]) -> None:
        feed_files.drop(self._db, names)

    @_in_unit
    def record_poll(self, outcome: PollOutcome, now: datetime) -> None:
        sources.record_poll(self._db, outcome, now)

    @_in_unit
    def save_validators(self, url: str, etag: str | None, last_modified: str | None, now: datetime) -> None:
        http_cache.put(self._db, url, etag, last_modified, now)

    # -- articles ----------------------------------------------------------------------
    @_in_unit
    def find_article(self, fp: Fingerprint) -> ExactHit | None:
        self._hold_placement()
        return articles.find(self._db, fp)

    @_in_unit
    def near_candidates(
        self, hashes: tuple[int, ...], published: datetime, window: timedelta, now: datetime
    ) -> tuple[tuple[str, str, str, str], ...]:
        """(uid, story_id, source, text) of each article sharing an LSH band with ``hashes``
        (store/bands.py), published within ``window`` of ``published`` and seen within it before ``now``."""
        self._hold_placement()
        return bands.candidates(self._db, hashes, iso(published - window), iso(published + window), iso(now - window))

    def _hold_placement(self) -> None:
        if not self._placing:
            self._lock_placement(self._db)
            self._placing = True

    @_in_unit
    def set_bands(self, uid: str, hashes: tuple[int, ...], published: datetime, seen: datetime) -> None:
        """The article's LSH band hashes from now on (none: it leaves the near-duplicate index)."""
        bands.put(self._db, uid, hashes, iso(published), iso(seen))

    @_in_unit
    def expire_bands(self, before: datetime) -> int:
        """Forget the band hashes of articles seen before ``before`` (a dedup window ago)."""
        return bands.expire(self._db, iso(before))

    @_in_unit
    def insert_article(
        self,
        uid: str,
        article: Article,
        fp: Fingerprint,
        now: datetime,
        *,
        story_id: str = "",
        joined: str = "",
        sig: bytes = b"",
    ) -> None:
        """A new article; with no ``story_id`` it starts its own story (id = its uid)."""
        articles.insert(self._db, uid, article, fp, now, story_id, joined, sig)
        if not story_id:
            stories.create(self._db, uid, article.published, max(article.updated, article.published), now)

    @_in_unit
    def update_article(self, uid: str, article: Article, fp: Fingerprint, sig: bytes, now: datetime) -> None:
        articles.update(self._db, uid, article, fp, sig, now)

    @_in_unit
    def set_statements(self, uid: str, aliases: str, found: tuple[Statement, ...]) -> None:
        """Replace the article's statements with ``found``, extracted from its current text
        with the aliases whose signature is ``aliases``."""
        statements.replace(self._db, uid, aliases, found)

    @_in_unit
    def set_signature(self, uid: str, sig: bytes) -> None:
        articles.set_signature(self._db, uid, sig)

    @_in_unit
    def touch_article(self, uid: str, now: datetime, updated: datetime | None = None) -> None:
        articles.touch(self._db, uid, now, updated)
        story_id = stories.story_of(self._db, uid)
        if story_id:
            stories.touch(self._db, story_id, now)

    @_in_unit
    def add_item_keys(self, source: str, keys: Iterable[str], uid: str, now: datetime) -> None:
        articles.add_keys(self._db, source, keys, uid, now)

    @_in_unit
    def delete_expired(self, cutoff: datetime, keep_newest: int, forget_keys_before: datetime) -> int:
        """Retention's deletes (see articles.prune); returns the articles deleted."""
        deleted = articles.prune(self._db, cutoff, keep_newest, forget_keys_before)
        deliveries.prune(self._db, cutoff)  # delivered and dead rows; pending ones wait
        hosts.prune(self._db, cutoff.timestamp())  # hosts not asked since, pauses long over
        return deleted

    # -- stories -----------------------------------------------------------------------
    @_in_unit
    def story_members(self, story_id: str) -> tuple[StoryMember, ...]:
        return stories.members(self._db, story_id)

    @_in_unit
    def set_story(
        self, story_id: str, representative: str, published: datetime, updated: datetime | None, now: datetime
    ) -> None:
        stories.set_story(self._db, story_id, representative, published, updated, now)

    # -- templates ---------------------------------------------------------------------
    @_in_unit
    def save_template(self, source: str, data: str, now: datetime) -> None:
        templates.put(self._db, source, data, now)

    # -- topics ------------------------------------------------------------------------
    @_in_unit
    def add_topics(self, uid: str, story_id: str, names: tuple[str, ...], now: datetime) -> None:
        """An article's topics; its story joins them too (and is pushed to those with a webhook)."""
        before = self._pushed_feeds(story_id, names)
        topics.add(self._db, uid, names, now)
        stories.add_topics(self._db, story_id, names)
        self._push_new_entries(story_id, before, now)

    @_in_unit
    def set_article_topics(self, uid: str, story_id: str, names: tuple[str, ...], now: datetime) -> None:
        """An edited article's topics, decided again; its story's topics follow."""
        before = self._pushed_feeds(story_id, names)
        topics.set_for_article(self._db, uid, names, now)
        stories.refresh_topics(self._db, story_id)
        self._push_new_entries(story_id, before, now)

    def _pushed_feeds(self, story_id: str, names: tuple[str, ...]) -> frozenset[str] | None:
        """The story's topics before a change, or None when the change cannot push anything
        (no topic of ``names`` has a webhook): then no query is spent on it."""
        if self._push_topics.isdisjoint(names):
            return None
        return stories.topics_of(self._db, story_id)

    @_in_unit
    def enqueue(self, topic: str, kind: str, entries: Iterable[str], now: datetime) -> int:
        """Outbox rows for entries the caller decided are new to ``topic`` (a statements
        topic's statements, placement.py); one already announced is not announced again."""
        added = sum(deliveries.enqueue(self._db, (topic,), kind, entry, now) for entry in entries)
        if added:
            self._enqueued.set()
        return added

    def _push_new_entries(self, story_id: str, before: frozenset[str] | None, now: datetime) -> None:
        """An outbox row for each webhook topic the story just entered. A story already
        announced to a topic is not announced again (edits and joins are not pushed)."""
        if before is None:
            return
        entered = (stories.topics_of(self._db, story_id) - before) & self._push_topics
        if entered and deliveries.enqueue(self._db, sorted(entered), "story", story_id, now):
            self._enqueued.set()

    @_in_unit
    def replace_topic(self, topic: str, rule: str, uids: Iterable[str], now: datetime) -> None:
        topics.replace(self._db, topic, rule, uids, now)
        stories.rebuild_topic(self._db, topic)

    @_in_unit
    def drop_topic(self, topic: str) -> int:
        """A topic removed from the config leaves the store; returns how many stories it listed."""
        deliveries.drop(self._db, topic)
        return topics.drop(self._db, topic)

    # -- webhook outbox ----------------------------------------------------------------
    @_in_unit
    def set_delivery_body(self, delivery_id: int, body: bytes) -> None:
        deliveries.set_body(self._db, delivery_id, body)

    @_in_unit
    def record_delivery(
        self, delivery_id: int, status: DeliveryStatus, error: str | None, next_try: datetime, now: datetime
    ) -> None:
        deliveries.record(self._db, delivery_id, status, error, next_try, now)
