"""WebSub (issue 6): feeds advertise the hub, and the hub is pinged for every changed feed.

The hub stand-in is a loopback http.server that records each POST's form fields and
answers as scripted. "Down" is a socket that is bound but not listening: connecting
is refused at once, and ``start()`` brings the same URL up for the retry.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import feedparser
import pytest
from fixture_server import FixtureServer
from raw_server import RawServer

from topicwire import log
from topicwire.config import load_config
from topicwire.errors import ConfigError
from topicwire.feeds.publisher import Publisher
from topicwire.feeds.websub import PingResult, feed_urls, merge, publish_form, send_round, settle, verdict
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.store import Store
from topicwire.upkeep import Upkeep

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BASE = "http://feeds.test/"
FORM = "application/x-www-form-urlencoded"
WAIT = 30.0  # seconds a ping round may take before the test gives up (never reached when it works)


# --- the hub stand-in ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ping:
    path: str
    content_type: str
    form: dict[str, list[str]]


class _HubServer(ThreadingHTTPServer):
    daemon_threads = True
    hub: HubStandIn

    def server_bind(self) -> None:
        # Skip HTTPServer's reverse DNS lookup (socket.getfqdn), as fixture_server does.
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # see fixture_server.py
        return conn, addr


class _HubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HubServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        hub = self.server.hub
        hub.record(Ping(self.path, self.headers.get("Content-Type", ""), parse_qs(body.decode("ascii"))))
        status, delay = hub.answer()
        if delay:
            time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class HubStandIn:
    """Records publish pings; ``status``/``delay`` script the answers; starts down if asked."""

    def __init__(self, *, up: bool = True) -> None:
        self._lock = threading.Lock()
        self._pings: list[Ping] = []
        self.status = 204
        self.delay = 0.0
        self._httpd = _HubServer(("127.0.0.1", 0), _HubHandler, bind_and_activate=False)
        self._httpd.hub = self
        self._httpd.server_bind()  # bound, so the port is ours, but not yet listening
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/hub"
        self._thread: threading.Thread | None = None
        if up:
            self.start()

    def start(self) -> None:
        self._httpd.server_activate()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def answer(self) -> tuple[int, float]:
        with self._lock:
            return self.status, self.delay

    def record(self, ping: Ping) -> None:
        with self._lock:
            self._pings.append(ping)

    @property
    def pings(self) -> tuple[Ping, ...]:
        with self._lock:
            return tuple(self._pings)

    def urls(self, start: int = 0) -> list[str]:
        return [u for p in self.pings[start:] for u in p.form.get("hub.url", [])]

    def close(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()


@pytest.fixture
def hub() -> Iterator[HubStandIn]:
    stand_in = HubStandIn()
    yield stand_in
    stand_in.close()


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    with FixtureServer() as server:
        yield server


# --- a real pipeline on a loopback feed ---------------------------------------------------


def rss(*titles: str) -> str:
    items = "".join(
        f"<item><title>{t}</title><link>http://news.test/{i}</link><guid>g-{t}</guid>"
        f"<pubDate>{format_datetime(NOW)}</pubDate><description>{t} happened.</description></item>"
        for i, t in enumerate(titles)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'


def serve(site: FixtureServer, *titles: str) -> None:
    site.route("/feed.xml", rss(*titles), headers={"Content-Type": "application/rss+xml"})


def config_text(site: FixtureServer, hub: str, timeout: str = "5s") -> str:
    return f"""
[output]
dir = "feeds"
base_url = "{BASE}"
websub_hub = "{hub}"
[fetch]
allow_private_addresses = true
per_host_delay = "0s"
timeout = "{timeout}"
connect_timeout = "{timeout}"
[defaults]
fulltext = false
[[sources]]
name = "news"
url = "{site.url}/feed.xml"
kind = "feed"
[[topics]]
name = "alpha"
query = "alpha"
[[topics]]
name = "beta"
query = "beta"
"""


class Events(logging.Handler):
    """The topicwire events logged meanwhile (log.setup() may have stopped propagation, so caplog can miss them)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def named(self, name: str) -> list[dict[str, object]]:
        return [getattr(r, "tw_fields", {}) for r in self.records if r.getMessage() == name]


