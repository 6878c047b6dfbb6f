"""SQL for the ``sources`` table: what each configured source last did and when it is due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from topicwire.store.codec import from_iso, iso
from topicwire.store.dialect import DB
from topicwire.types import PollOutcome, PollStatus, SourceState


def sync(db: DB, sources: tuple[tuple[str, str, str], ...]) -> None:
    """Insert new (name, url, kind) rows; a source whose configured URL changed starts afresh
    (its moved URL, retirement, error count and schedule are forgotten); only these sources
    are active (claimed when due).

    Only rows that change are written: on PostgreSQL a written row stays locked to the end of
    the unit, and a start or reload with tens of thousands of unchanged sources would lock
    them all, keeping every worker's claims off them and its lease renewals waiting (two
    such units, locking in different orders, deadlock; found in review)."""
    db.executemany(
        "INSERT INTO sources (name, url, config_url, kind) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
        [(name, url, url, kind) for name, url, kind in sources],
    )
    db.executemany(
        "UPDATE sources SET kind = ? WHERE name = ? AND kind IS NOT ?",
        [(kind, name, kind) for name, _, kind in sources],
    )
    db.executemany(
        "UPDATE sources SET url = ?, config_url = ?, retired = NULL, error_count = 0, error = NULL, "
        "next_due = NULL, retry_after = NULL, status = CASE WHEN status = 'retired' THEN 'never' ELSE status END "
        "WHERE name = ? AND config_url IS NOT ?",
        [(url, url, name, url) for name, url, _ in sources],
    )
    set_active(db, tuple(name for name, _, _ in sources))


def set_active(db: DB, names: tuple[str, ...]) -> None:
    """Only the configured sources are ever claimed (only the flags that change are written)."""
    wanted = frozenset(names)
    active = {row[0] for row in db.execute("SELECT name FROM sources WHERE active = 1")}
    for flag, changed in ((0, active - wanted), (1, wanted - active)):
        rows = [(flag, name, flag) for name in sorted(changed)]
        db.executemany("UPDATE sources SET active = ? WHERE name = ? AND active <> ?", rows)


# Due, not retired, configured, and not held by a live lease. A NULL next_due (a new source)
# is due at once, and first.
_DUE = (
    "active = 1 AND retired IS NULL AND (next_due IS NULL OR next_due <= ?) "
    "AND (lease_until IS NULL OR lease_until <= ?)"
)


def first_due(db: DB, now: str, skip: tuple[str, ...] = ()) -> bool:
    """Whether any source but ``skip`` is due by ``now``: a read, so an idle tick writes nothing."""
    others = _not_in(skip)
    return db.execute(f"SELECT 1 FROM sources WHERE {_DUE} {others}LIMIT 1", (now, now, *skip)).fetchone() is not None


def _not_in(skip: tuple[str, ...]) -> str:
    return f"AND name NOT IN ({', '.join('?' * len(skip))}) " if skip else ""


def claim_due(db: DB, now: str, worker: str, limit: int, until: str, skip: tuple[str, ...] = ()) -> list[str]:
    """Lease up to ``limit`` due sources but ``skip`` to ``worker`` until ``until``, soonest
    due first. On PostgreSQL the rows another worker is claiming are skipped (FOR UPDATE SKIP
    LOCKED), and the outer condition is checked again on each row, so a row leased between
    the subquery and the update is never taken twice. SQLite has one writer at a time."""
    # The candidates in a CTE: PostgreSQL runs it once, locking what it takes (an IN
    # subquery with LIMIT and FOR UPDATE may be run again per row and take more than LIMIT).
    others = _not_in(skip)
    rows = db.execute(
        f"WITH due AS (SELECT name FROM sources WHERE {_DUE} {others}"
        "ORDER BY next_due IS NOT NULL, next_due, name LIMIT ? /*SKIP LOCKED*/) "
        f"UPDATE sources SET lease_owner = ?, lease_until = ? WHERE name IN (SELECT name FROM due) AND {_DUE} "
        "RETURNING name",
        (now, now, *skip, limit, worker, until, now, now),
    ).fetchall()
    return sorted(r[0] for r in rows)


def claim(db: DB, name: str, worker: str, now: str, until: str) -> bool:
    """Lease ``name`` to ``worker`` whatever its due time, unless another holds a live lease
    (``once`` polls every source now, but never one a ``run`` is polling)."""
    return (
        db.execute(
            "UPDATE sources SET lease_owner = ?, lease_until = ? "
            "WHERE name = ? AND (lease_until IS NULL OR lease_until <= ? OR lease_owner = ?)",
            (worker, until, name, now, worker),
        ).rowcount
        == 1
    )


def renew(db: DB, names: tuple[str, ...], worker: str, until: str) -> None:
    """``worker``'s leases on ``names`` (polls still running) now last until ``until``."""
    db.executemany(
        "UPDATE sources SET lease_until = ? WHERE name = ? AND lease_owner = ?",
        [(until, name, worker) for name in names],
    )


