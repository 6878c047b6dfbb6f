"""Stories on the fixture site (issue 5): seed 003, published by MENAFN (articles/003.html)
and republished by two more outlets, is one story with three sources, listed once in
each topic feed with "Also reported by" links; seeds 000, 001, 003 and 004 stay four
stories.

The outlets (tests/fixtures/site/outlets/, feeds/caspian-post.xml, feeds/steppe-daily.xml)
copy the body verbatim inside their own templates: Caspian Post under another title,
Steppe Daily with a dateline. Topics and aliases come from the repo's config.toml, so
this runs the shipped rules. The staged scenario polls the site's own feeds first and
publishes, then the outlets' feeds three hours later and publishes again, in process
with an injected clock; one test runs `topicwire once` over all feeds in a real process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from fixture_server import FixtureServer
from site_config import write_site_config

from topicwire.config import load_config
from topicwire.feeds.publisher import Publisher
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.store import Store
from topicwire.types import StoredStory
from topicwire.upkeep import Upkeep

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(__file__).resolve().parent / "fixtures" / "site"
MENAFN = "articles/003.html"
CASPIAN = "outlets/caspian-post/2025/07/kremlin-admits-difficult-period-azerbaijan.html"
STEPPE = "outlets/steppe-daily/news/20250707-kremlin-azerbaijan-tension.html"
SEEDS = ("articles/000.html", "articles/001.html", MENAFN, "articles/004.html")
SITE_FEEDS = (("site-rss", "/feeds/rss.xml", "feed"), ("site-atom", "/feeds/atom.xml", "auto"))
OUTLET_FEEDS = (
    ("caspian-post", "/feeds/caspian-post.xml", "feed"),
    ("steppe-daily", "/feeds/steppe-daily.xml", "feed"),
)
TOPICS = ("caucasus", "kremlin-statements")
FORMATS = ("rss", "atom", "json")
FIRST = datetime(2025, 7, 7, 10, 0, tzinfo=UTC)  # MENAFN's copy is out (09:15 UTC)
LATER = datetime(2025, 7, 7, 15, 0, tzinfo=UTC)  # both other outlets are out (11:40, 14:05 UTC)


def write_config(folder: Path, base: str, *, bump: bool = False) -> Path:
    """The shipped topics and aliases; the site's feeds and the two outlets' feeds as sources."""
    bump_line = f"update_on_new_source = {str(bump).lower()}"
    return write_site_config(folder, base, SITE_FEEDS + OUTLET_FEEDS, output=[bump_line])


@dataclass(frozen=True)
class Snapshot:
    """The published topic feeds and the stories of the four seeds at one moment."""

    feeds: dict[tuple[str, str], bytes]  # (topic, format) -> file
    seeds: dict[str, StoredStory]  # seed path -> its story


@dataclass(frozen=True)
class Scenario:
    base: str
    bump: bool
    before: Snapshot  # after polling the site's own feeds
    after: Snapshot  # after the two outlets' feeds too

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"


def _snapshot(pipeline: Pipeline, store: Store, out: Path, base: str) -> Snapshot:
    Publisher(pipeline.config, store, pipeline.changes, clock=pipeline.clock).publish()
    feeds = {(t, f): (out / f"{t}.{f}").read_bytes() for t in TOPICS for f in FORMATS}
    seeds = {}
    for path in SEEDS:
        story = store.story(f"{base}/{path}")
        assert story is not None, f"no story for {path}"
        seeds[path] = story
    return Snapshot(feeds, seeds)


def _poll(pipeline: Pipeline, names: tuple[str, ...]) -> None:
    for source in (s for s in pipeline.config.sources if s.name in names):
        outcome = pipeline.poll(source)
        assert outcome.status == "ok", (source.name, outcome.error)


@pytest.fixture(scope="module", params=[False, True], ids=["keep-updated", "update-on-new-source"])
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    folder = tmp_path_factory.mktemp("stories")
    with FixtureServer() as server:
        server.serve_dir("/", SITE)
        config = load_config(write_config(folder, server.url, bump=request.param))
        clock = [FIRST]
        store = Store.open(config.store_path, FIRST)
        try:
            pipeline = Pipeline(config, store, make_fetcher(config), lambda: clock[0])
            Upkeep.of(pipeline).prepare()
            _poll(pipeline, tuple(name for name, _, _ in SITE_FEEDS))
            before = _snapshot(pipeline, store, config.output_dir, server.url)
            clock[0] = LATER
            _poll(pipeline, tuple(name for name, _, _ in OUTLET_FEEDS))
            after = _snapshot(pipeline, store, config.output_dir, server.url)
        finally:
            store.close()
        yield Scenario(server.url, request.param, before, after)


# -- reading the published feeds -------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    id: str
    link: str
    updated: str  # RFC 3339 as published (Atom <updated>, JSON date_modified); "" in RSS
    content: str


def entries(feed: bytes, fmt: str) -> list[Entry]:
    if fmt == "json":
        doc = json.loads(feed)
        return [Entry(i["id"], i["url"], i.get("date_modified", ""), i.get("content_html", "")) for i in doc["items"]]
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    out = []
    for e in parsed.entries:
        content = e.content[0].value if "content" in e else e.get("summary", "")
        updated = e.get("updated", "") if fmt == "atom" else ""
        out.append(Entry(e.id, e.link, updated, content))
    return out


def story_entries(snap: Snapshot, scenario: Scenario, topic: str, fmt: str) -> list[Entry]:
    """Entries of the feed that show any of the three copies of seed 003."""
    copies = {scenario.url(p) for p in (MENAFN, CASPIAN, STEPPE)}
    return [e for e in entries(snap.feeds[(topic, fmt)], fmt) if e.link in copies]


FEEDS = [(t, f) for t in TOPICS for f in FORMATS]
FEED_IDS = [f"{t}.{f}" for t, f in FEEDS]


# -- the story ---------------------------------------------------------------------------
def test_three_outlets_make_one_story(scenario: Scenario) -> None:
    story = scenario.after.seeds[MENAFN]
    assert sorted(m.url for m in story.members) == sorted(scenario.url(p) for p in (MENAFN, CASPIAN, STEPPE))
    sources = {m.source for m in story.members}
    assert len(sources) == 3 and {"caspian-post", "steppe-daily"} <= sources
    joined = {m.source: m.joined for m in story.members}
    assert joined["caspian-post"] == "text"  # the same main text under another title and template
    assert joined["steppe-daily"].startswith("near ")  # the dateline changes the text: a near duplicate
    assert float(joined["steppe-daily"].split()[1]) >= 0.9


def test_original_stays_the_representative(scenario: Scenario) -> None:
    story = scenario.after.seeds[MENAFN]
    assert story.id == scenario.before.seeds[MENAFN].id
    assert story.representative.url == scenario.url(MENAFN)  # the earliest of three equally full texts


def test_seeds_stay_four_stories(scenario: Scenario) -> None:
    for snap in (scenario.before, scenario.after):
        ids = [snap.seeds[p].id for p in SEEDS]
        assert len(set(ids)) == 4, ids
    for path in SEEDS:
        members = scenario.after.seeds[path].members
        assert len(members) == (3 if path == MENAFN else 1), (path, [m.url for m in members])


@pytest.mark.parametrize(("topic", "fmt"), FEEDS, ids=FEED_IDS)
def test_story_appears_once_per_feed(scenario: Scenario, topic: str, fmt: str) -> None:
    for snap, copies in ((scenario.before, 1), (scenario.after, 3)):
        found = story_entries(snap, scenario, topic, fmt)
        assert [e.link for e in found] == [scenario.url(MENAFN)], f"{copies} copies published"


@pytest.mark.parametrize(("topic", "fmt"), FEEDS, ids=FEED_IDS)
def test_entry_lists_the_other_outlets(scenario: Scenario, topic: str, fmt: str) -> None:
    (before,) = story_entries(scenario.before, scenario, topic, fmt)
    (after,) = story_entries(scenario.after, scenario, topic, fmt)
    assert "Also reported by" not in before.content
    assert "Also reported by" in after.content
    for path, name in ((CASPIAN, "caspian-post"), (STEPPE, "steppe-daily")):
        assert f'<a href="{scenario.url(path)}">{name}</a>' in after.content
    assert f'href="{scenario.url(MENAFN)}"' not in after.content.split("Also reported by")[1]


@pytest.mark.parametrize(("topic", "fmt"), FEEDS, ids=FEED_IDS)
def test_entry_id_survives_the_join(scenario: Scenario, topic: str, fmt: str) -> None:
    (before,) = story_entries(scenario.before, scenario, topic, fmt)
    (after,) = story_entries(scenario.after, scenario, topic, fmt)
    assert before.id == after.id
    assert before.id.endswith(scenario.before.seeds[MENAFN].id)


@pytest.mark.parametrize(
    ("topic", "fmt"), [f for f in FEEDS if f[1] != "rss"], ids=[i for i in FEED_IDS if "rss" not in i]
)
def test_updated_moves_only_when_configured(scenario: Scenario, topic: str, fmt: str) -> None:
    (before,) = story_entries(scenario.before, scenario, topic, fmt)
    (after,) = story_entries(scenario.after, scenario, topic, fmt)
    assert datetime.fromisoformat(before.updated) == datetime(2025, 7, 7, 9, 15, 22, tzinfo=UTC)  # MENAFN's time
    if scenario.bump:
        assert datetime.fromisoformat(after.updated) == LATER  # when the last outlet joined
    else:
        assert after.updated == before.updated


def test_other_entries_do_not_change_when_outlets_join(scenario: Scenario) -> None:
    # Only the story that gained sources changes; other entries are byte-identical.
    for topic in TOPICS:
        old = {e.id: e for e in entries(scenario.before.feeds[(topic, "json")], "json")}
        new = {e.id: e for e in entries(scenario.after.feeds[(topic, "json")], "json")}
        assert old.keys() == new.keys()
        changed = {i for i in old if old[i] != new[i]}
        assert changed == {e.id for e in story_entries(scenario.after, scenario, topic, "json")}


# -- the same through `topicwire once`, every feed polled at once --------------------------
def test_once_over_all_feeds_makes_one_story(tmp_path: Path) -> None:
    with FixtureServer() as server:
        server.serve_dir("/", SITE)
        config = write_config(tmp_path, server.url)
        proc = subprocess.run(
            [sys.executable, "-m", "topicwire", "-c", str(config), "once"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    copies = {f"{server.url}/{p}" for p in (MENAFN, CASPIAN, STEPPE)}
    for topic in TOPICS:
        items = json.loads((tmp_path / "var" / "feeds" / f"{topic}.json").read_bytes())["items"]
        found = [i for i in items if i["url"] in copies]
        # Polls run concurrently, so any copy may have started the story; the earliest
        # published of equally full texts is shown, the others are linked.
        assert [i["url"] for i in found] == [f"{server.url}/{MENAFN}"], topic
        assert found[0]["content_html"].count("Also reported by") == 1
        assert all(f'href="{u}"' in found[0]["content_html"] for u in copies - {found[0]["url"]})
        seeds = [i for i in items if any(i["url"].endswith(p) for p in SEEDS)]
        assert len({i["id"] for i in seeds}) == len(seeds)
