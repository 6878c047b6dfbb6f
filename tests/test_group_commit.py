"""Group commit (store/db.GroupCommit): write units share a transaction only while another
writer waits; each unit is all or nothing; nothing is left uncommitted once writers stop."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from test_store import NOW, article, save

from topicwire.dedup.fingerprint import article_uid, fingerprint
from topicwire.errors import StoreError
from topicwire.store import Store, Transaction
from topicwire.store.db import GroupCommit, connect


def committed(where: Path | str) -> int:
    """Articles another connection sees: only what was committed (WAL readers; on
    PostgreSQL another session)."""
    if isinstance(where, str):
        with psycopg.connect(where) as pg:
            return int(pg.execute("SELECT COUNT(*) FROM articles").fetchone()[0])  # type: ignore[index]
    with sqlite3.connect(where) as other:
        return other.execute("SELECT COUNT(*) FROM articles").fetchone()[0]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "t.sqlite3"


@pytest.fixture
def sqlite_store(path: Path) -> Iterator[Store]:
    """The group commit is SQLite's: these tests reach into it."""
    s = Store.open(path, NOW)
    yield s
    s.close()


@pytest.fixture
def store(store_at: Path | str) -> Iterator[Store]:
    """The writer's rules hold on both backends (conftest.store_at)."""
    s = Store.open(store_at, NOW)
    yield s
    s.close()


def test_a_lone_writer_commits_every_unit(sqlite_store: Store, path: Path) -> None:
    store = sqlite_store
    save(store, article(1))
    assert committed(path) == 1
    save(store, article(2))
    assert committed(path) == 2


def _wait_for_a_waiting_writer(store: Store) -> None:
    deadline = time.monotonic() + 10
    while store._backend.writes.waiting == 0:  # the other thread is blocked on the store's lock
        assert time.monotonic() < deadline, "the second writer never queued"
        time.sleep(0.001)


def test_a_waiting_writer_joins_the_transaction_and_a_failing_unit_rolls_back_alone(
    sqlite_store: Store, path: Path
) -> None:
    store = sqlite_store
    seen_inside_b: list[int] = []

    def b() -> None:
        with pytest.raises(RuntimeError), store.transaction() as tx:
            seen_inside_b.append(committed(path))  # A's unit is there, not committed yet
            save_unit(tx, 2)
            raise RuntimeError("a bug in the middle of B's poll")

    store._backend.writes.max_age = 60  # a loaded machine must not age the group out before B queues
    with ThreadPoolExecutor(1) as pool:
        with store.transaction() as tx:
            save_unit(tx, 1)
            future = pool.submit(b)
            _wait_for_a_waiting_writer(store)
        future.result(timeout=10)
    assert seen_inside_b == [0]
    assert committed(path) == 1 and store.article_count() == 1  # B settled: A's unit committed, B's not


def save_unit(tx: Transaction, n: int) -> None:
    """The body of save() without its own transaction."""
    a = article(n)
    fp = fingerprint(a)
    tx.insert_article(article_uid(fp), a, fp, NOW)


def test_many_writers_group_commits_and_leave_nothing_uncommitted(sqlite_store: Store, path: Path) -> None:
    store = sqlite_store
    commits: list[str] = []
    store._backend.db.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)

    def write(n: int) -> bool:
        try:
            with store.transaction() as tx:
                save_unit(tx, n)
                time.sleep(0.001)  # a poll's save takes a while: let the others queue
                if n % 5 == 0:
                    raise RuntimeError(f"poll {n} fails")
        except RuntimeError:
            return False
        return True

    with ThreadPoolExecutor(16) as pool:
        ok = sum(pool.map(write, range(200)))
    assert ok == 160 and store.article_count() == 160
    assert committed(path) == 160  # nothing forced a commit: the last writer out found nobody waiting
    assert len(commits) < 100, f"{len(commits)} commits for 200 units: nothing was grouped"


def test_close_and_committed_reads_commit_what_waits(path: Path) -> None:
    store = Store.open(path, NOW)
    store._backend.writes.waiting = 1  # as if another writer were queued
    save(store, article(1))
    assert committed(path) == 0
    with store.committed():
        assert committed(path) == 1
    save(store, article(2))
    store.close()
    assert committed(path) == 2


