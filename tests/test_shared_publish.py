"""Feeds on a store several daemons share (issue 16 point 3): one renders at a time (an
advisory lock on PostgreSQL) and keeps the files it wrote in the store; another daemon
that finds it rendering copies them, so both servers answer the same bytes and ETags."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from site_config import write_site_config
from test_end_to_end import SITE, SOURCES

from topicwire.clock import utc_now
from topicwire.config import load_config
from topicwire.feeds.publisher import Publisher
from topicwire.feeds.serve import _etag
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.store import Store
from topicwire.upkeep import Upkeep


@pytest.fixture
def two_daemons(tmp_path: Path, pg_url: str) -> Iterator[tuple[Publisher, Publisher, Pipeline]]:
    """Two daemons' pipelines and publishers on one PostgreSQL store, each with its own folder."""
    with FixtureServer() as server:
        server.serve_dir("/", SITE)
        made = []
        for name in ("a", "b"):
            folder = tmp_path / name
            folder.mkdir()
            path = write_site_config(folder, server.url, SOURCES, store=(f"url = {json.dumps(pg_url)}",))
            config = load_config(path)
            store = Store.open(config.store, utc_now())
            pipeline = Pipeline(config, store, make_fetcher(config))
            feeds = Publisher(config, store, pipeline.changes)
            Upkeep.of(pipeline).prepare(feeds.unpublish)
            made.append((pipeline, feeds))
        (pa, a), (pb, b) = made
        try:
            yield a, b, pa
        finally:
            for p, _ in made:
                p.fetcher.close()
                p.store.close()


def files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in (".rss", ".atom", ".json", ".opml")}


def test_a_daemon_that_finds_another_rendering_serves_its_bytes(
    two_daemons: tuple[Publisher, Publisher, Pipeline],
) -> None:
    a, b, pipeline = two_daemons
    assert a.store.shared and b.store.shared
    for source in pipeline.config.sources:
        assert pipeline.poll(source).status in ("ok", "not_modified")
    assert a.publish() > 0  # nobody else renders: a renders and keeps its files in the store
    with a.store.exclusive("publish") as held:  # a is rendering again when b's timer fires
        assert held
        with b.store.exclusive("publish") as other:
            assert other is False  # the lock is one for every daemon of the store
        assert b.publish() == len(files(a.config.output_dir))  # b copied every file
    mine, theirs = files(a.config.output_dir), files(b.config.output_dir)
    assert mine and mine == theirs
    assert {n: _etag(d) for n, d in mine.items()} == {n: _etag(d) for n, d in theirs.items()}
    b.publish()  # the lock is free again: b renders itself, and the same bytes
    assert files(b.config.output_dir) == mine


def test_a_sqlite_store_keeps_no_copies(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.sqlite3", utc_now())
    try:
        assert store.shared is False
        with store.exclusive("publish") as mine:
            assert mine is True  # one daemon per SQLite store: always its own
        assert store.feed_file_digests() == {}
    finally:
        store.close()


def test_a_follow_with_changes_of_its_own_owes_a_render(two_daemons: tuple[Publisher, Publisher, Pipeline]) -> None:
    """Review 16: a daemon whose publish only copied the other's files, while changes of its
    own were pending, renders again later (the other's render may predate them)."""
    a, b, _ = two_daemons
    a.publish()
    b.changes.mark("some-story")  # one of b's polls changed a story
    with a.store.exclusive("publish"):
        b.publish()
    assert b.owes_render is True and b.changes.pending()
    b.publish()  # the lock is free: b renders, taking its changes
    assert b.owes_render is False and not b.changes.pending()
    a.publish()
    assert a.owes_render is False  # nothing of a's own was pending


def test_the_periodic_follow_copies_what_another_daemon_rendered(
    two_daemons: tuple[Publisher, Publisher, Pipeline],
) -> None:
    """Issue 16 point 3: a daemon whose own polls find nothing new renders nothing; its
    server must still answer the bytes the rendering daemon keeps in the store. The daemon's
    follow job copies them."""
    a, b, pipeline = two_daemons
    for source in pipeline.config.sources:
        pipeline.poll(source)
    a.publish()
    assert b.follow(periodic=True) > 0
    out = b.config.output_dir
    assert files(out) == files(a.config.output_dir)
    assert b.follow(periodic=True) == 0  # nothing new: one digest read, no write
    feed = next(p for p in sorted(out.iterdir()) if p.suffix == ".atom")
    feed.write_bytes(b"stale")
    assert b.follow(periodic=True) == 1
    assert files(out) == files(a.config.output_dir)


def test_a_follow_never_copies_a_topic_this_daemon_does_not_have(
    two_daemons: tuple[Publisher, Publisher, Pipeline],
) -> None:
    """Review of issue 16 point 3: a topic removed by a reload on b while a, not reloaded yet,
    still renders it. The follow job (every 5 s) copied a's files of it into b's folder, where
    nothing deletes them any more (b's reload had already unpublished the topic): a removed
    topic's feed answered 200 with old news for good (issue 14)."""
    a, b, pipeline = two_daemons
    for source in pipeline.config.sources:
        pipeline.poll(source)
    gone = a.config.topics[0].name
    b = Publisher(replace(b.config, topics=b.config.topics[1:]), b.store, b.changes)  # b reloaded without it
    a.publish()  # a renders it
    assert b.follow(periodic=True) > 0
    out = b.config.output_dir
    assert not list(out.glob(f"{gone}.*"))
    kept = {t.name for t in b.config.topics}
    assert {p.name.rsplit(".", 1)[0] for p in out.iterdir() if p.suffix != ".opml"} <= kept
