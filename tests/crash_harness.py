"""kill -9 at random moments: shared by tests/test_crash.py and bench/crash.py.

A growing news site (each round adds articles) is polled by `topicwire once`
in a subprocess that is killed with SIGKILL after a random delay. After every
kill: the database passes PRAGMA integrity_check, every feed file parses, and
every article a *finished* run had stored is still there; at the end a normal
run completes.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import feedparser
from fixture_server import FixtureServer

ROOT = Path(__file__).resolve().parents[1]
BASE = datetime(2025, 1, 1, tzinfo=UTC)
PARAGRAPH = (
    "The Kremlin said on Tuesday that talks with Baku would continue, Peskov told reporters in Moscow, "
    "adding that the sides had agreed on next steps in the region. "
)


@dataclass
class Report:
    rounds: int = 0
    killed: int = 0
    finished: int = 0
    problems: list[str] = field(default_factory=list)
    articles: int = 0


def article_page(n: int) -> str:
    body = "".join(f"<p>Story {n}, paragraph {k}. {PARAGRAPH}</p>" for k in range(6))
    return f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>{body}</article></body></html>"


def feed(base: str, count: int) -> str:
    items = "".join(
        f"<item><title>Story {n}</title><link>{base}/a/{n}.html</link><guid>s{n}</guid>"
        f"<pubDate>{format_datetime(BASE + timedelta(hours=n))}</pubDate></item>"
        for n in range(count)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Crash site</title>{items}</channel></rss>'


def write_config(folder: Path, base: str) -> Path:
    text = f"""
[fetch]
allow_private_addresses = true
per_host_delay = "0s"
per_host_concurrency = 4
# All items in one poll: the final run must store every one (the default cap takes 100 a poll).
max_new_items = 10000
[[sources]]
name = "crash"
url = "{base}/feed.xml"
kind = "feed"
[[topics]]
name = "kremlin"
query = "Kremlin OR Peskov"
[[topics]]
name = "all"
query = "NOT zzzzqq"
"""
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def stored_uids(db_path: Path) -> set[str]:
    if not db_path.exists():
        return set()
    db = sqlite3.connect(db_path)
    try:
        exists = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles'").fetchone()
        return {r[0] for r in db.execute("SELECT uid FROM articles")} if exists else set()
    finally:
        db.close()


def check(folder: Path, must_have: set[str]) -> list[str]:
    problems = []
    db_path = folder / "var" / "topicwire.sqlite3"
    if db_path.exists():
        db = sqlite3.connect(db_path)
        verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
        db.close()
        if verdict != "ok":
            problems.append(f"integrity_check: {verdict}")
    missing = must_have - stored_uids(db_path)
    if missing:
        problems.append(f"{len(missing)} articles of a finished run are missing")
    out = folder / "var" / "feeds"
    for path in sorted(out.glob("*")) if out.exists() else []:
        if path.name.startswith("."):
            continue  # temp files of an interrupted write are hidden and never served
        data = path.read_bytes()
        if path.suffix == ".json":
            try:
                json.loads(data)
            except ValueError as e:
                problems.append(f"{path.name}: {e}")
        elif path.suffix in (".rss", ".atom") and feedparser.parse(data).bozo:
            problems.append(f"{path.name} does not parse")
    return problems


def run(folder: Path, rounds: int, seed: int = 1, max_delay: float = 2.5) -> Report:
    rng = random.Random(seed)
    report = Report()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with FixtureServer() as server:
        config = write_config(folder, server.url)
        count = 0
        must_have: set[str] = set()
        for _ in range(rounds + 1):
            count += rng.randint(1, 4)
            for n in range(count):
                server.route(f"/a/{n}.html", article_page(n), headers={"Content-Type": "text/html"}, delay=0.01)
            server.route("/feed.xml", feed(server.url, count), headers={"Content-Type": "application/rss+xml"})
            last = report.rounds == rounds
            proc = subprocess.Popen(
                [sys.executable, "-m", "topicwire", "-c", str(config), "once"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            deadline = time.monotonic() + (120 if last else rng.uniform(0.05, max_delay))
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                report.killed += 1
            else:
                report.finished += 1
                if proc.returncode != 0:
                    report.problems.append(f"round {report.rounds}: exit code {proc.returncode}")
                must_have = stored_uids(folder / "var" / "topicwire.sqlite3")
            report.problems += [f"round {report.rounds}: {p}" for p in check(folder, must_have)]
            report.rounds += 1
        report.articles = len(stored_uids(folder / "var" / "topicwire.sqlite3"))
        if report.articles != count:
            report.problems.append(f"final run stored {report.articles} of {count} articles")
    return report
