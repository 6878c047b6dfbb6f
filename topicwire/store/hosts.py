"""SQL for per-host politeness shared by every worker of one store (issue 16 point 1).

    hosts        host -> next_start: no request to the host starts before it; a worker
                 reserves its start with one upsert (max(next_start, earliest) + spacing,
                 the spacing at least the host's Crawl-delay while that is in force);
                 crawl_delay, crawl_delay_until: the robots.txt Crawl-delay the last worker
                 to read it found, and when that reading lapses (robots.txt is read daily)
    host_pauses  (host, url) -> until: a Retry-After deferral; url '' pauses every URL of
                 the host (429s from several URLs of it: it is rate-limiting us)

``HostBoard`` is what sources/hosts.py's HostLimiter asks of it (its ``HostBoard``
protocol): each call is one short unit of its own (Backend.solo), outside this process's
order of write units, so a fetch never waits behind a poll's save. Times are wall-clock
unix seconds (REAL), not ISO text as elsewhere in the store: the spacing is added in SQL,
and several machines read them (their clocks kept in sync, NTP).

Only a shared store (PostgreSQL) is wired to a limiter (pipeline.make_fetcher): with
SQLite one process polls, its in-memory limiter is the whole truth, and a store write per
request would cost a commit each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from topicwire.errors import StoreError
from topicwire.store.backend import Backend
from topicwire.store.dialect import DB
from topicwire.types import HostNotes

# The spacing a reservation adds: the caller's, or the host's Crawl-delay while it is in force.
_SPACING = (
    "(CASE WHEN hosts.crawl_delay_until > :earliest AND hosts.crawl_delay > :spacing "
    "THEN hosts.crawl_delay ELSE :spacing END)"
)


def reserve(db: DB, host: str, earliest: float, spacing: float, latest: float) -> float:
    """The host's next start no sooner than ``earliest``; reserved (the host's next start
    moves to it + ``spacing``) when it is no later than ``latest``. Returns that start,
    reserved or not. The upsert is atomic: on PostgreSQL a second worker's waits on the
    row and then sees the first one's reservation."""
    # The spacing added is the larger of the caller's and the host's stored Crawl-delay in
    # force: a worker that has not read robots.txt yet still leaves the others' gap.
    row = db.execute(
        "INSERT INTO hosts (host, next_start) VALUES (:host, :earliest + :spacing) "
        "ON CONFLICT (host) DO UPDATE SET next_start = "
        f"(CASE WHEN hosts.next_start > :earliest THEN hosts.next_start ELSE :earliest END) + {_SPACING} "
        f"WHERE hosts.next_start <= :latest RETURNING next_start, {_SPACING.replace('hosts.', '')}",
        {"host": host, "earliest": earliest, "spacing": spacing, "latest": latest},
    ).fetchone()
    if row is not None:
        return float(row[0]) - float(row[1])
    found = db.execute("SELECT next_start FROM hosts WHERE host = ?", (host,)).fetchone()
    return max(earliest, float(found[0]) if found else earliest)


def notes(db: DB, host: str, now: float) -> HostNotes:
    """The host's deferrals in force at ``now`` (url '' is the whole host) and its Crawl-delay."""
    rows = db.execute("SELECT url, until FROM host_pauses WHERE host = ? AND until > ?", (host, now)).fetchall()
    delay = db.execute("SELECT crawl_delay FROM hosts WHERE host = ? AND crawl_delay_until > ?", (host, now)).fetchone()
    return HostNotes(
        pauses=tuple((str(url), float(until)) for url, until in rows),
        crawl_delay=float(delay[0]) if delay is not None and delay[0] is not None else None,
    )


def set_crawl_delay(db: DB, host: str, seconds: float | None, now: float, until: float) -> None:
    """The host's robots.txt, read at ``now``, asks ``seconds`` between requests (None: it
    asks nothing); that reading stands until ``until``. The last reading wins."""
    db.execute(
        "INSERT INTO hosts (host, next_start, crawl_delay, crawl_delay_until) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (host) DO UPDATE SET crawl_delay = excluded.crawl_delay, "
        "crawl_delay_until = excluded.crawl_delay_until",
        (host, now, seconds, until),
    )