@pytest.fixture
def events() -> Iterator[Events]:
    handler, level = Events(), log.LOGGER.level
    log.LOGGER.addHandler(handler)
    log.LOGGER.setLevel(logging.INFO)
    yield handler
    log.LOGGER.removeHandler(handler)
    log.LOGGER.setLevel(level)


MakePipeline = Callable[..., Pipeline]


@pytest.fixture
def make_pipeline(tmp_path: Path, site: FixtureServer) -> Iterator[MakePipeline]:
    made: list[Pipeline] = []

    def make(hub_url: str, timeout: str = "5s") -> Pipeline:
        path = tmp_path / "config.toml"
        path.write_text(config_text(site, hub_url, timeout), encoding="utf-8")
        config = load_config(path)
        pipeline = Pipeline(config, Store.open(config.store_path, NOW), make_fetcher(config), lambda: NOW)
        FEEDS[id(pipeline)] = Publisher(config, pipeline.store, pipeline.changes, clock=lambda: NOW)
        Upkeep.of(pipeline).prepare(FEEDS[id(pipeline)].unpublish)
        made.append(pipeline)
        return pipeline

    yield make
    for pipeline in made:
        if feeds_of(pipeline).websub is not None:
            feeds_of(pipeline).websub.wait(WAIT)
        pipeline.fetcher.close()
        pipeline.store.close()
        del FEEDS[id(pipeline)]


FEEDS: dict[int, Publisher] = {}  # each test pipeline's publisher, as the daemon pairs them


def feeds_of(pipeline: Pipeline) -> Publisher:
    return FEEDS[id(pipeline)]


def publish(pipeline: Pipeline) -> int:
    """Publish, then wait for the background ping round (tests only: the daemon never waits)."""
    changed = feeds_of(pipeline).publish()
    assert feeds_of(pipeline).websub is not None and feeds_of(pipeline).websub.wait(WAIT)
    return changed


def poll_all(pipeline: Pipeline) -> None:
    for source in pipeline.config.sources:
        assert pipeline.poll(source).status == "ok"


def topic_urls(*names: str) -> set[str]:
    return {f"{BASE}{n}.{ext}" for n in names for ext in ("rss", "atom", "json")}


def test_changed_feeds_are_pinged_once_each(hub: HubStandIn, site: FixtureServer, make_pipeline: MakePipeline) -> None:
    serve(site, "alpha launch")
    pipeline = make_pipeline(hub.url)
    poll_all(pipeline)
    assert publish(pipeline) == 6  # first publish: both topics' three files are new
    assert sorted(hub.urls()) == sorted(topic_urls("alpha", "beta"))
    for ping in hub.pings:
        assert ping.path == "/hub" and ping.content_type == FORM
        assert set(ping.form) == {"hub.mode", "hub.url"} and ping.form["hub.mode"] == ["publish"]
        assert len(ping.form["hub.url"]) == 1

    assert publish(pipeline) == 0  # nothing changed: nothing to announce
    assert len(hub.pings) == 6

    serve(site, "alpha launch", "beta test")
    poll_all(pipeline)
    assert publish(pipeline) == 3
    assert sorted(hub.urls(6)) == sorted(topic_urls("beta"))
    assert feeds_of(pipeline).websub.pending == ()


def test_feeds_advertise_the_hub_in_every_format(
    hub: HubStandIn, site: FixtureServer, make_pipeline: MakePipeline
) -> None:
    serve(site, "alpha launch")
    pipeline = make_pipeline(hub.url)
    poll_all(pipeline)
    publish(pipeline)
    out = pipeline.config.output_dir
    for ext in ("rss", "atom"):
        parsed = feedparser.parse((out / f"alpha.{ext}").read_bytes())
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        rels = {link.rel: link.href for link in parsed.feed.links}
        assert rels["hub"] == hub.url and rels["self"] == f"{BASE}alpha.{ext}"
    data = json.loads((out / "alpha.json").read_bytes())
    assert data["hubs"] == [{"type": "WebSub", "url": hub.url}]
    assert data["feed_url"] == f"{BASE}alpha.json"


