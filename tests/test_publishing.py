"""`run`'s coalesced publishing (issue 19), through the real daemon on loopback feeds: a burst
of polls with new articles costs one render, a lone new article reaches its feed within
``output.publish_delay``, and SIGTERM publishes what still waits for its render."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import feedparser
import requests
from fixture_server import FixtureServer
from test_cli import ENV, free_port

RSS = {"Content-Type": "application/rss+xml"}


def feed(n: int, items: int) -> str:
    entries = "".join(
        f"<item><title>Story {n} {i}</title><link>http://x.test/{n}/{i}</link><guid>g{n}-{i}</guid>"
        f"<description>Item {i} of feed {n}.</description></item>"
        for i in range(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{n}</title>{entries}</channel></rss>'


def config(tmp_path: Path, server: FixtureServer, feeds: int, interval: str, delay: str) -> Path:
    lines = [
        "[server]",
        f'listen = "127.0.0.1:{free_port()}"',
        "[output]",
        f'publish_delay = "{delay}"',
        "[fetch]",
        "allow_private_addresses = true",
        'per_host_delay = "0s"',
        "per_host_concurrency = 8",
        "concurrency = 8",
        "[defaults]",
        "fulltext = false",
        f'interval = "{interval}"',
    ]
    for n in range(feeds):
        server.route(f"/f{n}.xml", feed(n, 3), headers=RSS)
        lines += ["[[sources]]", f'name = "f{n}"', f'url = "{server.url}/f{n}.xml"', 'kind = "feed"']
    lines += ["[[topics]]", 'name = "all"', 'query = "story"']
    path = tmp_path / "c.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def fields(line: str) -> dict[str, str]:
    """``level=info event=x a=1 b="two words"`` -> {"level": "info", ...}."""
    out = {}
    for part in shlex.split(line):
        key, _, value = part.partition("=")
        out[key] = value
    return out


class Run:
    """``topicwire run`` as a subprocess, its log lines collected as they come."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "topicwire", "-c", str(config), "run"], stderr=subprocess.PIPE, text=True, env=ENV
        )
        self.lines: list[dict[str, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(fields(line.strip()))

    def events(self, name: str) -> list[dict[str, str]]:
        return [f for f in list(self.lines) if f.get("event") == name]

    def wait(self, ready: Callable[[], bool], deadline: float = 30.0) -> None:
        end = time.monotonic() + deadline
        while not ready():
            assert self.proc.poll() is None, self.lines[-5:]
            assert time.monotonic() < end, f"not ready within {deadline}s: {self.lines[-5:]}"
            time.sleep(0.05)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self._reader.join(timeout=5)
        return code

    def stored(self) -> int:
        """Polls that stored new articles so far."""
        return sum(int(f.get("new", "0")) > 0 for f in self.events("source.updated"))

    def delayed_publishes(self) -> list[int]:
        """delay_ms of every coalesced publish (the start-up one has none)."""
        return [int(f["delay_ms"]) for f in self.events("feeds.published") if "delay_ms" in f]


def entries(path: Path) -> list[str]:
    return [e.title for e in feedparser.parse(path.read_bytes()).entries] if path.exists() else []


def test_a_burst_of_polls_costs_one_publish(tmp_path: Path, fixture_server: FixtureServer) -> None:
    feeds = 24
    run = Run(config(tmp_path, fixture_server, feeds, interval="3s", delay="4s"))
    rss = tmp_path / "var" / "feeds" / "all.rss"
    try:
        # All 24 polls land within the 3 s start-up spread, inside one 4 s delay.
        run.wait(lambda: run.stored() == feeds)
        run.wait(lambda: len(entries(rss)) == feeds * 3)
        time.sleep(1.0)  # a stray extra render would show up here
    finally:
        assert run.stop() == 0
    published = run.events("feeds.published")
    # The start-up publish, one for the burst (two if a poll was slower than the delay), the
    # stop's: not one per poll (before issue 19: 26).
    assert len(published) <= 4, len(published)
    delays = run.delayed_publishes()
    assert 1 <= len(delays) <= 3, delays
    assert 4000 <= delays[0] < 4000 + 5000  # waited the delay, then one render


def test_a_lone_article_is_published_within_the_delay(tmp_path: Path, fixture_server: FixtureServer) -> None:
    run = Run(config(tmp_path, fixture_server, 3, interval="2s", delay="1s"))
    rss = tmp_path / "var" / "feeds" / "all.rss"
    listen = re.search(r'listen = "([^"]+)"', run.config.read_text())
    assert listen
    try:
        run.wait(lambda: len(entries(rss)) == 9)
        before = len(run.lines)
        fixture_server.route("/f1.xml", feed(1, 4), headers=RSS)  # one new item: "Story 1 3"

        def shown() -> dict[str, str] | None:
            after = run.lines[before:]
            stored = [i for i, f in enumerate(after) if f.get("event") == "source.updated" and f.get("new") == "1"]
            published = [f for f in after[stored[0] :] if f.get("event") == "feeds.published"] if stored else []
            return published[0] if published else None

        # The files are written before the publish is logged: wait for both.
        run.wait(lambda: "Story 1 3" in entries(rss) and shown() is not None)
        publish = shown()
        metrics = requests.get(f"http://{listen.group(1)}/metrics", timeout=5).text
    finally:
        assert run.stop() == 0
    assert publish is not None
    # From the store to the feed: the 1 s delay plus one render (which takes milliseconds here).
    assert 1000 <= int(publish["delay_ms"]) < 1000 + 2000, publish
    count = re.search(r"^topicwire_publish_delay_seconds_count (\S+)$", metrics, re.M)
    assert count and float(count.group(1)) >= 2  # the first round's publish and this one
    assert 'topicwire_publish_delay_seconds_bucket{le="0.5"}' in metrics


def test_sigterm_publishes_what_waits(tmp_path: Path, fixture_server: FixtureServer) -> None:
    run = Run(config(tmp_path, fixture_server, 2, interval="2s", delay="5m"))
    rss = tmp_path / "var" / "feeds" / "all.rss"
    try:
        run.wait(lambda: run.stored() == 2)
        time.sleep(0.5)
        assert entries(rss) == []  # stored, still waiting for its render (5 minutes)
    finally:
        assert run.stop() == 0
    assert len(entries(rss)) == 6  # nothing stored is left unpublished at a clean stop
    stopping = next(i for i, f in enumerate(run.lines) if f.get("event") == "daemon.stopping")
    last = [f for f in run.lines[stopping:] if f.get("event") == "feeds.published"]
    assert len(last) == 1 and int(last[0]["delay_ms"]) >= 500
