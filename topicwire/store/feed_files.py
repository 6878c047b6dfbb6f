"""SQL for ``feed_files``: the feed documents as the publishing worker wrote them (issue 16).

On a store several daemons share, one of them renders at a time (Store.exclusive
"publish") and keeps each changed file's bytes here; the others copy what differs into
their own output folders, so every worker's server answers the same bytes (and so the
same ETag, a hash of them). A SQLite store has one daemon and keeps no copies.
"""

from __future__ import annotations

from datetime import datetime

from topicwire.store.codec import iso
from topicwire.store.dialect import DB


def put(db: DB, name: str, data: bytes, digest: str, now: datetime) -> None:
    db.execute(
        "INSERT INTO feed_files (name, data, digest, updated) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET data = excluded.data, digest = excluded.digest, updated = excluded.updated",
        (name, data, digest, iso(now)),
    )


def drop(db: DB, names: list[str]) -> None:
    db.executemany("DELETE FROM feed_files WHERE name = ?", [(n,) for n in names])


def digests(db: DB) -> dict[str, str]:
    return {r[0]: r[1] for r in db.execute("SELECT name, digest FROM feed_files")}


def data(db: DB, name: str) -> bytes | None:
    row = db.execute("SELECT data FROM feed_files WHERE name = ?", (name,)).fetchone()
    return bytes(row[0]) if row else None
