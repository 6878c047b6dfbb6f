"""Repro: a SIGHUP reload that removes a topic races a publish of the pipeline it replaced.

Daemon._reload_config runs prepare_store() (drop_removed_topics: delete the topic's feed
files, then its rows) on the main thread without Daemon._publish_lock, while a scheduler
thread may be inside Daemon.publish() -> old_pipeline.publish(), whose docs still hold the
removed topic. The old publish then writes turkey.rss/.atom/.json again after they were
deleted; the topic's rows are gone, so no later start or reload ever deletes them: a
stale feed answered with 200 for ever (what issue 14 point 4 forbids).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from test_cli import config_text

import topicwire.pipeline as pipeline_module
from topicwire.config import load_config
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.store import Store

TURKEY = '[[topics]]\nname = "turkey"\nquery = "Turkey"\n'


def test_removed_topic_files_stay_deleted_when_a_publish_was_in_flight(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text(config_text("http://x.test", extra=TURKEY))
    old_config = load_config(path)
    store = Store.open(old_config.store_path, datetime.now(UTC))
    old = Pipeline(old_config, store, make_fetcher(old_config))
    old.prepare_store()
    old.publish()
    out = old_config.output_dir
    assert (out / "turkey.rss").exists()

    # The old pipeline's next publish (a poll that found news) has read its docs and is about
    # to write when the reload comes.
    entered, go_on = threading.Event(), threading.Event()
    real = pipeline_module.publish_topics

    def slow_publish_topics(*args, **kwargs):
        entered.set()
        go_on.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "publish_topics", slow_publish_topics)
    old.render_cache = type(old.render_cache)()  # nothing cached: every file is written
    publishing = threading.Thread(target=old.publish)
    publishing.start()
    assert entered.wait(10)

    # SIGHUP with turkey removed: what Daemon._reload_config does.
    path.write_text(config_text("http://x.test"))
    new_config = load_config(path)
    new = Pipeline(new_config, store, make_fetcher(new_config))
    new.prepare_store()
    assert not (out / "turkey.rss").exists()  # deleted by the reload
    go_on.set()
    publishing.join(10)
    monkeypatch.setattr(pipeline_module, "publish_topics", real)
    new.publish()
    store.close()

    # A later start finds no trace of turkey in the store, so nothing will delete these.
    again = Store.open(new_config.store_path, datetime.now(UTC))
    assert "turkey" not in again.topic_names()
    again.close()
    assert not (out / "turkey.rss").exists(), "the removed topic's feed came back and nothing will ever delete it"
