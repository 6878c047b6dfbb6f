"""The whole path on a loopback news site: `topicwire once`, twice, in a real process.

The site (tests/fixtures/site/) is written from the five seed pages; topics and
aliases come from the repo's own config.toml, so this tests the shipped rules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from fixture_server import FixtureServer
from pg_cluster import create_database, drop_database
from site_config import write_site_config

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(__file__).resolve().parent / "fixtures" / "site"
BOILERPLATE = ("Legal Disclaimer", "Most popular stories", "About Us", "WARNING: Comments")
REPEATED = "Sometimes, it happens that difficult periods occur"


SOURCES = (
    ("site-rss", "/feeds/rss.xml", "feed"),
    ("site-atom", "/feeds/atom.xml", "auto"),
    ("turkey-tag", "/tags/turkey.html", "page"),
)


def write_config(folder: Path, base: str, store: tuple[str, ...] = ('path = "var/store.sqlite3"',)) -> Path:
    return write_site_config(folder, base, SOURCES, fetch=['timeout = "10s"'], store=store)


def run_once(config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "topicwire", "-c", str(config), "once"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def feeds(out: Path) -> dict[str, bytes]:
    """Every published feed file (index.html is a status page that shows poll times)."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".") and p.suffix != ".html"}


def links(out: Path, topic: str) -> set[str]:
    parsed = feedparser.parse((out / f"{topic}.rss").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return {e.link.split("/", 3)[3] for e in parsed.entries}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FixtureServer, Path, subprocess.CompletedProcess[str]]]:
    """The site polled once by a real process, with the store on each backend (issue 16)."""
    folder = tmp_path_factory.mktemp("e2e")
    store: tuple[str, ...] = ('path = "var/store.sqlite3"',)
    pg_server = url = ""
    if request.param == "postgres":
        pg_server = request.getfixturevalue("pg_server")
        url = create_database(pg_server)
        store = (f"url = {json.dumps(url)}",)
    try:
        with FixtureServer() as server:
            server.serve_dir("/", SITE)
            config = write_config(folder, server.url, store)
            first = run_once(config)
            yield server, folder, first
    finally:
        if url:
            drop_database(pg_server, url)


def test_first_run_succeeds(site: tuple) -> None:
    _, _, first = site
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr


def test_kremlin_statements(site: tuple) -> None:
    found = links(site[1] / "var" / "feeds", "kremlin-statements")
    assert {f"articles/{n}.html" for n in ("000", "001", "003", "004")} <= found
    assert "news/putin-erdogan-syrian-militants-karabakh.html" in found
    assert "news/turkey-stops-turkstream.html" not in found


def test_caucasus_is_decided_on_main_text(site: tuple) -> None:
    found = links(site[1] / "var" / "feeds", "caucasus")
    assert {"articles/003.html", "articles/004.html"} <= found
    # Seed 000 names Artsakh and Azerbaijan only in its sidebar headlines.
    assert "articles/000.html" not in found
    karabakh = {f"news/{p.name}" for p in (SITE / "news").glob("*karabakh*.html")}
    assert len(karabakh) >= 4 and karabakh <= found
    assert "news/putin-erdogan-syrian-militants-karabakh.html" in found
    assert "news/turkey-stops-turkstream.html" not in found


def test_turkstream_is_in_turkey_only(site: tuple) -> None:
    out = site[1] / "var" / "feeds"
    assert "news/turkey-stops-turkstream.html" in links(out, "turkey")


def test_no_boilerplate_in_any_feed(site: tuple) -> None:
    for name, body in feeds(site[1] / "var" / "feeds").items():
        text = body.decode("utf-8")
        for phrase in BOILERPLATE:
            assert phrase not in text, f"{phrase!r} leaked into {name}"


def test_repeated_paragraphs_appear_once(site: tuple) -> None:
    doc = json.loads((site[1] / "var" / "feeds" / "kremlin-statements.json").read_bytes())
    item = next(i for i in doc["items"] if i["url"].endswith("articles/003.html"))
    assert item["content_html"].count(REPEATED) == 1


def test_one_entry_per_article_across_rss_and_atom_sources(site: tuple) -> None:
    parsed = feedparser.parse((site[1] / "var" / "feeds" / "kremlin-statements.rss").read_bytes())
    urls = [e.link for e in parsed.entries]
    assert len(urls) == len(set(urls))
    assert len({e.id for e in parsed.entries}) == len(parsed.entries)


def test_index_html_lists_topics_and_sources(site: tuple) -> None:
    page = (site[1] / "var" / "feeds" / "index.html").read_text(encoding="utf-8")
    for needle in (
        'href="kremlin-statements.rss"',
        'href="caucasus.atom"',
        'href="turkey.json"',
        "turkey-tag",
        "index.opml",
    ):
        assert needle in page


def test_index_opml_lists_every_topic(site: tuple) -> None:
    opml = (site[1] / "var" / "feeds" / "index.opml").read_text(encoding="utf-8")
    for topic in ("kremlin-statements", "caucasus", "turkey"):
        assert f"http://feeds.test/{topic}.rss" in opml


def test_second_run_is_conditional_and_changes_nothing(site: tuple) -> None:
    server, folder, _ = site
    out = folder / "var" / "feeds"
    before = feeds(out)
    seen = len(server.requests)
    second = run_once(folder / "config.toml")
    assert second.returncode == 0, second.stderr
    # The three sources, conditionally; no article page. The page source also asks
    # for robots.txt again (a new process has an empty robots cache).
    requests = [r for r in server.requests[seen:] if r.path != "/robots.txt"]
    assert len(requests) == 3, [r.path for r in requests]
    for r in requests:
        headers = {k.lower(): v for k, v in r.headers.items()}
        assert "if-none-match" in headers or "if-modified-since" in headers
    assert "new=0" in second.stderr and "not_modified=true" in second.stderr
    assert feeds(out) == before  # same entries, same ids, same bytes
