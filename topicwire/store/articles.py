"""SQL for ``articles`` and ``item_keys``: stored articles and every key they were seen under."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Literal

from topicwire.store.codec import from_iso, iso, optional_text, pairs_from_text, pairs_to_text, text
from topicwire.store.dialect import DB
from topicwire.types import Article, ExactHit, Fingerprint, MatchDoc, StoredArticle

_COLUMNS = (
    "uid, source, url, title, text, html, summary, author, language, method, published, updated, first_seen, "
    "story_id, provenance"
)
_HIT = "uid, source, story_id, text_hash, length(text) AS text_len, method"


def find(db: DB, fp: Fingerprint) -> ExactHit | None:
    """The stored article with the same guid, else URL, else text (the oldest one)."""
    probes: tuple[tuple[Literal["guid", "url", "text"], str, str], ...] = (
        ("guid", "guid_key = ?", fp.guid_key),
        ("url", "url = ?", fp.url_key),
        ("text", "text_hash = ?", fp.text_hash),
    )
    for reason, where, key in probes:
        if key:
            row = db.execute(
                f"SELECT {_HIT} FROM articles WHERE {where} ORDER BY first_seen LIMIT 1", (key,)
            ).fetchone()
            if row:
                return ExactHit(
                    row["uid"], reason, row["source"], row["story_id"], row["text_hash"], row["text_len"], row["method"]
                )
    return None


def near_texts(db: DB, uids: Sequence[str]) -> tuple[tuple[str, str, str, str], ...]:
    marks = ",".join("?" * len(uids))
    rows = db.execute(f"SELECT uid, story_id, source, text FROM articles WHERE uid IN ({marks})", list(uids))
    return tuple((r["uid"], r["story_id"], r["source"], text(r["text"])) for r in rows)


def set_signature(db: DB, uid: str, sig: bytes) -> None:
    db.execute("UPDATE articles SET minhash = ? WHERE uid = ?", (sig or None, uid))


def has_url(db: DB, url: str, other_than: str = "") -> bool:
    """Is an article stored under ``url`` (by a source other than ``other_than``)?"""
    row = db.execute("SELECT 1 FROM articles WHERE url = ? AND source != ? LIMIT 1", (url, other_than)).fetchone()
    return row is not None


def insert(
    db: DB,
    uid: str,
    a: Article,
    fp: Fingerprint,
    now: datetime,
    story_id: str = "",
    joined: str = "",
    sig: bytes = b"",
) -> None:
    db.execute(
        f"INSERT INTO articles (uid, source, guid_key, {', '.join(_CONTENT)}, published, first_seen, last_seen, "
        "story_id, joined) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (uid, a.source, fp.guid_key, *_content(a, fp, sig, iso(a.updated)), iso(a.published), iso(now), iso(now))
        + (story_id or uid, joined),
    )


def update(db: DB, uid: str, a: Article, fp: Fingerprint, sig: bytes, now: datetime) -> None:
    """An edited article: new text and metadata under the same uid (and story)."""
    sets = ", ".join(f"{column} = ?" for column in _CONTENT)
    values = _content(a, fp, sig, iso(max(a.updated, now)))
    db.execute(f"UPDATE articles SET {sets}, last_seen = ? WHERE uid = ?", (*values, iso(now), uid))


# What an edit replaces; insert writes them too.
_CONTENT = ("url, text_hash, title, text, html, summary, author, language, method, updated, minhash, provenance").split(
    ", "
)


def _content(a: Article, fp: Fingerprint, sig: bytes, updated: str) -> tuple[object, ...]:
    return (
        fp.url_key,
        fp.text_hash,
        a.title,
        a.text,
        a.html,
        a.summary,
        a.author,
        a.language,
        a.method,
        updated,
        sig or None,
        pairs_to_text(a.provenance),
    )


def touch(db: DB, uid: str, now: datetime, updated: datetime | None = None) -> None:
    """Seen again; ``updated``: the entry's own updated time, kept if newer (so an entry
    whose date moved but whose text did not is not fetched again on every poll)."""
    db.execute("UPDATE articles SET last_seen = ? WHERE uid = ?", (iso(now), uid))
    if updated is not None:
        db.execute("UPDATE articles SET updated = ? WHERE uid = ? AND updated < ?", (iso(updated), uid, iso(updated)))


def add_keys(db: DB, source: str, keys: Iterable[str], uid: str, now: datetime) -> None:
    db.executemany(
        "INSERT INTO item_keys (source, item_key, uid, seen) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (source, item_key) DO NOTHING",
        [(source, k, uid, iso(now)) for k in keys if k],
    )


def known_keys(db: DB, source: str, keys: Iterable[str]) -> frozenset[str]:
    return frozenset(key_times(db, source, list(keys)))


def key_times(db: DB, source: str, keys: Sequence[str]) -> dict[str, datetime | None]:
    """Known keys of ``source`` with the stored article's updated time (None once pruned)."""
    out: dict[str, datetime | None] = {}
    wanted = [k for k in keys if k]
    for i in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT k.item_key, a.updated FROM item_keys k LEFT JOIN articles a ON a.uid = k.uid "
            f"WHERE k.source = ? AND k.item_key IN ({marks})",
            (source, *chunk),
        )
        out.update((r[0], from_iso(r[1])) for r in rows)
    return out