def defer(db: DB, host: str, url: str, until: float, now: float, strike: bool, since: float, widen_at: int) -> None:
    """``url`` waits until ``until`` (a shorter, later answer never cuts a longer wait). A 429
    (``strike``) counts: once ``widen_at`` distinct URLs of the host struck since ``since``,
    the whole host waits until the latest end their strikes asked for."""
    # Touching the host's row first takes its row lock on PostgreSQL: two workers' strikes
    # on one host count one after the other, so each sees the other's URL.
    db.execute(
        "INSERT INTO hosts (host, next_start) VALUES (?, 0) "
        "ON CONFLICT (host) DO UPDATE SET next_start = hosts.next_start",
        (host,),
    )
    db.execute(
        "INSERT INTO host_pauses (host, url, until, struck_at, struck_until) "
        "VALUES (:host, :url, :until, :struck_at, :struck_until) "
        "ON CONFLICT (host, url) DO UPDATE SET "
        "until = CASE WHEN host_pauses.until > excluded.until THEN host_pauses.until ELSE excluded.until END, "
        "struck_at = COALESCE(excluded.struck_at, host_pauses.struck_at), "
        "struck_until = CASE WHEN excluded.struck_at IS NULL THEN host_pauses.struck_until "
        "WHEN host_pauses.struck_at > :since AND host_pauses.struck_until > excluded.struck_until "
        "THEN host_pauses.struck_until ELSE excluded.struck_until END",
        {
            "host": host,
            "url": url,
            "until": until,
            "struck_at": now if strike else None,
            "struck_until": until if strike else None,
            "since": since,
        },
    )
    if strike:
        _widen(db, host, since, widen_at)
    # 429s are rare: the ended rows go here rather than in a sweep of their own.
    db.execute("DELETE FROM host_pauses WHERE until <= ? AND (struck_at IS NULL OR struck_at <= ?)", (now, since))


def _widen(db: DB, host: str, since: float, widen_at: int) -> None:
    struck, latest = db.execute(
        "SELECT COUNT(*), MAX(struck_until) FROM host_pauses WHERE host = ? AND url != '' AND struck_at > ?",
        (host, since),
    ).fetchone()
    if struck >= widen_at:
        db.execute(
            "INSERT INTO host_pauses (host, url, until) VALUES (?, '', ?) ON CONFLICT (host, url) DO UPDATE SET "
            "until = CASE WHEN host_pauses.until > excluded.until THEN host_pauses.until ELSE excluded.until END",
            (host, float(latest)),
        )


def prune(db: DB, before: float) -> None:
    """Forget hosts not requested (nor a Crawl-delay in force), and pauses ended, before
    ``before`` (retention)."""
    db.execute(
        "DELETE FROM hosts WHERE next_start < ? AND (crawl_delay_until IS NULL OR crawl_delay_until < ?)",
        (before, before),
    )
    db.execute("DELETE FROM host_pauses WHERE until < ? AND (struck_at IS NULL OR struck_at < ?)", (before, before))


class HostBoard:
    """The politeness state every worker of the store shares (sources/hosts.py HostBoard)."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def reserve_start(self, host: str, earliest: float, spacing: float, latest: float) -> float:
        with self._solo() as db:
            return reserve(db, host, earliest, spacing, latest)

    def notes(self, host: str, now: float) -> HostNotes:
        with self._solo() as db:
            return notes(db, host, now)

    def set_crawl_delay(self, host: str, seconds: float | None, now: float, until: float) -> None:
        with self._solo() as db:
            set_crawl_delay(db, host, seconds, now, until)

    def defer(self, host: str, url: str, until: float, now: float, strike: bool, since: float, widen_at: int) -> None:
        with self._solo() as db:
            defer(db, host, url, until, now, strike, since, widen_at)

    @contextmanager
    def _solo(self) -> Iterator[DB]:
        try:
            with self._backend.solo() as db:
                yield db
        except self._backend.errors as e:
            raise StoreError(f"store host state failed: {e}") from e
