"""The store: the only place with SQL.

One ``Store`` wraps one connection; writes go through ``transaction()``, which
also serialises writers (one writer, WAL readers): each is a unit of a group
commit (db.GroupCommit), committed at once unless another writer is waiting. The entity modules
(``sources``, ``http_cache``, ``articles``, ``topics``) hold the SQL; this
facade gives the rest of topicwire typed methods and no cursors.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from topicwire.clock import EPOCH
from topicwire.errors import StoreError
from topicwire.store import articles, deliveries, http_cache, schema, sources, statements, stories, templates, topics
from topicwire.store.codec import from_iso, iso, text
from topicwire.store.db import GroupCommit, connect, vacuum_if_worthwhile
from topicwire.types import (
    Article,
    Delivery,
    DeliveryState,
    ExactHit,
    Fingerprint,
    MatchDoc,
    PollOutcome,
    SourceState,
    Statement,
    StoredArticle,
    StoredStory,
    StoryMember,
)


class Store:
    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = threading.RLock()
        self._writes = GroupCommit(db)
        self._waiting_lock = threading.Lock()
        # Topics with a webhook (set from the config): a story entering one of their feeds
        # gets an outbox row in the same transaction. `enqueued` wakes the delivery worker.
        self.push_topics: frozenset[str] = frozenset()
        self.enqueued = threading.Event()

    @classmethod
    def open(cls, path: Path, now: datetime) -> Store:
        db = connect(path)
        try:
            schema.migrate(db, iso(now))
        except sqlite3.Error as e:
            db.close()
            raise StoreError(f"cannot migrate store {path}: {e}") from e
        except StoreError:
            db.close()
            raise
        return cls(db, path)

    def close(self) -> None:
        with self._lock:
            try:
                self._writes.settle(force=True)
            finally:
                self._db.close()

    @contextmanager
    def committed(self) -> Iterator[Store]:
        """Reads that see only committed data: what waits for a group commit is committed
        first, and no writer adds to it until the block ends (a publish: feeds never show
        what a crash could still lose)."""
        with self._lock:
            self._writes.settle(force=True)
            yield self

    def created(self) -> datetime:
        """When the store was made (its first migration): stable for its whole life."""
        with self._lock:
            row = self._db.execute("SELECT applied FROM schema_version ORDER BY version LIMIT 1").fetchone()
        created = from_iso(row[0] if row else None)
        if created is None:
            raise StoreError(f"store {self.path} has no schema_version rows")
        return created

    def size_bytes(self) -> int:
        """The database with its WAL and shared-memory files, as on disk."""
        files = self.path.parent.glob(self.path.name + "*")
        return sum(p.stat().st_size for p in files if p.is_file() and not p.name.endswith(".lock"))

    def ping(self) -> bool:
        """Does the database answer? (watchdog and /healthz)"""
        try:
            with self._lock:
                self._db.execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def prune(self, cutoff: datetime, keep_newest: int, forget_keys_before: datetime) -> tuple[int, bool]:
        """Retention: delete old articles (see articles.prune); VACUUM if worthwhile.
        Returns (articles deleted, vacuumed)."""
        with self.transaction():
            deleted = articles.prune(self._db, cutoff, keep_newest, forget_keys_before)
            deliveries.prune(self._db, cutoff)  # delivered and dead rows; pending ones wait
        with self._lock:
            self._writes.settle(force=True)  # VACUUM cannot run inside a transaction
            try:
                vacuumed = vacuum_if_worthwhile(self._db) if deleted else False
            except sqlite3.Error as e:
                raise StoreError(f"vacuum failed: {e}") from e
        return deleted, vacuumed

    def backup(self, target: Path) -> None:
        """A consistent online copy (SQLite's backup API), written to a temp file then renamed."""
        temp = target.with_name(f".{target.name}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temp.unlink(missing_ok=True)
            copy = sqlite3.connect(temp)
            try:
                with self._lock:
                    self._writes.settle(force=True)  # the copy holds what is committed
                    self._db.backup(copy)
            finally:
                copy.close()
            os.replace(temp, target)
        except (OSError, sqlite3.Error, StoreError) as e:
            with suppress(OSError):  # the temp file may never have been made (no folder to make it in)
                temp.unlink(missing_ok=True)
            raise StoreError(f"backup to {target} failed: {e}") from e

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write unit, all or nothing; committed at once, or with the units of the
        writers waiting behind it (group commit)."""
        with self._lock_for_writing():
            try:
                with self._writes.unit():
                    yield self
            except sqlite3.Error as e:
                raise StoreError(f"store write failed: {e}") from e

    @contextmanager
    def _lock_for_writing(self) -> Iterator[None]:
        with self._waiting_lock:  # not the store's lock: the writer holding it must see us
            self._writes.waiting += 1
        try:
            self._lock.acquire()
        finally:  # also when a signal handler raises in acquire (Ctrl-C)
            with self._waiting_lock:
                self._writes.waiting -= 1
        try:
            yield
        finally:
            self._lock.release()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as e:
                raise StoreError(f"store read failed: {e}") from e

    # -- sources ---------------------------------------------------------------------
    def sync_sources(self, rows: tuple[tuple[str, str, str], ...]) -> None:
        with self.transaction():
            sources.sync(self._db, rows)

    def record_poll(self, outcome: PollOutcome, now: datetime) -> None:
        sources.record_poll(self._db, outcome, now)

    def source_states(self, names: tuple[str, ...]) -> tuple[SourceState, ...]:
        with self._read() as db:
            return sources.states(db, names)

    def source_state(self, name: str) -> SourceState | None:
        """Without the article count (``articles`` is -1): this is read on every poll."""
        with self._read() as db:
            return sources.state(db, name)

    # -- HTTP validators ---------------------------------------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None]:
        with self._read() as db:
            return http_cache.get(db, url)

    def save_validators(self, url: str, etag: str | None, last_modified: str | None, now: datetime) -> None:
        http_cache.put(self._db, url, etag, last_modified, now)

    # -- articles ----------------------------------------------------------------------
    def known_items(self, source: str, keys: Iterable[str]) -> frozenset[str]:
        with self._read() as db:
            return articles.known_keys(db, source, keys)

    def known_item_times(self, source: str, keys: Iterable[str]) -> dict[str, datetime | None]:
        """Known keys of ``source``, each with its stored article's updated time (None if pruned)."""
        with self._read() as db:
            return articles.key_times(db, source, list(keys))

    def find_article(self, fp: Fingerprint) -> ExactHit | None:
        return articles.find(self._db, fp)

    def near_texts(self, uids: tuple[str, ...]) -> tuple[tuple[str, str, str, str], ...]:
        return articles.near_texts(self._db, uids)

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

    def update_article(self, uid: str, article: Article, fp: Fingerprint, sig: bytes, now: datetime) -> None:
        articles.update(self._db, uid, article, fp, sig, now)

    def set_statements(self, uid: str, aliases: str, found: tuple[Statement, ...]) -> None:
        """Replace the article's statements with ``found``, extracted from its current text
        with the aliases whose signature is ``aliases``."""
        statements.replace(self._db, uid, aliases, found)

    def statements_of(self, uids: list[str]) -> dict[str, tuple[Statement, ...]]:
        with self._read() as db:
            return statements.of_articles(db, uids)

    def stale_statements(self, aliases: str, limit: int) -> list[tuple[str, str]]:
        """(uid, text) of up to ``limit`` articles, newest first, whose statements are missing
        or were extracted with other aliases."""
        with self._read() as db:
            return list(statements.stale(db, aliases, limit))

    def statements_by_alias(
        self, alias: str, since: datetime | None, limit: int
    ) -> list[tuple[Statement, str, str, str, str, datetime]]:
        """(statement, article uid, story id, url, source, published) of the speaker alias's
        statements, newest article first, in articles published since ``since``."""
        with self._read() as db:
            rows = statements.by_alias(db, alias, iso(since) if since else "", limit)
        # An unreadable stored date reads as the epoch, as everywhere else in the store (issue 13).
        return [(s, uid, story, url, source, from_iso(when) or EPOCH) for s, uid, story, url, source, when in rows]

    def statements_source(self, uid: str) -> tuple[str, int, str] | None:
        with self._read() as db:
            return statements.source(db, uid)

    def set_signature(self, uid: str, sig: bytes) -> None:
        articles.set_signature(self._db, uid, sig)

    def recent_signatures(self, since: datetime) -> list[tuple[str, bytes | None, str, datetime, datetime]]:
        """(uid, MinHash or None, text if no MinHash, published, first_seen) of articles seen since ``since``."""
        with self._read() as db:
            # text(): whatever type SQLite holds (issue 13); placement.load checks the signature.
            return [
                (uid, sig, text(body), from_iso(p), from_iso(f))  # type: ignore[misc]
                for uid, sig, body, p, f in articles.signatures_since(db, since)
            ]

    def has_article_url(self, url: str, other_than: str = "") -> bool:
        """Is a page stored under this canonical URL (by a source other than ``other_than``)?"""
        with self._read() as db:
            return articles.has_url(db, url, other_than)

    def touch_article(self, uid: str, now: datetime, updated: datetime | None = None) -> None:
        articles.touch(self._db, uid, now, updated)
        story_id = stories.story_of(self._db, uid)
        if story_id:
            stories.touch(self._db, story_id, now)

    # -- stories -----------------------------------------------------------------------
    def story_members(self, story_id: str) -> tuple[StoryMember, ...]:
        return stories.members(self._db, story_id)

    def set_story(
        self, story_id: str, representative: str, published: datetime, updated: datetime | None, now: datetime
    ) -> None:
        stories.set_story(self._db, story_id, representative, published, updated, now)

    def story(self, ref: str) -> StoredStory | None:
        """A story by its id, or the story of an article given by uid or canonical URL."""
        with self._read() as db:
            story_id = stories.story_of(db, ref)
            if story_id is None:
                found = articles.get_by_url(db, ref)
                story_id = found.story_id if found else ref
            got = stories.get_many(db, [story_id])
            return got[0] if got else None

    def story_count(self) -> int:
        with self._read() as db:
            return stories.count(db)

    def add_item_keys(self, source: str, keys: Iterable[str], uid: str, now: datetime) -> None:
        articles.add_keys(self._db, source, keys, uid, now)

    def article(self, uid: str) -> StoredArticle | None:
        """One article with its topics."""
        with self._read() as db:
            found = articles.get(db, uid)
            return replace(found, topics=topics.of(db, uid)) if found else None

    def article_by_url(self, url: str) -> StoredArticle | None:
        """The first stored article with this canonical URL, with its topics."""
        with self._read() as db:
            found = articles.get_by_url(db, url)
            return replace(found, topics=topics.of(db, found.uid)) if found else None

    def source_articles(self, source: str, limit: int) -> tuple[StoredArticle, ...]:
        """``source``'s ``limit`` most recently stored articles, newest first, with their topics."""
        with self._read() as db:
            found = articles.newest_of_source(db, source, limit)
            held = topics.of_many(db, [a.uid for a in found])
            return tuple(replace(a, topics=held.get(a.uid, ())) for a in found)

    def article_count(self) -> int:
        with self._read() as db:
            return articles.count(db)

    def method_counts(self) -> dict[str, int]:
        with self._read() as db:
            return articles.counts_by_method(db)

    def match_docs(self) -> tuple[tuple[str, MatchDoc], ...]:
        with self._read() as db:
            return tuple(articles.match_docs(db))

    # -- templates ---------------------------------------------------------------------
    def template(self, source: str) -> str | None:
        with self._read() as db:
            return templates.get(db, source)

    def save_template(self, source: str, data: str, now: datetime) -> None:
        templates.put(self._db, source, data, now)

    # -- topics ------------------------------------------------------------------------
    def add_topics(self, uid: str, story_id: str, names: tuple[str, ...], now: datetime) -> None:
        """An article's topics; its story joins them too (and is pushed to those with a webhook)."""
        before = self._pushed_feeds(story_id, names)
        topics.add(self._db, uid, names, now)
        stories.add_topics(self._db, story_id, names)
        self._push_new_entries(story_id, before, now)

    def set_article_topics(self, uid: str, story_id: str, names: tuple[str, ...], now: datetime) -> None:
        """An edited article's topics, decided again; its story's topics follow."""
        before = self._pushed_feeds(story_id, names)
        topics.set_for_article(self._db, uid, names, now)
        stories.refresh_topics(self._db, story_id)
        self._push_new_entries(story_id, before, now)

    def _pushed_feeds(self, story_id: str, names: tuple[str, ...]) -> frozenset[str] | None:
        """The story's topics before a change, or None when the change cannot push anything
        (no topic of ``names`` has a webhook): then no query is spent on it."""
        if self.push_topics.isdisjoint(names):
            return None
        return stories.topics_of(self._db, story_id)

    def _push_new_entries(self, story_id: str, before: frozenset[str] | None, now: datetime) -> None:
        """An outbox row for each webhook topic the story just entered. A story already
        announced to a topic is not announced again (edits and joins are not pushed)."""
        if before is None:
            return
        entered = (stories.topics_of(self._db, story_id) - before) & self.push_topics
        if entered and deliveries.enqueue(self._db, sorted(entered), "story", story_id, now):
            self.enqueued.set()

    def topic_rule(self, topic: str) -> str | None:
        with self._read() as db:
            return topics.rule(db, topic)

    def replace_topic(self, topic: str, rule: str, uids: Iterable[str], now: datetime) -> None:
        topics.replace(self._db, topic, rule, uids, now)
        stories.rebuild_topic(self._db, topic)

    def topic_names(self) -> tuple[str, ...]:
        """Every topic with rows in the store, configured or not (any more)."""
        with self._read() as db:
            return topics.names(db)

    def drop_topic(self, topic: str) -> int:
        """A topic removed from the config leaves the store; returns how many stories it listed."""
        deliveries.drop(self._db, topic)
        return topics.drop(self._db, topic)

    # -- webhook outbox ----------------------------------------------------------------
    def due_deliveries(self, topic: str, now: datetime, limit: int) -> tuple[Delivery, ...]:
        """Committed rows only: a webhook never announces what a crash could still lose."""
        with self.committed(), self._read() as db:
            return deliveries.due(db, topic, now, limit)

    def next_delivery(self, topics: Iterable[str]) -> datetime | None:
        with self._read() as db:
            return deliveries.next_due(db, topics)

    def set_delivery_body(self, delivery_id: int, body: bytes) -> None:
        with self.transaction():
            deliveries.set_body(self._db, delivery_id, body)

    def record_delivery(
        self, delivery_id: int, status: str, error: str | None, next_try: datetime, now: datetime
    ) -> None:
        with self.transaction():
            deliveries.record(self._db, delivery_id, status, error, next_try, now)

    def delivery_states(self) -> tuple[DeliveryState, ...]:
        with self._read() as db:
            return deliveries.states(db)

    def dead_deliveries(self, limit: int) -> tuple[tuple[str, str, str, int, datetime | None, str], ...]:
        with self._read() as db:
            return deliveries.dead(db, limit)

    def topic_story_ids(self, topic: str, limit: int) -> list[str]:
        """The ids of the topic's newest ``limit`` stories, newest first."""
        with self._read() as db:
            return stories.topic_story_ids(db, topic, limit)

    def stories(self, ids: list[str]) -> tuple[StoredStory, ...]:
        """Whole stories, in the order given (unknown ids left out)."""
        with self._read() as db:
            return stories.get_many(db, ids)

    def topic_entries(self, topic: str, limit: int) -> tuple[StoredStory, ...]:
        """The topic's newest ``limit`` stories, newest first."""
        with self._read() as db:
            return stories.get_many(db, stories.topic_story_ids(db, topic, limit))
