"""SQL for ``articles`` and ``item_keys``: stored articles and every key they were seen under."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime

from topicwire.store.codec import from_iso, iso
from topicwire.types import Article, Fingerprint, MatchDoc, StoredArticle

_COLUMNS = "uid, source, url, title, text, html, summary, author, language, method, published, updated, first_seen"


def find(db: sqlite3.Connection, fp: Fingerprint) -> tuple[str, str] | None:
    """(uid, reason) of a stored article with the same guid, URL or text."""
    probes = (
        ("guid", "SELECT uid FROM articles WHERE guid_key = ?", fp.guid_key),
        ("url", "SELECT uid FROM articles WHERE url = ? ORDER BY first_seen LIMIT 1", fp.url_key),
        (
            "text",
            "SELECT uid FROM articles WHERE text_hash = ? ORDER BY first_seen LIMIT 1",
            fp.text_hash,
        ),
    )
    for reason, sql, key in probes:
        if key:
            row = db.execute(sql, (key,)).fetchone()
            if row:
                return row["uid"], reason
    return None


def has_url(db: sqlite3.Connection, url: str) -> bool:
    return db.execute("SELECT 1 FROM articles WHERE url = ? LIMIT 1", (url,)).fetchone() is not None


def insert(db: sqlite3.Connection, uid: str, a: Article, fp: Fingerprint, now: datetime) -> None:
    db.execute(
        "INSERT INTO articles (uid, source, guid_key, url, text_hash, title, text, html, summary, "
        "author, language, method, published, updated, first_seen, last_seen) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            uid,
            a.source,
            fp.guid_key,
            fp.url_key,
            fp.text_hash,
            a.title,
            a.text,
            a.html,
            a.summary,
            a.author,
            a.language,
            a.method,
            iso(a.published),
            iso(a.updated),
            iso(now),
            iso(now),
        ),
    )


def touch(db: sqlite3.Connection, uid: str, now: datetime) -> None:
    db.execute("UPDATE articles SET last_seen = ? WHERE uid = ?", (iso(now), uid))


def add_keys(db: sqlite3.Connection, source: str, keys: Iterable[str], uid: str, now: datetime) -> None:
    db.executemany(
        "INSERT INTO item_keys (source, item_key, uid, seen) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (source, item_key) DO NOTHING",
        [(source, k, uid, iso(now)) for k in keys if k],
    )


def known_keys(db: sqlite3.Connection, source: str, keys: Iterable[str]) -> frozenset[str]:
    wanted = [k for k in keys if k]
    found: set[str] = set()
    for i in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            r[0]
            for r in db.execute(
                f"SELECT item_key FROM item_keys WHERE source = ? AND item_key IN ({marks})",
                (source, *chunk),
            )
        )
    return frozenset(found)


def prune(db: sqlite3.Connection, cutoff: datetime, keep_newest: int, forget_keys_before: datetime) -> int:
    """Delete articles first seen and published before ``cutoff``, except each topic's
    ``keep_newest`` newest (a feed keeps its entries however old). Returns the count."""
    cursor = db.execute(
        "DELETE FROM articles WHERE first_seen < :cutoff AND published < :cutoff AND uid NOT IN ("
        "  SELECT uid FROM ("
        "    SELECT t.uid, ROW_NUMBER() OVER (PARTITION BY t.topic ORDER BY a.published DESC) AS n"
        "    FROM topic_articles t JOIN articles a ON a.uid = t.uid"
        "  ) AS ranked WHERE n <= :keep)",
        {"cutoff": iso(cutoff), "keep": keep_newest},
    )
    # Keys of pruned articles are kept for another retention period, then forgotten.
    db.execute("DELETE FROM item_keys WHERE uid IS NULL AND seen < ?", (iso(forget_keys_before),))
    return cursor.rowcount


def get(db: sqlite3.Connection, uid: str) -> StoredArticle | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM articles WHERE uid = ?", (uid,)).fetchone()
    return to_stored(row, ()) if row else None


def get_by_url(db: sqlite3.Connection, url: str) -> StoredArticle | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM articles WHERE url = ? ORDER BY first_seen LIMIT 1", (url,)).fetchone()
    return to_stored(row, ()) if row else None


def match_docs(db: sqlite3.Connection) -> Iterator[tuple[str, MatchDoc]]:
    for r in db.execute("SELECT uid, title, text, source, language, author FROM articles"):
        yield r["uid"], MatchDoc(r["title"], r["text"], r["source"], r["language"], r["author"])


def counts_by_method(db: sqlite3.Connection) -> dict[str, int]:
    return dict(db.execute("SELECT method, COUNT(*) FROM articles GROUP BY method ORDER BY method").fetchall())


def count(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])


def to_stored(r: sqlite3.Row, topics: tuple[str, ...]) -> StoredArticle:
    return StoredArticle(
        uid=r["uid"],
        source=r["source"],
        url=r["url"],
        title=r["title"],
        text=r["text"],
        html=r["html"],
        summary=r["summary"],
        published=from_iso(r["published"]),  # type: ignore[arg-type]
        updated=from_iso(r["updated"]),  # type: ignore[arg-type]
        first_seen=from_iso(r["first_seen"]),  # type: ignore[arg-type]
        author=r["author"],
        language=r["language"],
        method=r["method"],
        topics=topics,
    )
