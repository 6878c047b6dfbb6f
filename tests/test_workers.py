"""Workers visible (issue 16 point 5): each daemon heartbeats its row in the store's workers
table and removes it on a clean stop; `stats` shows the backend and each worker with its
claims and heartbeat age; /metrics and daemon.started name the worker. On PostgreSQL several
`run` share one store (no lock file); on SQLite the lock file still allows one."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from fixture_server import FixtureServer
from test_cli import SITE, config_text, free_port
from test_service import start, stop

from topicwire.daemon.cli import main
from topicwire.daemon.heartbeat import FORGET, Heartbeat
from topicwire.daemon.jobs import Jobs
from topicwire.daemon.store_cmds import worker_lines
from topicwire.store import Store, Worker

NOW = datetime(2024, 11, 14, 17, 8, tzinfo=UTC)


def test_heartbeat_rows_claims_and_a_clean_stop(store_at: Path | str) -> None:
    store = Store.open(store_at, NOW)
    clock = [NOW]
    try:
        with store.transaction() as tx:
            tx.sync_sources(tuple((f"s{i}", f"http://x.test/{i}", "feed") for i in range(3)))
            tx.heartbeat("dead:1", NOW - FORGET, NOW - FORGET, FORGET)  # killed long ago
        beat = Heartbeat(store, "here:7", interval=3600, clock=lambda: clock[0])
        beat.start(Jobs())  # not started: the first beat is written at once
        with store.transaction() as tx:
            assert tx.claim_due(NOW, "here:7", 2, timedelta(minutes=15)) == ["s0", "s1"]
            assert tx.claim_due(NOW, "gone:9", 5, timedelta(minutes=15)) == ["s2"]  # a worker with no row
        clock[0] = NOW + timedelta(seconds=95)
        assert beat.beat()
        # The dead worker's row is forgotten (silent for more than FORGET).
        assert store.workers() == (
            Worker("here:7", NOW, NOW + timedelta(seconds=95), 2),
            Worker("gone:9", None, None, 1),
        )
        lines = worker_lines(store, NOW + timedelta(seconds=100))
        assert lines[0] == "workers      2"
        assert re.search(r"here:7 +2 claims +last heartbeat 5s ago, started 2024-11-14 17:08:00", lines[1]), lines
        assert "gone:9" in lines[2] and "no heartbeat" in lines[2]
        with store.transaction() as tx:  # the scheduler releases its claims as its polls end
            tx.release_source("s0", "here:7", None)
            tx.release_source("s1", "here:7", None)
        beat.stop()
        assert store.workers() == (Worker("gone:9", None, None, 1),)
    finally:
        store.close()


def _config(folder: Path, base: str, store: str, port: int) -> Path:
    folder.mkdir()
    config = folder / "c.toml"
    text = (
        config_text(base, listen=f"127.0.0.1:{port}") + f"[store]\n{store}\n[output]\ndir = {json.dumps(str(folder))}\n"
    )
    config.write_text(text)
    return config


def test_two_runs_share_a_postgres_store_and_show_in_stats(
    tmp_path: Path, fixture_server: FixtureServer, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture_server.serve_dir("/", SITE)
    store = f"url = {json.dumps(pg_url)}"
    ports = free_port(), free_port()
    configs = [_config(tmp_path / f"w{i}", fixture_server.url, store, port) for i, port in enumerate(ports)]
    procs = [start(c) for c in configs]  # same machine, same store_path default: no lock file refuses
    try:
        # Both up, and the one source polled by one of them (feeds are rendered by each worker
        # from its own polls until issue 16 point 3 keeps them in the store).
        out = _stats_until(configs[0], capsys, lambda out: "workers      2" in out and "1 ok" in out, procs)
        metrics = requests.get(f"http://127.0.0.1:{ports[0]}/metrics", timeout=5).text
    finally:
        errs = [stop(p) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    assert f'worker="{_host()}:{procs[0].pid}"' in metrics and "topicwire_worker_info{" in metrics
    assert f"store        PostgreSQL {pg_url}" in out  # the test server's URL has no password
    assert "workers      2" in out
    for proc in procs:
        assert re.search(rf":{proc.pid} +\d+ claims? +last heartbeat \d+s ago", out), out
    for proc, err in zip(procs, errs, strict=True):
        assert f"event=daemon.started worker={_host()}:{proc.pid}" in err
    capsys.readouterr()
    assert main(["-c", str(configs[0]), "stats"]) == 0
    assert "workers      0 (no daemon running)" in capsys.readouterr().out  # clean stops removed the rows


def test_stats_on_sqlite_names_the_backend(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text(config_text("http://x.test"))
    assert main(["-c", str(config), "stats"]) == 0
    out = capsys.readouterr().out
    assert f"store        SQLite {tmp_path / 'var' / 'topicwire.sqlite3'}" in out
    assert "workers      0 (no daemon running)" in out


def _stats_until(
    config: Path, capsys: pytest.CaptureFixture[str], done: Callable[[str], bool], procs: list[subprocess.Popen[str]]
) -> str:
    end = time.monotonic() + 60
    while True:
        assert all(p.poll() is None for p in procs)
        capsys.readouterr()
        assert main(["-c", str(config), "stats"]) == 0
        out = capsys.readouterr().out
        if done(out) or time.monotonic() > end:
            return out
        time.sleep(0.3)


def _host() -> str:
    return socket.gethostname()
