"""Copying one store into another, across backends: ``topicwire migrate FROM TO`` (issue 16 point 5).

The source (a SQLite file or a PostgreSQL URL) is only read, in one read-only transaction,
so the copy is one consistent snapshot even if a daemon still writes (stop it first all the
same: what it writes after the snapshot is not copied). It must be at this topicwire's
schema version: a newer one is refused as Store.open refuses it, an older one too (it is
not ours to migrate: open it once with this version first). The target is opened as
Store.open opens it, created if need be and migrated to the current schema, then filled
table by table, parents before the rows that refer to them, in batches read in primary-key
order (keyset pagination: no server-side cursor, memory bounded on both backends).

Idempotent: every row is inserted with ON CONFLICT DO NOTHING, so a second run adds
nothing and a target that already holds some rows (an interrupted run) gets the rest; a row
already in the target is kept as it is. Counts are checked: after each batch every one of
its keys must be in the target (a row refused by another unique key fails the copy, naming
the table), and each table ends with at least the source's rows. Leases are not copied (the
target's workers have claimed nothing), nor are ``workers`` rows (the daemons of the source);
the schema's first-applied time is (Store.created: an empty feed's date stays the same).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from topicwire.errors import StoreError
from topicwire.store import postgres, schema, sqlite
from topicwire.store.backend import Backend, is_url, redact
from topicwire.store.dialect import DB

BATCH = 200  # rows per read and per write unit: articles carry their text and HTML


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]  # the primary key: pagination order and the presence check
    cleared: tuple[str, ...] = ()  # columns written as NULL in the copy
    identity: str = ""  # a column the database numbers: its sequence follows the copied ids


# Parents before children (foreign keys are enforced on both backends).
TABLES: tuple[Table, ...] = (
    Table("sources", ("name",), cleared=("lease_owner", "lease_until")),
    Table("http_cache", ("url",)),
    Table("source_templates", ("source",)),
    Table("topic_rules", ("topic",)),
    Table("articles", ("uid",)),
    Table("stories", ("id",)),
    Table("item_keys", ("source", "item_key")),
    Table("topic_articles", ("topic", "uid")),
    Table("topic_stories", ("topic", "story_id")),
    Table("deliveries", ("id",), identity="id"),
    Table("statements", ("uid", "position")),
    Table("statement_sources", ("uid",)),
    Table("bands", ("uid", "band")),
)
# The target's own; the source's daemons; per-host politeness times (pauses and spacing
# over by the time a copy is used); the shared store's rendered feed files (rendered again
# from the copied rows by the target's first publish).
NOT_COPIED = ("schema_version", "workers", "hosts", "host_pauses", "feed_files")


@dataclass(frozen=True)
class Copied:
    """One table's counts: rows in the source, in the target before and after the copy."""

    table: str
    source: int
    before: int
    after: int

    @property
    def added(self) -> int:
        return self.after - self.before


# (table, rows of it done so far, rows in the source): after each batch
Progress = Callable[[str, int, int], None]


def copy_store(source: Path | str, target: Path | str, now: str, progress: Progress) -> tuple[Copied, ...]:
    """Copy every table of ``source`` into ``target`` (see the module docstring)."""
    if _same(source, target):
        raise StoreError(f"migrate: {_shown(source)} is both the source and the target")
    with _snapshot(source) as src:
        dest = _open_target(target, now)
        try:
            copied = tuple(_copy_table(src, dest, table, progress) for table in TABLES)
            _keep_created(src, dest)
        except dest.errors as e:  # the source's too when both are one backend
            raise StoreError(f"migrate {_shown(source)} -> {dest.location} failed: {e}") from e
        finally:
            dest.close()
    return copied


def _copy_table(src: DB, dest: Backend, table: Table, progress: Progress) -> Copied:
    total, before = _count(src, table.name), _target_count(dest, table.name)
    columns = _columns(src, table.name)
    done = 0
    progress(table.name, done, total)
    for rows in _batches(src, table, columns):
        _insert(dest, table, columns, rows)
        done += len(rows)
        progress(table.name, done, total)
    if table.identity and isinstance(dest, postgres.PostgresBackend):
        with dest.unit() as db:  # later rows numbered after the copied ones
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{table.identity}'), "
                f"COALESCE(MAX({table.identity}), 0) + 1, false) FROM {table.name}"
            )
    after = _target_count(dest, table.name)
    if after < total:
        raise StoreError(f"migrate: table {table.name}: {after} rows in the target, {total} in the source")
    return Copied(table.name, total, before, after)


