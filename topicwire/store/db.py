"""The SQLite connection and transactions: the only SQLite-specific corner.

Pragmas (WAL, foreign keys, busy timeout) live here so that another backend
can replace this module without touching the entity modules.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from topicwire import log
from topicwire.errors import StoreError


def connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so DDL in a
        # migration is inside the transaction too (the legacy mode commits it).
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable at checkpoints, never corrupt
        db.execute("PRAGMA foreign_keys = ON")
        # 16 MB of page cache (default 2 MB): a poll's inserts touch many index pages.
        db.execute("PRAGMA cache_size = -16384")
        db.row_factory = sqlite3.Row
    except (OSError, sqlite3.Error) as e:
        raise StoreError(f"cannot open store {path}: {e}") from e
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any exception."""
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as e:
        raise StoreError(f"cannot start a transaction: {e}") from e
    try:
        yield db
    except BaseException:
        _rollback(db)
        raise
    try:
        db.execute("COMMIT")
    except sqlite3.Error as e:
        _rollback(db)
        raise StoreError(f"cannot commit: {e}") from e


class GroupCommit:
    """Write units that share one transaction while other writers wait (group commit).

    Each unit is a SAVEPOINT: a unit that fails is rolled back alone. The transaction
    commits when a unit ends and no other writer is waiting for the store, or after
    ``max_units`` units or ``max_age`` seconds, so a lone writer commits every unit
    and a crash loses at most the uncommitted units, each whole (a poll's articles go
    with its validators, so the poll is simply made again). With 64 polls queued on the
    store a COMMIT per poll was ~20% of a poll's CPU (bench/fetch.py).

    When SQLite itself rolls the whole transaction back (disk full, I/O error) or the
    COMMIT fails, the units that waited in it are lost with it: logged as
    ``store.group_lost``; their polls are made again, since their validators went too.
    The caller serialises units (Store's lock) and counts the writers waiting. Units do
    not nest, and nothing commits from inside one.
    """

    def __init__(self, db: sqlite3.Connection, max_units: int = 32, max_age: float = 0.25) -> None:
        self.db, self.max_units, self.max_age = db, max_units, max_age
        self.waiting = 0  # writers blocked on the caller's lock
        self._units, self._opened = 0, 0.0  # units in the open transaction, failed ones too
        self._active = False

    @contextmanager
    def unit(self) -> Iterator[sqlite3.Connection]:
        if self._active:
            raise StoreError("a store transaction is already open in this thread (transactions do not nest)")
        db, began = self.db, not self.db.in_transaction
        try:
            if began:
                db.execute("BEGIN IMMEDIATE")
                self._units, self._opened = 0, time.monotonic()
            db.execute("SAVEPOINT unit")
        except sqlite3.Error as e:
            if began:
                _rollback(db)
            raise StoreError(f"cannot start a transaction: {e}") from e
        self._active, waited = True, self._units
        try:
            yield db
            db.execute("RELEASE unit")
        except BaseException as e:
            self._active = False
            self._undo(e, waited)
            raise
        self._active = False
        self._units += 1
        self.settle()

    def _undo(self, error: BaseException, waited: int) -> None:
        """Roll back the failed unit alone, then settle, never hiding ``error``."""
        db = self.db
        try:
            if db.in_transaction:
                db.execute("ROLLBACK TO unit")
                db.execute("RELEASE unit")
            elif waited:
                _group_lost(waited, error)
        except sqlite3.Error as cleanup:
            _group_lost(waited, cleanup)
            _rollback(db)
        self._units += 1
        try:
            self.settle()
        except StoreError as commit_error:
            error.add_note(f"then: {commit_error}")

    def settle(self, *, force: bool = False) -> None:
        """Commit now unless another writer is about to add to this transaction."""
        if self._active:
            raise StoreError("cannot commit from inside a store transaction")
        if not self.db.in_transaction:
            return
        young = time.monotonic() - self._opened < self.max_age
        if not force and self.waiting and young and self._units < self.max_units:
            return
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as e:
            _group_lost(self._units, e)
            _rollback(self.db)
            raise StoreError(f"cannot commit: {e}") from e


def _group_lost(units: int, error: BaseException) -> None:
    if units:
        log.event("store.group_lost", logging.ERROR, units=units, error=str(error))


def _rollback(db: sqlite3.Connection) -> None:
    # After some errors (disk full, I/O) SQLite has already rolled back by itself;
    # a second ROLLBACK would raise and hide the real cause.
    if db.in_transaction:
        db.execute("ROLLBACK")


def vacuum_if_worthwhile(db: sqlite3.Connection, threshold: float = 0.25) -> bool:
    """VACUUM when more than ``threshold`` of the file is free pages (SQLite-only, so here)."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    if not pages or free / pages <= threshold:
        return False
    db.execute("VACUUM")
    return True
