"""The database goes away under a running daemon and comes back (issue 16 point 6): the
daemon stays up, /healthz answers 503 meanwhile, it keeps trying with backoff, nothing is
lost, and it resumes alone: an article the site published during the outage reaches the
feed after it. A real PostgreSQL of the test's own, stopped and started."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
from crashlog import failure_log
from fixture_server import FixtureServer
from pg_cluster import PgCluster, create_database, find_bin
from test_cli import free_port
from test_service import ENV, start, stop

from topicwire.clock import utc_now
from topicwire.daemon.scheduler import SourceScheduler
from topicwire.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)


def feed(count: int) -> bytes:
    items = "".join(
        f"<item><title>Kremlin statement number {n}</title><link>http://news.test/{n}</link><guid>g{n}</guid>"
        f"<description>Peskov said the Kremlin statement {n} was final.</description>"
        f"<pubDate>{format_datetime(NOW - timedelta(minutes=count - n))}</pubDate></item>"
        for n in range(count)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


@pytest.fixture
def own_cluster() -> Iterator[PgCluster]:
    """A cluster this test alone stops and starts (the session's is shared by other tests)."""
    bindir = find_bin()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found: apt-get install postgresql")
    cluster = PgCluster(bindir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def entries(path: Path) -> int:
    try:
        return len(json.loads(path.read_text(encoding="utf-8"))["items"])
    except (OSError, ValueError):
        return 0


def wait_for(condition, seconds: float, proc) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while not condition():
        assert proc.poll() is None, "the daemon ended"
        assert time.monotonic() < end, "gave up waiting"
        time.sleep(0.2)


def health(port: int) -> int:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code
    except requests.RequestException:
        return 0


def test_the_database_goes_away_for_a_while_and_nothing_is_lost(tmp_path: Path, own_cluster: PgCluster) -> None:
    url = create_database(own_cluster.url)
    port = free_port()
    with FixtureServer() as site:
        site.route("/feed.xml", feed(2), headers={"Content-Type": "application/rss+xml"})
        config = tmp_path / "c.toml"
        config.write_text(
            f"[store]\nurl = {json.dumps(url)}\n[output]\ndir = {json.dumps(str(tmp_path / 'feeds'))}\n"
            'publish_delay = "0s"\n'
            f'[server]\nlisten = "127.0.0.1:{port}"\n[daemon]\nworkers = 1\nlease = "5s"\n'
            '[fetch]\nallow_private_addresses = true\nper_host_delay = "0s"\n[defaults]\nfulltext = false\n'
            f'[[sources]]\nname = "site"\nurl = "{site.url}/feed.xml"\nkind = "feed"\ninterval = "2s"\n'
            '[[topics]]\nname = "kremlin"\nquery = "Kremlin"\n',
            encoding="utf-8",
        )
        out = tmp_path / "feeds" / "kremlin.json"
        proc = start(config)
        try:
            wait_for(lambda: entries(out) == 2 and health(port) == 200, 60, proc)
            own_cluster.pause()  # the database goes away
            site.route("/feed.xml", feed(3), headers={"Content-Type": "application/rss+xml"})  # news meanwhile
            wait_for(lambda: health(port) == 503, 30, proc)
            time.sleep(6)  # polls fail, ticks back off; the daemon stays up
            assert proc.poll() is None
            assert entries(out) == 2  # the feed still answers what it had
            own_cluster.resume()
            wait_for(lambda: entries(out) == 3 and health(port) == 200, 90, proc)  # resumed alone
        finally:
            err = stop(proc)
    assert proc.returncode == 0, failure_log(err)
    assert "event=store.unavailable" in err and "event=store.recovered" in err, err[-3000:]
    assert "Traceback" not in err, err[-3000:]


def test_a_claim_the_tick_cannot_give_back_is_owed_not_leaked(own_cluster: PgCluster) -> None:
    """Review of issue 16: a tick claims sources, one is not this daemon's (a reload removed
    it) and giving it back fails because the database is away: the release is owed (done by
    the first tick the database answers), and the tick's other claims are still started."""
    url = create_database(own_cluster.url)
    store = Store.open(url, utc_now())
    with store.transaction() as tx:
        tx.sync_sources((("gone", "http://x.test/g", "feed"),))
    scheduler = SourceScheduler(lambda s, spread: None, 1, store, "me")
    try:
        with store.transaction() as tx:
            assert tx.claim_due(utc_now(), "me", 5, timedelta(minutes=2)) == ["gone"]
        own_cluster.pause()
        try:
            scheduler._start("gone")  # not configured here: given back, or owed (no StoreError)
        finally:
            own_cluster.resume()
        assert scheduler._owed == {"gone": None}
        scheduler._release_owed()
        assert {w.id: w.claims for w in store.workers() if w.claims} == {}
    finally:
        scheduler.stop()
        store.close()


def test_a_reload_while_the_database_is_away_leaves_the_daemon_running(tmp_path: Path, own_cluster: PgCluster) -> None:
    """SIGHUP during an outage: the reload's store work (registering the sources) fails, the
    daemon keeps its running config and stays up, and the reload is made once the database
    answers (the source the new config adds is polled). It escaped run() as a StoreError:
    the daemon ended with exit 1, no clean stop, its leases left to run out."""
    url = create_database(own_cluster.url)
    port = free_port()
    with FixtureServer() as site:
        site.route("/feed.xml", feed(2), headers={"Content-Type": "application/rss+xml"})
        site.route("/other.xml", feed(3), headers={"Content-Type": "application/rss+xml"})
        config = tmp_path / "c.toml"
        text = (
            f"[store]\nurl = {json.dumps(url)}\n[output]\ndir = {json.dumps(str(tmp_path / 'feeds'))}\n"
            'publish_delay = "0s"\n'
            f'[server]\nlisten = "127.0.0.1:{port}"\n[daemon]\nworkers = 1\nlease = "5s"\n'
            '[fetch]\nallow_private_addresses = true\nper_host_delay = "0s"\n[defaults]\nfulltext = false\n'
            f'[[sources]]\nname = "site"\nurl = "{site.url}/feed.xml"\nkind = "feed"\ninterval = "2s"\n'
            '[[topics]]\nname = "kremlin"\nquery = "Kremlin"\n'
        )
        config.write_text(text, encoding="utf-8")
        out = tmp_path / "feeds" / "kremlin.json"
        log = tmp_path / "daemon.log"
        with log.open("w") as log_file:
            # Its log in a file, read while it runs: the database must stay away until the
            # reload has failed, however long a loaded machine takes to get there.
            proc = subprocess.Popen(
                [sys.executable, "-m", "topicwire", "-c", str(config), "run"], stderr=log_file, text=True, env=ENV
            )
        try:
            wait_for(lambda: entries(out) == 2 and health(port) == 200, 60, proc)
            own_cluster.pause()
            wait_for(lambda: health(port) == 503, 30, proc)
            config.write_text(
                text + f'[[sources]]\nname = "other"\nurl = "{site.url}/other.xml"\nkind = "feed"\ninterval = "2s"\n',
                encoding="utf-8",
            )
            proc.send_signal(signal.SIGHUP)
            # The reload's unit waits POOL_WAIT (5 s) for a connection, and fails.
            wait_for(lambda: "event=config.reload_failed" in log.read_text(), 90, proc)
            own_cluster.resume()
            # Both feeds' items share titles 0 and 1 (one story each): 2 + "other"'s third.
            wait_for(lambda: entries(out) == 3 and health(port) == 200, 90, proc)
        finally:
            stop(proc)
            err = log.read_text()
    assert proc.returncode == 0, failure_log(err)
    assert "event=config.reload_failed" in err and "event=config.reloaded" in err, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
