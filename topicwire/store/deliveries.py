"""SQL for ``deliveries``: the webhook outbox (issue 18).

A row is written in the same transaction as the topic membership it announces
(``enqueue``, called by Store.add_topics), so a crash either keeps both or
neither. The delivery worker (feeds/webhooks.py) reads what is due, and records
each attempt: delivered, retry at a later time, or dead.

The ``status`` column holds a DeliveryStatus (types.py); the queries below spell its
values as SQL literals ('pending', 'delivered', 'dead'): keep the two in step.

Times are ISO 8601 in UTC with milliseconds (``_at``): a retry may be due in
less than a second (tests, small ``webhooks.retry_base``), and the text still
sorts as time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from topicwire.store.codec import from_iso, text
from topicwire.store.dialect import DB
from topicwire.types import Delivery, DeliveryState, DeliveryStatus

_COUNTS = """
SELECT topic,
       SUM(CASE WHEN status = 'pending' AND attempts = 0 THEN 1 ELSE 0 END) AS pending,
       SUM(CASE WHEN status = 'pending' AND attempts > 0 THEN 1 ELSE 0 END) AS failed,
       SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead,
       SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END) AS delivered,
       MAX(last_try) AS last_try,
       MIN(CASE WHEN status = 'pending' AND attempts > 0 THEN next_try END) AS next_try
FROM deliveries GROUP BY topic ORDER BY topic
"""


def _at(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


def enqueue(db: DB, topics: Iterable[str], kind: str, entry: str, now: datetime) -> int:
    """One pending delivery per topic for this entry; an entry already announced to a
    topic (its row kept after delivery) is not announced again. Returns rows added."""
    added = 0
    for topic in topics:
        added += db.execute(
            "INSERT INTO deliveries (topic, kind, entry, created, next_try) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (topic, kind, entry) DO NOTHING",
            (topic, kind, entry, _at(now), _at(now)),
        ).rowcount
    return added


def due(db: DB, topic: str, now: datetime, limit: int) -> tuple[Delivery, ...]:
    """The topic's pending deliveries due by ``now``, oldest first."""
    rows = db.execute(
        "SELECT id, topic, kind, entry, created, attempts, body FROM deliveries "
        "WHERE status = 'pending' AND topic = ? AND next_try <= ? ORDER BY next_try, id LIMIT ?",
        (topic, _at(now), limit),
    )
    return tuple(
        Delivery(r["id"], r["topic"], r["kind"], r["entry"], from_iso(r["created"]), r["attempts"], _bytes(r["body"]))  # type: ignore[arg-type]
        for r in rows
    )


def next_due(db: DB, topics: Iterable[str]) -> datetime | None:
    """When the soonest pending delivery of these topics is due."""
    names = list(topics)
    if not names:
        return None
    marks = ",".join("?" * len(names))
    row = db.execute(
        f"SELECT MIN(next_try) FROM deliveries WHERE status = 'pending' AND topic IN ({marks})", names
    ).fetchone()
    return from_iso(row[0]) if row and row[0] else None


def set_body(db: DB, delivery_id: int, body: bytes) -> None:
    db.execute("UPDATE deliveries SET body = ? WHERE id = ? AND body IS NULL", (body, delivery_id))


def record(
    db: DB,
    delivery_id: int,
    status: DeliveryStatus,
    error: str | None,
    next_try: datetime,
    now: datetime,
) -> None:
    """One attempt: ``status`` is delivered, pending (retry at ``next_try``) or dead."""
    db.execute(
        "UPDATE deliveries SET status = ?, attempts = attempts + 1, last_try = ?, last_error = ?, next_try = ? "
        "WHERE id = ?",
        (status, _at(now), error, _at(next_try), delivery_id),
    )


def states(db: DB) -> tuple[DeliveryState, ...]:
    # Each topic's newest error (a window, not SQLite's bare column beside MAX(): portable).
    errors = {
        r["topic"]: text(r["last_error"])
        for r in db.execute(
            "SELECT topic, last_error FROM ("
            "  SELECT topic, last_error, ROW_NUMBER() OVER (PARTITION BY topic ORDER BY last_try DESC, id DESC) AS n"
            "  FROM deliveries WHERE last_error IS NOT NULL AND last_try IS NOT NULL"
            ") AS newest WHERE n = 1"
        )
    }
    return tuple(
        DeliveryState(
            r["topic"],
            int(r["pending"] or 0),
            int(r["failed"] or 0),
            int(r["dead"] or 0),
            int(r["delivered"] or 0),
            errors.get(r["topic"]),
            from_iso(r["last_try"]),
            from_iso(r["next_try"]),
        )
        for r in db.execute(_COUNTS)
    )


def dead(db: DB, limit: int) -> tuple[tuple[str, str, str, int, datetime | None, str], ...]:
    """The newest dead deliveries: (topic, kind, entry, attempts, last try, last error)."""
    rows = db.execute(
        "SELECT topic, kind, entry, attempts, last_try, last_error FROM deliveries WHERE status = 'dead' "
        "ORDER BY last_try DESC, id DESC LIMIT ?",
        (limit,),
    )
    return tuple(
        (r["topic"], r["kind"], r["entry"], int(r["attempts"]), from_iso(r["last_try"]), text(r["last_error"] or ""))
        for r in rows
    )


def prune(db: DB, cutoff: datetime) -> int:
    """Delivered and dead rows created before ``cutoff`` (retention); pending ones stay."""
    return db.execute(
        "DELETE FROM deliveries WHERE status IN ('delivered', 'dead') AND created < ?", (_at(cutoff),)
    ).rowcount


def drop(db: DB, topic: str) -> int:
    """A topic removed from the config takes its outbox with it."""
    return db.execute("DELETE FROM deliveries WHERE topic = ?", (topic,)).rowcount


def _bytes(value: object) -> bytes | None:
    if value is None:
        return None
    return value if isinstance(value, bytes) else str(value).encode("utf-8")
