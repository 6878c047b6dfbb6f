"""Real site templates (issue 17): a few outlets made by bench/outlets.py --export.

Each folder of tests/fixtures/outlets holds a corpus page's template, trimmed (scripts,
styles, head metadata, attributes and media gone), with its article container emptied,
and four other corpus articles to put in it: four pages of one outlet that share a real
template. Served as a feed and polled by the real pipeline, no line of the template may
reach a published entry, and no topic made of a word found only in the template may
match, from the first poll on.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest
from fixture_server import FixtureServer

from topicwire.config import load_config
from topicwire.extract.clean import normalize_text
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.store import Store
from topicwire.upkeep import Upkeep

OUTLETS = Path(__file__).resolve().parent / "fixtures" / "outlets"
MARK = "<!--topicwire-bench-article-->"  # where the article's paragraphs go
TITLE = "topicwire-bench-title"
NOW = datetime(2026, 1, 5, 8, tzinfo=UTC)
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    return _SPACE.sub(" ", normalize_text(text)).casefold().strip()


def page(template: str, body: dict[str, object]) -> str:
    paragraphs = "".join(f"<p>{escape(str(p))}</p>" for p in body["paragraphs"])  # type: ignore[attr-defined]
    return template.replace(MARK, paragraphs).replace(TITLE, escape(str(body["title"])))


def rss(base: str, count: int) -> str:
    items = "".join(
        f"<item><title>Page {n}</title><link>{base}/a/{n}.html</link><guid>{base}/a/{n}</guid>"
        f"<pubDate>{format_datetime(NOW + timedelta(hours=n))}</pubDate></item>"
        for n in range(count)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet</title>{items}</channel></rss>'


@pytest.mark.parametrize("name", sorted(p.name for p in OUTLETS.iterdir() if p.is_dir()))
def test_no_template_line_or_template_word_topic_from_the_first_poll_on(name: str, tmp_path: Path) -> None:
    data = json.loads((OUTLETS / name / "outlet.json").read_text(encoding="utf-8"))
    template = (OUTLETS / name / "template.html").read_text(encoding="utf-8")
    words = data["template_words"]
    assert MARK in template and words and data["template_lines"]
    topics = "".join(f'[[topics]]\nname = "w{i}"\nquery = \'"{w}"\'\n' for i, w in enumerate(words))
    with FixtureServer() as server:
        for n, body in enumerate(data["bodies"]):
            server.route(f"/a/{n}.html", page(template, body), headers={"Content-Type": "text/html"})
        (tmp_path / "c.toml").write_text(
            '[fetch]\nallow_private_addresses = true\nper_host_delay = "0s"\nrespect_robots = false\n'
            f'[[sources]]\nname = "{name}"\nurl = "{server.url}/feed.xml"\nkind = "feed"\n'
            f'[[topics]]\nname = "all"\nquery = "source:{name}"\n{topics}'
        )
        config = load_config(tmp_path / "c.toml")
        store = Store.open(config.store_path, NOW)
        pipeline = Pipeline(config, store, make_fetcher(config), lambda: NOW)
        Upkeep.of(pipeline).prepare()
        shown = []
        for count in (3, len(data["bodies"])):  # a first poll of 3 pages, then the rest
            server.route("/feed.xml", rss(server.url, count), headers={"Content-Type": "application/rss+xml"})
            pipeline.poll(config.sources[0])
            shown.append([s.representative for s in store.topic_entries("all", 50)])
            shown.append([s.representative for i in range(len(words)) for s in store.topic_entries(f"w{i}", 50)])
        store.close()
    (first, first_words, last, last_words) = shown
    assert len(first) == 3 and len(last) == len(data["bodies"])
    assert first_words == [] and last_words == []
    lines = [fold(line) for line in data["template_lines"]]
    for entry in first + last:
        text = fold(entry.text)
        assert [line for line in lines if line in text] == [], entry.url
    for entry in last:  # the articles themselves are kept
        n = int(entry.url.rsplit("/", 1)[1].split(".")[0])
        paragraphs = [fold(p) for p in data["bodies"][n]["paragraphs"]]
        assert sum(p in fold(entry.text) for p in paragraphs) >= len(paragraphs) / 2
