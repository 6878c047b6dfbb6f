"""Review of issue 16 point 1/3 and issue 19 (every timed job in one APScheduler, `once`
claiming its sources, dead workers' leases): the leases a starting `run` or `once` ends."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from test_cli import SITE, config_text

from topicwire.clock import utc_now
from topicwire.config import load_config
from topicwire.daemon.cli import main
from topicwire.daemon.heartbeat import FORGET, dead_here, end_dead_leases
from topicwire.daemon.service import Daemon
from topicwire.store import Store

HERE = socket.gethostname()
OTHER = '[[sources]]\nname = "other"\nurl = "{base}/feeds/atom.xml"\n'


@pytest.fixture
def live_pid() -> Iterator[int]:
    """A process of this host that lives through the test (a `once` polling, say)."""
    proc = subprocess.Popen(["sleep", "60"])
    yield proc.pid
    proc.kill()
    proc.wait()


def write_config(tmp_path: Path, base: str, store_at: Path | str) -> Path:
    store = f"url = {json.dumps(store_at)}" if isinstance(store_at, str) else f"path = {json.dumps(str(store_at))}"
    path = tmp_path / "c.toml"
    path.write_text(f"[store]\n{store}\n" + config_text(base, extra=OTHER.format(base=base)), encoding="utf-8")
    return path


def lease(store: Store, name: str, owner: str) -> None:
    with store.transaction() as tx:
        assert tx.claim_source(name, owner, utc_now(), timedelta(minutes=15))


def owners(store: Store) -> dict[str, int]:
    return {w.id: w.claims for w in store.workers() if w.claims}


def test_a_sqlite_run_starting_beside_a_once_never_polls_its_source_too(
    tmp_path: Path, fixture_server: FixtureServer, live_pid: int
) -> None:
    """`run` on a SQLite store ended every lease at its start ("the lock file makes this the
    only daemon"), but `once` takes no lock and may be polling beside it: the source `once`
    held was due, and `run` polled it a second time at once (README: never polled twice at
    once, on SQLite too). A killed run's lease (its workers row, its pid alive again as
    another process) still ends."""
    fixture_server.serve_dir("/", SITE)
    path = write_config(tmp_path, fixture_server.url, tmp_path / "db" / "t.sqlite3")
    assert main(["-c", str(path), "sources"]) == 0  # creates the store and both sources, never polled
    once, killed_run = f"{HERE}:{live_pid}", f"{HERE}:{os.getppid()}"  # both processes alive
    store = Store.open(load_config(path).store, utc_now())
    try:
        lease(store, "site", once)
        lease(store, "other", killed_run)
        with store.transaction() as tx:
            tx.heartbeat(killed_run, utc_now(), utc_now(), FORGET)  # a run writes its row first
    finally:
        store.close()
    daemon = Daemon(load_config(path))
    daemon._install_signals = lambda: None  # type: ignore[method-assign]  # run() in a thread here
    running = threading.Thread(target=daemon.run)
    running.start()
    try:
        end = time.monotonic() + 10
        while time.monotonic() < end and "/feeds/atom.xml" not in {r.path for r in fixture_server.requests}:
            time.sleep(0.05)
        # Until that poll ended (its lease given back): on a loaded machine it took 1.2 s
        # (the worker processes starting), past the second this test once waited in all.
        while time.monotonic() < end and owners(daemon.store) != {once: 1}:
            time.sleep(0.05)
        time.sleep(1.0)  # two ticks more: "site" is due too, were its lease gone
        asked = [r.path for r in fixture_server.requests]
        assert "/feeds/atom.xml" in asked  # the killed run's source is polled at once
        assert "/feeds/rss.xml" not in asked  # the once's is not polled by both
        assert owners(daemon.store) == {once: 1}
    finally:
        daemon.request_stop()
        running.join(30)


def test_leases_in_this_process_name_end_at_start(tmp_path: Path, store_at: Path | str) -> None:
    """A container started again has the same host name and the same pid (1 as its entry
    point): the killed worker's leases carry this process's own name. dead_here skipped them
    (the pid is alive: it is ours), and claim_due never takes a live lease even in its own
    name, so those sources waited the whole lease (15 minutes) on a shared store."""
    path = write_config(tmp_path, "http://127.0.0.1:9", store_at)
    assert main(["-c", str(path), "sources"]) == 0
    store = Store.open(load_config(path).store, utc_now())
    try:
        me = f"{HERE}:{os.getpid()}"
        lease(store, "site", me)
        assert end_dead_leases(store) == 1
        assert owners(store) == {}
        with store.transaction() as tx:
            assert tx.claim_due(utc_now() + timedelta(seconds=2), me, 5, timedelta(minutes=15)) == [
                "other",
                "site",
            ]
    finally:
        store.close()


def test_odd_lease_owners_never_stop_a_start() -> None:
    """A lease owner is any text in the store: one whose "pid" is a Unicode digit or beyond
    any C long raised (ValueError, OverflowError) out of dead_here, and so out of the start
    of `once` and of `run` on a shared store."""
    huge = f"{HERE}:{'9' * 20}"  # no such process: its lease ends
    assert dead_here([f"{HERE}:²", f"{HERE}:٣", huge, f"{HERE}:", f"{HERE}:-5"], HERE) == (huge,)
