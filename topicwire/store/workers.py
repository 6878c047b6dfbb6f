"""SQL for the ``workers`` table: the daemons sharing a store, their heartbeats and claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from topicwire.store.codec import from_iso
from topicwire.store.dialect import DB


@dataclass(frozen=True)
class Worker:
    """A daemon on the store (``host:pid``), or an owner of leases with no row (killed
    before its first heartbeat, or its row forgotten): then ``started`` and ``heartbeat``
    are None. ``claims``: the sources it holds a lease on."""

    id: str
    started: datetime | None
    heartbeat: datetime | None
    claims: int


def beat(db: DB, worker: str, started: str, now: str) -> None:
    db.execute(
        "INSERT INTO workers (id, started, heartbeat) VALUES (?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET heartbeat = excluded.heartbeat",
        (worker, started, now),
    )


def remove(db: DB, worker: str) -> None:
    db.execute("DELETE FROM workers WHERE id = ?", (worker,))


def forget_before(db: DB, cutoff: str) -> int:
    """Rows of workers silent since ``cutoff`` (killed long ago: their leases ran out)."""
    return db.execute("DELETE FROM workers WHERE heartbeat < ?", (cutoff,)).rowcount


def forget_all(db: DB) -> int:
    return db.execute("DELETE FROM workers").rowcount


def listed(db: DB) -> tuple[Worker, ...]:
    """Every worker with a row, then every other lease owner, by id."""
    claims = dict(
        db.execute(
            "SELECT lease_owner, COUNT(*) FROM sources WHERE lease_owner IS NOT NULL GROUP BY lease_owner"
        ).fetchall()
    )
    rows = db.execute("SELECT id, started, heartbeat FROM workers ORDER BY id").fetchall()
    found = [Worker(r[0], from_iso(r[1]), from_iso(r[2]), claims.pop(r[0], 0)) for r in rows]
    found += [Worker(owner, None, None, n) for owner, n in sorted(claims.items())]
    return tuple(found)
