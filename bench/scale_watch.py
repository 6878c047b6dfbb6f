"""Watching bench/scale.py's daemons from outside: their CPU and memory, and their store.

Sampler      CPU seconds of each daemon's process tree (bench/steady.py's cpu_of, /proc)
             and the peak RSS of all of them together, twice a second; SIGKILLs one;
             SIGABRTs a daemon whose tree passes RUNAWAY_BYTES (its stacks go to run.log)
Reader       the store, read-only (SQLite ``mode=ro`` or a PostgreSQL connection): the
             article count, and every article's URL and story
server_cpu   the PostgreSQL server's CPU (postmaster and backends)
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
from pg_cluster import PgCluster
from steady import _tree, cpu_of, rss_of

POLL = 0.5  # seconds between two samples
# A daemon's process tree past this is a runaway, not a load: a daemon held 0.3 GB at 2,000
# feeds, and one grew to 23.6 GB in ~2.5 minutes and was OOM-killed, leaving nothing to read
# (issue 16, 1 run in ~6). It is sent SIGABRT at this size instead: faulthandler (daemon/cli.py)
# writes every thread's stack to its run.log, naming where the memory went.
RUNAWAY_BYTES = 4 * 2**30


class Sampler(threading.Thread):
    """CPU of each daemon's process tree (the last value read) and the peak RSS of all."""

    def __init__(self, procs: list[subprocess.Popen[bytes]]) -> None:
        super().__init__(daemon=True)
        self.procs = procs
        self.cpu = [0.0] * len(procs)
        self.frozen: set[int] = set()  # killed: its CPU stays what was read just before
        self.peak_rss = 0
        self.aborted: set[int] = set()  # sent SIGABRT as a runaway (RUNAWAY_BYTES)
        self.done = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self.done.wait(POLL):
            self.sample()

    def sample(self) -> None:
        with self._lock:
            rss = 0
            for i, proc in enumerate(self.procs):
                if i in self.frozen or proc.poll() is not None:
                    continue
                self.cpu[i] = max(self.cpu[i], cpu_of(proc.pid))
                tree = sum(_rss(p) for p in _tree(proc.pid))
                rss += tree
                if tree > RUNAWAY_BYTES and i not in self.aborted:
                    self.aborted.add(i)
                    print(f"daemon {i} (pid {proc.pid}) holds {tree / 2**30:.1f} GiB: SIGABRT", file=sys.stderr)
                    proc.send_signal(signal.SIGABRT)
            self.peak_rss = max(self.peak_rss, rss)

    def kill(self, i: int) -> None:
        self.sample()
        with self._lock:
            self.frozen.add(i)
            self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()


def _rss(pid: int) -> int:
    try:
        return rss_of(pid)
    except OSError:
        return 0


class Reader:
    """Read-only: the article count, and every article's (url, story)."""

    def __init__(self, sqlite_path: Path | None, pg_url: str | None) -> None:
        self.sqlite_path, self.pg_url = sqlite_path, pg_url

    def query(self, sql: str) -> list[tuple[object, ...]]:
        try:
            if self.pg_url:
                with psycopg.connect(self.pg_url, autocommit=True) as pg:
                    return list(pg.execute(sql).fetchall())
            assert self.sqlite_path is not None
            db = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=5)
            try:
                return db.execute(sql).fetchall()
            finally:
                db.close()
        except (sqlite3.Error, psycopg.Error):  # not made yet, or busy migrating
            return []

    def count(self) -> int:
        rows = self.query("SELECT COUNT(*) FROM articles")
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    def stories_of(self) -> dict[str, str]:
        return {str(url): str(story) for url, story in self.query("SELECT url, story_id FROM articles")}


def server_cpu(cluster: PgCluster | None) -> float:
    """CPU seconds of the PostgreSQL server so far: the postmaster and its backends (it reaps
    them, so ended ones count too)."""
    if cluster is None:
        return 0.0
    return cpu_of(int((cluster.data / "postmaster.pid").read_text().split()[0]))
