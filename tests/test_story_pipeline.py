"""Stories in the pipeline, on a loopback server: copies from other outlets join one story,
edits update the stored article, the entry id never changes, the near-duplicate index
survives a restart, retention deletes whole stories, and `story` / `dedup-check` explain it."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
import pytest
from fixture_server import FixtureServer

from topicwire.config import Config, load_config
from topicwire.daemon.cli import main
from topicwire.feeds.publisher import Publisher
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.store import Store
from topicwire.upkeep import Upkeep

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
VOCAB = (
    "kremlin spokesman peskov said reporters moscow talks azerbaijan armenia turkey ankara baku yerevan "
    "ceasefire border troops minister foreign meeting statement week sanctions gas pipeline deal president "
    "visit summit agreement officials region security council crisis military grain corridor port shipping "
    "prices budget election parliament court ruling appeal drones airport railway bridge energy exports"
).split()


def story_text(seed: int, paragraphs: int = 5) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(VOCAB) for _ in range(60)).capitalize() + "." for _ in range(paragraphs)]


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    paragraphs: list[str]
    hours: int = 0  # published NOW + hours
    updated_hours: int | None = None


def rss(base: str, outlet: str, items: list[Item]) -> str:
    out = []
    for it in items:
        body = escape("".join(f"<p>{p}</p>" for p in it.paragraphs))
        updated = ""
        if it.updated_hours is not None:
            stamp = (NOW + timedelta(hours=it.updated_hours)).isoformat()
            updated = f"<atom:updated>{stamp}</atom:updated>"
        out.append(
            f"<item><title>{escape(it.title)}</title><link>{base}/{outlet}/{it.guid}.html</link>"
            f"<guid isPermaLink='false'>{it.guid}</guid><pubDate>{format_datetime(NOW + timedelta(hours=it.hours))}"
            f"</pubDate>{updated}<description>{body}</description></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>{outlet}</title><link>{base}/</link>{''.join(out)}</channel></rss>"
    )


class Site:
    def __init__(self, tmp_path: Path, server: FixtureServer, extra: str = "") -> None:
        self.server, self.tmp = server, tmp_path
        sources = "".join(
            f'[[sources]]\nname = "{o}"\nurl = "{server.url}/{o}.xml"\nkind = "feed"\nfulltext = false\n'
            for o in ("wire", "outlet-b", "outlet-c")
        )
        (tmp_path / "c.toml").write_text(
            f'[fetch]\nallow_private_addresses = true\nper_host_delay = "0s"\n[output]\nmax_items = 50\n{extra}\n'
            f"{sources}"
            '[[topics]]\nname = "all"\nquery = "kremlin OR peskov OR baku OR moscow"\n'
        )
        self.config: Config = load_config(tmp_path / "c.toml")
        self.clock = NOW
        self.store = Store.open(self.config.store_path, NOW)
        self.pipeline = self._pipeline()

    def _pipeline(self) -> Pipeline:
        p = Pipeline(self.config, self.store, make_fetcher(self.config), lambda: self.clock)
        self.feeds = Publisher(self.config, self.store, p.changes, clock=lambda: self.clock)
        Upkeep.of(p).prepare(self.feeds.unpublish)
        return p

    def restart(self) -> None:
        self.store.close()
        self.store = Store.open(self.config.store_path, self.clock)
        self.pipeline = self._pipeline()

    def serve(self, outlet: str, items: list[Item]) -> None:
        self.server.route(
            f"/{outlet}.xml", rss(self.server.url, outlet, items), headers={"Content-Type": "application/rss+xml"}
        )

    def poll(self, outlet: str) -> tuple[int, int]:
        source = next(s for s in self.config.sources if s.name == outlet)
        outcome = self.pipeline.poll(source)
        assert outcome.status == "ok", outcome.error
        return outcome.new, outcome.duplicates

    def entries(self) -> list[feedparser.FeedParserDict]:
        self.feeds.publish()
        parsed = feedparser.parse((self.config.output_dir / "all.atom").read_bytes())
        assert parsed.bozo == 0
        return list(parsed.entries)

    def json_items(self) -> list[dict]:
        return json.loads((self.config.output_dir / "all.json").read_text())["items"]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with FixtureServer() as server:
        s = Site(tmp_path, server)
        yield s
        s.store.close()


ORIGINAL = Item("w1", "Peskov on talks with Baku", story_text(1))
OTHER = Item("w2", "Moscow budget vote", story_text(2), hours=1)


def test_verbatim_and_rewritten_copies_join_one_story(site: Site) -> None:
    site.serve("wire", [ORIGINAL, OTHER])
    assert site.poll("wire") == (2, 0)
    before = {e.title: e for e in site.entries()}
    entry_id, updated = before[ORIGINAL.title].id, before[ORIGINAL.title].updated

    site.clock = NOW + timedelta(hours=3)
    site.serve("outlet-b", [Item("b-77", ORIGINAL.title, ORIGINAL.paragraphs, hours=2)])  # verbatim
    rewritten = ["MOSCOW, March 1 (B-Wire) - " + ORIGINAL.paragraphs[0], *ORIGINAL.paragraphs[1:-1]]
    site.serve("outlet-c", [Item("c-9", "Kremlin: talks with Azerbaijan go on", rewritten, hours=4)])
    assert site.poll("outlet-b") == (1, 0) and site.poll("outlet-c") == (1, 0)

    entries = site.entries()
    assert len(entries) == 2  # one entry per story, not per article
    story = next(e for e in entries if e.id == entry_id)
    assert story.updated == updated  # outlets joining does not bump it (update_on_new_source = false)
    content = story.content[0].value
    assert "Also reported by" in content
    assert f'href="{site.server.url}/outlet-b/b-77.html"' in content and ">outlet-c</a>" in content
    stored = site.store.story(entry_id.rsplit(":", 1)[1])
    assert stored is not None
    assert [m.source for m in stored.members] == ["wire", "outlet-b", "outlet-c"]
    assert [m.joined.split()[0] if m.joined else "" for m in stored.members] == ["", "text", "near"]
    assert stored.representative.source == "wire"  # fullest and earliest
    item = next(i for i in site.json_items() if i["id"] == entry_id)
    assert "Also reported by" in item["content_html"]


def test_update_on_new_source_bumps_the_entry(tmp_path: Path) -> None:
    with FixtureServer() as server:
        site = Site(tmp_path, server, extra="update_on_new_source = true")
        site.serve("wire", [ORIGINAL])
        site.poll("wire")
        first = site.entries()[0]
        site.clock = NOW + timedelta(hours=5)
        site.serve("outlet-b", [Item("b-1", ORIGINAL.title, ORIGINAL.paragraphs, hours=1)])
        site.poll("outlet-b")
        (entry,) = site.entries()
        site.store.close()
    assert entry.id == first.id and entry.updated != first.updated
    assert entry.updated.startswith("2025-03-01T17:00:00")


def test_distinct_articles_on_one_briefing_stay_apart(site: Site) -> None:
    shared = "Kremlin spokesman Dmitry Peskov told reporters on Monday during a regular briefing in Moscow that"
    items = [Item(f"p{n}", f"Peskov on matter {n}", [shared + " " + p for p in story_text(10 + n)]) for n in range(4)]
    site.serve("wire", items[:2])
    site.serve("outlet-b", items[2:])
    site.poll("wire")
    site.poll("outlet-b")
    assert len(site.entries()) == 4 and site.store.story_count() == 4


def test_an_edited_entry_updates_the_stored_article(site: Site) -> None:
    site.serve("wire", [ORIGINAL])
    site.poll("wire")
    (first,) = site.entries()
    site.clock = NOW + timedelta(hours=2)
    # Same GUID, text edited, the entry's own updated time moved: fetched again, not new.
    edited = Item("w1", "Peskov on talks with Baku (updated)", [*ORIGINAL.paragraphs, "Peskov added more."], 0, 2)
    site.serve("wire", [edited])
    assert site.poll("wire") == (0, 1)
    (entry,) = site.entries()
    assert entry.id == first.id and entry.title.endswith("(updated)") and "Peskov added more." in entry.content[0].value
    assert entry.updated > first.updated
    assert site.store.article_count() == 1
    assert site.poll("wire") == (0, 0)  # nothing moved since: skipped, not fetched again
    # A new GUID and URL (the link follows the GUID here), the same text: still the same article.
    site.serve("wire", [Item("w1-v2", edited.title, edited.paragraphs, 0, 2)])
    assert site.poll("wire") == (0, 1)
    assert site.store.article_count() == 1


def test_near_index_survives_a_restart(site: Site) -> None:
    site.serve("wire", [ORIGINAL])
    site.poll("wire")
    site.restart()
    assert site.store.near_indexed(site.clock - site.pipeline.desk.window) == 1  # the index is in the store
    trimmed = ORIGINAL.paragraphs[:-1]
    site.serve("outlet-b", [Item("b-2", "Another headline", trimmed, hours=1)])
    site.poll("outlet-b")
    assert site.store.story_count() == 1 and site.store.article_count() == 2


def test_retention_deletes_whole_stories(site: Site) -> None:
    site.serve("wire", [ORIGINAL, OTHER])
    site.serve("outlet-b", [Item("b-1", ORIGINAL.title, ORIGINAL.paragraphs)])
    site.poll("wire")
    site.poll("outlet-b")
    assert (site.store.story_count(), site.store.article_count()) == (2, 3)
    deleted, _ = site.store.prune(NOW + timedelta(days=400), 0, NOW)
    assert deleted == 3 and site.store.story_count() == 0


def test_story_and_dedup_check_commands(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    site.serve("wire", [ORIGINAL, OTHER])
    site.serve("outlet-b", [Item("b-1", ORIGINAL.title, ORIGINAL.paragraphs[:-1], hours=1)])
    site.poll("wire")
    site.poll("outlet-b")
    site.store.close()
    base = site.server.url
    cfg = str(site.tmp / "c.toml")
    assert main(["-c", cfg, "story", f"{base}/outlet-b/b-1.html"]) == 0
    out = capsys.readouterr().out
    assert "2 articles from 2 sources" in out and "* wire" in out and "outlet-b" in out
    assert main(["-c", cfg, "dedup-check", f"{base}/wire/w1.html", f"{base}/outlet-b/b-1.html"]) == 0
    out = capsys.readouterr().out
    assert "would merge         yes: similarity" in out and "joins the first one's story" in out and "one story" in out
    assert main(["-c", cfg, "dedup-check", f"{base}/wire/w1.html", f"{base}/wire/w2.html"]) == 1
    assert "would merge         no: similarity" in capsys.readouterr().out
    assert main(["-c", cfg, "dedup-check", f"{base}/wire/w1.html", f"{base}/nope.html"]) == 2
    assert main(["-c", cfg, "story", "no-such-story"]) == 2
    site.store = Store.open(site.config.store_path, NOW)  # the fixture closes it
