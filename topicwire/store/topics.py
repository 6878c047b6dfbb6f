"""SQL for ``topic_articles`` and ``topic_rules``: which stored article is in which topic."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from topicwire.store.articles import to_stored
from topicwire.store.codec import iso
from topicwire.types import StoredArticle


def add(db: sqlite3.Connection, uid: str, topics: Iterable[str], now: datetime) -> None:
    db.executemany(
        "INSERT INTO topic_articles (topic, uid, matched) VALUES (?, ?, ?) ON CONFLICT (topic, uid) DO NOTHING",
        [(t, uid, iso(now)) for t in topics],
    )


def rule(db: sqlite3.Connection, topic: str) -> str | None:
    row = db.execute("SELECT rule FROM topic_rules WHERE topic = ?", (topic,)).fetchone()
    return row["rule"] if row else None


def replace(db: sqlite3.Connection, topic: str, rule_text: str, uids: Iterable[str], now: datetime) -> None:
    """Set a topic's whole membership after its rule changed (or it is new)."""
    db.execute("DELETE FROM topic_articles WHERE topic = ?", (topic,))
    add_many = [(topic, uid, iso(now)) for uid in uids]
    db.executemany("INSERT INTO topic_articles (topic, uid, matched) VALUES (?, ?, ?)", add_many)
    db.execute(
        "INSERT INTO topic_rules (topic, rule) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET rule = excluded.rule",
        (topic, rule_text),
    )


def entries(db: sqlite3.Connection, topic: str, limit: int) -> tuple[StoredArticle, ...]:
    """The topic's newest ``limit`` articles, newest first, each with all its topics."""
    rows = db.execute(
        "SELECT a.* FROM topic_articles t JOIN articles a ON a.uid = t.uid "
        "WHERE t.topic = ? ORDER BY a.published DESC, a.uid LIMIT ?",
        (topic, limit),
    ).fetchall()
    topics = _topics_of(db, [r["uid"] for r in rows])
    return tuple(to_stored(r, topics.get(r["uid"], ())) for r in rows)


def of(db: sqlite3.Connection, uid: str) -> tuple[str, ...]:
    return _topics_of(db, [uid]).get(uid, ())


def _topics_of(db: sqlite3.Connection, uids: list[str]) -> dict[str, tuple[str, ...]]:
    if not uids:
        return {}
    marks = ",".join("?" * len(uids))
    out: dict[str, list[str]] = {}
    for r in db.execute(f"SELECT uid, topic FROM topic_articles WHERE uid IN ({marks}) ORDER BY topic", uids):
        out.setdefault(r["uid"], []).append(r["topic"])
    return {k: tuple(v) for k, v in out.items()}
