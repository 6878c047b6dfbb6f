"""A real feed reader reads every generated feed: newsboat, over loopback (issue 6).

`topicwire once` runs on the fixture site exactly as in test_end_to_end.py;
the output folder is then served over loopback and `newsboat -x reload`
fetches each .rss and .atom file. Its exit code says nothing (it is 0 when a
feed fails to parse), so the evidence is newsboat's own SQLite cache: the
`rss_feed` row and the `rss_item` rows it stored for that feed URL, compared
with what feedparser reads from the same bytes.

One newsboat run, with its own cache, per feed file: newsboat keys `rss_item`
by guid across *all* feeds of a cache (one row per guid; `feedurl` is
overwritten by whichever feed loaded last). Our RSS and Atom files of a topic
share entry ids (`urn:topicwire:article:<uid>`), as do topics sharing an
article, so one shared cache would hide entries instead of testing them.
"""

from __future__ import annotations

import calendar
import os
import shutil
import sqlite3
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import feedparser
import pytest
from fixture_server import FixtureServer
from test_end_to_end import ROOT, SITE, run_once, write_config

NEWSBOAT = shutil.which("newsboat")
pytestmark = pytest.mark.skipif(
    NEWSBOAT is None, reason="newsboat is not installed (apt-get install newsboat; .ci/run installs it)"
)

TOPICS = tuple(t["name"] for t in tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))["topics"])
FEED_FILES = tuple(f"{topic}.{ext}" for topic in TOPICS for ext in ("rss", "atom"))
# Small timeouts: everything is on loopback; no proxy, so nothing leaves the host.
NEWSBOAT_CONFIG = "download-timeout 10\nreload-threads 1\nmax-items 0\nuse-proxy no\n"


class Item(NamedTuple):
    guid: str
    title: str
    link: str


@pytest.fixture(scope="module")
def feeds_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("newsboat-site")
    with FixtureServer() as site:
        site.serve_dir("/", SITE)
        result = run_once(write_config(folder, site.url))
        assert result.returncode == 0, result.stderr
        yield folder / "var" / "feeds"


@pytest.fixture(scope="module")
def feeds_url(feeds_dir: Path) -> Iterator[str]:
    with FixtureServer() as server:
        server.serve_dir("/", feeds_dir, substitute={})  # the files' bytes, unchanged
        yield server.url


def newsboat_env(home: Path) -> dict[str, str]:
    """A throwaway HOME and XDG dirs; a UTF-8 locale so titles are not transliterated."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share")}
    env["TERM"] = "dumb"
    return env  # no http_proxy/https_proxy: loopback only


def newsboat_reload(folder: Path, url: str) -> Path:
    """Run `newsboat -x reload` on one feed URL; return its cache database."""
    (folder / "home").mkdir()
    urls, config, cache = folder / "urls", folder / "config", folder / "cache.db"
    urls.write_text(url + "\n", encoding="utf-8")
    config.write_text(NEWSBOAT_CONFIG, encoding="utf-8")
    command = [str(NEWSBOAT), "-u", str(urls), "-c", str(cache), "-C", str(config), "-x", "reload"]
    done = subprocess.run(
        command, env=newsboat_env(folder / "home"), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert cache.is_file(), f"newsboat wrote no cache: {done.stdout}{done.stderr}"
    return cache


def cached(cache: Path, url: str) -> tuple[sqlite3.Row | None, list[sqlite3.Row]]:
    """The rss_feed row and the rss_item rows newsboat stored for ``url``."""
    with sqlite3.connect(f"file:{cache}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        feed = db.execute("SELECT rssurl, title, url FROM rss_feed WHERE rssurl = ?", (url,)).fetchone()
        sql = "SELECT guid, title, url, pubDate FROM rss_item WHERE feedurl = ? AND deleted = 0"
        return feed, db.execute(sql, (url,)).fetchall()


def test_every_feed_file_is_covered(feeds_dir: Path) -> None:
    on_disk = {p.name for p in feeds_dir.iterdir() if p.suffix in (".rss", ".atom")}
    assert on_disk == set(FEED_FILES)


@pytest.mark.parametrize("name", FEED_FILES, ids=FEED_FILES)
def test_newsboat_stores_every_entry(name: str, feeds_dir: Path, feeds_url: str, tmp_path: Path) -> None:
    parsed = feedparser.parse((feeds_dir / name).read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.entries, f"{name} has no entries: the fixture site should fill every topic"
    url = f"{feeds_url}/{name}"

    feed, rows = cached(newsboat_reload(tmp_path, url), url)

    assert feed is not None, f"newsboat stored no feed for {url}"
    assert feed["title"] == parsed.feed.title
    expected = sorted(Item(e.id, e.title, e.link) for e in parsed.entries)
    assert sorted(Item(r["guid"], r["title"], r["url"]) for r in rows) == expected
    assert len({r["guid"] for r in rows}) == len(parsed.entries)


@pytest.mark.parametrize("name", FEED_FILES, ids=FEED_FILES)
def test_newsboat_titles_links_and_dates_are_intact(name: str, feeds_dir: Path, feeds_url: str, tmp_path: Path) -> None:
    parsed = feedparser.parse((feeds_dir / name).read_bytes())
    url = f"{feeds_url}/{name}"
    _, rows = cached(newsboat_reload(tmp_path, url), url)
    by_guid = {e.id: e for e in parsed.entries}
    for row in rows:
        entry = by_guid[row["guid"]]
        title = row["title"]
        assert title.strip() and title == title.strip(), row["guid"]
        assert not any(mark in title for mark in ("<", "&amp;", "&lt;", "&#")), title
        assert row["url"].startswith(("http://", "https://")) and " " not in row["url"], row["url"]
        # newsboat keeps one date per item: published for RSS, published or updated for Atom.
        # dict.get: feedparser's own get() maps a missing updated_parsed to published, with a warning.
        stamps = (dict.get(entry, "published_parsed"), dict.get(entry, "updated_parsed"))
        moments = {calendar.timegm(t) for t in stamps if t}
        assert row["pubDate"] in moments, (row["guid"], row["pubDate"], moments)
