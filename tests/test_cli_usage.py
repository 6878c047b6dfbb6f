"""The command line as a new user meets it (issue 14): backup targets, closed pipes, global
options after the command, one report per failure, singular and plural."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from test_cli import ENV, SITE, config_text

from topicwire.config import load_config
from topicwire.daemon.cli import EXIT_CLOSED_PIPE, main
from topicwire.errors import ConfigError
from topicwire.pipeline import utc_now
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
