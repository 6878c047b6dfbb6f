"""The command line as a new user meets it (issue 14): backup targets, closed pipes, global
options after the command, one report per failure, singular and plural."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from test_cli import ENV, SITE, config_text, free_port
from test_websub import HubStandIn

from topicwire.clock import utc_now
from topicwire.config import load_config
from topicwire.daemon.cli import EXIT_CLOSED_PIPE, main
from topicwire.daemon.words import counted
from topicwire.errors import ConfigError
from topicwire.store import Store

STORE = "var/topicwire.sqlite3"


def write_config(folder: Path, extra: str = "") -> Path:
    config = folder / "c.toml"
    config.write_text(
        '[[sources]]\nname = "site"\nurl = "http://127.0.0.1:9/feeds/rss.xml"\n'
        f'[[topics]]\nname = "kremlin"\nquery = "kremlin"\n{extra}'
    )
    return config


@pytest.fixture
def store_folder(tmp_path: Path) -> Path:
    """A config and a live store (WAL mode: -wal and -shm exist while a connection is open)."""
    write_config(tmp_path)
    assert main(["-c", str(tmp_path / "c.toml"), "sources"]) == 0  # creates the store
    return tmp_path


# Each names the live store (or a file SQLite keeps beside it) another way.
STORE_ALIASES: dict[str, Callable[[Path], Path]] = {
    "same path": lambda d: d / STORE,
    "through ..": lambda d: d / "var" / ".." / STORE,
    "wal": lambda d: d / (STORE + "-wal"),
    "shm": lambda d: d / (STORE + "-shm"),
    "symlink to the store": lambda d: _link(d / "copy.db", d / STORE),
    "through a symlinked folder": lambda d: _link(d / "v", d / "var") / "topicwire.sqlite3",
    "hard link": lambda d: _hard(d / "hard.db", d / STORE),
}


def _link(link: Path, to: Path) -> Path:
    link.symlink_to(to)
    return link


def _hard(link: Path, to: Path) -> Path:
    os.link(to, link)
    return link


@pytest.mark.parametrize("alias", STORE_ALIASES.values(), ids=STORE_ALIASES.keys())
def test_backup_refuses_the_live_store(
    store_folder: Path, alias: Callable[[Path], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store = store_folder / STORE
    db = sqlite3.connect(store)  # a "daemon" holding the store open: -wal and -shm exist
    db.execute("CREATE TABLE IF NOT EXISTS marker (x)")
    db.commit()
    try:
        before = store.stat().st_ino
        target = alias(store_folder)
        capsys.readouterr()
        assert main(["-c", str(store_folder / "c.toml"), "backup", str(target)]) == 2
        err = capsys.readouterr().err
        assert f"backup: {target} is the live store's file" in err and "backed up" not in err
        assert store.stat().st_ino == before  # not replaced under the open connection
        assert db.execute("SELECT COUNT(*) FROM marker").fetchone() == (0,)
    finally:
        db.close()


def test_backup_under_a_regular_file_is_a_clear_error(store_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (store_folder / "afile").write_text("x")
    for target in ("afile/copy.db", "afile/sub/copy.db"):
        capsys.readouterr()
        assert main(["-c", str(store_folder / "c.toml"), "backup", str(store_folder / target)]) == 2
        err = capsys.readouterr().err
        assert err == f"error: backup: {store_folder / target}: {store_folder / 'afile'} is not a folder\n"


def test_backup_to_a_folder_is_refused(store_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-c", str(store_folder / "c.toml"), "backup", str(store_folder / "var")]) == 2
    assert "is a folder; give a file name in it" in capsys.readouterr().err


def test_backup_says_it_created_the_folder(store_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = store_folder / "backups" / "2026" / "copy.db"
    capsys.readouterr()
    assert main(["-c", str(store_folder / "c.toml"), "backup", str(target)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"created folder {target.parent}" and out[1].startswith("backed up ")
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert main(["-c", str(store_folder / "c.toml"), "backup", str(target)]) == 0  # folder exists now
    assert "created folder" not in capsys.readouterr().out


@pytest.fixture
def stored(tmp_path: Path, fixture_server: FixtureServer) -> tuple[Path, str]:
    """A config whose store holds the fixture site's articles, and one article's id."""
    fixture_server.serve_dir("/", SITE)
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url))
    assert main(["-c", str(config), "once"]) == 0
    store = Store.open(tmp_path / STORE, utc_now())
    try:
        uid = next(uid for uid, doc in store.match_docs() if "Peskov" in doc.text)
    finally:
        store.close()
    return config, uid


def test_a_closed_stdout_ends_every_command_quietly(stored: tuple[Path, str]) -> None:
    config, uid = stored
    commands = (["check"], ["sources"], ["stats"], ["explain", "kremlin", uid], ["story", uid])
    for command in commands:
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before the first write: `| head -0`, deterministic
        try:
            done = subprocess.run(
                [sys.executable, "-m", "topicwire", "-c", str(config), *command],
                stdout=write_end,
                stderr=subprocess.PIPE,
                text=True,
                env=ENV,
                timeout=60,
                check=False,
            )
        finally:
            os.close(write_end)
        assert (command, done.returncode, done.stderr) == (command, EXIT_CLOSED_PIPE, "")


def test_global_options_after_the_command(stored: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    config, _ = stored
    capsys.readouterr()
    assert main(["sources", "-c", str(config)]) == 0
    assert capsys.readouterr().out.startswith("SOURCE ")
    assert main(["--log-level", "error", "once", "-c", str(config), "--log-format", "json"]) == 0
    assert "event" not in capsys.readouterr().err  # info events are below the level given before `once`
    assert main(["-c", "/nonexistent.toml", "check", "--config", str(config)]) == 0  # the later one wins


def unknown(key: str, term: str) -> str:
    return f'topics[0].{key}: "{term}" names no configured source (known: site)'


SOURCE_TERMS = {
    "unknown": ("source:gamma", "", [unknown("query", "source:gamma")]),
    "in exclude": ("kremlin", "source:delta", [unknown("exclude", "source:delta")]),
    "prefix of none": ("source:gam*", "", [unknown("query", "source:gam*")]),
    "inner scope": ("title:(x OR source:(beta OR title:site))", "", [unknown("query", "source:beta")]),
    "known": ("source:site OR source:SITE OR source:si* OR source:(x NEAR/2 y)", "", []),
    "title scope is words": ("title:gamma", "", []),
}


@pytest.mark.parametrize(("query", "exclude", "problems"), SOURCE_TERMS.values(), ids=SOURCE_TERMS.keys())
def test_a_query_naming_an_unknown_source_is_a_config_error(
    tmp_path: Path, query: str, exclude: str, problems: list[str]
) -> None:
    (tmp_path / "c.toml").write_text(
        f'[[sources]]\nname = "site"\nurl = "http://x.test/rss"\n[[topics]]\nname = "t"\nquery = \'{query}\'\n'
        + (f'exclude = "{exclude}"\n' if exclude else "")
    )
    try:
        load_config(tmp_path / "c.toml")
    except ConfigError as e:
        assert list(e.problems) == problems
    else:
        assert problems == []


def test_a_failed_command_is_reported_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(tmp_path, extra="[fetch]\nallow_private_addresses = true\n")
    command = ["-c", str(tmp_path / "c.toml"), "discover", "http://127.0.0.1:9/"]  # nothing listens on 9
    capsys.readouterr()
    assert main(command) == 1
    captured = capsys.readouterr()
    told = [line for line in (captured.out + captured.err).splitlines() if "connection refused" in line]
    assert told == ["error: connection refused by 127.0.0.1 (http://127.0.0.1:9/)"], captured.err
    assert main([*command, "--log-format", "json"]) == 1
    captured = capsys.readouterr()
    told = [json.loads(line) for line in captured.err.splitlines() if "connection refused" in line]
    assert [(e["level"], e["event"], e["command"]) for e in told] == [("error", "command.failed", "discover")]


def test_counts_agree_with_their_nouns(stored: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    config, uid = stored
    capsys.readouterr()
    main(["-c", str(config), "once"])  # nothing new on the second poll
    assert "1 source polled: 0 new articles, 0 failed" in capsys.readouterr().err
    target = config.parent / "copy.db"
    assert main(["-c", str(config), "backup", str(target)]) == 0
    assert "(4 articles)" in capsys.readouterr().out
    assert main(["-c", str(config), "story", uid]) == 0
    assert "  1 article from 1 source; topics: kremlin" in capsys.readouterr().out
    assert main(["-c", str(config), "stats"]) == 0
    out = capsys.readouterr().out
    assert "(0 articles joined another outlet's story)" in out and "     4 articles  last success" in out
    (config.parent / "bad.toml").write_text("[fetch]\ntimeout = 5\n")
    assert main(["-c", str(config.parent / "bad.toml"), "check"]) == 2
    assert ": 1 error in config:" in capsys.readouterr().err


def test_words() -> None:
    assert [counted(n, "new article") for n in (0, 1, 2)] == ["0 new articles", "1 new article", "2 new articles"]
    assert counted(1, "story", "stories") == "1 story" and counted(3, "story", "stories") == "3 stories"


def run_console(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    """`python -m topicwire ARGS` with an atexit hook that leaves a mark if the interpreter's
    own exit runs (the teardown that took 1.4-1.8 s after daemon.stopped, issue 14)."""
    mark = tmp_path / "teardown-ran"
    code = (
        "import atexit, runpy, sys; "
        f"atexit.register(lambda: open({str(mark)!r}, 'w').close()); "
        f"sys.argv = ['topicwire', *{list(args)!r}]; "
        "runpy.run_module('topicwire', run_name='__main__')"
    )
    return subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True, env=ENV)


def test_run_exits_without_the_interpreter_teardown(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.serve_dir("/", SITE)
    port = free_port()
    (tmp_path / "c.toml").write_text(config_text(fixture_server.url, listen=f"127.0.0.1:{port}"))
    proc = run_console(tmp_path, "-c", str(tmp_path / "c.toml"), "run")
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "event=daemon.started" in line:
                break
        proc.send_signal(signal.SIGTERM)
        stopped = None
        for line in proc.stderr:
            if "event=daemon.stopped" in line:
                stopped = time.monotonic()
        proc.wait(timeout=30)
        after_stopped = time.monotonic() - (stopped or 0)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and stopped is not None
    assert not (tmp_path / "teardown-ran").exists()  # the mechanism: os._exit once everything is closed
    print(f"exit {after_stopped:.3f} s after daemon.stopped")  # measured: 0.02-0.06 s; 0.25-0.96 s before
    assert after_stopped < 5.0


def test_once_exits_at_once_but_after_its_websub_round(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.serve_dir("/", SITE)
    hub = HubStandIn()
    hub.delay = 1.0  # the round is still running when `once` has published
    try:
        extra = f'[output]\nwebsub_hub = "{hub.url}"\n'
        (tmp_path / "c.toml").write_text(config_text(fixture_server.url, extra=extra))
        proc = run_console(tmp_path, "-c", str(tmp_path / "c.toml"), "once")
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert hub.urls() and "event=websub.pinged" in err  # waited for the pings
        assert not (tmp_path / "teardown-ran").exists()
    finally:
        hub.close()
