"""Webhooks per topic (issue 18, point 5), against a real loopback receiver.

The receiver is an http.server on 127.0.0.1:0 (TCP_NODELAY) that records every POST
(headers and raw body) and answers as scripted: 204, 500, or a stall past the
client's deadline. "Down" is a socket bound but not listening: connecting is
refused at once, and ``start()`` brings the same URL up. A dripping receiver is
tests/raw_server.py. The news site is tests/fixture_server.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from raw_server import RawServer

from topicwire.config import WebhookConfig, load_config
from topicwire.daemon.cli import main
from topicwire.errors import ConfigError, StoreError
from topicwire.feeds.webhooks import Deliverer, outcome, retry_wait, signature
from topicwire.log import LOGGER
from topicwire.metrics import Metrics
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.store import Store, Transaction
from topicwire.upkeep import Upkeep

ROOT = Path(__file__).resolve().parents[1]
SECRET = "s3cret-key"
WAIT = 30.0  # seconds a test waits for something that should happen far sooner


# --- the receiver -------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float  # time.monotonic() when it arrived


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver

    def server_bind(self) -> None:
        self.socket.bind(self.server_address)  # no reverse DNS lookup (fixture_server.py)
        self.server_address = self.socket.getsockname()

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        r = self.server.receiver
        r.record(Post({k.lower(): v for k, v in self.headers.items()}, body, time.monotonic()))
        status, stall = r.answer()
        if stall:
            r.release.wait(stall)  # a stall ends early when the test is done with it
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class Receiver:
    def __init__(self, *, up: bool = True) -> None:
        self._lock = threading.Lock()
        self._posts: list[Post] = []
        self.status, self.stall = 204, 0.0
        self.release = threading.Event()
        self._started = False
        self._httpd = _Server(("127.0.0.1", 0), _Handler, bind_and_activate=False)
        self._httpd.receiver = self
        self._httpd.server_bind()  # the port is ours; refused until start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/hook"
        if up:
            self.start()

    def start(self) -> None:
        self._started = True
        self._httpd.server_activate()
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def answer(self) -> tuple[int, float]:
        with self._lock:
            return self.status, self.stall

    def script(self, status: int = 204, stall: float = 0.0) -> None:
        with self._lock:
            self.status, self.stall = status, stall

    def record(self, post: Post) -> None:
        with self._lock:
            self._posts.append(post)

    @property
    def posts(self) -> tuple[Post, ...]:
        with self._lock:
            return tuple(self._posts)

    def close(self) -> None:
        self.release.set()
        if self._started:
            self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    with FixtureServer() as server:
        yield server


# --- the news site and the config ---------------------------------------------------------

T0 = datetime(2025, 5, 1, tzinfo=UTC)


def feed(numbers: range, word: str = "Kremlin") -> bytes:
    # Teasers under 25 words: distinct stories, merged only by exact keys.
    items = "".join(
        f"<item><title>{word} story {n}</title><link>https://news.example/a/{n}</link><guid>g{n}</guid>"
        f"<description>{word} statement number {n} about item {n * 7919}.</description>"
        f"<pubDate>{format_datetime(T0 + timedelta(hours=n))}</pubDate></item>"
        for n in numbers
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>{items}</channel></rss>'.encode()


def write_config(folder: Path, site_url: str, hook: str, **over: str) -> Path:
    f = {"timeout": '"2s"', "max_attempts": "12", "retry_base": '"100ms"', "retry_max": '"200ms"'} | over
    text = f"""
