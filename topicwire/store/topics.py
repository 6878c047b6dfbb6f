"""SQL for ``topic_articles`` and ``topic_rules``: which stored article is in which topic."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from topicwire.store.codec import iso
from topicwire.store.dialect import DB


def add(db: DB, uid: str, topics: Iterable[str], now: datetime) -> None:
    """Only topics with a rule row: a poll that started before a reload removed a topic
    must not bring its membership back (issue 14)."""
    db.executemany(
        "INSERT INTO topic_articles (topic, uid, matched) SELECT ?, ?, ? "
        "WHERE EXISTS (SELECT 1 FROM topic_rules WHERE topic = ?) ON CONFLICT (topic, uid) DO NOTHING",
        [(t, uid, iso(now), t) for t in topics],
    )


def set_for_article(db: DB, uid: str, topics: Iterable[str], now: datetime) -> None:
    """An edited article's topics, decided again on its new text."""
    db.execute("DELETE FROM topic_articles WHERE uid = ?", (uid,))
    add(db, uid, topics, now)


def rule(db: DB, topic: str) -> str | None:
    row = db.execute("SELECT rule FROM topic_rules WHERE topic = ?", (topic,)).fetchone()
    return row["rule"] if row else None


def replace(db: DB, topic: str, rule_text: str, uids: Iterable[str], now: datetime) -> None:
    """Set a topic's whole membership after its rule changed (or it is new)."""
    db.execute("DELETE FROM topic_articles WHERE topic = ?", (topic,))
    add_many = [(topic, uid, iso(now)) for uid in uids]
    db.executemany("INSERT INTO topic_articles (topic, uid, matched) VALUES (?, ?, ?)", add_many)
    db.execute(
        "INSERT INTO topic_rules (topic, rule) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET rule = excluded.rule",
        (topic, rule_text),
    )


def names(db: DB) -> tuple[str, ...]:
    """Every topic the store holds (each configured topic gets a rule row at start-up)."""
    return tuple(r["topic"] for r in db.execute("SELECT topic FROM topic_rules ORDER BY topic"))


def drop(db: DB, topic: str) -> int:
    """Forget a topic removed from the config: its rule and memberships. Returns its story count."""
    stories = db.execute("DELETE FROM topic_stories WHERE topic = ?", (topic,)).rowcount
    db.execute("DELETE FROM topic_articles WHERE topic = ?", (topic,))
    db.execute("DELETE FROM topic_rules WHERE topic = ?", (topic,))
    return stories


def of(db: DB, uid: str) -> tuple[str, ...]:
    return _topics_of(db, [uid]).get(uid, ())


def of_many(db: DB, uids: list[str]) -> dict[str, tuple[str, ...]]:
    """Each article's topics (articles in none are left out)."""
    out: dict[str, tuple[str, ...]] = {}
    for i in range(0, len(uids), 500):  # stay under SQLite's bound-parameter limit
        out.update(_topics_of(db, uids[i : i + 500]))
    return out


def _topics_of(db: DB, uids: list[str]) -> dict[str, tuple[str, ...]]:
    if not uids:
        return {}
    marks = ",".join("?" * len(uids))
    out: dict[str, list[str]] = {}
    for r in db.execute(f"SELECT uid, topic FROM topic_articles WHERE uid IN ({marks}) ORDER BY topic", uids):
        out.setdefault(r["uid"], []).append(r["topic"])
    return {k: tuple(v) for k, v in out.items()}