def _insert(dest: Backend, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    cleared = {columns.index(c) for c in table.cleared if c in columns}
    values = [tuple(None if i in cleared else v for i, v in enumerate(row)) for row in rows]
    marks = ", ".join("?" for _ in columns)
    keys = [tuple(row[columns.index(k)] for k in table.key) for row in rows]
    with dest.unit() as db:
        db.executemany(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT DO NOTHING", values
        )
        present = _present(db, table, keys)
    if present != len(rows):
        raise StoreError(
            f"migrate: table {table.name}: {len(rows) - present} of a batch of {len(rows)} rows are not in the "
            "target after the copy (another unique key of the target holds different rows)"
        )


def _present(db: DB, table: Table, keys: list[tuple[Any, ...]]) -> int:
    """How many of ``keys`` (primary keys) the table holds."""
    if len(table.key) == 1:
        where = f"{table.key[0]} IN ({', '.join('?' for _ in keys)})"
    else:
        row = f"({', '.join('?' for _ in table.key)})"
        where = f"({', '.join(table.key)}) IN (VALUES {', '.join(row for _ in keys)})"
    params = [v for key in keys for v in key]
    return int(db.execute(f"SELECT COUNT(*) FROM {table.name} WHERE {where}", params).fetchone()[0])


def _batches(src: DB, table: Table, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
    """The table's rows in primary-key order, BATCH at a time (keyset pagination)."""
    order = ", ".join(table.key)
    head = f"SELECT {', '.join(columns)} FROM {table.name}"
    after = f"({order}) > ({', '.join('?' for _ in table.key)})" if len(table.key) > 1 else f"{order} > ?"
    rows = [tuple(r) for r in src.execute(f"{head} ORDER BY {order} LIMIT ?", (BATCH,)).fetchall()]
    at = [columns.index(k) for k in table.key]
    while rows:
        yield rows
        last = [rows[-1][i] for i in at]
        query = f"{head} WHERE {after} ORDER BY {order} LIMIT ?"
        rows = [tuple(r) for r in src.execute(query, (*last, BATCH)).fetchall()]


def _columns(src: DB, table: str) -> list[str]:
    cursor: Any = src.execute(f"SELECT * FROM {table} LIMIT 0")
    cursor.fetchall()
    return [d[0] for d in cursor.description]


def _count(db: DB, table: str) -> int:
    return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _target_count(dest: Backend, table: str) -> int:
    with dest.read() as db:
        return _count(db, table)


def _keep_created(src: DB, dest: Backend) -> None:
    """Each migration's first-applied time is the earlier of the two stores' (Store.created)."""
    applied = src.execute("SELECT version, applied FROM schema_version").fetchall()
    with dest.unit() as db:
        db.executemany(
            "UPDATE schema_version SET applied = ? WHERE version = ? AND applied > ?",
            [(when, version, when) for version, when in applied],
        )


@contextmanager
def _snapshot(where: Path | str) -> Iterator[DB]:
    """The source, read-only, in one transaction (one consistent snapshot), at this schema version."""
    shown = _shown(where)
    try:
        with _read_only(where) as (db, dialect):
            _check_version(shown, schema.current_version(db, dialect))
            yield db
    except (sqlite3.Error, psycopg.Error) as e:
        raise StoreError(f"migrate: reading {shown} failed: {e}") from e


@contextmanager
def _read_only(where: Path | str) -> Iterator[tuple[DB, Any]]:
    if is_url(where):
        with psycopg.connect(str(where), connect_timeout=postgres.CONNECT_TIMEOUT) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            yield postgres.PgDB(conn), postgres.PgDialect()
        return
    path = Path(where)
    if not path.is_file():
        raise StoreError(f"migrate: no store at {path}")
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)) as db:
        db.execute("BEGIN")  # the first read takes the snapshot the whole copy reads
        try:
            yield db, sqlite.SqliteDialect()
        finally:
            db.execute("ROLLBACK")


def _check_version(shown: str, version: int) -> None:
    if version == 0:
        raise StoreError(f"migrate: {shown} holds no topicwire store")
    if version > schema.VERSION:
        raise StoreError(
            f"migrate: {shown} has schema version {version}, newer than this topicwire (knows up to "
            f"{schema.VERSION}); upgrade topicwire first"
        )
    if version < schema.VERSION:
        raise StoreError(
            f"migrate: {shown} has schema version {version}, older than this topicwire's {schema.VERSION}; "
            "open it once with this version first (e.g. `topicwire sources` with it as the store), then migrate"
        )


def _open_target(where: Path | str, now: str) -> Backend:
    if is_url(where):
        return postgres.PostgresBackend.open(str(where), now)
    return sqlite.SqliteBackend.open(Path(where), now)


def _same(a: Path | str, b: Path | str) -> bool:
    if is_url(a) or is_url(b):
        return str(a) == str(b)
    return Path(a).resolve() == Path(b).resolve()


def _shown(where: Path | str) -> str:
    return redact(str(where)) if is_url(where) else str(where)
