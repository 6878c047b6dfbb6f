"""A SIGHUP reload that removes a topic while a publish of the replaced pipeline is
writing (found in review of issue 14 point 4).

The reload deletes the removed topic's feed files and rows (Upkeep.prepare ->
drop_removed_topics) on the main thread; a scheduler thread may be inside
Daemon.publish() with the old pipeline, whose documents still hold the topic. Unless
the two are serialised, that publish writes the files again after they were deleted,
and with the topic's rows gone no later start or reload ever deletes them: a stale
feed answering 200 for ever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli import config_text

import topicwire.feeds.publisher as publisher_module
from topicwire.config import load_config
from topicwire.daemon.service import Daemon

TURKEY = '[[topics]]\nname = "turkey"\nquery = "Turkey"\n'


def started_daemon(tmp_path: Path, extra: str = "") -> Iterator[Daemon]:
    """A Daemon on a config with no reachable source, its store prepared and published once."""
    config = tmp_path / "c.toml"
    config.write_text(config_text("http://x.test", extra=extra))
    d = Daemon(load_config(config))
    d.prepare()
    d.publish()
    try:
        yield d
    finally:
        d.pipeline.fetcher.close()
        d.store.close()
        d.lock.release()


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    yield from started_daemon(tmp_path, extra=TURKEY)


def test_a_publish_in_flight_does_not_bring_back_a_removed_topics_feeds(
    daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = daemon.config.output_dir
    assert (out / "turkey.rss").exists()
    entered, go_on = threading.Event(), threading.Event()
    real = publisher_module.publish_topics

    def held_publish_topics(*args, **kwargs):  # docs read, files not written yet
        entered.set()
        go_on.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(publisher_module, "publish_topics", held_publish_topics)
    daemon.feeds.render_cache = type(daemon.feeds.render_cache)()  # every file is written again
    publishing = threading.Thread(target=daemon.publish)  # a poll that found news
    publishing.start()
    assert entered.wait(10)
    monkeypatch.setattr(publisher_module, "publish_topics", real)  # the reload's own publish is not held

    daemon.config.path.write_text(config_text("http://x.test"))  # turkey removed, then SIGHUP
    reloading = threading.Thread(target=daemon._reload_config)
    reloading.start()
    time.sleep(0.5)  # unserialised, the reload has deleted the files by now
    go_on.set()
    publishing.join(10)
    reloading.join(10)
    assert not publishing.is_alive() and not reloading.is_alive()

    assert "turkey" not in daemon.store.topic_names()
    assert not list(out.glob("turkey.*")), "the removed topic's feeds came back; nothing will delete them now"
