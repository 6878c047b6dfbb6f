"""SQL for ``source_templates``: each source's learned page template (JSON, see extract/template.py)."""

from __future__ import annotations

from datetime import datetime

from topicwire.store.codec import iso
from topicwire.store.dialect import DB


def get(db: DB, source: str) -> str | None:
    row = db.execute("SELECT data FROM source_templates WHERE source = ?", (source,)).fetchone()
    return row["data"] if row else None


def put(db: DB, source: str, data: str, now: datetime) -> None:
    db.execute(
        "INSERT INTO source_templates (source, data, updated) VALUES (?, ?, ?) "
        "ON CONFLICT (source) DO UPDATE SET data = excluded.data, updated = excluded.updated",
        (source, data, iso(now)),
    )
