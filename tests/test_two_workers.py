"""Two `topicwire run` processes on one PostgreSQL store (issue 16, "How it is tested"):
each feed is requested once per due time, never twice at once; the stories are the ones
one process makes; a worker killed with SIGKILL loses its sources to the other within
its lease."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
from crashlog import failure_log
from fixture_server import FixtureServer
from pg_cluster import create_database, drop_database
from test_cli import SITE, free_port
from test_service import start, stop

INTERVAL = 3.0  # seconds: every source, so a run of ~20 s polls each several times
LEASE = 4.0
FEEDS = ("feeds/rss.xml", "feeds/atom.xml", "feeds/caspian-post.xml", "feeds/steppe-daily.xml")
COPIES = 4  # the site's RSS feed again under other names: the same stories, other sources


def config(folder: Path, base: str, store: str, port: int) -> Path:
    folder.mkdir()
    sources = [(f"f{i}", f"{base}/{path}") for i, path in enumerate(FEEDS)]
    sources += [(f"copy{n}", f"{base}/copy{n}.xml") for n in range(COPIES)]
    text = "".join(
        f'[[sources]]\nname = "{name}"\nurl = "{url}"\nkind = "feed"\ninterval = "{INTERVAL:.0f}s"\n'
        for name, url in sources
    )
    (folder / "c.toml").write_text(
        f"[store]\n{store}\n[output]\ndir = {json.dumps(str(folder / 'feeds'))}\n"
        f'[server]\nlisten = "127.0.0.1:{port}"\n[daemon]\nworkers = 1\nlease = "{LEASE:.0f}s"\n'
        '[fetch]\nallow_private_addresses = true\nper_host_delay = "0s"\nconcurrency = 8\n'
        '[aliases]\nkremlin = ["Kremlin", "Peskov"]\n'
        f'{text}[[topics]]\nname = "all"\nquery = "@kremlin OR Azerbaijan OR Turkey OR Russia"\n',
        encoding="utf-8",
    )
    return folder / "c.toml"


class Clocked:
    """When each request to the site arrived (sampled every 20 ms from the server's log)."""

    def __init__(self, server: FixtureServer) -> None:
        self.server, self.seen, self.times = server, 0, []  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            requests = self.server.requests
            now = time.monotonic()
            self.times.extend((now, r.path) for r in requests[self.seen :])
            self.seen = len(requests)

    def stop(self) -> list[tuple[float, str]]:
        self._stop.set()
        self._thread.join()
        return self.times


def feed_times(times: list[tuple[float, str]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for at, path in times:
        if path.endswith(".xml"):
            out.setdefault(path, []).append(at)
    return out


def stories(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0])  # type: ignore[index]


def test_two_workers_share_the_sources_and_the_stories(tmp_path: Path, pg_url: str, pg_server: str) -> None:
    with FixtureServer() as server:
        server.serve_dir("/", SITE)
        rss = (SITE / "feeds" / "rss.xml").read_bytes().replace(b"{{BASE}}", server.url.encode())
        for n in range(COPIES):
            server.route(f"/copy{n}.xml", rss, headers={"Content-Type": "application/rss+xml"})
        store = f"url = {json.dumps(pg_url)}"
        configs = [config(tmp_path / f"w{i}", server.url, store, free_port()) for i in range(2)]
        clock = Clocked(server)
        a, b = start(configs[0]), start(configs[1])
        try:
            time.sleep(10)
            killed_at = time.monotonic()
            a.send_signal(signal.SIGKILL)  # its claims stay until the lease runs out
            a.wait(10)
            time.sleep(LEASE + 3 * INTERVAL)
        finally:
            err_b = stop(b)
            if a.poll() is None:
                a.kill()
            err_a = a.stderr.read() if a.stderr else ""  # type: ignore[union-attr]
        times = feed_times(clock.stop())
        assert b.returncode == 0, failure_log(err_b)
        assert "Traceback" not in err_a + err_b, (err_a + err_b)[-3000:]
        # A native crash of A before its SIGKILL prints faulthandler's dump, no "Traceback".
        assert "Fatal Python error" not in err_a + err_b, failure_log(err_a + err_b)
        # Each feed was requested several times, never twice at once: consecutive requests
        # of one feed are at least most of an interval apart (jitter only adds), whoever polls.
        assert set(times) == {f"/{p}" for p in FEEDS} | {f"/copy{n}.xml" for n in range(COPIES)}
        for path, at in times.items():
            gaps = [y - x for x, y in zip(at, at[1:], strict=False)]
            assert len(at) >= 3 and min(gaps) > INTERVAL * 0.6, (path, gaps)
            # After A died, B polled every source: its claims ran out within the lease.
            assert at[-1] > killed_at + LEASE, (path, at[-1] - killed_at)
        # One story per story: what one process makes of the same site.
        alone = create_database(pg_server)
        try:
            once_config = config(tmp_path / "alone", server.url, f"url = {json.dumps(alone)}", free_port())
            done = subprocess.run(
                [sys.executable, "-m", "topicwire", "-c", str(once_config), "once", "--workers", "1"],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, failure_log(done.stderr)
            assert stories(pg_url) == stories(alone) > 0
        finally:
            drop_database(pg_server, alone)
