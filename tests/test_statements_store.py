"""Statements stored with their article (issue 18), on a loopback server: extracted when an
article is saved, replaced when an edit replaces its text, extracted again when the
``[aliases]`` change, and caught up for articles a store held before statements existed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from test_story_pipeline import NOW, Item, Site, story_text

from topicwire.config import load_config
from topicwire.types import Statement
from topicwire.upkeep import Upkeep

ALIASES = '[aliases]\nkremlin = ["Kremlin", "Peskov", "Песков*"]\nnato = ["Stoltenberg"]\n'
PARAGRAPHS = [
    *story_text(11, 2),
    '"We are open to talks, but we will not compromise," Kremlin spokesman Dmitry Peskov said on Tuesday.',
    "Moscow is ready to resume the negotiations next month, Peskov told reporters.",
    "NATO Secretary General Jens Stoltenberg said that the alliance was watching closely.",
]
ITEM = Item("s1", "Peskov on talks with Kyiv", PARAGRAPHS)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with FixtureServer() as server:
        s = Site(tmp_path, server, extra=ALIASES)
        yield s
        s.store.close()


def stored(site: Site, guid: str = "s1") -> tuple[str, tuple[Statement, ...]]:
    article = site.store.article_by_url(f"{site.server.url}/wire/{guid}.html")
    assert article is not None
    return article.uid, site.store.statements_of([article.uid]).get(article.uid, ())


def test_a_new_article_is_stored_with_its_statements(site: Site) -> None:
    site.serve("wire", [ITEM])
    site.poll("wire")
    uid, found = stored(site)
    assert [(s.speaker, s.alias, s.kind, s.text) for s in found] == [
        ("Kremlin spokesman Dmitry Peskov", "kremlin", "direct", "We are open to talks, but we will not compromise"),
        ("Peskov", "kremlin", "reported", "Moscow is ready to resume the negotiations next month"),
        ("NATO Secretary General Jens Stoltenberg", "nato", "reported", "the alliance was watching closely"),
    ]
    text = site.store.article(uid).text  # type: ignore[union-attr]
    assert all(text[s.start : s.end] == s.text for s in found)  # positions point into the stored text
    assert [s.paragraph for s in found] == [2, 3, 4]


def test_an_edit_replaces_the_statements(site: Site) -> None:
    site.serve("wire", [ITEM])
    site.poll("wire")
    uid, before = stored(site)
    site.clock = NOW + timedelta(hours=2)
    edited = [*PARAGRAPHS[:3], '"Nothing has changed since Tuesday," Peskov said later.']
    site.serve("wire", [Item("s1", ITEM.title + " (updated)", edited, 0, 2)])
    assert site.poll("wire") == (0, 1)
    same_uid, after = stored(site)
    assert same_uid == uid
    assert [s.text for s in after] == [before[0].text, "Nothing has changed since Tuesday"]
    text = site.store.article(uid).text  # type: ignore[union-attr]
    recorded = site.store.statements_source(uid)
    assert recorded is not None and recorded[1] == len(text)


def test_other_aliases_extract_the_statements_again(site: Site, tmp_path: Path) -> None:
    site.serve("wire", [ITEM])
    site.poll("wire")
    config = tmp_path / "c.toml"
    config.write_text(config.read_text().replace('nato = ["Stoltenberg"]', 'nato = ["NATO"]\nkyiv = ["Kyiv"]'))
    site.config = load_config(config)
    site.restart()
    _, found = stored(site)
    assert [s.alias for s in found] == ["kremlin", "kremlin", "nato"]  # "NATO Secretary General ..." still
    assert site.store.stale_statements(site.pipeline.statements.signature, 10) == []


def test_articles_stored_without_statements_are_caught_up_at_start(site: Site) -> None:
    site.serve("wire", [ITEM, Item("s2", "Another one", PARAGRAPHS[2:], hours=1)])
    site.poll("wire")
    site.store.close()
    # What a store migrated from before statements looks like: articles, no statements.
    with sqlite3.connect(site.config.store_path) as db:
        db.execute("DELETE FROM statements")
        db.execute("DELETE FROM statement_sources")
    site.store = type(site.store).open(site.config.store_path, NOW)
    assert len(site.store.stale_statements(site.pipeline.statements.signature, 10)) == 2
    site.pipeline = site._pipeline()  # Upkeep.prepare catches up
    assert len(stored(site, "s1")[1]) == 3 and len(stored(site, "s2")[1]) == 3
    assert site.store.stale_statements(site.pipeline.statements.signature, 10) == []


def test_statements_go_with_their_article(site: Site) -> None:
    # In no topic feed, so retention may delete it (feeds keep their newest entries).
    quiet = ["Alliance news in brief.", "NATO Secretary General Jens Stoltenberg said that the alliance was watching."]
    site.serve("wire", [Item("s1", "Alliance news", quiet)])
    site.poll("wire")
    uid, found = stored(site)
    assert found
    site.clock = NOW + timedelta(days=400)
    Upkeep.of(site.pipeline).prune()
    assert site.store.article(uid) is None
    assert site.store.statements_of([uid]) == {}
    assert site.store.statements_source(uid) is None
