"""The command line as a new user meets it (issue 14): backup targets, closed pipes, global
options after the command, one report per failure, singular and plural."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from topicwire.daemon.cli import main

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
