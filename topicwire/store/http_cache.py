"""SQL for ``http_cache``: validators for conditional GET, per URL."""

from __future__ import annotations

from datetime import datetime

from topicwire.store.codec import iso
from topicwire.store.dialect import DB


def get(db: DB, url: str) -> tuple[str | None, str | None]:
    row = db.execute("SELECT etag, last_modified FROM http_cache WHERE url = ?", (url,)).fetchone()
    return (row["etag"], row["last_modified"]) if row else (None, None)


def put(db: DB, url: str, etag: str | None, last_modified: str | None, now: datetime) -> None:
    if not etag and not last_modified:
        db.execute("DELETE FROM http_cache WHERE url = ?", (url,))
        return
    db.execute(
        "INSERT INTO http_cache (url, etag, last_modified, checked) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, "
        "last_modified = excluded.last_modified, checked = excluded.checked",
        (url, etag, last_modified, iso(now)),
    )