[store]
path = "store.sqlite3"
[output]
dir = "feeds"
[fetch]
allow_private_addresses = true
per_host_delay = "0s"
timeout = {f["timeout"]}
connect_timeout = "1s"
[defaults]
fulltext = false
[webhooks]
max_attempts = {f["max_attempts"]}
retry_base = {f["retry_base"]}
retry_max = {f["retry_max"]}
[[sources]]
name = "site"
url = "{site_url}/feed.xml"
kind = "feed"
[[topics]]
name = "kremlin"
query = "Kremlin"
webhook = "{hook}"
webhook_secret = "{SECRET}"
[[topics]]
name = "quiet"
query = "Kremlin"
"""
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Rig:
    store: Store
    pipeline: Pipeline
    deliverer: Deliverer

    def poll(self) -> float:
        started = time.monotonic()
        self.pipeline.poll(self.pipeline.config.sources[0])
        return time.monotonic() - started

    def rows(self) -> list[sqlite3.Row]:
        return rows(self.pipeline.config.store_path)

    def close(self) -> None:
        self.deliverer.stop()
        self.pipeline.fetcher.close()
        self.store.close()


def rig(config_path: Path, clock: Callable[[], datetime] | None = None) -> Rig:
    config = load_config(config_path)
    store = Store.open(config.store_path, datetime.now(UTC))
    deliverer = Deliverer(config, store, clock) if clock else Deliverer(config, store)
    pipeline = Pipeline(config, store, make_fetcher(config))
    Upkeep.of(pipeline).prepare()
    return Rig(store, pipeline, deliverer)


def rows(store_path: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(store_path)
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM deliveries ORDER BY id").fetchall()
    finally:
        db.close()


def wait_for(condition: Callable[[], bool], seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


def verified(body: bytes, header: str) -> bool:
    """The README's verification snippet, as a receiver runs it."""
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


# --- pure decisions -------------------------------------------------------------------------


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"a": 1}'
    assert signature("k", body) == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert signature("k", body) != signature("k", body + b" ")


def test_retry_waits_double_with_jitter_up_to_the_cap_then_dead() -> None:
    policy = WebhookConfig(max_attempts=12, retry_base=60, retry_max=6 * 3600)
    low = [retry_wait(n, policy, 0.0) for n in range(1, 12)]
    high = [retry_wait(n, policy, 0.999999) for n in range(1, 12)]
    assert low[:3] == [45, 90, 180] and all(h <= 6 * 3600 for h in high)
    assert high[0] == pytest.approx(75) and low[-1] == 0.75 * 6 * 3600
    # The documented schedule: the 12th attempt 15-23 hours after the first.
    assert 15 * 3600 <= sum(low) <= sum(high) <= 23 * 3600, (sum(low) / 3600, sum(high) / 3600)
    assert retry_wait(1, policy, 0.5, retry_after=600) == 600  # Retry-After honoured
    assert retry_wait(1, policy, 0.5, retry_after=10**9) == 6 * 3600  # within retry_max
    assert [outcome(s, n, policy) for s, n in ((204, 12), (500, 11), (None, 12), (302, 1))] == [
        "delivered",
        "retry",
        "dead",
        "retry",
    ]