@dataclass(frozen=True)
class HubCase:
    status: int  # first answer (0: the hub is down)
    delay: float  # seconds before the first answer (past the 300 ms timeout: no answer)
    first_posts: int  # POSTs the first round makes to the 6 changed feeds
    retried: bool  # whether the next publish sends them again
    logged: int  # websub.failed lines for the first round
    error: str  # in their error field


HUB_CASES = {
    "down": HubCase(0, 0.0, 0, True, 1, "Connection refused"),
    "500": HubCase(500, 0.0, 1, True, 1, "HTTP 500 Internal Server Error"),
    "503": HubCase(503, 0.0, 1, True, 1, "HTTP 503 Service Unavailable"),
    "429": HubCase(429, 0.0, 1, True, 1, "HTTP 429 Too Many Requests"),
    "timeout": HubCase(204, 2.0, 1, True, 1, "timed out after 0.3 s waiting for the hub's answer"),
    "404-dropped": HubCase(404, 0.0, 6, False, 6, "HTTP 404 Not Found"),
}


@pytest.mark.parametrize("case", HUB_CASES.values(), ids=list(HUB_CASES))
def test_failing_hub_never_breaks_publishing(
    case: HubCase, site: FixtureServer, make_pipeline: MakePipeline, events: Events
) -> None:
    hub = HubStandIn(up=case.status != 0)
    try:
        hub.status, hub.delay = case.status or 204, case.delay
        serve(site, "alpha launch")
        pipeline = make_pipeline(hub.url, timeout="300ms")
        poll_all(pipeline)
        assert publish(pipeline) == 6  # the files are written whatever the hub does
        assert all((pipeline.config.output_dir / f"{n}.rss").exists() for n in ("alpha", "beta"))
        failed = events.named("websub.failed")
        assert len(failed) == case.logged
        assert {f["hub"] for f in failed} == {hub.url} and {f["retry"] for f in failed} == {case.retried}
        assert {str(f["url"]) for f in failed} <= topic_urls("alpha", "beta")
        assert all(case.error in str(f["error"]) for f in failed), failed
        assert len(hub.pings) == case.first_posts
        assert len(feeds_of(pipeline).websub.pending) == (6 if case.retried else 0)

        if case.status == 0:
            hub.start()
        hub.status, hub.delay = 204, 0.0
        before = len(hub.pings)
        assert publish(pipeline) == 0  # nothing changed, yet the pending pings go out
        assert sorted(hub.urls(before)) == (sorted(topic_urls("alpha", "beta")) if case.retried else [])
        assert feeds_of(pipeline).websub.pending == ()
        assert len(events.named("websub.failed")) == case.logged  # the retry succeeded: nothing more logged
    finally:
        hub.close()


@pytest.mark.parametrize("behaviour", ["header_bytes", "header_lines", "continue_flood", "silent"])
def test_a_hub_that_drips_its_answer_is_given_up_at_the_deadline(
    behaviour: str, site: FixtureServer, make_pipeline: MakePipeline, events: Events
) -> None:
    # Issue 13: the read timeout was per socket read, so a hub dripping its headers
    # held the round (and `once`, which waits for it) for as long as it liked.
    with RawServer(interval=0.2) as hub:
        hub.misbehave("/hub", behaviour)
        serve(site, "alpha launch")
        pipeline = make_pipeline(hub.url + "/hub", timeout="1s")
        poll_all(pipeline)
        started = time.monotonic()
        assert publish(pipeline) == 6
        took = time.monotonic() - started
        failed = events.named("websub.failed")
        assert [f["error"] for f in failed] == ["timed out after 1 s waiting for the hub's answer"]
        assert failed[0]["retry"] is True and len(feeds_of(pipeline).websub.pending) == 6
        assert took < 2.5, f"the round took {took:.1f} s"


