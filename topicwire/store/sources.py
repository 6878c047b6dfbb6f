"""SQL for the ``sources`` table: what each configured source last did."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from topicwire.store.codec import from_iso, iso
from topicwire.types import PollOutcome, SourceState


def sync(db: sqlite3.Connection, sources: tuple[tuple[str, str, str], ...]) -> None:
    """Insert new (name, url, kind) rows and refresh url/kind of known ones."""
    db.executemany(
        "INSERT INTO sources (name, url, kind) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET url = excluded.url, kind = excluded.kind",
        sources,
    )


def record_poll(db: sqlite3.Connection, outcome: PollOutcome, now: datetime) -> None:
    if outcome.status == "error":
        db.execute(
            "UPDATE sources SET status = 'error', error = ?, error_count = error_count + 1, "
            "last_polled = ? WHERE name = ?",
            (outcome.error, iso(now), outcome.source),
        )
        return
    db.execute(
        "UPDATE sources SET status = ?, error = NULL, error_count = 0, last_polled = ?, "
        "last_success = ?, title = CASE WHEN ? != '' THEN ? ELSE title END WHERE name = ?",
        (outcome.status, iso(now), iso(now), outcome.title, outcome.title, outcome.source),
    )


def states(db: sqlite3.Connection, names: tuple[str, ...]) -> tuple[SourceState, ...]:
    """The given sources in that order, with their article counts."""
    rows = {
        r["name"]: r
        for r in db.execute(
            "SELECT s.*, (SELECT COUNT(*) FROM articles a WHERE a.source = s.name) AS n "
            "FROM sources s"
        )
    }
    return tuple(_state(rows[n]) for n in names if n in rows)


def _state(r: sqlite3.Row) -> SourceState:
    return SourceState(
        name=r["name"],
        url=r["url"],
        kind=r["kind"],
        title=r["title"],
        status=r["status"],
        error=r["error"],
        error_count=r["error_count"],
        last_polled=from_iso(r["last_polled"]),
        last_success=from_iso(r["last_success"]),
        articles=r["n"],
    )