@pytest.fixture
def raw(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    db = connect(tmp_path / "raw.sqlite3")
    db.execute("CREATE TABLE t (x INTEGER)")
    yield db
    db.close()


def test_a_group_is_bounded_by_units_and_age(raw: sqlite3.Connection) -> None:
    group = GroupCommit(raw, max_units=3, max_age=60)
    group.waiting = 1
    for x in range(3):
        with group.unit() as db:
            db.execute("INSERT INTO t VALUES (?)", (x,))
        assert raw.in_transaction == (x < 2)  # the third unit commits
    old = GroupCommit(raw, max_units=100, max_age=0.0)
    old.waiting = 1
    with old.unit() as db:
        db.execute("INSERT INTO t VALUES (9)")
    assert not raw.in_transaction  # older than max_age: committed though a writer waits


def test_an_error_sqlite_rolled_back_itself_is_not_masked(raw: sqlite3.Connection) -> None:
    group = GroupCommit(raw)
    with pytest.raises(sqlite3.OperationalError, match="no such table"), group.unit() as db:
        db.execute("INSERT INTO t VALUES (1)")
        db.execute("ROLLBACK")  # as SQLite does by itself on a full disk
        db.execute("INSERT INTO missing VALUES (1)")
    assert not raw.in_transaction and raw.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0


def test_transactions_do_not_nest_and_nothing_commits_from_inside_one(store: Store, store_at: Path | str) -> None:
    path = store_at
    with pytest.raises(StoreError, match="do not nest"), store.transaction() as tx:
        save_unit(tx, 1)
        with store.transaction() as inner:
            save_unit(inner, 2)
    with pytest.raises(StoreError, match="inside a store transaction"), store.transaction() as tx:
        save_unit(tx, 3)
        with store.committed():
            pass
    assert committed(path) == 0 and store.article_count() == 0  # both outer units rolled back whole
    save(store, article(4))
    assert committed(path) == 1


def test_a_writer_interrupted_while_queueing_is_not_counted_as_waiting(sqlite_store: Store, path: Path) -> None:
    store = sqlite_store

    class Interrupted(Exception):
        pass

    real = store._backend._lock

    class FailingOnce:
        def __enter__(self) -> None:
            real.acquire()

        def __exit__(self, *exc: object) -> None:
            real.release()

        def acquire(self) -> bool:
            store._backend._lock = real
            raise Interrupted  # as a signal handler raising in a blocked acquire (Ctrl-C)

        def release(self) -> None:
            real.release()

    store._backend._lock = FailingOnce()  # type: ignore[assignment]
    with pytest.raises(Interrupted):
        save(store, article(1))
    assert store._backend.writes.waiting == 0
    save(store, article(2))
    assert committed(path) == 1  # a lone writer still commits at once


def test_a_failed_commit_is_reported_without_hiding_the_units_own_error(raw: sqlite3.Connection) -> None:
    raw.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    raw.execute("CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)")
    group = GroupCommit(raw)
    group.waiting = 1
    with group.unit() as db:
        db.execute("INSERT INTO child VALUES (42)")  # checked only at COMMIT
    group.waiting = 0
    with pytest.raises(ValueError, match="the unit's own error") as info, group.unit() as db:
        db.execute("INSERT INTO t VALUES (1)")
        raise ValueError("the unit's own error")
    assert any("cannot commit" in note for note in info.value.__notes__)
    assert not raw.in_transaction and raw.execute("SELECT COUNT(*) FROM child").fetchone()[0] == 0


def test_a_group_lost_to_sqlite_is_logged(raw: sqlite3.Connection, caplog: pytest.LogCaptureFixture) -> None:
    group = GroupCommit(raw)
    group.waiting = 1
    with group.unit() as db:
        db.execute("INSERT INTO t VALUES (1)")  # waits for the group commit
    with caplog.at_level(logging.ERROR), pytest.raises(sqlite3.OperationalError), group.unit() as db:
        db.execute("ROLLBACK")  # as SQLite does by itself on a full disk
        db.execute("INSERT INTO missing VALUES (1)")
    assert [r.getMessage() for r in caplog.records] == ["store.group_lost"]
    assert raw.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0


# -- the writer: a write outside a unit cannot be made (issue 15 point 5) ------------------
WRITES = sorted(name for name in vars(Transaction) if not name.startswith("_") and name != "end")
READS_ALSO_ON_STORE = {"find_article"}  # the desk's exact-key read, offered by both


def test_the_store_has_no_write_method(store: Store) -> None:
    assert [name for name in WRITES if hasattr(store, name) and name not in READS_ALSO_ON_STORE] == []
    a = article(1)
    fp = fingerprint(a)
    with pytest.raises(AttributeError):
        store.insert_article(article_uid(fp), a, fp, NOW)  # type: ignore[attr-defined]
    assert store.article_count() == 0


@pytest.mark.parametrize("name", WRITES, ids=WRITES)
def test_a_writer_used_after_its_block_raises_naming_the_method(store: Store, name: str) -> None:
    with store.transaction() as tx:
        pass
    with pytest.raises(StoreError, match=rf"{name}\(\) outside its transaction: its block has ended"):
        getattr(tx, name)()  # the check comes before the arguments are read


def test_a_writer_that_raised_out_of_its_block_is_dead_too(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        raise RuntimeError("a bug in the middle of a poll")
    with pytest.raises(StoreError, match="insert_article"):
        save_unit(tx, 1)
    assert store.article_count() == 0


def test_a_writer_used_from_another_thread_raises(store: Store) -> None:
    with store.transaction() as tx, ThreadPoolExecutor(1) as pool:
        failed = pool.submit(save_unit, tx, 1).exception(timeout=10)
        save_unit(tx, 2)
    assert isinstance(failed, StoreError) and "belongs to another thread" in str(failed)
    assert store.article_count() == 1


def test_two_threads_each_write_in_their_own_unit(store: Store, store_at: Path | str) -> None:
    path = store_at

    def write(n: int) -> None:
        with store.transaction() as tx:
            save_unit(tx, n)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(write, (1, 2)))
    assert store.article_count() == 2 and committed(path) == 2
