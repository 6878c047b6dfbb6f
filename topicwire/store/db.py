"""The SQLite connection and transactions: the only SQLite-specific corner.

Pragmas (WAL, foreign keys, busy timeout) live here so that another backend
can replace this module without touching the entity modules.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    The caller serialises units (Store's lock) and counts the writers waiting.
    """

    def __init__(self, db: sqlite3.Connection, max_units: int = 32, max_age: float = 0.25) -> None:
        self.db, self.max_units, self.max_age = db, max_units, max_age
        self.waiting = 0  # writers blocked on the caller's lock
        self._units, self._opened = 0, 0.0

    @contextmanager
    def unit(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        try:
            if not db.in_transaction:
                db.execute("BEGIN IMMEDIATE")
                self._units, self._opened = 0, time.monotonic()
            db.execute("SAVEPOINT unit")
        except sqlite3.Error as e:
            _rollback(db)
            raise StoreError(f"cannot start a transaction: {e}") from e
        try:
            yield db
        except BaseException:
            if db.in_transaction:  # some errors (disk full, I/O) already rolled back everything
                db.execute("ROLLBACK TO unit")
                db.execute("RELEASE unit")
            self.settle()
            raise
        db.execute("RELEASE unit")
        self._units += 1
        self.settle()

    def settle(self, *, force: bool = False) -> None:
        """Commit now unless another writer is about to add to this transaction."""
        if not self.db.in_transaction:
            return
        young = time.monotonic() - self._opened < self.max_age
        if not force and self.waiting and young and self._units < self.max_units:
            return
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as e:
            _rollback(self.db)
            raise StoreError(f"cannot commit: {e}") from e


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
