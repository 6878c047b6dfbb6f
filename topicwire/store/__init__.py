"""The store: the only place with SQL.

One ``Store`` wraps one backend (store/backend.py): SQLite, a file path (store/sqlite.py),
or PostgreSQL, a ``postgresql://`` URL (store/postgres.py); ``Store.open`` chooses by what
it is given, and nothing outside this package knows which. The Store offers reads, its
lifecycle (open, close, ping, backup, prune) and ``transaction()``; it has no write method
(but ``hosts``, the per-host politeness workers share, whose calls are short units of their own).
Every write is a method of the ``Transaction`` that ``with store.transaction() as tx:``
yields (store/transaction.py), usable only inside that block and only by its thread: a
write outside a unit cannot be made. ``transaction()`` also serialises this process's
writers: on SQLite each is a unit of a group commit (db.GroupCommit), committed at once
unless another writer is waiting; on PostgreSQL each is one transaction. Reads see what
units wrote before it is committed on SQLite; ``committed()`` reads only what a crash
cannot lose, on both. The entity modules (``sources``, ``http_cache``, ``articles``,
``topics``...) hold the SQL, one text for both databases (store/dialect.py); this facade
gives the rest of topicwire typed methods and no cursors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from topicwire.clock import EPOCH
from topicwire.errors import StoreError
from topicwire.store import (
    articles,
    bands,
    deliveries,
    feed_files,
    hosts,
    http_cache,
    postgres,
    sources,
    sqlite,
    statements,
    stories,
    templates,
    topics,
    workers,
)
from topicwire.store.backend import Backend, Probe, is_url, redact
from topicwire.store.codec import from_iso, iso, text
from topicwire.store.dialect import DB
from topicwire.store.transaction import Transaction
from topicwire.store.workers import Worker
from topicwire.types import (
    Delivery,
    DeliveryState,
    ExactHit,
    Fingerprint,
    MatchDoc,
    SourceState,
    Statement,
    StoredArticle,
    StoredStory,
)

__all__ = ["Probe", "Store", "Transaction", "Worker", "probe", "redact"]


def probe(where: Path | str) -> Probe:
    """What the store at ``where`` is (backend, server and schema versions), without
    creating or migrating anything (``topicwire check``); StoreError naming the failure."""
    return postgres.probe(str(where)) if is_url(where) else sqlite.probe(Path(where))


class Store:
    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.location = backend.location  # the path, or the URL without its password
        self.backend = "PostgreSQL" if is_url(self.location) else "SQLite"
        # Topics with a webhook (set from the config): a story entering one of their feeds
        # gets an outbox row in the same transaction (Transaction.add_topics). `enqueued`
        # wakes the delivery worker.
        self.push_topics: frozenset[str] = frozenset()
        self.enqueued = threading.Event()
        # Per-host politeness every worker shares (store/hosts.py): its calls are short units
        # of their own, outside the order of transaction(), so a fetch never waits on a save.
        # Wired to the fetcher's limiter only when the store is ``shared`` (PostgreSQL).
        self.hosts = hosts.HostBoard(backend)

    @classmethod
    def open(cls, where: Path | str, now: datetime, pool_size: int = postgres.POOL_SIZE) -> Store:
        """A SQLite file (a path; created with its folder) or a PostgreSQL database (a
        ``postgresql://`` URL, with at most ``pool_size`` connections), migrated to this
        version's schema."""
        if is_url(where):
            return cls(postgres.PostgresBackend.open(str(where), iso(now), pool_size))
        return cls(sqlite.SqliteBackend.open(Path(where), iso(now)))

    def close(self) -> None:
        self._backend.close()

    @contextmanager
    def committed(self) -> Iterator[Store]:
        """Reads that see only committed data: what waits for a group commit is committed
        first, and no writer adds to it until the block ends (a publish: feeds never show
        what a crash could still lose)."""
        with self._backend.committed():
            yield self

    def created(self) -> datetime:
        """When the store was made (its first migration): stable for its whole life."""
        with self._read() as db:
            row = db.execute("SELECT applied FROM schema_version ORDER BY version LIMIT 1").fetchone()
        created = from_iso(row[0] if row else None)
        if created is None:
            raise StoreError(f"store {self.location} has no schema_version rows")
        return created

    def size_bytes(self) -> int:
        """SQLite: the database with its WAL and shared-memory files, as on disk;
        PostgreSQL: pg_database_size."""
        try:
            return self._backend.size_bytes()
        except self._backend.errors as e:
            raise StoreError(f"store read failed: {e}") from e

    @property
    def shared(self) -> bool:
        """Several daemons may use this store at once (PostgreSQL)."""
        return self._backend.shared

    def exclusive(self, name: str) -> AbstractContextManager[bool]:
        """Whether this process holds ``name``'s lock among every user of the store, for the
        block; never waits (False: another daemon holds it). SQLite: always True."""
        return self._backend.exclusive(name)

    def feed_file_digests(self) -> dict[str, str]:
        with self._read() as db:
            return feed_files.digests(db)

    def feed_file(self, name: str) -> bytes | None:
        with self._read() as db:
            return feed_files.data(db, name)

    def ping(self) -> bool:
        """Does the database answer? (watchdog and /healthz)"""
        return self._backend.ping()

    def prune(self, cutoff: datetime, keep_newest: int, forget_keys_before: datetime) -> tuple[int, bool]:
        """Retention: delete old articles (see articles.prune); on SQLite, VACUUM if
        worthwhile (PostgreSQL's autovacuum does it there). Returns (articles deleted, vacuumed)."""
        with self.transaction() as tx:
            deleted = tx.delete_expired(cutoff, keep_newest, forget_keys_before)
        vacuumed = self._backend.vacuum_if_worthwhile() if deleted else False
        return deleted, vacuumed

    def backup(self, target: Path) -> None:
        """SQLite: a consistent online copy (the backup API), written to a temp file then
        renamed. PostgreSQL: refused with a pointer to pg_dump."""
        self._backend.backup(target)

    def transaction(self) -> AbstractContextManager[Transaction]:
        """One write unit, all or nothing; on SQLite committed at once, or with the units of
        the writers waiting behind it (group commit). The Transaction it yields carries every
        write and is dead once the block ends."""
        return self._writes(self._backend.unit)

    def side_transaction(self) -> AbstractContextManager[Transaction]:
        """A short write unit on a connection of its own, not queued behind this process's
        units (PostgreSQL; on SQLite, whose one writer orders everything, an ordinary unit):
        for the few writes that must land while polls' saves queue up, each waiting for
        another worker's placement: the leases of running polls, the heartbeat, claims and
        releases. Its writes touch only this worker's own rows (a claim passes over rows
        another transaction holds), so it never waits on another worker for long."""
        return self._writes(self._backend.solo)

    @contextmanager
    def _writes(self, opener: Callable[[], AbstractContextManager[DB]]) -> Iterator[Transaction]:
        try:
            with opener() as db:
                tx = Transaction(db, self.push_topics, self.enqueued, self._backend.lock_placement)
                try:
                    yield tx
                finally:
                    tx.end()
        except self._backend.errors as e:
            raise StoreError(f"store write failed: {e}") from e

    @contextmanager
    def _read(self) -> Iterator[DB]:
        # Getting the connection fails too when the database is away (PostgreSQL's pool).
        try:
            with self._backend.read() as db:
                yield db
        except self._backend.errors as e:
            raise StoreError(f"store read failed: {e}") from e

    # -- sources ---------------------------------------------------------------------
    def source_states(self, names: tuple[str, ...]) -> tuple[SourceState, ...]:
        with self._read() as db:
            return sources.states(db, names)

    def any_due(self, now: datetime, skip: tuple[str, ...] = ()) -> bool:
        """Whether a source but ``skip`` is due by ``now`` (see Transaction.claim_due): an
        idle scheduler tick reads this and writes nothing."""
        with self._read() as db:
            return sources.first_due(db, iso(now - timedelta(seconds=1)), skip)

    def source_state(self, name: str) -> SourceState | None:
        """Without the article count (``articles`` is -1): this is read on every poll."""
        with self._read() as db:
            return sources.state(db, name)

    # -- workers -----------------------------------------------------------------------
    def workers(self) -> tuple[Worker, ...]:
        """The daemons sharing the store (their heartbeats) and the sources each has claimed."""
        with self._read() as db:
            return workers.listed(db)

    # -- HTTP validators ---------------------------------------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None]:
        with self._read() as db:
            return http_cache.get(db, url)

    # -- articles ----------------------------------------------------------------------
    def known_items(self, source: str, keys: Iterable[str]) -> frozenset[str]:
        with self._read() as db:
            return articles.known_keys(db, source, keys)

    def known_item_times(self, source: str, keys: Iterable[str]) -> dict[str, datetime | None]:
        """Known keys of ``source``, each with its stored article's updated time (None if pruned)."""
        with self._read() as db:
            return articles.key_times(db, source, list(keys))

    def find_article(self, fp: Fingerprint) -> ExactHit | None:
        with self._read() as db:
            return articles.find(db, fp)

    def near_texts(self, uids: tuple[str, ...]) -> tuple[tuple[str, str, str, str], ...]:
        with self._read() as db:
            return articles.near_texts(db, uids)

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

    def unindexed_signatures(self, since: datetime) -> list[tuple[str, bytes | None, str, datetime, datetime]]:
        """(uid, MinHash or None, text if no MinHash, published, first_seen) of the articles first
        seen since ``since`` that the near-duplicate index lacks (store/bands.py)."""
        with self._read() as db:
            # text(): whatever type SQLite holds (issue 13); placement.load checks the signature.
            return [
                (uid, sig, text(body), from_iso(p), from_iso(f))  # type: ignore[misc]
                for uid, sig, body, p, f in bands.unindexed_since(db, iso(since))
            ]

    def near_indexed(self, since: datetime) -> int:
        """How many articles seen since ``since`` the near-duplicate index holds."""
        with self._read() as db:
            return bands.indexed(db, iso(since))

    def has_article_url(self, url: str, other_than: str = "") -> bool:
        """Is a page stored under this canonical URL (by a source other than ``other_than``)?"""
        with self._read() as db:
            return articles.has_url(db, url, other_than)

    # -- stories -----------------------------------------------------------------------
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

    # -- topics ------------------------------------------------------------------------
    def topic_rule(self, topic: str) -> str | None:
        with self._read() as db:
            return topics.rule(db, topic)

    def topic_names(self) -> tuple[str, ...]:
        """Every topic with rows in the store, configured or not (any more)."""
        with self._read() as db:
            return topics.names(db)

    # -- webhook outbox ----------------------------------------------------------------
    def due_deliveries(self, topic: str, now: datetime, limit: int) -> tuple[Delivery, ...]:
        """Committed rows only: a webhook never announces what a crash could still lose."""
        with self.committed(), self._read() as db:
            return deliveries.due(db, topic, now, limit)

    def next_delivery(self, topics: Iterable[str]) -> datetime | None:
        with self._read() as db:
            return deliveries.next_due(db, topics)

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
