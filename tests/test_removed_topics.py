"""A topic removed from the config (issue 14, point 4): at the next `once`, start or SIGHUP
reload its feed files are deleted, and it leaves index.opml, index.html, the other feeds'
categories, the API and the store."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
import requests
from fixture_server import FixtureServer
from test_cli import ENV, SITE, _wait_for_entries, config_text, free_port

from topicwire.config import load_config
from topicwire.daemon.cli import main
from topicwire.feeds.api import Api
from topicwire.store import Store

TURKEY = '[[topics]]\nname = "turkey"\nquery = "Turkey"\n'
FORMATS = ("rss", "atom", "json")
TABLES = ("topic_articles", "topic_stories", "topic_rules")


def rows_of(store_path: Path, topic: str) -> dict[str, int]:
    db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t} WHERE topic = ?", (topic,)).fetchone()[0] for t in TABLES}
    finally:
        db.close()


def categories(feed: bytes) -> set[str]:
    return {tag.term for e in feedparser.parse(feed).entries for tag in e.get("tags", [])}


def json_categories(feed: bytes) -> set[str]:
    return {tag for item in json.loads(feed)["items"] for tag in item.get("tags", [])}


def test_once_after_removing_a_topic(
    tmp_path: Path, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture_server.serve_dir("/", SITE)
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url, extra=TURKEY))
    out = tmp_path / "var" / "feeds"
    store_path = tmp_path / "var" / "topicwire.sqlite3"
    assert main(["-c", str(config), "once"]) == 0
    # Before: the two topics share stories, so kremlin's entries carry "turkey" too.
    assert all((out / f"turkey.{ext}").exists() for ext in FORMATS)
    assert "turkey" in categories((out / "kremlin.atom").read_bytes())
    assert all(n > 0 for n in rows_of(store_path, "turkey").values())
    capsys.readouterr()

    config.write_text(config_text(fixture_server.url))
    assert main(["-c", str(config), "once"]) == 0
    assert not any((out / f"turkey.{ext}").exists() for ext in FORMATS)
    for name in ("kremlin.rss", "kremlin.atom"):
        assert categories((out / name).read_bytes()) == {"kremlin"}
    assert json_categories((out / "kremlin.json").read_bytes()) == {"kremlin"}
    assert b"turkey" not in (out / "index.opml").read_bytes()
    assert b"turkey.rss" not in (out / "index.html").read_bytes()
    assert rows_of(store_path, "turkey") == dict.fromkeys(TABLES, 0)
    err = capsys.readouterr().err
    assert "event=topic.removed topic=turkey" in err and "files=3" in err

    loaded = load_config(config)
    store = Store.open(store_path, datetime.now(UTC))
    try:
        api = Api(loaded, store)
        status, body = api.answer("/api/topics/kremlin/entries", "")
        entries = json.loads(body)["entries"]
        assert status == 200 and entries
        assert {t for e in entries for t in e["topics"]} == {"kremlin"}
        _, story = api.answer(f"/api/stories/{entries[0]['id']}", "")
        assert json.loads(story)["topics"] == ["kremlin"]
        assert api.answer("/api/topics/turkey/entries", "")[0] == 404
        assert [t["name"] for t in json.loads(api.answer("/api/topics", "")[1])["topics"]] == ["kremlin"]
    finally:
        store.close()

    # Put back, it starts full again, like any new topic.
    config.write_text(config_text(fixture_server.url, extra=TURKEY))
    assert main(["-c", str(config), "once"]) == 0
    assert feedparser.parse((out / "turkey.rss").read_bytes()).entries
    assert "turkey" in categories((out / "kremlin.atom").read_bytes())


def test_sighup_reload_removes_a_topic(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.serve_dir("/", SITE)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url, listen=f"127.0.0.1:{port}", extra=TURKEY))
    proc = subprocess.Popen(
        [sys.executable, "-m", "topicwire", "-c", str(config), "run"], stderr=subprocess.PIPE, text=True, env=ENV
    )
    try:
        _wait_for_entries(f"{base}/turkey.rss", proc)
        assert "turkey" in categories(requests.get(f"{base}/kremlin.atom", timeout=5).content)
        config.write_text(config_text(fixture_server.url, listen=f"127.0.0.1:{port}"))
        proc.send_signal(signal.SIGHUP)
        end = time.monotonic() + 30
        while "turkey" in categories(requests.get(f"{base}/kremlin.atom", timeout=5).content):
            assert time.monotonic() < end, "kremlin.atom still lists turkey 30 s after the reload"
            time.sleep(0.1)
        # The files went before the publish that rewrote kremlin's feeds.
        assert all(requests.get(f"{base}/turkey.{ext}", timeout=5).status_code == 404 for ext in FORMATS)
        assert b"turkey" not in requests.get(f"{base}/index.opml", timeout=5).content
        entries = requests.get(f"{base}/api/topics/kremlin/entries", timeout=5).json()["entries"]
        assert {t for e in entries for t in e["topics"]} == {"kremlin"}
        assert rows_of(tmp_path / "var" / "topicwire.sqlite3", "turkey") == dict.fromkeys(TABLES, 0)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "event=topic.removed topic=turkey" in err
