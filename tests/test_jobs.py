"""Every timed job of `run` is a job of the daemon's one APScheduler (issue 16 point 1):
the tick, the coalesced publish and status page, retention, the heartbeat and, on a shared
store, following another daemon's renders; none keeps a thread of its own."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli import config_text

from topicwire.clock import utc_now
from topicwire.config import load_config
from topicwire.daemon.coalesce import PublishScheduler
from topicwire.daemon.jobs import Jobs
from topicwire.daemon.service import Daemon
from topicwire.errors import StoreError
from topicwire.store import Store


@pytest.fixture
def jobs() -> Iterator[Jobs]:
    made = Jobs()
    made.start()
    yield made
    made.stop()


def wait_for(check: object, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_a_change_renders_once_after_the_delay(jobs: Jobs) -> None:
    calls: list[float | None] = []
    publisher = PublishScheduler(calls.append, 0.2, jobs=jobs)
    started = time.monotonic()
    for _ in range(5):
        publisher.changed()  # a burst of polls
    assert jobs.has("publish")
    assert wait_for(lambda: calls)
    assert time.monotonic() - started >= 0.19 and len(calls) == 1 and calls[0] is not None
    time.sleep(0.3)
    assert len(calls) == 1 and not publisher.pending


def test_a_change_during_a_render_is_rendered_after_it(jobs: Jobs) -> None:
    """The next render's job fires while the first still runs: it must wait, not be dropped
    (APScheduler drops a run of a job at its instance limit, and a one-shot job never
    comes back)."""
    rendering, release = threading.Event(), threading.Event()
    calls: list[float | None] = []

    def publish(since: float | None) -> None:
        calls.append(since)
        if len(calls) == 1:
            rendering.set()
            release.wait(5)

    publisher = PublishScheduler(publish, 0.0, jobs=jobs)
    publisher.changed()
    assert rendering.wait(5)
    publisher.changed()  # due at once, while the first render holds the lock
    time.sleep(0.3)
    assert len(calls) == 1
    release.set()
    assert wait_for(lambda: len(calls) == 2) and not publisher.pending


def test_a_failed_render_is_tried_again_after_another_delay(jobs: Jobs) -> None:
    calls: list[float] = []

    def publish(since: float | None) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise OSError(28, "No space left on device")

    publisher = PublishScheduler(publish, 0.2, jobs=jobs)
    publisher.changed()
    assert wait_for(lambda: len(calls) == 2)
    assert calls[1] - calls[0] >= 0.19 and not publisher.pending


def test_stop_cancels_the_pending_render_and_keeps_its_change(jobs: Jobs) -> None:
    calls: list[float | None] = []
    publisher = PublishScheduler(calls.append, 0.2, jobs=jobs)
    publisher.changed()
    publisher.stop()
    time.sleep(0.4)
    assert calls == [] and publisher.pending and not jobs.has("publish")
    publisher.flush()  # the daemon's last publish at a clean stop
    assert len(calls) == 1 and not publisher.pending


def test_the_daemon_runs_its_timed_work_as_jobs(tmp_path: Path, store_at: Path | str) -> None:
    shared = isinstance(store_at, str)
    store = f"[store]\nurl = {json.dumps(store_at)}\n" if shared else ""
    (tmp_path / "c.toml").write_text(store + config_text("http://127.0.0.1:9"))
    daemon = Daemon(load_config(tmp_path / "c.toml"))
    daemon._install_signals = lambda: None  # type: ignore[method-assign]  # run() in a thread here
    result: dict[str, int] = {}
    running = threading.Thread(target=lambda: result.update(rc=daemon.run()))
    running.start()
    try:
        assert wait_for(lambda: daemon.healthy(), 10)
        names = set(daemon.jobs.names())
        assert {"tick", "maintenance", "heartbeat"} <= names
        assert ("follow" in names) is shared  # on SQLite no other daemon renders
        threads = {t.name for t in threading.enumerate()}
        assert not threads & {"publisher", "heartbeat"}  # no thread of their own any more
        daemon.publisher.changed()
        assert "publish" in daemon.jobs.names()
    finally:
        daemon.request_stop()
        running.join(30)
    assert result == {"rc": 0} and not daemon.jobs.running


def test_a_failing_job_is_logged_once_per_streak(jobs: Jobs, caplog: pytest.LogCaptureFixture) -> None:
    """While the database is away the follow job fails every 5 s: one line when it starts
    failing, one when it works again, and never APScheduler's traceback."""
    outcomes = [StoreError("connection refused"), StoreError("connection refused"), None, RuntimeError("bug")]
    ran = threading.Event()

    def job() -> None:
        outcome = outcomes.pop(0) if outcomes else RuntimeError("bug")  # the last streak goes on
        if not outcomes:
            ran.set()
        if outcome is not None:
            raise outcome

    with caplog.at_level("DEBUG"):
        jobs.every("flaky", job, 0.05)
        assert ran.wait(5)
        time.sleep(0.1)
        jobs.cancel("flaky")
    events = [(r.getMessage(), r.levelname) for r in caplog.records if r.name == "topicwire"]
    assert events == [("job.failed", "WARNING"), ("job.recovered", "INFO"), ("job.failed", "ERROR")]
    assert not [r for r in caplog.records if r.name.startswith("apscheduler") and r.levelno >= 30]


def test_a_clean_stop_renders_what_another_daemons_render_did_not_show(tmp_path: Path, pg_url: str) -> None:
    """Review of issue 16: at a stop on a shared store, the final publish found another daemon
    rendering and only copied its files; this daemon's last articles waited for some later
    render of any daemon. It now tries again, for up to STOP_RENDER_WAIT, and renders them."""
    store = f"[store]\nurl = {json.dumps(pg_url)}\n"
    (tmp_path / "c.toml").write_text(store + config_text("http://127.0.0.1:9"))
    config = load_config(tmp_path / "c.toml")
    daemon = Daemon(config)
    other = Store.open(config.store, utc_now())  # another daemon of the store, rendering
    held, release = threading.Event(), threading.Event()

    def render_elsewhere() -> None:
        with other.exclusive("publish") as mine:
            assert mine
            held.set()
            release.wait(5)

    try:
        daemon.prepare()
        daemon.publish()
        daemon.changes.mark("a-story-of-ours")  # one of our last polls changed a story
        rendering = threading.Thread(target=render_elsewhere)
        rendering.start()
        assert held.wait(5)
        threading.Timer(1.0, release.set).start()  # the other render ends a second later
        assert daemon.shutdown() == 0
        rendering.join()
        assert not daemon.feeds.owes_render and not daemon.changes.pending()
    finally:
        release.set()
        other.close()
