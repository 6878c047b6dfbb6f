"""Disk trouble (issue 7): a read-only output folder and a full disk.

Each case: a first `once` succeeds and writes the feeds; the feed then grows
and a second `once` meets the trouble; it must name the error and exit 1, the
store must stay consistent and the feed files of the first run stay in place,
byte for byte; a third, normal run catches up.

Tests run as root in the container, and root ignores file modes: there the
folder is made read-only with the immutable attribute (``chattr +i``, which
binds root too; EPERM), elsewhere with ``chmod 0o555`` (EACCES). "Disk full"
is RLIMIT_FSIZE in a subprocess (`python -m topicwire`): a write past the
limit fails with EFBIG as it fails with ENOSPC on a full disk.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fixture_server import FixtureServer

from topicwire.daemon.cli import main

ROOT = Path(__file__).resolve().parents[1]
FEED_FILES = ("all.rss", "all.atom", "all.json", "index.opml", "index.html")
AS_ROOT = os.geteuid() == 0
STORE_ERRORS = ("error: cannot open store", "error: store write failed", "error: cannot commit")


def feed(count: int) -> str:
    # ~3 kB of text an item, so ten items outgrow a 32 kB file-size limit.
    items = "".join(
        f"<item><title>Kremlin story {i}</title><guid>story-{i}</guid>"
        f"<link>http://example.org/story-{i}</link>"
        f"<description>Peskov said {i}. {f'Words of the story number {i}. ' * 100}</description></item>"
        for i in range(count)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}</channel></rss>'


def config_text(url: str) -> str:
    return f"""
[fetch]
allow_private_addresses = true
per_host_delay = "0s"
respect_robots = false
[defaults]
fulltext = false
[[sources]]
name = "wire"
url = "{url}"
[[topics]]
name = "all"
query = "Kremlin"
"""


Preexec = Callable[[], None]


def once(config: Path, preexec: Preexec | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(config.parent)}
    return subprocess.run(
        [sys.executable, "-m", "topicwire", "-c", str(config), "once"],
        capture_output=True,
        text=True,
        env=env,
        cwd=config.parent,
        preexec_fn=preexec,
        timeout=60,
        check=False,
    )


def limit_file_size(max_bytes: int) -> Preexec:
    def apply() -> None:
        # Python ignores SIGXFSZ at start-up, so an oversized write fails with EFBIG.
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


def store_facts(db_path: Path) -> tuple[str, int]:
    db = sqlite3.connect(db_path)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        db.close()
    return integrity, articles


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make ``folder`` refuse new entries; yields the strerror writes will meet."""
    if not AS_ROOT:
        folder.chmod(0o555)
        try:
            yield "Permission denied"
        finally:
            folder.chmod(0o755)
        return
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"running as root and chattr +i is unavailable here: {made.stderr.strip()}")
    try:
        yield "Operation not permitted"
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_read_only_output_folder(
    tmp_path: Path, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture_server.route("/wire.xml", feed(3), headers={"Content-Type": "application/rss+xml"})
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url + "/wire.xml"))
    assert main(["-c", str(config), "once"]) == 0
    out = tmp_path / "var" / "feeds"
    before = snapshot(out)
    assert set(before) == set(FEED_FILES) and b"Kremlin story 2" in before["all.rss"]

    fixture_server.route("/wire.xml", feed(6), headers={"Content-Type": "application/rss+xml"})
    with read_only(out) as strerror:
        code = main(["-c", str(config), "once"])
        assert snapshot(out) == before  # untouched, and no temp file left behind
    assert code == 1
    assert f"error: cannot write {out / 'all.rss'}: {strerror}" in capsys.readouterr().err
    assert store_facts(tmp_path / "var" / "topicwire.sqlite3") == ("ok", 6)  # polls are saved before publishing

    assert main(["-c", str(config), "once"]) == 0
    assert b"Kremlin story 5" in (out / "all.rss").read_bytes()


def test_output_folder_that_cannot_be_created(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.route("/wire.xml", feed(2), headers={"Content-Type": "application/rss+xml"})
    (tmp_path / "blocker").write_text("a file where the folder should be\n")
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url + "/wire.xml") + '[output]\ndir = "blocker/feeds"\n')
    assert main(["-c", str(config), "once"]) == 1
    assert store_facts(tmp_path / "var" / "topicwire.sqlite3") == ("ok", 2)
    assert (tmp_path / "blocker").read_text() == "a file where the folder should be\n"


@pytest.mark.parametrize("limit_kb", [24, 64, 160], ids=lambda kb: f"{kb}kB")
def test_disk_full(tmp_path: Path, fixture_server: FixtureServer, limit_kb: int) -> None:
    fixture_server.route("/wire.xml", feed(2), headers={"Content-Type": "application/rss+xml"})
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url + "/wire.xml"))
    assert once(config).returncode == 0
    out = tmp_path / "var" / "feeds"
    before = snapshot(out)
    db_path = tmp_path / "var" / "topicwire.sqlite3"
    assert store_facts(db_path) == ("ok", 2)

    fixture_server.route("/wire.xml", feed(40), headers={"Content-Type": "application/rss+xml"})
    full = once(config, preexec=limit_file_size(limit_kb * 1024))
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    assert any(named in full.stderr for named in STORE_ERRORS), full.stderr
    integrity, articles = store_facts(db_path)
    assert integrity == "ok" and articles in (2, 40)  # the whole poll or none of it
    after = snapshot(out)
    assert all(after[name] == before[name] for name in FEED_FILES)  # old feeds in place
    assert not [name for name in after if name not in before]  # no temp file left behind

    again = once(config)
    assert again.returncode == 0, again.stderr
    assert store_facts(db_path) == ("ok", 40)
    assert b"Kremlin story 39" in (out / "all.rss").read_bytes()


def test_disk_full_names_the_cause(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.route("/wire.xml", feed(2), headers={"Content-Type": "application/rss+xml"})
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url + "/wire.xml"))
    assert once(config).returncode == 0
    fixture_server.route("/wire.xml", feed(40), headers={"Content-Type": "application/rss+xml"})
    full = once(config, preexec=limit_file_size(64 * 1024))
    assert "no transaction is active" not in full.stderr
    assert "File too large" in full.stderr or "disk" in full.stderr, full.stderr
