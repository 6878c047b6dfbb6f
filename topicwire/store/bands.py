"""SQL for ``bands``: the near-duplicate index, kept in the store (issue 16 point 3).

Each article whose text is long enough to compare has one row per LSH band of its MinHash
(dedup/lsh.py: band number, the band's hash), with its publication time and when its text
was last set (``seen``). A new article's candidates are the articles sharing a band with
it: one indexed look-up per band on ``bands_key (band, band_hash)``. Read inside the poll's
unit, so every worker sees what the others committed; rows older than the dedup window
are deleted (``expire``) and ignored until then, so the index stays the window's size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from topicwire.store.codec import text
from topicwire.store.dialect import DB


def put(db: DB, uid: str, hashes: Sequence[int], published: str, seen: str) -> None:
    """``uid``'s bands are ``hashes`` (band i's hash at i) from now on; none: it leaves the index."""
    if not hashes:
        db.execute("DELETE FROM bands WHERE uid = ?", (uid,))
        return
    # An upsert, not delete-then-insert: two workers filling the index at start-up
    # (placement.Placer.load) may write the same article's rows at once.
    db.executemany(
        "INSERT INTO bands (uid, band, band_hash, published, seen) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (uid, band) DO UPDATE SET band_hash = excluded.band_hash, "
        "published = excluded.published, seen = excluded.seen",
        [(uid, band, h, published, seen) for band, h in enumerate(hashes)],
    )


def candidates(
    db: DB, hashes: Sequence[int], published_from: str, published_to: str, seen_since: str
) -> tuple[tuple[str, str, str, str], ...]:
    """(uid, story_id, source, text) of the articles sharing a band with ``hashes``,
    published in [``published_from``, ``published_to``] and seen since ``seen_since``."""
    if not hashes:
        return ()
    # VALUES names its columns column1, column2 on both SQLite and PostgreSQL.
    wanted = ", ".join(["(?, ?)"] * len(hashes))
    rows = db.execute(
        "SELECT a.uid, a.story_id, a.source, a.text FROM articles a WHERE a.uid IN ("
        f"  SELECT b.uid FROM (VALUES {wanted}) AS q"
        "  JOIN bands b ON b.band = q.column1 AND b.band_hash = q.column2"
        "  WHERE b.published >= ? AND b.published <= ? AND b.seen >= ?)",
        (*(v for pair in enumerate(hashes) for v in pair), published_from, published_to, seen_since),
    )
    return tuple((r["uid"], r["story_id"], r["source"], text(r["text"])) for r in rows)


def expire(db: DB, before: str) -> int:
    """Forget the bands of articles seen before ``before``; returns how many rows went."""
    return db.execute("DELETE FROM bands WHERE seen < ?", (before,)).rowcount


def indexed(db: DB, since: str) -> int:
    """How many articles the index holds for a placement at ``since`` + the window."""
    return int(db.execute("SELECT COUNT(DISTINCT uid) FROM bands WHERE seen >= ?", (since,)).fetchone()[0])


def unindexed_since(db: DB, since: str) -> Iterator[tuple[str, bytes | None, str, str, str]]:
    """(uid, minhash, text if no minhash, published, first_seen) of the articles first seen
    since ``since`` that have no bands: stored before the index was in the store, or too
    short to compare (their missing MinHash is computed again at start-up)."""
    rows = db.execute(
        "SELECT uid, minhash, CASE WHEN minhash IS NULL THEN text ELSE '' END AS text, published, first_seen "
        "FROM articles a WHERE first_seen >= ? AND NOT EXISTS (SELECT 1 FROM bands b WHERE b.uid = a.uid) "
        "ORDER BY first_seen",
        (since,),
    )
    for r in rows:
        yield r["uid"], r["minhash"], r["text"], r["published"], r["first_seen"]
