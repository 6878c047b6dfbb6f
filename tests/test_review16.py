"""Review of issue 16 (the schedule in the store, shared publishing): what these pin."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_scheduling import due_times, store_with

from topicwire.config import SourceConfig
from topicwire.daemon.scheduler import SourceScheduler

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