def test_no_hub_no_pinger_and_no_advertising(site: FixtureServer, make_pipeline: MakePipeline) -> None:
    serve(site, "alpha launch")
    pipeline = make_pipeline("")
    poll_all(pipeline)
    assert feeds_of(pipeline).websub is None and feeds_of(pipeline).publish() == 6
    out = pipeline.config.output_dir
    assert b'rel="hub"' not in (out / "alpha.rss").read_bytes() + (out / "alpha.atom").read_bytes()
    assert "hubs" not in json.loads((out / "alpha.json").read_bytes())


# --- end to end: `topicwire once` in a real process ---------------------------------------


def run_once(config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "topicwire", "-c", str(config), "once"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)


def test_once_pings_the_hub_before_it_exits(tmp_path: Path, hub: HubStandIn, site: FixtureServer) -> None:
    serve(site, "alpha launch", "beta test")
    config = tmp_path / "config.toml"
    config.write_text(config_text(site, hub.url), encoding="utf-8")
    first = run_once(config)
    assert first.returncode == 0, first.stderr
    assert sorted(hub.urls()) == sorted(topic_urls("alpha", "beta"))
    assert "event=websub.pinged" in first.stderr and "websub.failed" not in first.stderr
    feed = feedparser.parse((tmp_path / "feeds" / "beta.atom").read_bytes())
    assert [link.href for link in feed.feed.links if link.rel == "hub"] == [hub.url]
    assert [e.title for e in feed.entries] == ["beta test"]

    second = run_once(config)  # same feed, nothing new: no file changes, no pings
    assert second.returncode == 0, second.stderr
    assert len(hub.pings) == 6


# --- pure decisions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, "retry"),
        (200, "sent"),
        (202, "sent"),
        (204, "sent"),
        (301, "dropped"),
        (400, "dropped"),
        (404, "dropped"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
    ],
    ids=lambda v: str(v),
)
def test_verdict(status: int | None, expected: str) -> None:
    assert verdict(status) == expected


def test_feed_urls_are_the_self_links_of_feed_files() -> None:
    paths = [Path("/out/a.rss"), Path("/out/a.atom"), Path("/out/a.json"), Path("/out/index.opml"), Path("/x/a.rss")]
    assert feed_urls(BASE, paths) == (f"{BASE}a.rss", f"{BASE}a.atom", f"{BASE}a.json")


def test_publish_form() -> None:
    assert publish_form(f"{BASE}a.rss") == {"hub.mode": "publish", "hub.url": f"{BASE}a.rss"}


def test_round_stops_at_the_first_failure_and_keeps_the_rest() -> None:
    answers = {"u1": 204, "u2": 404, "u3": 500, "u4": 204}
    tried: list[str] = []

    def post(url: str) -> PingResult:
        tried.append(url)
        return PingResult(url, answers[url])

    pending = merge(("u1", "u2"), ("u3", "u2", "u4"))
    assert pending == ("u1", "u2", "u3", "u4")
    results = send_round(pending, post)
    assert tried == ["u1", "u2", "u3"]  # u4 waits: the hub just failed
    assert settle(pending, results) == ("u3", "u4")  # u1 sent, u2 refused for good


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://hub.example.org/", True),
        ("http://127.0.0.1:8085/hub", True),
        ("", True),
        ("hub.example.org", False),
        ("ftp://hub.example.org/", False),
        ("https://", False),
        ("/hub", False),
        ("https://hub.example.org/#x", False),
    ],
    ids=["https", "loopback", "off", "no-scheme", "ftp", "no-host", "relative", "fragment"],
)
def test_config_websub_hub(tmp_path: Path, value: str, ok: bool) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[output]\nwebsub_hub = "{value}"\n', encoding="utf-8")
    if ok:
        assert load_config(path).websub_hub == value
        return
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.problems == (
        f'output.websub_hub: "{value}" is not an absolute http(s) URL (try "https://hub.example.org/" or "" for off)',
    )


def test_config_websub_hub_default_is_off(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[output]\n", encoding="utf-8")
    assert load_config(path).websub_hub == ""
