"""The store: migrations, version check, article keys, topic membership, atomicity."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import pytest

from topicwire.dedup.fingerprint import article_uid, fingerprint
from topicwire.errors import StoreError
from topicwire.store import Store
from topicwire.store.schema import VERSION
from topicwire.store.sqlite import SqliteBackend
from topicwire.types import Article, DedupAction, DeliveryStatus, PollOutcome, PollStatus

NOW = datetime(2024, 11, 14, 17, 8, tzinfo=UTC)
TEXT = " ".join(f"word{i}" for i in range(40))


def article(n: int, **changes: object) -> Article:
    base = Article(
        source="s",
        guid=f"g{n}",
        url=f"https://news.test/{n}",
        title=f"Title {n}",
        text=f"{TEXT} {n}",
        html=f"<p>{TEXT} {n}</p>",
        summary="sum",
        published=NOW + timedelta(minutes=n),
        updated=NOW + timedelta(minutes=n),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def store(store_at: Path | str) -> Iterator[Store]:
    """The store on each backend (conftest.store_at: ids "sqlite" and "postgres")."""
    s = open_store(store_at)
    yield s
    s.close()


def open_store(where: Path | str) -> Store:
    s = Store.open(where, NOW)
    with s.transaction() as tx:  # the topics these tests use, registered as Upkeep.prepare does
        for topic in ("a", "b", "t"):
            tx.replace_topic(topic, f"rule {topic}", [], NOW)
    return s


def save(store: Store, a: Article, topics: tuple[str, ...] = ()) -> str:
    fp = fingerprint(a)
    uid = article_uid(fp)
    with store.transaction() as tx:
        tx.insert_article(uid, a, fp, NOW)
        tx.add_topics(uid, uid, topics, NOW)
        tx.add_item_keys(a.source, (a.guid, a.url), uid, NOW)
    return uid


def test_open_creates_folder_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "t.sqlite3"
    Store.open(path, NOW).close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    Store.open(path, NOW).close()  # reopening applies nothing twice


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    Store.open(path, NOW).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (?, 'x')", (VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer than this topicwire"):
        Store.open(path, NOW)


def test_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        Store.open(path, NOW)


@pytest.mark.parametrize(
    ("other", "reason"),
    [
        (article(2, guid="g1"), "guid"),
        (article(2, url="https://news.test/1"), "url"),
        (article(2, source="other", text=f"{TEXT} 1"), "text"),
    ],
    ids=["same-guid", "same-url", "same-text-other-source"],
)
def test_find_by_each_key(store: Store, other: Article, reason: str) -> None:
    uid = save(store, article(1))
    hit = store.find_article(fingerprint(other))
    assert hit is not None and (hit.uid, hit.reason, hit.story_id, hit.source) == (uid, reason, uid, "s")


def test_different_article_is_not_found(store: Store) -> None:
    save(store, article(1))
    assert store.find_article(fingerprint(article(2))) is None


def test_known_items(store: Store) -> None:
    save(store, article(1))
    keys = ["g1", "https://news.test/1", "g2"] + [f"k{i}" for i in range(1200)]
    assert store.known_items("s", keys) == {"g1", "https://news.test/1"}
    assert store.known_items("other", keys) == frozenset()


def test_topic_entries_newest_first_with_all_topics(store: Store) -> None:
    uids = [save(store, article(n), ("a", "b") if n % 2 else ("a",)) for n in range(5)]
    entries = store.topic_entries("a", 3)
    assert [e.id for e in entries] == [uids[4], uids[3], uids[2]]
    assert entries[1].topics == ("a", "b")
    assert entries[0].published.tzinfo is not None
    assert [e.id for e in store.topic_entries("b", 10)] == [uids[3], uids[1]]


def test_removed_topic_leaves_the_store_and_stays_out(store: Store) -> None:
    u1 = save(store, article(1), ("a", "b"))
    assert store.topic_names() == ("a", "b", "t")
    with store.transaction() as tx:
        assert tx.drop_topic("b") == 1
    assert store.topic_names() == ("a", "t")
    assert store.topic_entries("b", 10) == () and store.topic_entries("a", 10)[0].topics == ("a",)
    assert store.article(u1).topics == ("a",)  # type: ignore[union-attr]
    # A poll that matched its articles before the topic was removed cannot bring it back.
    u2 = save(store, article(2), ("a", "b"))
    assert store.article(u2).topics == ("a",)  # type: ignore[union-attr]
    assert [s.topics for s in store.topic_entries("a", 10)] == [("a",), ("a",)]


def test_replace_topic(store: Store) -> None:
    u1, u2 = save(store, article(1), ("t",)), save(store, article(2))
    with store.transaction() as tx:
        tx.replace_topic("t", "rule v2", [u2], NOW)
    assert [e.id for e in store.topic_entries("t", 10)] == [u2]
    assert store.topic_rule("t") == "rule v2" and u1


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    a = article(1)
    fp = fingerprint(a)
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.insert_article(article_uid(fp), a, fp, NOW)
        raise RuntimeError("crash in the middle of a poll")
    assert store.article_count() == 0


def test_poll_records(store: Store) -> None:
    with store.transaction() as tx:
        tx.sync_sources((("s", "https://news.test/rss", "feed"), ("t", "https://x.test/", "auto")))
    with store.transaction() as tx:
        tx.record_poll(PollOutcome("s", "error", error="HTTP 500"), NOW)
        tx.record_poll(PollOutcome("s", "error", error="HTTP 503"), NOW)
        tx.record_poll(PollOutcome("t", "ok", title="T"), NOW)
    save(store, article(1))
    s, t = store.source_states(("s", "t"))
    assert (s.status, s.error, s.error_count, s.articles, s.last_success) == (
        "error",
        "HTTP 503",
        2,
        1,
        None,
    )
    assert (t.status, t.error_count, t.title, t.last_success) == ("ok", 0, "T", NOW)


@pytest.mark.parametrize(
    ("enum", "texts"),
    [
        (PollStatus, ["ok", "not_modified", "error", "retired", "deferred"]),
        (DedupAction, ["new", "duplicate", "update", "join"]),
        (DeliveryStatus, ["pending", "delivered", "dead"]),
    ],
    ids=["poll", "dedup", "delivery"],
)
def test_statuses_are_their_text(enum: type[StrEnum], texts: list[str]) -> None:
    """Store rows, log lines, the JSON API and metrics labels hold these texts (issue 15 point 7)."""
    assert [str(m) for m in enum] == [f"{m}" for m in enum] == texts
    assert json.dumps(list(enum)) == json.dumps(texts)


def test_a_status_is_stored_as_text(store: Store) -> None:
    with store.transaction() as tx:
        tx.sync_sources((("s", "https://news.test/rss", "feed"),))
        tx.record_poll(PollOutcome("s", PollStatus.NOT_MODIFIED), NOW)
    sqlite = isinstance(store._backend, SqliteBackend)
    type_of = "typeof(status)" if sqlite else "CAST(pg_typeof(status) AS TEXT)"
    with store._read() as db:
        row = db.execute(f"SELECT status, {type_of} FROM sources").fetchone()
    assert tuple(row) == ("not_modified", "text")


def test_validators_round_trip(store: Store) -> None:
    with store.transaction() as tx:
        tx.save_validators("https://x.test/", '"abc"', "Thu, 14 Nov 2024 17:08:00 GMT", NOW)
    assert store.validators("https://x.test/") == ('"abc"', "Thu, 14 Nov 2024 17:08:00 GMT")
    assert store.validators("https://y.test/") == (None, None)


def test_prune_keeps_each_feeds_newest_and_remembers_keys(store_at: Path | str) -> None:
    store = open_store(store_at)
    old = [save(store, article(n, published=NOW - timedelta(days=200 - n)), ("t",)) for n in range(5)]
    fresh = save(store, article(9, published=NOW + timedelta(days=2)))  # published after the cutoff
    cutoff = NOW + timedelta(days=1)  # everything first-seen before it is "old" by first_seen...
    deleted, _ = store.prune(NOW - timedelta(days=90), keep_newest=2, forget_keys_before=NOW - timedelta(days=180))
    assert deleted == 0  # ...but nothing was first seen before the cutoff
    deleted, _ = store.prune(cutoff, keep_newest=2, forget_keys_before=NOW - timedelta(days=180))
    assert deleted == 3  # the five old ones minus the topic's two newest; the young one stays
    assert [a.id for a in store.topic_entries("t", 10)] == [old[4], old[3]]
    assert store.article(fresh) is not None and store.article(old[0]) is None
    assert store.known_items("s", ["g0", "https://news.test/0"]) == {"g0", "https://news.test/0"}
    store.close()


def test_migration_3_makes_each_stored_article_its_own_story(tmp_path: Path) -> None:
    """A store written before stories existed: every article becomes a one-article story
    whose id is the article's uid, so feed entry ids do not change on upgrade."""
    from topicwire.store import schema
    from topicwire.store.db import connect, transaction

    path = tmp_path / "old.sqlite3"
    db = connect(path)
    with transaction(db):
        db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
        for number, script in enumerate(schema.MIGRATIONS[:2], start=1):
            for statement in schema._statements(script):
                db.execute(statement)
            db.execute("INSERT INTO schema_version VALUES (?, 'then')", (number,))
        db.execute(
            "INSERT INTO articles (uid, source, guid_key, url, title, text, html, summary, method, published, "
            "updated, first_seen, last_seen) VALUES ('u1', 's', 's\x1fg1', 'https://news.test/1', 'T', 'x', '', '', "
            "'feed', '2024-11-14T17:09:00+00:00', '2024-11-14T17:09:00+00:00', '2024-11-14T17:09:00+00:00', "
            "'2024-11-14T17:09:00+00:00')"
        )
        db.execute("INSERT INTO topic_articles VALUES ('t', 'u1', '2024-11-14T17:09:00+00:00')")
    db.close()
    store = Store.open(path, NOW)
    (story,) = store.topic_entries("t", 10)
    assert (story.id, story.representative.uid, [m.uid for m in story.members]) == ("u1", "u1", ["u1"])
    assert story.topics == ("t",) and store.story_count() == 1
    store.close()
