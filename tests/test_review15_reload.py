"""Review of issue 15: what a SIGHUP reload carries over now that it builds a new
Pipeline, Publisher and Upkeep and passes in what survives (daemon/service.py).

Before the refactor the daemon set these on the new pipeline by hand; each is checked
here against the daemon after ``_reload_config``: the metrics, the story changes the old
pipeline's polls still mark, the near-duplicate desk while [dedup] is unchanged, the
WebSub pinger (with pings still to retry) while the hub is unchanged, the fetcher whose
limiter /metrics shows, and the old fetcher closed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli import config_text
from test_reload_removed_topic_race import started_daemon

from topicwire.daemon.service import Daemon
from topicwire.errors import StoreError

HUB = '[output]\nwebsub_hub = "http://127.0.0.1:9/hub"\n'


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    yield from started_daemon(tmp_path, extra=HUB)


def reload_with(daemon: Daemon, extra: str) -> None:
    daemon.config.path.write_text(config_text("http://x.test", extra=extra))
    daemon._reload_config()


def test_a_reload_passes_on_what_survives_it(daemon: Daemon, monkeypatch: pytest.MonkeyPatch) -> None:
    old_pipeline, old_feeds, old_fetcher = daemon.pipeline, daemon.feeds, daemon.fetcher
    closed: list[object] = []
    monkeypatch.setattr(old_fetcher, "close", lambda: closed.append(old_fetcher))
    reload_with(daemon, HUB + '[[topics]]\nname = "turkey"\nquery = "Turkey"\n')
    assert daemon.pipeline is not old_pipeline and daemon.feeds is not old_feeds
    assert daemon.pipeline.metrics is daemon.metrics and daemon.feeds.metrics is daemon.metrics
    assert daemon.pipeline.changes is daemon.changes is daemon.feeds.changes is daemon.upkeep.changes
    assert daemon.pipeline.desk is old_pipeline.desk  # [dedup] unchanged
    assert daemon.feeds.websub is old_feeds.websub and daemon.feeds.websub is not None  # same hub
    assert daemon.pipeline.fetcher is daemon.fetcher is not old_fetcher  # figures() reads this limiter
    assert daemon.upkeep.placer is daemon.pipeline.placer
    assert closed == [old_fetcher]


def test_a_reload_that_changes_dedup_or_the_hub_starts_those_afresh(daemon: Daemon) -> None:
    old_pipeline, old_feeds = daemon.pipeline, daemon.feeds
    reload_with(daemon, '[output]\nwebsub_hub = "http://127.0.0.1:9/other"\n[dedup]\nsimilarity = 0.7\n')
    assert daemon.pipeline.desk is not old_pipeline.desk
    assert daemon.feeds.websub is not None and daemon.feeds.websub is not old_feeds.websub
    assert daemon.feeds.websub.hub == "http://127.0.0.1:9/other"
    reload_with(daemon, "")
    assert daemon.feeds.websub is None


def test_a_reload_that_changes_the_pool_size_says_a_restart_is_needed(
    tmp_path: Path, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The pool is made when the store opens: a changed ``store.pool_size`` is not applied by
    a reload, and the daemon says so, as for ``store.url``; it said nothing, the new value
    silently ignored."""
    store = f'[store]\nurl = "{pg_url}"\n'
    for d in started_daemon(tmp_path, extra=store):
        reload_with(d, store)
        assert "config.restart_needed" not in caplog.text
        reload_with(d, store + "pool_size = 32\n")
        needed = [r for r in caplog.records if r.getMessage() == "config.restart_needed"]
        assert [r.tw_fields for r in needed] == [{"keys": "store.pool_size"}]  # type: ignore[attr-defined]


@pytest.mark.parametrize("changed", ["lease", "concurrency"])
def test_a_reload_that_changes_the_lease_or_the_poll_threads_says_a_restart_is_needed(
    daemon: Daemon, caplog: pytest.LogCaptureFixture, changed: str
) -> None:
    """The scheduler's lease and poll threads are made at start: a reload that changes them
    said nothing and kept the old values (review7)."""
    reload_with(daemon, HUB)
    assert "config.restart_needed" not in caplog.text
    text = config_text("http://x.test", extra=HUB)
    if changed == "lease":
        text += '[daemon]\nlease = "20m"\n'
    else:  # config_text has its [fetch] table already
        text = text.replace('per_host_delay = "0s"\n', 'per_host_delay = "0s"\nconcurrency = 3\n')
    daemon.config.path.write_text(text)
    daemon._reload_config()
    needed = [r for r in caplog.records if r.getMessage() == "config.restart_needed"]
    assert [r.tw_fields for r in needed] == [{"keys": "daemon.lease/fetch.concurrency"}]  # type: ignore[attr-defined]


def test_a_reload_that_fails_on_the_store_closes_every_replaced_fetcher_once_retried(
    daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reload that fails on the store after installing its new fetcher (the database away)
    is made again; the fetcher before it and the failed attempt's own are both closed then
    (they were dropped unclosed: each poll thread's requests.Session leaked, once per retry)."""
    first = daemon.fetcher
    closed: list[object] = []
    monkeypatch.setattr(first, "close", lambda: closed.append(first))
    real_schedule = daemon._schedule

    def store_away() -> None:
        raise StoreError("the database is away")

    monkeypatch.setattr(daemon, "_schedule", store_away)
    with pytest.raises(StoreError):
        reload_with(daemon, HUB)
    failed = daemon.fetcher
    assert failed is not first and closed == []  # polls may still use either until the reload is made
    monkeypatch.setattr(failed, "close", lambda: closed.append(failed))
    monkeypatch.setattr(daemon, "_schedule", real_schedule)
    daemon._reload_config()
    assert closed == [first, failed]
