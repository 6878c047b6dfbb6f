"""The PostgreSQL backend (issue 16 point 2): ``[store] url = "postgresql://..."``.

psycopg 3 with a psycopg_pool connection pool. A write unit (``with store.transaction()``)
is one PostgreSQL transaction on one pooled connection, committed when its block ends (no
group commit: the server has its own). Within this process units still run one at a time,
as on SQLite, so what the pipeline decides inside a unit (which story an article joins)
cannot race another thread's unit; several processes sharing a database are issue 16
point 3. Reads outside a unit borrow a pooled connection in autocommit mode and so see only
committed data; reads by the thread holding a unit use that unit's connection and see its
writes, as on SQLite. ``committed()`` holds off this process's writers for its block.
``solo()`` (the shared host politeness) is a short transaction of its own, outside that order.

The entity modules' SQL is SQLite's spelling, translated by store/dialect.py; rows answer
by index and by name like sqlite3.Row. Retention does not VACUUM (autovacuum does that
job on PostgreSQL), ``size_bytes`` is ``pg_database_size``, and ``topicwire backup`` refuses
with a pointer to pg_dump, the tool for a consistent copy of a PostgreSQL database.
A URL's password never reaches a message or a log line (``redact``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import RowMaker
from psycopg_pool import ConnectionPool

from topicwire.errors import StoreError
from topicwire.store import schema
from topicwire.store.backend import Backend, Probe, redact
from topicwire.store.dialect import DB, ddl_to_postgres, to_postgres

POOL_WAIT = 5.0  # seconds a unit or a read waits for a pooled connection
POOL_SIZE = 16  # the default of [store] pool_size: the threads that may use the store at once
CONNECT_TIMEOUT = 10  # seconds
_MIGRATION_LOCK = 0x746F7069  # pg_advisory_lock key: two processes starting at once migrate once
_PLACEMENT_LOCK = 0x746F7070  # pg_advisory_xact_lock key: one placing unit at a time (lock_placement)
# A worker's locks must not outlive the worker. Its machine may vanish without closing its
# connections (power, network): the server then keeps the session, its open transaction and
# its advisory locks (the placement lock every worker's saves wait for, the render lock)
# until the kernel's TCP keepalive notices, about two hours by default. The server probes an
# idle client every 30 s and drops it after 3 unanswered probes 10 s apart; a live client
# that sits in an open transaction for 5 minutes (stopped, hung) loses it, and with it the
# locks; a unit is a few round trips, never minutes of waiting. Set per session (any user
# may), with SET, not as startup options, which PgBouncer refuses; only where the session
# has PostgreSQL's default (0): an operator's own value stands.
SESSION_SETTINGS: tuple[tuple[str, str], ...] = (
    ("idle_in_transaction_session_timeout", "5min"),
    ("tcp_keepalives_idle", "30"),
    ("tcp_keepalives_interval", "10"),
    ("tcp_keepalives_count", "3"),
)
# And this side's libpq probes the server the same way, so a call waiting on a server that
# vanished fails in about a minute instead of hanging its thread; a URL that sets its own
# keepalives keeps them.
CLIENT_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


class Row(tuple[Any, ...]):
    """A result row by index and by column name, as sqlite3.Row."""

    _index: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _rows(cursor: Any) -> RowMaker[Row]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row._index = index
        return row

    return make


class PgDB:
    """The entity modules' ``DB`` over one psycopg connection: SQLite's SQL, translated."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Any = (), /) -> psycopg.Cursor[Row]:
        cursor = self.conn.cursor(row_factory=_rows)
        cursor.execute(to_postgres(sql), parameters)
        return cursor

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> psycopg.Cursor[Row]:
        cursor = self.conn.cursor(row_factory=_rows)
        rows = list(parameters)
        if rows:
            cursor.executemany(to_postgres(sql), rows)
        return cursor


class PgDialect:
    """schema.migrate's needs on PostgreSQL."""

    def has_table(self, db: DB, name: str) -> bool:
        return bool(db.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0])

    def transaction(self, db: DB) -> AbstractContextManager[object]:
        assert isinstance(db, PgDB)
        return db.conn.transaction()

    def ddl(self, statement: str) -> str:
        return ddl_to_postgres(statement)


