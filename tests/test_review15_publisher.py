"""Review of issue 15: the Publisher takes the story changes (topicwire/changes.py) at the
start of a publish. A publish that fails after taking them (a full disk while writing)
must not lose them: the doc cache dropped the changed stories when they were taken, so the
PublishScheduler's retry reads them again. Retention and re-evaluated rules mark every
story (``mark_all``): the next publish reads every kept entry again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_reload_removed_topic_race import started_daemon
from test_review2_reload_changes import TEXT, kremlin, place

import topicwire.feeds.publisher as publisher_module
from topicwire.changes import StoryChanges
from topicwire.daemon.service import Daemon


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    yield from started_daemon(tmp_path)


def test_an_edit_taken_by_a_failed_publish_reaches_the_feed_on_the_retry(
    daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = daemon.config.output_dir / "kremlin.atom"
    assert place(daemon.pipeline, kremlin(f"The Kremlin said {TEXT} FIRSTVERSION")) == "new"
    daemon.publish()
    assert "FIRSTVERSION" in feed.read_text()
    assert place(daemon.pipeline, kremlin(f"The Kremlin said {TEXT} SECONDVERSION")) == "update"

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    real = publisher_module.publish_topics
    monkeypatch.setattr(publisher_module, "publish_topics", full_disk)
    with pytest.raises(OSError):
        daemon.publish()  # took the change, then failed writing
    assert daemon.publisher.pending  # the scheduler retries it
    monkeypatch.setattr(publisher_module, "publish_topics", real)
    daemon.publish()
    assert "SECONDVERSION" in feed.read_text()


def test_mark_all_makes_the_next_publish_read_every_entry_again(daemon: Daemon) -> None:
    feed = daemon.config.output_dir / "kremlin.atom"
    assert place(daemon.pipeline, kremlin(f"The Kremlin said {TEXT} FIRSTVERSION")) == "new"
    daemon.publish()
    placer = daemon.pipeline.placer
    placer.changes = StoryChanges()  # an edit no placement marks where the publisher looks ...
    assert place(daemon.pipeline, kremlin(f"The Kremlin said {TEXT} SECONDVERSION")) == "update"
    placer.changes = daemon.changes
    daemon.publish()
    assert "FIRSTVERSION" in feed.read_text()  # ... the cached entry stays
    daemon.changes.mark_all()  # as retention or a re-evaluated rule does
    daemon.publish()
    assert "SECONDVERSION" in feed.read_text()
