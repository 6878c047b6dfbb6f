"""The SQLite backend: one connection, one writer at a time, WAL readers, group commit.

The Store's lock serialises every use of the one connection; a writer counts itself as
waiting before it takes the lock, so the unit in progress leaves its transaction open for
it (db.GroupCommit). Reads in the writer's thread, and in any thread once it holds the lock,
see what earlier units wrote before it is committed; ``committed()`` commits first.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path

from topicwire.errors import StoreError
from topicwire.store import schema
from topicwire.store.backend import Backend, Probe
from topicwire.store.db import GroupCommit, connect, transaction, vacuum_if_worthwhile
from topicwire.store.dialect import DB


class SqliteDialect:
    """schema.migrate's needs on SQLite: the DDL is SQLite's already."""

    def has_table(self, db: DB, name: str) -> bool:
        return (
            db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None
        )

    def transaction(self, db: DB) -> AbstractContextManager[object]:
        assert isinstance(db, sqlite3.Connection)
        return transaction(db)

    def ddl(self, statement: str) -> str:
        return statement


class SqliteBackend(Backend):
    errors = (sqlite3.Error,)

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self.location = str(path)
        self._lock = threading.RLock()
        self.writes = GroupCommit(db)
        self._waiting_lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, now: str) -> SqliteBackend:
        db = connect(path)
        try:
            schema.migrate(db, now, SqliteDialect())
        except sqlite3.Error as e:
            db.close()
            raise StoreError(f"cannot migrate store {path}: {e}") from e
        except StoreError:
            db.close()
            raise
        return cls(db, path)

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        yield True  # one daemon per SQLite store (the lock file): nobody to share with

    @contextmanager
    def read(self) -> Iterator[DB]:
        with self._lock:
            yield self.db

    @contextmanager
    def unit(self) -> Iterator[DB]:
        with self._lock_for_writing(), self.writes.unit() as db:
            yield db

    def solo(self) -> AbstractContextManager[DB]:
        # One writer per SQLite store: an ordinary unit (the host state is not wired to a
        # limiter on SQLite, store/hosts.py; this serves its tests).
        return self.unit()

    @contextmanager
    def committed(self) -> Iterator[None]:
        with self._lock:
            self.writes.settle(force=True)
            yield

    def close(self) -> None:
        with self._lock:
            try:
                self.writes.settle(force=True)
            finally:
                self.db.close()

    def ping(self) -> bool:
        try:
            with self._lock:
                self.db.execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def size_bytes(self) -> int:
        """The database with its WAL and shared-memory files, as on disk."""
        files = self.path.parent.glob(self.path.name + "*")
        return sum(p.stat().st_size for p in files if p.is_file() and not p.name.endswith(".lock"))

    def vacuum_if_worthwhile(self) -> bool:
        with self._lock:
            self.writes.settle(force=True)  # VACUUM cannot run inside a transaction
            try:
                return vacuum_if_worthwhile(self.db)
            except sqlite3.Error as e:
                raise StoreError(f"vacuum failed: {e}") from e

    def backup(self, target: Path) -> None:
        """A consistent online copy (SQLite's backup API), written to a temp file then renamed."""
        temp = target.with_name(f".{target.name}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temp.unlink(missing_ok=True)
            copy = sqlite3.connect(temp)
            try:
                with self._lock:
                    self.writes.settle(force=True)  # the copy holds what is committed
                    self.db.backup(copy)
            finally:
                copy.close()
            os.replace(temp, target)
        except (OSError, sqlite3.Error, StoreError) as e:
            with suppress(OSError):  # the temp file may never have been made (no folder to make it in)
                temp.unlink(missing_ok=True)
            raise StoreError(f"backup to {target} failed: {e}") from e

    def lock_placement(self, db: DB) -> None:
        """Nothing to take: a unit begins with BEGIN IMMEDIATE, so SQLite's one writer
        already serialises placements, across processes too."""

    @contextmanager
    def _lock_for_writing(self) -> Iterator[None]:
        with self._waiting_lock:  # not the store's lock: the writer holding it must see us
            self.writes.waiting += 1
        try:
            self._lock.acquire()
        finally:  # also when a signal handler raises in acquire (Ctrl-C)
            with self._waiting_lock:
                self.writes.waiting -= 1
        try:
            yield
        finally:
            self._lock.release()


def probe(path: Path) -> Probe:
    """The store file's schema version, read only: nothing is created or migrated."""
    if not path.exists():
        return Probe("SQLite", str(path), sqlite3.sqlite_version, 0, exists=False)
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            version = schema.current_version(db, SqliteDialect())
        finally:
            db.close()
    except sqlite3.Error as e:
        raise StoreError(f"cannot read store {path}: {e}") from e
    return Probe("SQLite", str(path), sqlite3.sqlite_version, version)
