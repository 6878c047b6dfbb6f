"""Review 2 (issue 19): a render that fails in a flush (start-up, SIGHUP reload, stop)
keeps what it took pending, and a reload whose render fails (a full disk) logs it and the
daemon lives on: it escaped Daemon.run with a traceback and no clean stop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli import config_text

import topicwire.feeds.publisher as publisher_module
from topicwire.config import load_config
from topicwire.daemon.coalesce import PublishScheduler
from topicwire.daemon.service import Daemon


def test_a_failed_flush_leaves_its_change_pending() -> None:
    clock = [100.0]
    calls: list[float | None] = []

    def publish(since: float | None) -> None:
        calls.append(since)
        raise OSError(28, "No space left on device")

    publisher = PublishScheduler(publish, 3.0, lambda: clock[0])
    publisher.changed()
    with pytest.raises(OSError):
        publisher.flush()
    assert publisher.pending and calls == [100.0]
    clock[0] = 200.0
    with pytest.raises(OSError):
        publisher.flush()
    assert calls == [100.0, 100.0]  # as old as it was: the delay logged stays true


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    (tmp_path / "c.toml").write_text(config_text("http://127.0.0.1:9"))
    d = Daemon(load_config(tmp_path / "c.toml"))
    d._install_signals = lambda: None  # type: ignore[method-assign]  # run() in a thread here
    yield d


def test_a_reload_whose_render_fails_does_not_end_the_daemon(daemon: Daemon, monkeypatch: pytest.MonkeyPatch) -> None:
    result: dict[str, object] = {}
    running = threading.Thread(target=lambda: result.update(rc=daemon.run()))
    running.start()
    try:
        for _ in range(100):
            if daemon.scheduler.running:
                break
            threading.Event().wait(0.05)

        def full_disk(*args: object, **kwargs: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(publisher_module, "publish_topics", full_disk)
        daemon._reload = True  # what SIGHUP does
        daemon._wake.set()
        running.join(1)
        assert running.is_alive(), f"the daemon ended: {result}"
        assert daemon.publisher.pending  # the thread renders it once the disk has room
        monkeypatch.undo()
    finally:
        daemon.request_stop()
        running.join(20)
    assert result == {"rc": 0}