def release(db: DB, name: str, worker: str, next_due: str | None) -> None:
    """End ``worker``'s lease on ``name``; ``next_due`` (if given) is when it is due again."""
    db.execute(
        "UPDATE sources SET lease_owner = NULL, lease_until = NULL, next_due = COALESCE(?, next_due) "
        "WHERE name = ? AND lease_owner = ?",
        (next_due, name, worker),
    )


def clear_leases(db: DB, owners: tuple[str, ...]) -> int:
    """The leases of ``owners`` end (dead workers, or a SQLite store's killed ``run``)."""
    return sum(
        db.execute("UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", (o,)).rowcount
        for o in owners
    )


def set_due(db: DB, due: list[tuple[str, str]], keep: tuple[str, str] | None = None) -> None:
    """Store these due times; with ``keep`` = (after, until), not over a time stored in that
    window (a poll that ended meanwhile stored it; ISO text in UTC sorts as time, and any
    other text — an older version's, a bug's — is replaced)."""
    if keep is None:
        db.executemany("UPDATE sources SET next_due = ? WHERE name = ?", [(when, name) for name, when in due])
        return
    db.executemany(
        "UPDATE sources SET next_due = ? WHERE name = ? AND (next_due IS NULL OR next_due <= ? OR next_due > ?)",
        [(when, name, *keep) for name, when in due],
    )


def record_poll(db: DB, outcome: PollOutcome, now: datetime) -> None:
    due = iso(outcome.next_due) if outcome.next_due else None
    retry = iso(outcome.retry_until) if outcome.retry_until else None
    if outcome.status in (PollStatus.ERROR, PollStatus.RETIRED):
        db.execute(
            "UPDATE sources SET status = ?, error = ?, error_count = error_count + 1, last_polled = ?, "
            "next_due = ?, retry_after = ?, retired = CASE WHEN ? = 'retired' THEN ? ELSE retired END "
            "WHERE name = ?",
            (outcome.status, outcome.error, iso(now), due, retry, outcome.status, iso(now), outcome.source),
        )
    else:
        db.execute(
            "UPDATE sources SET status = ?, error = NULL, error_count = 0, last_polled = ?, last_success = ?, "
            "retry_after = NULL, next_due = ?, interval_s = COALESCE(?, interval_s), "
            "title = CASE WHEN ? != '' THEN ? ELSE title END WHERE name = ?",
            (outcome.status, iso(now), iso(now), due, outcome.interval, outcome.title, outcome.title, outcome.source),
        )
    if outcome.moved_to:
        db.execute("UPDATE sources SET url = ? WHERE name = ?", (outcome.moved_to, outcome.source))


def states(db: DB, names: tuple[str, ...]) -> tuple[SourceState, ...]:
    """The given sources in that order, with their article counts (one grouped count)."""
    counts = dict(db.execute("SELECT source, COUNT(*) FROM articles GROUP BY source").fetchall())
    rows = {r["name"]: r for r in db.execute("SELECT * FROM sources")}
    return tuple(_state(rows[n], counts.get(n, 0)) for n in names if n in rows)


def state(db: DB, name: str) -> SourceState | None:
    """One source's schedule and health, without its article count: read on every poll."""
    row = db.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()
    return _state(row, -1) if row else None


def _state(r: Any, articles: int) -> SourceState:
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
        articles=articles,
        config_url=r["config_url"] or r["url"],
        next_due=from_iso(r["next_due"]),
        interval=r["interval_s"],
        retired=from_iso(r["retired"]),
        retry_until=from_iso(r["retry_after"]),
    )
