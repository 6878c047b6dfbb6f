"""`topicwire migrate FROM TO` (issue 16 point 5): a store copied SQLite -> PostgreSQL ->
SQLite and SQLite -> SQLite holds every table's rows, publishes byte-identical feeds, and a
second run adds nothing; a partial target gets the rest; a newer (or older) source, a
missing one and a source that is its own target are refused; the source is never written."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from site_config import write_site_config

from topicwire.changes import StoryChanges
from topicwire.config import load_config
from topicwire.daemon.cli import main
from topicwire.feeds.publisher import Publisher
from topicwire.store import Store
from topicwire.store.copy import NOT_COPIED, TABLES
from topicwire.store.schema import VERSION

SITE = Path(__file__).resolve().parent / "fixtures" / "site"
NOW = datetime(2024, 11, 14, 17, 8, tzinfo=UTC)
SOURCES = (("site-rss", "/feeds/rss.xml", "feed"), ("turkey-tag", "/tags/turkey.html", "page"))
# What the store must hold for the copy to say something: every entity.
ENTITIES = ("articles", "stories", "topic_articles", "topic_stories", "statements", "deliveries")
ENTITIES += ("source_templates", "http_cache", "item_keys", "sources")


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site polled once into a SQLite store, plus a webhook delivery and a
    template (the site's config has no webhook topic, nor a template-learning source)."""
    folder = tmp_path_factory.mktemp("original")
    with FixtureServer() as server:
        server.serve_dir("/", SITE)
        config = write_site_config(folder, server.url, SOURCES, fetch=['timeout = "10s"'])
        assert main(["-c", str(config), "once"]) == 0
    store = Store.open(folder / "var" / "store.sqlite3", NOW)
    try:
        story = store.topic_story_ids("turkey", 1)[0]
        with store.transaction() as tx:
            tx.enqueue("turkey", "story", [story], NOW)
            tx.save_template("site-rss", '{"lines": []}', NOW)
            tx.heartbeat("elsewhere:1", NOW, NOW, timedelta(days=1))
    finally:
        store.close()
    return config


def counts(where: Path | str) -> dict[str, int]:
    store = Store.open(where, NOW)
    try:
        with store._read() as db:
            return {t.name: int(db.execute(f"SELECT COUNT(*) FROM {t.name}").fetchone()[0]) for t in TABLES}
    finally:
        store.close()


def published(config: Path, where: Path | str, out: Path) -> dict[str, bytes]:
    """Every file a Publisher writes from the store at ``where``, at a fixed time."""
    settings = replace(load_config(config), output_dir=out)
    store = Store.open(where, NOW)
    try:
        Publisher(settings, store, StoryChanges(), clock=lambda: NOW).publish()
    finally:
        store.close()
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


def migrate(source: Path | str, target: Path | str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["migrate", str(source), str(target)]) == 0
    return capsys.readouterr().out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_table_of_the_schema_is_copied_or_named_as_not(tmp_path: Path) -> None:
    Store.open(tmp_path / "s.sqlite3", NOW).close()
    with sqlite3.connect(tmp_path / "s.sqlite3") as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {t.name for t in TABLES} | set(NOT_COPIED)


def test_sqlite_to_postgres_and_back(
    original: Path, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = original.parent / "var" / "store.sqlite3"
    before = digest(source)
    want = counts(source)
    assert all(want[t] > 0 for t in ENTITIES), want
    out = migrate(source, pg_url, capsys)
    assert "articles" in out and "every source row is in the target" in out and "s3cret" not in out
    assert counts(pg_url) == want
    assert f"{'articles':<20} {want['articles']:>9} {0:>9} {want['articles']:>9}" in out
    back = tmp_path / "back.sqlite3"
    migrate(pg_url, back, capsys)
    assert counts(back) == want
    expected = published(original, source, tmp_path / "feeds-original")
    assert len(expected) > 5
    assert published(original, pg_url, tmp_path / "feeds-pg") == expected
    assert published(original, back, tmp_path / "feeds-back") == expected
    # Idempotent: a second run adds nothing, and the source was never written.
    again = migrate(source, pg_url, capsys)
    assert f"{'articles':<20} {want['articles']:>9} {want['articles']:>9} {0:>9}" in again
    assert counts(pg_url) == want and digest(source) == before
    # PostgreSQL numbers the rows written after the copy past the copied ids.
    store = Store.open(pg_url, NOW)
    try:
        with store.transaction() as tx:
            assert tx.enqueue("caucasus", "story", ["another"], NOW) == 1
    finally:
        store.close()


def test_sqlite_to_sqlite_fills_a_partial_target(
    original: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = original.parent / "var" / "store.sqlite3"
    want = counts(source)
    target = tmp_path / "copy" / "store.sqlite3"
    migrate(source, target, capsys)
    with sqlite3.connect(target) as db:  # an interrupted run: some rows missing
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM articles WHERE uid IN (SELECT uid FROM articles ORDER BY uid LIMIT 2)")
        db.execute("DELETE FROM deliveries")
    assert counts(target) != want
    out = migrate(source, target, capsys)
    assert counts(target) == want
    assert f"{'articles':<20} {want['articles']:>9} {want['articles'] - 2:>9} {2:>9}" in out
    assert published(original, target, tmp_path / "a") == published(original, source, tmp_path / "b")
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT COUNT(*) FROM sources WHERE lease_owner IS NOT NULL").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM workers").fetchone()[0] == 0


def test_refusals(original: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = original.parent / "var" / "store.sqlite3"
    capsys.readouterr()
    assert main(["migrate", str(tmp_path / "nothing.sqlite3"), str(tmp_path / "t.sqlite3")]) == 1
    assert "no store at" in capsys.readouterr().err
    assert main(["migrate", str(source), str(source)]) == 1
    assert "is both the source and the target" in capsys.readouterr().err
    newer = tmp_path / "newer.sqlite3"
    Store.open(newer, NOW).close()
    with sqlite3.connect(newer) as db:
        db.execute("INSERT INTO schema_version VALUES (?, 'x')", (VERSION + 1,))
    assert main(["migrate", str(newer), str(tmp_path / "t.sqlite3")]) == 1
    assert "newer than this topicwire" in capsys.readouterr().err
    with sqlite3.connect(newer) as db:
        db.execute("DELETE FROM schema_version WHERE version >= ?", (VERSION,))
    assert main(["migrate", str(newer), str(tmp_path / "t.sqlite3")]) == 1
    assert "older than this topicwire" in capsys.readouterr().err