class PostgresBackend(Backend):
    errors = (psycopg.Error,)
    shared = True

    def __init__(self, pool: ConnectionPool[Any], location: str) -> None:
        self.pool = pool
        self.location = location
        self._lock = threading.RLock()  # one unit at a time in this process (see the docstring)
        self._local = threading.local()  # .conn: the connection of this thread's open unit

    @classmethod
    def open(cls, url: str, now: str, pool_size: int = POOL_SIZE) -> PostgresBackend:
        location = redact(url)
        try:
            with _connect(url) as conn:
                conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
                schema.migrate(PgDB(conn), now, PgDialect())
        except psycopg.Error as e:
            raise StoreError(f"cannot open store {location}: {e}") from e
        pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, **_keepalives(url)},
            configure=_configure,
            open=False,
            name="topicwire",
            # A connection is checked before it is lent: after the server went away and came
            # back, the pool hands out fresh connections, not dead ones (issue 16 point 6).
            check=ConnectionPool.check_connection,
            # A caller waits this long for a connection, then gets an error: a tick or a poll
            # must fail and be tried again, not hang while the database is away.
            timeout=POOL_WAIT,
        )
        try:
            pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        except psycopg.Error as e:
            pool.close()
            raise StoreError(f"cannot open store {location}: {e}") from e
        return cls(pool, location)

    def _unit_conn(self) -> psycopg.Connection[Any] | None:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        return conn

    @contextmanager
    def read(self) -> Iterator[DB]:
        conn = self._unit_conn()
        if conn is not None:
            yield PgDB(conn)
            return
        with self.pool.connection() as conn:
            yield PgDB(conn)

    @contextmanager
    def unit(self) -> Iterator[DB]:
        if self._unit_conn() is not None:
            raise StoreError("a store transaction is already open in this thread (transactions do not nest)")
        with self._lock, self.pool.connection() as conn, conn.transaction():
            self._local.conn = conn
            try:
                yield PgDB(conn)
            finally:
                self._local.conn = None

    @contextmanager
    def solo(self) -> Iterator[DB]:
        """A transaction on a pooled connection of its own, not queued behind this process's
        units: its statements touch only rows no unit writes (store/hosts.py)."""
        if self._unit_conn() is not None:
            raise StoreError("a store transaction is already open in this thread (transactions do not nest)")
        with self.pool.connection() as conn, conn.transaction():
            yield PgDB(conn)

    @contextmanager
    def committed(self) -> Iterator[None]:
        if self._unit_conn() is not None:
            raise StoreError("cannot commit from inside a store transaction")
        with self._lock:
            yield

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """A session advisory lock on its own pooled connection, released at the end of the
        block (and by the server if this process dies: the connection goes with it)."""
        with self.pool.connection() as conn:
            got = bool(conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (name,)).fetchone()[0])
            try:
                yield got
            finally:
                if got:
                    conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))

    def close(self) -> None:
        with self._lock:
            self.pool.close()

    def ping(self) -> bool:
        try:
            with self.pool.connection(timeout=5) as conn:
                conn.execute("SELECT 1").fetchone()
        except psycopg.Error:
            return False
        return True

    def size_bytes(self) -> int:
        with self.read() as db:
            return int(db.execute("SELECT pg_database_size(current_database())").fetchone()[0])

    def vacuum_if_worthwhile(self) -> bool:
        return False  # autovacuum reclaims deleted rows on PostgreSQL

    def lock_placement(self, db: DB) -> None:
        """One transaction-scoped advisory lock for every worker's placements: a unit that
        is about to read the near-duplicate index (or the exact keys) waits until any other
        placing unit has committed, and under READ COMMITTED its next read sees that unit's
        articles and bands. So two copies of one story placed at the same instant by two
        workers end as one story (issue 16 point 3). One lock, not one per band hash: a
        poll's unit places many articles and holds its locks to the commit, so per-band locks
        would take 42 lock-table slots an article (a backlog poll could exhaust the server's
        shared lock table) and could deadlock across two polls' articles. The lock covers only
        the unit's database work: fetching, extraction, MinHash and topic matching happen
        before it, in parallel."""
        db.execute("SELECT pg_advisory_xact_lock(?)", (_PLACEMENT_LOCK,)).fetchone()

    def backup(self, target: Path) -> None:
        raise StoreError(
            f"topicwire backup copies SQLite stores; for the PostgreSQL store {self.location} "
            f"use pg_dump (pg_dump -Fc -f {target} URL)"
        )


def _connect(url: str) -> psycopg.Connection[Any]:
    keepalives: dict[str, Any] = _keepalives(url)
    return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT, **keepalives)


def _keepalives(url: str) -> dict[str, int]:
    """CLIENT_KEEPALIVES but those the URL sets itself."""
    try:
        given = conninfo_to_dict(url)
    except psycopg.ProgrammingError:  # psycopg.connect names the bad URL itself
        return {}
    return {key: value for key, value in CLIENT_KEEPALIVES.items() if key not in given}


def _configure(conn: psycopg.Connection[Any]) -> None:
    """SESSION_SETTINGS on each new pooled connection (autocommit: each SET stands alone),
    each only where the session has it at 0, PostgreSQL's default (off; the system's
    keepalives): a value the operator chose (postgresql.conf, ALTER ROLE/DATABASE ... SET,
    the URL's ``options``) stands."""
    names = [name for name, _ in SESSION_SETTINGS]
    rows = conn.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", (names,)).fetchall()
    unset = {name for name, setting in rows if setting == "0"}
    for name, value in SESSION_SETTINGS:
        if name in unset:
            conn.execute(sql.SQL("SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))


def probe(url: str) -> Probe:
    """Connect and read the server and schema versions; nothing is created or migrated."""
    location = redact(url)
    try:
        with _connect(url) as conn:
            db = PgDB(conn)
            server = str((conn.execute("SHOW server_version").fetchone() or ("?",))[0])
            version = schema.current_version(db, PgDialect())
    except psycopg.Error as e:
        raise StoreError(f"cannot connect to store {location}: {e}") from e
    return Probe("PostgreSQL", location, server, version)