def test_config_keys_are_validated(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:1", "http://10.0.0.5:9000/in")
    config = load_config(path)
    assert (config.topics[0].webhook, config.topics[0].webhook_secret) == ("http://10.0.0.5:9000/in", SECRET)
    assert config.topics[1].webhook == "" and config.webhooks.retry_base == 0.1
    for bad, where in (
        (path.read_text().replace("http://10.0.0.5:9000/in", "ftp://x/"), "topics[0].webhook"),
        (path.read_text().replace(SECRET, "a\\r\\nb"), "topics[0].webhook_secret"),
        (path.read_text().replace("max_attempts = 12", "max_attempts = 0"), "webhooks.max_attempts"),
        (path.read_text().replace('retry_max = "200ms"', 'retry_max = "30d"'), "webhooks.retry_max"),
    ):
        path.write_text(bad)
        with pytest.raises(ConfigError) as e:
            load_config(path)
        assert any(p.startswith(where) for p in e.value.problems), e.value.problems


# --- the outbox -----------------------------------------------------------------------------


def test_new_entries_are_queued_with_their_membership_once(tmp_path: Path, site: FixtureServer) -> None:
    site.route("/feed.xml", body=feed(range(3)))
    r = rig(write_config(tmp_path, site.url, "http://127.0.0.1:9/hook"))
    try:
        r.poll()
        queued = r.rows()
        # One row per story of the topic with a webhook; none for "quiet", which has none.
        assert [(q["topic"], q["status"], q["attempts"]) for q in queued] == [("kremlin", "pending", 0)] * 3
        stories = {s for s in r.store.topic_story_ids("kremlin", 10)}
        assert {q["entry"] for q in queued} == stories
        # An edit of a stored entry (its updated time moved, text changed) is not a new entry.
        edited = feed(range(3)).replace(b"statement number 1 ", b"statement number one ")
        edited = edited.replace(b"<guid>g1</guid>", b"<guid>g1</guid><updated>2026-01-01T00:00:00Z</updated>")
        site.route("/feed.xml", body=edited)
        r.poll()
        assert len(r.rows()) == 3
    finally:
        r.close()


def test_a_poll_that_fails_to_commit_leaves_no_delivery(
    tmp_path: Path, site: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row and the membership share one transaction: a write failing after the
    stories were placed takes both, and the poll made again queues them."""
    site.route("/feed.xml", body=feed(range(2)))
    r = rig(write_config(tmp_path, site.url, "http://127.0.0.1:9/hook"))
    try:

        def disk_full(*args: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(Transaction, "record_poll", disk_full)  # the last write of the poll's transaction
        with pytest.raises(StoreError):
            r.poll()
        assert r.rows() == [] and r.store.topic_story_ids("kremlin", 10) == []
        monkeypatch.undo()
        r.poll()
        assert len(r.rows()) == 2 and len(r.store.topic_story_ids("kremlin", 10)) == 2
    finally:
        r.close()


# --- delivery against a real receiver --------------------------------------------------------


def test_fails_then_recovers_with_the_same_key_body_and_a_valid_signature(
    tmp_path: Path, site: FixtureServer, receiver: Receiver
) -> None:
    site.route("/feed.xml", body=feed(range(1)))
    receiver.script(500)
    r = rig(write_config(tmp_path, site.url, receiver.url))
    metrics = Metrics()
    r.deliverer.metrics = metrics
    metrics.add_outbox(r.store.delivery_states)
    try:
        r.deliverer.start()
        r.poll()
        wait_for(lambda: len(receiver.posts) >= 3)  # two retries, 100-200 ms apart
        receiver.script(204)
        wait_for(lambda: r.rows()[0]["status"] == "delivered")
        text = metrics.exposition()[0].decode()
    finally:
        r.close()
    posts = receiver.posts
    assert len(posts) >= 4
    keys = {p.headers["idempotency-key"] for p in posts}
    assert len(keys) == 1 and keys.pop().startswith("kremlin/story/")
    assert len({p.body for p in posts}) == 1, "every retry sends the same bytes"
    assert all(verified(p.body, p.headers["x-topicwire-signature"]) for p in posts)
    assert [int(p.headers["x-topicwire-attempt"]) for p in posts] == list(range(1, len(posts) + 1))
    assert all(abs(int(p.headers["x-topicwire-timestamp"]) - time.time()) < 60 for p in posts)
    gaps = [b.at - a.at for a, b in zip(posts, posts[1:], strict=False)]
    assert all(g >= 0.07 for g in gaps), gaps  # backed off (100 ms x 0.75 at least), not hammered
    doc = json.loads(posts[0].body)
    story = doc["entry"]
    assert doc["kind"] == "story" and doc["topic"] == "kremlin" and doc["id"] == posts[0].headers["idempotency-key"]
    assert story["title"] == "Kremlin story 0" and story["url"] == "https://news.example/a/0"
    assert {"id", "entry_id", "published", "updated", "summary", "articles", "topics"} <= set(story)
    row = rows(tmp_path / "store.sqlite3")[0]
    assert row["attempts"] == len(posts) and row["last_error"] is None
    assert 'topicwire_webhook_attempts_total{result="delivered",topic="kremlin"} 1.0' in text
    assert f'topicwire_webhook_attempts_total{{result="failed",topic="kremlin"}} {len(posts) - 1}.0' in text
    assert 'topicwire_webhook_outbox{status="delivered",topic="kremlin"} 1.0' in text


def test_dead_after_the_limit_and_shown_by_deliveries(
    tmp_path: Path, site: FixtureServer, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    site.route("/feed.xml", body=feed(range(2)))
    receiver.script(503)
    path = write_config(tmp_path, site.url, receiver.url, max_attempts="3")
    r = rig(path)
    metrics = Metrics()
    r.deliverer.metrics = metrics
    metrics.add_outbox(r.store.delivery_states)
    try:
        r.deliverer.start()
        r.poll()
        wait_for(lambda: all(q["status"] == "dead" for q in r.rows()))
        time.sleep(0.5)  # nothing more is sent to a dead delivery
        text = metrics.exposition()[0].decode()
    finally:
        r.close()
    assert len(receiver.posts) == 6 and [q["attempts"] for q in rows(tmp_path / "store.sqlite3")] == [3, 3]
    assert 'topicwire_webhook_dead_total{topic="kremlin"} 2.0' in text
    assert 'topicwire_webhook_outbox{status="dead",topic="kremlin"} 2.0' in text
    handlers = list(LOGGER.handlers)
    try:
        assert main(["-c", str(path), "deliveries"]) == 0
    finally:
        LOGGER.handlers[:] = handlers  # main() pointed the log at capsys's stream, closed after this test
    out = capsys.readouterr().out.splitlines()
    kremlin = next(line for line in out if line.startswith("kremlin "))
    assert kremlin.split()[1:5] == ["0", "0", "2", "0"] and "HTTP 503 Service Unavailable" in kremlin
    assert "dead deliveries (newest 2):" in out
    assert sum(line.strip().startswith("kremlin") and "3 attempts" in line for line in out) == 2


def test_a_stalling_receiver_holds_up_no_poll(tmp_path: Path, site: FixtureServer, receiver: Receiver) -> None:
    site.route("/feed.xml", body=feed(range(1)))
    receiver.script(204, stall=30)
    r = rig(write_config(tmp_path, site.url, receiver.url, timeout='"1500ms"'))
    try:
        r.deliverer.start()
        r.poll()
        wait_for(lambda: len(receiver.posts) == 1)  # the worker now waits on the stalled answer
        site.route("/feed.xml", body=feed(range(4)))
        seconds = r.poll()
        assert seconds < 0.5, seconds  # the poll stored 3 new stories while the receiver stalled
        assert len(r.rows()) == 4
        wait_for(lambda: r.rows()[0]["attempts"] == 1)
        first = r.rows()[0]
        assert first["status"] == "pending" and "no whole answer within 1.5 s" in first["last_error"]
        held = time.monotonic() - receiver.posts[0].at
        assert held < 3.0, held  # cut off at fetch.timeout, not at the receiver's 30 s
        receiver.script(204)
        receiver.release.set()
        wait_for(lambda: all(q["status"] == "delivered" for q in r.rows()))
    finally:
        r.close()
    assert len({p.headers["idempotency-key"] for p in receiver.posts}) == 4


def test_a_receiver_dripping_its_headers_is_cut_off_at_the_deadline(tmp_path: Path, site: FixtureServer) -> None:
    site.route("/feed.xml", body=feed(range(1)))
    with RawServer(interval=0.2) as bad:
        bad.misbehave("/hook", "header_bytes")
        r = rig(write_config(tmp_path, site.url, bad.url + "/hook", timeout='"1s"'))
        try:
            r.poll()
            started = time.monotonic()
            r.deliverer.drain()  # what `once` does: bounded by the fetch timeouts
            took = time.monotonic() - started
        finally:
            r.close()
    row = rows(tmp_path / "store.sqlite3")[0]
    assert took < 2.5 and row["attempts"] == 1 and "no whole answer within 1 s" in row["last_error"], (took, row)


def test_redirects_are_not_followed(tmp_path: Path, site: FixtureServer, receiver: Receiver) -> None:
    site.route("/feed.xml", body=feed(range(1)))
    with RawServer() as moved:
        head = f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {receiver.url}\r\nContent-Length: 0\r\n"
        moved.static_raw("/hook", (head + "Connection: close\r\n\r\n").encode())
        r = rig(write_config(tmp_path, site.url, moved.url + "/hook"))
        try:
            r.poll()
            r.deliverer.drain()
        finally:
            r.close()
    row = rows(tmp_path / "store.sqlite3")[0]
    assert receiver.posts == () and row["status"] == "pending" and "redirects are not followed" in row["last_error"]


def test_a_receiver_down_for_an_hour_loses_nothing(tmp_path: Path, site: FixtureServer) -> None:
    """The default policy (1m doubling, 6h cap, 12 attempts) on an injected clock."""
    down = Receiver(up=False)
    site.route("/feed.xml", body=feed(range(2)))
    path = write_config(tmp_path, site.url, down.url, retry_base='"1m"', retry_max='"6h"')
    offset = [timedelta(0)]
    r = rig(path, clock=lambda: datetime.now(UTC) + offset[0])
    try:
        r.poll()
        tries = 0
        while offset[0] < timedelta(hours=1):
            r.deliverer.drain()
            tries += 1
            offset[0] += timedelta(minutes=1)
        attempts = [q["attempts"] for q in r.rows()]
        assert all(q["status"] == "pending" for q in r.rows()) and attempts[0] >= 6, attempts  # 0,1,3,7,15,31(,63)
        down.start()  # back after an hour
        for _ in range(8 * 60):  # the next retry is at most ~80 minutes away
            r.deliverer.drain()
            if all(q["status"] == "delivered" for q in r.rows()):
                break
            offset[0] += timedelta(minutes=1)
    finally:
        r.close()
        down.close()
    assert [q["status"] for q in rows(tmp_path / "store.sqlite3")] == ["delivered", "delivered"]
    assert len({p.headers["idempotency-key"] for p in down.posts}) == 2 == len(down.posts)


# --- restarts and crashes ---------------------------------------------------------------------


def _topicwire(*args: str) -> list[str]:
    return [sys.executable, "-m", "topicwire", *args]


def test_restart_resumes_pending_deliveries(tmp_path: Path, site: FixtureServer) -> None:
    """`once` with the receiver down stores and fails; the next `once` (nothing new) sends them."""
    down = Receiver(up=False)
    site.route("/feed.xml", body=feed(range(3)))
    path = write_config(tmp_path, site.url, down.url)
    try:
        first = subprocess.run(_topicwire("-c", str(path), "once"), capture_output=True, text=True, timeout=60)
        assert first.returncode == 0, first.stderr
        assert "event=webhook.failed" in first.stderr
        assert [q["status"] for q in rows(tmp_path / "store.sqlite3")] == ["pending"] * 3
        down.start()
        time.sleep(0.3)  # past retry_max
        second = subprocess.run(_topicwire("-c", str(path), "once"), capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
    finally:
        down.close()
    assert [q["status"] for q in rows(tmp_path / "store.sqlite3")] == ["delivered"] * 3
    assert len({p.headers["idempotency-key"] for p in down.posts}) == 3


def test_sigkill_of_run_between_storing_and_delivering_loses_none(
    tmp_path: Path, site: FixtureServer, receiver: Receiver
) -> None:
    """`run` stores the entries while the receiver stalls every answer; kill -9; the next
    `run` delivers every one, each under its first key."""
    site.route("/feed.xml", body=feed(range(5)))
    receiver.script(204, stall=30)
    path = write_config(tmp_path, site.url, receiver.url, timeout='"20s"')
    text = path.read_text().replace("[output]", '[server]\nlisten = "127.0.0.1:0"\n[output]')
    path.write_text(text)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(_topicwire("-c", str(path), "run"), env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(receiver.posts) >= 1)  # stored and committed (the worker reads committed rows only)
        assert len(rows(tmp_path / "store.sqlite3")) == 5
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stderr.close()  # type: ignore[union-attr]
    assert all(q["status"] == "pending" for q in rows(tmp_path / "store.sqlite3"))
    receiver.script(204)
    receiver.release.set()
    proc = subprocess.Popen(_topicwire("-c", str(path), "run"), env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: all(q["status"] == "delivered" for q in rows(tmp_path / "store.sqlite3")))
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    keys = [p.headers["idempotency-key"] for p in receiver.posts]
    assert len(set(keys)) == 5  # all five arrived
    assert keys.count(keys[0]) == 2  # at least once: the one the kill cut short came again, under its key


def test_the_webhook_is_the_operators_own_so_loopback_is_allowed(
    tmp_path: Path, site: FixtureServer, receiver: Receiver
) -> None:
    """fetch.allow_private_addresses guards URLs that feeds supply; the webhook is configured."""
    site.route("/feed.xml", body=feed(range(1)))
    path = write_config(tmp_path, site.url, receiver.url)
    r = rig(path)
    try:
        r.poll()  # stored from the loopback site, which needs the allowance
        path.write_text(path.read_text().replace("allow_private_addresses = true", "allow_private_addresses = false"))
        strict = load_config(path)
        assert not strict.fetch.allow_private_addresses
        Deliverer(strict, r.store).drain()
    finally:
        r.close()
    assert len(receiver.posts) == 1 and rows(tmp_path / "store.sqlite3")[0]["status"] == "delivered"


def test_a_store_that_cannot_record_attempts_does_not_flood_the_receiver(
    tmp_path: Path,
    site: FixtureServer,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A POST that succeeded but whose record failed (disk full) leaves its row pending and
    due. The worker's idle wait after round_failed was "until the soonest due row", already
    past (50 ms): the same delivery went out 20 times a second while the store failed (39
    POSTs in 2 s). Failed rounds now back off from webhooks.retry_base, doubling."""
    site.route("/feed.xml", body=feed(range(1)))
    r = rig(write_config(tmp_path, site.url, receiver.url))
    try:
        r.poll()

        def disk_full(*args: object) -> None:
            raise StoreError("store write failed: database or disk is full")

        monkeypatch.setattr(Transaction, "record_delivery", disk_full)
        r.deliverer.start()
        wait_for(lambda: len(receiver.posts) >= 1)
        time.sleep(2.0)
        sent = len(receiver.posts)
    finally:
        r.close()
    # retry_base 100 ms here: the rounds back off 0.1, 0.2, 0.4, 0.8 s (before: every 50 ms, 39 POSTs)
    assert sent <= 6, f"one delivery POSTed {sent} times in 2 s while the store could not record it"


def test_the_store_away_while_the_worker_is_idle_does_not_end_its_thread(
    tmp_path: Path,
    site: FixtureServer,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The idle worker asks the store when the next row is due (next_delivery). That read
    failing (the database away, tests/test_db_outage.py: "Exception in thread webhooks ...
    PoolTimeout") ended the thread: no webhook was sent again until a restart. It is now a
    failed round like the others: logged, waited out, tried again."""
    site.route("/feed.xml", body=feed(range(1)))
    r = rig(write_config(tmp_path, site.url, receiver.url))
    real = Store.next_delivery
    failed: list[bool] = []

    def away_once(store: Store, *args: object, **kwargs: object) -> datetime | None:
        if not failed:
            failed.append(True)
            raise StoreError("store read failed: couldn't get a connection after 5.00 sec")
        return real(store, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "next_delivery", away_once)
    try:
        r.deliverer.start()  # nothing due: the worker goes idle, and the store is away
        wait_for(lambda: bool(failed))
        r.poll()  # a row to send once the store is back
        wait_for(lambda: len(receiver.posts) >= 1)
    finally:
        r.close()
    assert len(receiver.posts) == 1
