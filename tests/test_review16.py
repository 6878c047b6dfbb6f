"""Review of issue 16 (the schedule in the store, shared publishing): what these pin."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from test_scheduling import due_times, store_with
from test_shared_publish import files, two_daemons  # noqa: F401, F811 (a fixture)

from topicwire.config import SourceConfig
from topicwire.daemon.scheduler import SourceScheduler
from topicwire.feeds.publisher import Publisher
from topicwire.pipeline import Pipeline

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_a_poll_that_raises_is_logged_and_not_polled_again_at_every_tick(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in a poll (an exception out of Pipeline.poll) released the lease with the
    source's past due time kept: the next tick claimed it again, so a broken source was
    fetched twice a second for ever, and the error went nowhere (the thread pool kept it).
    Under the per-source APScheduler jobs before, it waited for its interval and was logged."""
    source = SourceConfig("s", "http://x.test/feed", "feed", 300.0, False)
    store = store_with(tmp_path, (source,))
    calls: list[float] = []

    def poll(s: SourceConfig, spread: float) -> datetime:
        calls.append(time.monotonic())
        raise RuntimeError("a bug")

    clock = [NOW]
    scheduler = SourceScheduler(poll, 2, store, "me", tick=0.05, clock=lambda: clock[0])
    with store.transaction() as tx:
        tx.set_due({"s": NOW - timedelta(minutes=1)})
    scheduler.schedule((source,), due_times(store, (source,)), NOW)
    clock[0] = NOW + timedelta(minutes=2)
    scheduler.start()
    try:
        time.sleep(1.0)
    finally:
        scheduler.stop()
    assert len(calls) == 1
    due = due_times(store, (source,))["s"]
    assert due is not None and due >= clock[0] + timedelta(seconds=source.interval) - timedelta(seconds=1)
    crashed = [r for r in caplog.records if r.getMessage() == "source.crashed"]
    assert [r.tw_fields["source"] for r in crashed] == ["s"] and "a bug" in crashed[0].tw_fields["error"]
    store.close()


def test_a_story_another_daemon_changed_is_not_rendered_stale_again(
    two_daemons: tuple[Publisher, Publisher, Pipeline],  # noqa: F811 (the fixture)
    pg_url: str,
) -> None:
    """Each daemon's feed cache keeps the entries of stories it has not seen change; on a
    shared store the others' changes never reached it, so its next render wrote its stale
    entries over the file the daemon that made the change had rendered, and kept them in
    the store for every follower."""
    a, b, pipeline = two_daemons
    for source in pipeline.config.sources:
        pipeline.poll(source)
    a.publish()  # a renders, keeping every story's entry
    with psycopg.connect(pg_url) as db:
        uid, story = db.execute(
            "SELECT a.uid, a.story_id FROM articles a JOIN topic_articles t ON t.uid = a.uid LIMIT 1"
        ).fetchone()
        db.execute("UPDATE articles SET title = 'A title changed elsewhere' WHERE story_id = %s", (story,))
    b.changes.mark(story)  # b's poll changed the story (another copy, an edit)
    b.publish()
    fresh = files(b.config.output_dir)
    assert any(b"A title changed elsewhere" in d for d in fresh.values())
    a.publish()  # a renders next, for a change of its own
    assert files(a.config.output_dir) == fresh