def prune(db: DB, cutoff: datetime, keep_newest: int, forget_keys_before: datetime) -> int:
    """Delete whole stories whose every article was first seen and published before
    ``cutoff``, except each topic's ``keep_newest`` newest stories (a feed keeps its
    entries however old). Returns the number of articles deleted."""
    cursor = db.execute(
        "DELETE FROM articles WHERE story_id IN ("
        "  SELECT id FROM stories WHERE published < :cutoff AND id NOT IN ("
        "    SELECT story_id FROM articles WHERE first_seen >= :cutoff"
        "    UNION SELECT story_id FROM articles WHERE published >= :cutoff"
        "    UNION SELECT story_id FROM ("
        "      SELECT story_id, ROW_NUMBER() OVER (PARTITION BY topic ORDER BY published DESC) AS n FROM topic_stories"
        "    ) AS ranked WHERE n <= :keep))",
        {"cutoff": iso(cutoff), "keep": keep_newest},
    )
    db.execute("DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM articles WHERE story_id IS NOT NULL)")
    # Keys of pruned articles are kept for another retention period, then forgotten.
    db.execute("DELETE FROM item_keys WHERE uid IS NULL AND seen < ?", (iso(forget_keys_before),))
    return cursor.rowcount


def get(db: DB, uid: str) -> StoredArticle | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM articles WHERE uid = ?", (uid,)).fetchone()
    return to_stored(row, ()) if row else None


def get_by_url(db: DB, url: str) -> StoredArticle | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM articles WHERE url = ? ORDER BY first_seen LIMIT 1", (url,)).fetchone()
    return to_stored(row, ()) if row else None


def newest_of_source(db: DB, source: str, limit: int) -> tuple[StoredArticle, ...]:
    """``source``'s ``limit`` most recently stored articles, newest first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM articles WHERE source = ? ORDER BY first_seen DESC, uid LIMIT ?", (source, limit)
    )
    return tuple(to_stored(r, ()) for r in rows)


def match_docs(db: DB) -> Iterator[tuple[str, MatchDoc]]:
    for r in db.execute("SELECT uid, title, text, source, language, author FROM articles"):
        yield (
            r["uid"],
            MatchDoc(
                text(r["title"]), text(r["text"]), r["source"], optional_text(r["language"]), optional_text(r["author"])
            ),
        )


def counts_by_method(db: DB) -> dict[str, int]:
    return dict(db.execute("SELECT method, COUNT(*) FROM articles GROUP BY method ORDER BY method").fetchall())


def count(db: DB) -> int:
    return int(db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])


def to_stored(r: Any, topics: tuple[str, ...]) -> StoredArticle:
    return StoredArticle(
        uid=r["uid"],
        source=r["source"],
        # text(): whatever type SQLite holds, the rest of topicwire gets a str (issue 13)
        url=text(r["url"]),
        title=text(r["title"]),
        text=text(r["text"]),
        html=text(r["html"]),
        summary=text(r["summary"]),
        published=from_iso(r["published"]),  # type: ignore[arg-type]
        updated=from_iso(r["updated"]),  # type: ignore[arg-type]
        first_seen=from_iso(r["first_seen"]),  # type: ignore[arg-type]
        author=optional_text(r["author"]),
        language=optional_text(r["language"]),
        method=r["method"],
        topics=topics,
        story_id=r["story_id"] or r["uid"],
        provenance=pairs_from_text(r["provenance"]),
    )
