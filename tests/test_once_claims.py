"""`once` beside other workers (issue 16 point 3): it polls every source now, but never one
another worker is polling at this moment (a live lease); leases of this host's dead workers
(a `once` or `run` killed with SIGKILL) end at once instead of when they run out."""

from __future__ import annotations

import json
import socket
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from test_cli import SITE, config_text

from topicwire.clock import utc_now
from topicwire.config import load_config
from topicwire.daemon.cli import main
from topicwire.daemon.heartbeat import dead_here, end_dead_leases
from topicwire.store import Store

EXTRA = '[[sources]]\nname = "other"\nurl = "{base}/feeds/atom.xml"\n'


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def write_config(tmp_path: Path, base: str, store_at: Path | str) -> Path:
    store = f"url = {json.dumps(store_at)}" if isinstance(store_at, str) else f"path = {json.dumps(str(store_at))}"
    path = tmp_path / "c.toml"
    path.write_text(f"[store]\n{store}\n" + config_text(base, extra=EXTRA.format(base=base)), encoding="utf-8")
    return path


def lease(store: Store, name: str, owner: str, minutes: float = 15) -> None:
    with store.transaction() as tx:
        assert tx.claim_source(name, owner, utc_now(), timedelta(minutes=minutes))


def owners(store: Store) -> dict[str, int]:
    return {w.id: w.claims for w in store.workers() if w.claims}


def test_once_skips_a_source_another_worker_is_polling(
    tmp_path: Path, fixture_server: FixtureServer, store_at: Path | str, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture_server.serve_dir("/", SITE)
    path = write_config(tmp_path, fixture_server.url, store_at)
    assert main(["-c", str(path), "once"]) == 0  # creates the store and its sources
    store = Store.open(load_config(path).store, utc_now())
    try:
        lease(store, "site", "elsewhere:4242")  # a worker on another machine is polling it
        before = len(fixture_server.requests)
        capsys.readouterr()
        assert main(["-c", str(path), "once"]) == 0
        err = capsys.readouterr().err
        asked = {r.path for r in fixture_server.requests[before:]}
        assert "/feeds/atom.xml" in asked and "/feeds/rss.xml" not in asked
        assert "1 source polled" in err and "1 skipped (another worker is polling them: site)" in err
        assert owners(store) == {"elsewhere:4242": 1}  # its lease untouched; once released its own
    finally:
        store.close()


def test_leases_of_dead_workers_on_this_host_end_at_once(store_at: Path | str, tmp_path: Path) -> None:
    here = socket.gethostname()
    gone, live = f"{here}:{dead_pid()}", f"{here}:1"  # pid 1 is alive (init, or this container's)
    assert dead_here([gone, live, f"elsewhere:{dead_pid()}", "odd"], here) == (gone,)
    path = write_config(tmp_path, "http://127.0.0.1:9", store_at)
    assert main(["-c", str(path), "sources"]) == 0  # registers the two sources
    store = Store.open(load_config(path).store, utc_now())
    try:
        lease(store, "site", gone)
        lease(store, "other", live)
        assert end_dead_leases(store) == 1
        assert owners(store) == {live: 1}
        assert end_dead_leases(store) == 0
    finally:
        store.close()


def test_a_claim_is_refused_only_while_another_lease_is_live(store_at: Path | str, tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", store_at)
    assert main(["-c", str(path), "sources"]) == 0
    store = Store.open(load_config(path).store, utc_now())
    try:
        now = utc_now()
        with store.transaction() as tx:
            assert tx.claim_source("site", "a:1", now, timedelta(seconds=60))
            assert not tx.claim_source("site", "b:2", now, timedelta(seconds=60))
            assert tx.claim_source("site", "a:1", now, timedelta(seconds=60))  # its own again
            assert tx.claim_source("site", "b:2", now + timedelta(seconds=61), timedelta(seconds=60))  # ran out
    finally:
        store.close()
