"""`run` as systemd sees it: sd_notify READY/WATCHDOG/STOPPING, one daemon per store,
online backup, and the unit's hardening score."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from test_cli import ENV, SITE, _wait_for_entries, config_text, free_port

from topicwire.daemon.cli import main

ROOT = Path(__file__).resolve().parents[1]


def start(config: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "topicwire", "-c", str(config), "run"],
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, **env},
    )


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return err


def test_notify_ready_watchdog_and_stopping(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.serve_dir("/", SITE)
    port = free_port()
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url, listen=f"127.0.0.1:{port}"))
    sock_path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(10)
    messages: list[str] = []

    def receive() -> None:
        # Read as systemd does, all the time: the socket queues only 10 datagrams, and the
        # watchdog pings every 0.1 s here while the first publish waits output.publish_delay.
        while True:
            try:
                messages.append(sock.recv(4096).decode())
            except OSError:  # timed out or closed: the daemon is gone
                return

    receiver = threading.Thread(target=receive, daemon=True)
    receiver.start()

    def seen(state: str) -> bool:
        end = time.monotonic() + 10
        while not any(state in m for m in messages) and time.monotonic() < end:
            time.sleep(0.05)
        return any(state in m for m in messages)

    proc = start(config, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="200000")
    try:
        assert seen("READY=1")
        assert messages[0].startswith("READY=1")
        # readiness comes after the store is open and the schedule is built: the server answers
        _wait_for_entries(f"http://127.0.0.1:{port}/kremlin.rss", proc)
        assert seen("WATCHDOG=1")
    finally:
        err = stop(proc)
    assert seen("STOPPING=1")
    sock.close()
    receiver.join(timeout=5)
    assert proc.returncode == 0, err


def serving(tmp_path: Path, fixture_server: FixtureServer) -> tuple[Path, int]:
    """A config for the fixture site with its own feed server port."""
    fixture_server.serve_dir("/", SITE)
    port = free_port()
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url, listen=f"127.0.0.1:{port}"))
    return config, port


def test_second_daemon_on_the_same_store_is_refused(tmp_path: Path, fixture_server: FixtureServer) -> None:
    config, port = serving(tmp_path, fixture_server)
    first = start(config)
    try:
        _wait_for_entries(f"http://127.0.0.1:{port}/kremlin.rss", first)
        second = subprocess.run(
            [sys.executable, "-m", "topicwire", "-c", str(config), "run"],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=60,
            check=False,
        )
        assert second.returncode == 1
        assert f"another topicwire daemon (pid {first.pid}) is already running" in second.stderr
    finally:
        err = stop(first)
    assert first.returncode == 0, err


def test_backup_is_a_consistent_copy(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.serve_dir("/", SITE)
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url))
    assert main(["-c", str(config), "once"]) == 0
    target = tmp_path / "backups" / "copy.sqlite3"
    assert main(["-c", str(config), "backup", str(target)]) == 0
    db = sqlite3.connect(target)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    original = sqlite3.connect(tmp_path / "var" / "topicwire.sqlite3")
    count = "SELECT COUNT(*) FROM articles"
    assert db.execute(count).fetchone()[0] == original.execute(count).fetchone()[0] >= 4


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed (.ci/run installs it)")
def test_unit_hardening_scores_ok() -> None:
    out = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(ROOT / "systemd" / "topicwire.service")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    score = float(re.search(r"Overall exposure level for topicwire.service: ([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    assert score <= 2.0, out[-2000:]


def test_unit_declares_what_ops_rely_on() -> None:
    unit = (ROOT / "systemd" / "topicwire.service").read_text()
    for line in (
        "Type=notify",
        "WatchdogSec=",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "StateDirectory=topicwire",
        "DynamicUser=yes",
        "Restart=on-failure",
        "MemoryMax=",  # a runaway is killed and restarted, not the machine's OOM killer's pick
    ):
        assert line in unit
    assert os.access(ROOT / "systemd" / "topicwire.service", os.R_OK)


def test_metrics_and_stats(tmp_path: Path, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]) -> None:
    import requests

    fixture_server.serve_dir("/", SITE)
    port = free_port()
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url, listen=f"127.0.0.1:{port}"))
    proc = start(config)
    try:
        _wait_for_entries(f"http://127.0.0.1:{port}/kremlin.rss", proc)
        response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    finally:
        err = stop(proc)
    assert proc.returncode == 0, err
    text = response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    for needle in (
        'topicwire_polls_total{outcome="ok",source="site"} 1.0',
        'topicwire_articles_total{result="new",source="site"} 4.0',
        'topicwire_extractions_total{method="trafilatura"} 4.0',
        "topicwire_poll_seconds_bucket",
        "topicwire_fetch_seconds_count 1.0",
        "topicwire_feed_render_seconds_count",
        "topicwire_stored_articles 4.0",
        "topicwire_stories 4.0",
        "topicwire_store_bytes",
        'topicwire_last_success_timestamp_seconds{source="site"}',
        'topicwire_deferrals{kind="deferred_urls"} 0.0',
    ):
        assert needle in text, needle
    assert main(["-c", str(config), "stats"]) == 0
    out = capsys.readouterr().out
    assert "articles     4  by extraction: trafilatura=4" in out and "1 ok" in out
    assert "stories      4  (0 articles joined another outlet's story)" in out


def _drip_config(tmp_path: Path, fixture_server: FixtureServer, port: int) -> Path:
    """The site plus a source that drips 5 kB at 50 B/s, scheduled first so it is in flight."""
    fixture_server.serve_dir("/", SITE)
    fixture_server.route("/slow.xml", b"<rss>" + b" " * 5000, headers={"Content-Type": "application/rss+xml"}, drip=50)
    slow = f'[[sources]]\nname = "slow"\nurl = "{fixture_server.url}/slow.xml"\n'
    text = config_text(fixture_server.url, listen=f"127.0.0.1:{port}")
    text = text.replace("[[sources]]", slow + "[[sources]]", 1).replace(
        "per_host_delay", 'timeout = "4s"\nper_host_delay'
    )
    config = tmp_path / "c.toml"
    config.write_text(text)
    return config


def _wait_for_request(server: FixtureServer, path: str, proc: subprocess.Popen[str]) -> None:
    end = time.monotonic() + 30
    while not any(r.path == path for r in server.requests):
        assert proc.poll() is None and time.monotonic() < end
        time.sleep(0.05)
    time.sleep(0.3)


def test_sigterm_bounds_in_flight_fetches(tmp_path: Path, fixture_server: FixtureServer) -> None:
    port = free_port()
    proc = start(_drip_config(tmp_path, fixture_server, port))
    _wait_for_request(fixture_server, "/slow.xml", proc)  # mid-drip now (4 s timeout, 100 s drip)
    started = time.monotonic()
    err = stop(proc)
    assert proc.returncode == 0, err
    assert time.monotonic() - started < 10  # bounded by fetch.timeout (4 s), not the 100 s drip


def test_second_sigterm_exits_at_once_and_corrupts_nothing(tmp_path: Path, fixture_server: FixtureServer) -> None:
    port = free_port()
    proc = start(_drip_config(tmp_path, fixture_server, port))
    _wait_for_request(fixture_server, "/slow.xml", proc)  # mid-drip now (4 s timeout, 100 s drip)
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert time.monotonic() - started < 2 and proc.returncode == 1
    db = sqlite3.connect(tmp_path / "var" / "topicwire.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_json_api(tmp_path: Path, fixture_server: FixtureServer) -> None:
    import requests

    fixture_server.serve_dir("/", SITE)
    port = free_port()
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url, listen=f"127.0.0.1:{port}"))
    proc = start(config)
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_for_entries(f"http://127.0.0.1:{port}/kremlin.rss", proc)
        topics = requests.get(f"{api}/topics", timeout=5)
        entries = requests.get(f"{api}/topics/kremlin/entries", timeout=5).json()["entries"]
        recent = requests.get(f"{api}/topics/kremlin/entries?since=2024-01-01T00:00:00Z", timeout=5).json()
        story = requests.get(f"{api}/stories/{entries[0]['id']}", timeout=5).json()
        sources = requests.get(f"{api}/sources", timeout=5).json()["sources"]
        missing = [
            requests.get(f"{api}/{p}", timeout=5).status_code for p in ("stories/nope", "topics/nope/entries", "x")
        ]
        bad_since = requests.get(f"{api}/topics/kremlin/entries?since=yesterday", timeout=5)
    finally:
        err = stop(proc)
    assert proc.returncode == 0, err
    assert topics.headers["Content-Type"].startswith("application/json")
    assert topics.json()["topics"][0]["feeds"]["rss"].endswith("/kremlin.rss")
    assert len(entries) == 4 and all(e["entry_id"].startswith("urn:topicwire:article:") for e in entries)
    assert [e["url"] for e in recent["entries"]] == [e["url"] for e in entries if e["published"] >= "2024"]
    assert story["id"] == entries[0]["id"] and story["text"] and story["topics"] == ["kremlin"]
    assert sources[0]["name"] == "site" and sources[0]["status"] == "ok" and sources[0]["articles"] == 4
    assert missing == [404, 404, 404] and bad_since.status_code == 400 and "since" in bad_since.json()["error"]


def test_a_crashing_daemon_writes_every_threads_stack(tmp_path: Path, fixture_server: FixtureServer) -> None:
    """A daemon killed by a fatal signal (here SIGABRT, as glibc's heap checks or a fatal
    interpreter error raise it) writes where each thread was before it dies (issue 16:
    a bench daemon once exited with SIGABRT and left nothing to read)."""
    config, port = serving(tmp_path, fixture_server)
    proc = start(config)
    try:
        _wait_for_entries(f"http://127.0.0.1:{port}/kremlin.rss", proc)
        proc.send_signal(signal.SIGABRT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGABRT
    assert "Fatal Python error: Aborted" in err
    assert "Current thread" in err and "Thread 0x" in err  # the main thread and the others
    assert 'File "' in err and "service.py" in err  # stacks that name the daemon's code


def test_sigterm_during_start_up_stops_cleanly_before_any_poll(
    tmp_path: Path, fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM while the store is being prepared (a slow start, systemd stopping the unit
    meanwhile): the daemon finishes starting, polls nothing and exits 0, instead of dying
    of the signal's default action (review 5: a loaded test run saw exit -15)."""
    from topicwire.config import load_config
    from topicwire.daemon.service import Daemon

    config, _ = serving(tmp_path, fixture_server)
    daemon = Daemon(load_config(config))
    prepare = daemon.prepare

    def prepare_then_terminated() -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # handled in this (the main) thread
        prepare()

    monkeypatch.setattr(daemon, "prepare", prepare_then_terminated)
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        assert daemon.run() == 0
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
    assert not fixture_server.requests  # no poll began
    assert not daemon.jobs.running  # no job ran: no tick, no poll
