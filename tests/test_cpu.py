"""Worker processes for the CPU-bound stages (issue 16 point 4): the same results as in the
daemon's own process, errors that cross back intact, a dead worker costing nothing, and
`--workers` on the command line."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from crashlog import failure_log
from fixture_server import FixtureServer
from site_config import write_site_config
from test_end_to_end import SITE, SOURCES

from topicwire.cpu import CpuPool, default_workers
from topicwire.errors import ConfigError, FetchError, ParseError, QueryError, SourceError, Throttled

ROOT = Path(__file__).resolve().parents[1]


def pid_of() -> int:
    return os.getpid()


def fail_with(error: Exception) -> None:
    raise error


def die_unless(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(1)  # the worker dies mid-call (the OOM killer, a crash in C)
    return "ran here"


def abort_unless(parent: int) -> str:
    if os.getpid() != parent:
        os.abort()  # SIGABRT, as glibc's heap checks or a fatal interpreter error raise it
    return "ran here"


@pytest.mark.parametrize(
    "error",
    [
        ParseError("http://a.test/feed", "not a feed"),
        FetchError("http://a.test/", "HTTP 429", status=429, retry_after=30.0),
        Throttled("http://a.test/", "busy host", retry_after=5.0),
        SourceError("http://a.test/", "odd"),
        ConfigError(["a: bad", "b: worse"]),
        QueryError("Kremlin AND", 11, "a term is missing"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_survive_pickling_with_their_fields(error: Exception) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error) and again.__dict__ == error.__dict__


def test_calls_run_in_worker_processes_and_errors_come_back() -> None:
    pool = CpuPool(2)
    try:
        assert pool.call(pid_of) != os.getpid()
        with pytest.raises(FetchError) as info:
            pool.call(fail_with, FetchError("http://a.test/", "HTTP 503", status=503, retry_after=7.0))
        assert info.value.status == 503 and info.value.retry_after == 7.0 and info.value.url == "http://a.test/"
    finally:
        pool.close()
    assert CpuPool(1).call(pid_of) == os.getpid()  # one "worker": the daemon's own process
    assert CpuPool(0).workers == default_workers() >= 1


def test_a_dead_worker_costs_only_its_call(caplog: pytest.LogCaptureFixture) -> None:
    pool = CpuPool(2)
    try:
        assert pool.call(die_unless, os.getpid()) == "ran here"  # run again here, inline
        assert pool.call(pid_of) != os.getpid()  # a fresh pool for the next calls
    finally:
        pool.close()
    assert "event=cpu.worker_died" in caplog.text or "cpu.worker_died" in caplog.text


def test_a_worker_killed_by_a_fatal_signal_writes_its_stack(capfd: pytest.CaptureFixture[str]) -> None:
    """A worker process that dies of SIGABRT or SIGSEGV (a crash in lxml or numpy) writes
    where it was to the daemon's stderr first, as the daemon itself does (issue 16)."""
    pool = CpuPool(2)
    try:
        assert pool.call(abort_unless, os.getpid()) == "ran here"  # run again here, inline
    finally:
        pool.close()
    err = capfd.readouterr().err
    assert "Fatal Python error: Aborted" in err and "in abort_unless" in err, err


def entries(path: Path) -> list[tuple[str, str, str]]:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0
    return sorted((e.title, e.link, e.get("description", "")) for e in parsed.entries)


def once(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "topicwire", "-c", str(config), "once", *extra],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )


def test_once_with_workers_publishes_what_once_in_one_process_does(tmp_path: Path) -> None:
    """The fixture site polled with two worker processes and with none: the same feeds."""
    with FixtureServer() as server:
        server.serve_dir("/", SITE)
        out = {}
        for workers in ("1", "2"):
            folder = tmp_path / workers
            folder.mkdir()
            config = write_site_config(folder, server.url, SOURCES, fetch=['timeout = "10s"'])
            done = once(config, "--workers", workers)
            assert done.returncode == 0, failure_log(done.stderr)
            feeds = folder / "var" / "feeds"
            out[workers] = {p.stem: entries(p) for p in sorted(feeds.glob("*.rss"))}
    # Entry ids name whichever of the site's two feeds stored an article first (polls run
    # side by side): compare what the entries say.
    assert out["1"] and all(out["1"].values()) and out["1"] == out["2"]


def test_a_bad_workers_value_is_named(tmp_path: Path) -> None:
    config = write_site_config(tmp_path, "http://x.test", SOURCES)
    done = once(config, "--workers", "many")
    assert done.returncode == 2 and "'many' is not a number of processes 0..64" in done.stderr
