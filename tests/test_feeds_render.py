"""feeds/render.py: every format is valid, faithful and byte-for-byte deterministic."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import feedparser
import pytest

from topicwire.feeds.render import (
    JSON_FEED_VERSION,
    EntryCache,
    render_atom,
    render_json,
    render_opml,
    render_rss,
    split_author,
)
from topicwire.types import FeedDoc, FeedEntry

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
BASE = "http://127.0.0.1:8080/"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
AWKWARD_HTML = '<p>AT&amp;T &amp; friends <b>bold</b></p><script>alert("x&y")</script>'


def entry(i: int, **changes: object) -> FeedEntry:
    """Entry i is i hours older than NOW, so a range of i is newest first."""
    when = NOW - timedelta(hours=i)
    base = FeedEntry(
        id=f"urn:topicwire:article:{i:04d}",
        title=f"Story {i}",
        link=f"https://news.example/{i}?a=1&b=2",
        published=when,
        updated=when + timedelta(minutes=5),
        summary=f"Summary {i} with a < b & c",
        content_html=f"<p>Body {i}</p>",
        author=None,
        categories=("politics",),
        source="example",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def doc(name: str, entries: tuple[FeedEntry, ...], **changes: object) -> FeedDoc:
    base = FeedDoc(
        name=name,
        title=f"Topic {name}",
        description=f"Everything about {name}",
        base_url=BASE,
        updated=NOW,
        entries=entries,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


DOCS = {
    "awkward": doc(
        "awkward",
        (
            entry(
                0,
                title="Überraschung — «Москва» & <Tokyo> 東京",
                content_html=AWKWARD_HTML,
                categories=("ünï", "a&b", "ünï", ""),
            ),
            entry(1, title="", summary="", content_html="", link=""),
            entry(2, title="Control\x0bchar\x00s", summary="tab\tand\x1fbell"),
        ),
        title="Ünïcode «topic» & more",
    ),
    "no_author": doc("no_author", (entry(0), entry(1))),
    "author_email": doc("author_email", (entry(0, author="Jane Doe <jane@example.org>"),)),
    "author_name": doc("author_name", (entry(0, author="Борис Петров"),)),
    "empty": doc("empty", (), description=""),
    "fifty": doc("fifty", tuple(entry(i) for i in range(50))),
    "offset_tz": doc(
        "offset_tz",
        (entry(0, published=datetime(2024, 5, 1, 15, 30, 1, 999, timezone(timedelta(hours=3)))),),
    ),
}
DOC_IDS = list(DOCS)
XML_RENDERERS = {"rss": render_rss, "atom": render_atom}


def xml_root(data: bytes) -> ET.Element:
    return ET.fromstring(data)


# --- RSS and Atom ---------------------------------------------------------


@pytest.mark.parametrize("fmt", XML_RENDERERS, ids=list(XML_RENDERERS))
@pytest.mark.parametrize("feed", DOCS.values(), ids=DOC_IDS)
def test_feedparser_reads_it_cleanly(feed: FeedDoc, fmt: str) -> None:
    parsed = feedparser.parse(XML_RENDERERS[fmt](feed))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == {"rss": "rss20", "atom": "atom10"}[fmt]
    assert [e.id for e in parsed.entries] == [e.id for e in feed.entries]


@pytest.mark.parametrize("fmt", XML_RENDERERS, ids=list(XML_RENDERERS))
def test_ids_unique_and_order_kept(fmt: str) -> None:
    feed = DOCS["fifty"]
    ids = [e.id for e in feedparser.parse(XML_RENDERERS[fmt](feed)).entries]
    assert len(ids) == len(set(ids)) == 50
    assert ids == [e.id for e in feed.entries]  # newest first, as given


@pytest.mark.parametrize("feed", DOCS.values(), ids=DOC_IDS)
def test_rss_dates_are_rfc822(feed: FeedDoc) -> None:
    channel = xml_root(render_rss(feed)).find("channel")
    assert channel is not None
    build = parsedate_to_datetime(channel.findtext("lastBuildDate", ""))
    assert build == feed.updated
    pub_dates = [parsedate_to_datetime(d.text or "") for d in channel.iter("pubDate")]
    assert pub_dates == [e.published.replace(microsecond=0) for e in feed.entries]


@pytest.mark.parametrize("feed", DOCS.values(), ids=DOC_IDS)
def test_atom_dates_are_rfc3339(feed: FeedDoc) -> None:
    root = xml_root(render_atom(feed))
    assert datetime.fromisoformat(root.findtext("atom:updated", "", NS)) == feed.updated
    for got, want in zip(root.findall("atom:entry", NS), feed.entries, strict=True):
        published = got.findtext("atom:published", "", NS)
        updated = got.findtext("atom:updated", "", NS)
        assert RFC3339.match(published) and RFC3339.match(updated)
        assert datetime.fromisoformat(published) == want.published.replace(microsecond=0)
        assert datetime.fromisoformat(updated) == want.updated.replace(microsecond=0)


@pytest.mark.parametrize("feed", DOCS.values(), ids=DOC_IDS)
def test_rss_has_self_link_and_guids(feed: FeedDoc) -> None:
    channel = xml_root(render_rss(feed)).find("channel")
    assert channel is not None
    self_link = channel.find("atom:link[@rel='self']", NS)
    assert self_link is not None and self_link.get("href") == feed.url("rss")
    assert channel.findtext("link") == BASE
    guids = channel.findall("item/guid")
    assert [g.text for g in guids] == [e.id for e in feed.entries]
    assert all(g.get("isPermaLink") == "false" for g in guids)
    assert channel.find("generator") is not None and channel.findtext("generator") == "topicwire"


@pytest.mark.parametrize("feed", DOCS.values(), ids=DOC_IDS)
def test_atom_has_id_and_self_link(feed: FeedDoc) -> None:
    root = xml_root(render_atom(feed))
    assert root.findtext("atom:id", "", NS) == feed.url("atom")
    self_link = root.find("atom:link[@rel='self']", NS)
    assert self_link is not None and self_link.get("href") == feed.url("atom")
    assert [e.findtext("atom:id", "", NS) for e in root.findall("atom:entry", NS)] == [e.id for e in feed.entries]


def test_content_html_round_trips_escaped() -> None:
    feed = DOCS["awkward"]
    rss = render_rss(feed)
    atom = render_atom(feed)
    assert b"<script>" not in rss and b"<script>" not in atom  # escaped, not embedded
    item = xml_root(rss).find("channel/item")
    assert item is not None
    assert item.findtext("content:encoded", "", NS) == AWKWARD_HTML
    atom_content = xml_root(atom).find("atom:entry/atom:content", NS)
    assert atom_content is not None and atom_content.get("type") == "html"
    assert atom_content.text == AWKWARD_HTML
    for data in (rss, atom):
        value = feedparser.parse(data).entries[0].content[0].value
        assert "<b>bold</b>" in value and "AT&amp;T" in value  # markup, not text
        assert "<script" not in value  # feedparser sanitizes; the markup arrived intact


def test_rss_summary_is_escaped_plain_text() -> None:
    item = xml_root(render_rss(DOCS["no_author"])).find("channel/item")
    assert item is not None
    # <description> is HTML: the plain-text "<" must reach readers as "&lt;".
    assert item.findtext("description") == "Summary 0 with a &lt; b &amp; c"
    atom = feedparser.parse(render_atom(DOCS["no_author"]))
    assert atom.entries[0].summary == "Summary 0 with a < b & c"


def test_titles_keep_non_ascii_and_drop_control_chars() -> None:
    parsed = feedparser.parse(render_rss(DOCS["awkward"]))
    assert parsed.feed.title == "Ünïcode «topic» & more"
    assert parsed.entries[0].title == "Überraschung — «Москва» & <Tokyo> 東京"
    assert parsed.entries[1].title == "(untitled)"
    assert parsed.entries[2].title == "Controlchars"


def test_categories_deduplicated_in_order() -> None:
    item = xml_root(render_rss(DOCS["awkward"])).find("channel/item")
    assert item is not None
    assert [c.text for c in item.findall("category")] == ["ünï", "a&b"]
    atom_entry = xml_root(render_atom(DOCS["awkward"])).find("atom:entry", NS)
    assert atom_entry is not None
    assert [c.get("term") for c in atom_entry.findall("atom:category", NS)] == ["ünï", "a&b"]


@pytest.mark.parametrize(
    ("name", "rss_author", "dc_creator", "atom_name"),
    [
        ("author_email", "jane@example.org (Jane Doe)", None, "Jane Doe"),
        ("author_name", None, "Борис Петров", "Борис Петров"),
        ("no_author", None, None, None),
    ],
    ids=["email", "name-only", "none"],
)
def test_author_only_in_valid_forms(
    name: str, rss_author: str | None, dc_creator: str | None, atom_name: str | None
) -> None:
    item = xml_root(render_rss(DOCS[name])).find("channel/item")
    assert item is not None
    assert item.findtext("author") == rss_author
    assert item.findtext("dc:creator", None, NS) == dc_creator
    atom_entry = xml_root(render_atom(DOCS[name])).find("atom:entry", NS)
    assert atom_entry is not None
    assert atom_entry.findtext("atom:author/atom:name", None, NS) == atom_name


def test_entry_without_link_still_valid_atom() -> None:
    atom_entry = xml_root(render_atom(DOCS["awkward"])).findall("atom:entry", NS)[1]
    assert atom_entry.find("atom:link", NS) is None
    # RFC 4287 4.1.1.1: no alternate link -> content is required.
    assert atom_entry.find("atom:content", NS) is not None


def test_naive_datetime_is_a_bug() -> None:
    naive = doc("naive", (entry(0, published=datetime(2024, 1, 1)),))
    with pytest.raises(ValueError, match="naive"):
        render_rss(naive)


# --- JSON Feed 1.1 ----------------------------------------------------------


@pytest.mark.parametrize("feed", DOCS.values(), ids=DOC_IDS)
def test_json_feed_required_fields(feed: FeedDoc) -> None:
    data = json.loads(render_json(feed).decode("utf-8"))
    assert data["version"] == JSON_FEED_VERSION
    assert data["title"] and data["home_page_url"] == BASE
    assert data["feed_url"] == feed.url("json")
    assert isinstance(data["items"], list)
    assert [item["id"] for item in data["items"]] == [e.id for e in feed.entries]
    for item in data["items"]:
        assert isinstance(item["id"], str)
        assert "content_html" in item or "content_text" in item
        assert RFC3339.match(item["date_published"]) and RFC3339.match(item["date_modified"])
        assert all(set(author) == {"name"} for author in item.get("authors", []))


def test_json_feed_content_and_utf8() -> None:
    raw = render_json(DOCS["awkward"])
    assert "«Москва»".encode() in raw  # ensure_ascii=False: real UTF-8
    first, second, third = json.loads(raw)["items"]
    assert first["content_html"] == AWKWARD_HTML
    assert first["tags"] == ["ünï", "a&b"]
    assert "title" not in second and second["content_text"] == ""
    assert third["title"] == "Controlchars"


@pytest.mark.parametrize(
    ("name", "authors"),
    [("author_email", [{"name": "Jane Doe"}]), ("author_name", [{"name": "Борис Петров"}])],
    ids=["email-dropped", "name"],
)
def test_json_feed_authors(name: str, authors: list[dict[str, str]]) -> None:
    assert json.loads(render_json(DOCS[name]))["items"][0]["authors"] == authors


# --- OPML -----------------------------------------------------------------


def test_opml_lists_every_topic() -> None:
    docs = list(DOCS.values())
    root = xml_root(render_opml(docs, "All topics & more"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "All topics & more"
    parsedate_to_datetime(root.findtext("head/dateModified", ""))
    outlines = root.findall("body/outline")
    assert [o.get("xmlUrl") for o in outlines] == [d.url("rss") for d in docs]
    assert all(o.get("type") == "rss" and o.get("text") for o in outlines)
    assert outlines[0].get("text") == "Ünïcode «topic» & more"


def test_opml_without_topics_is_well_formed() -> None:
    root = xml_root(render_opml([], "Nothing yet"))
    # OPML 2.0 wants at least one outline; this one is no subscription (no xmlUrl).
    assert [o.attrib for o in root.findall("body/outline")] == [{"text": "no topics configured"}]


# --- determinism ------------------------------------------------------------

ALL_RENDERERS = {"rss": render_rss, "atom": render_atom, "json": render_json}


@pytest.mark.parametrize("fmt", ALL_RENDERERS, ids=list(ALL_RENDERERS))
@pytest.mark.parametrize("feed", DOCS.values(), ids=DOC_IDS)
def test_rendering_is_deterministic(feed: FeedDoc, fmt: str) -> None:
    render = ALL_RENDERERS[fmt]
    assert render(feed) == render(replace(feed))


def test_opml_is_deterministic() -> None:
    docs = list(DOCS.values())
    assert render_opml(docs, "t") == render_opml(list(docs), "t")


# --- authors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ("", None)),
        ("  ", ("", None)),
        ("Jane Doe", ("Jane Doe", None)),
        ("Jane Doe <jane@example.org>", ("Jane Doe", "jane@example.org")),
        ("jane@example.org (Jane Doe)", ("Jane Doe", "jane@example.org")),
        ("jane@example.org", ("jane@example.org", "jane@example.org")),
        ("@handle", ("@handle", None)),
    ],
    ids=["none", "blank", "name", "name-angle", "rss-style", "address-only", "handle"],
)
def test_split_author(raw: str | None, expected: tuple[str, str | None]) -> None:
    assert split_author(raw) == expected


# --- WebSub hub (issue 6) -----------------------------------------------------

HUB = "https://hub.example.org/websub?x=1&y=2"


@pytest.mark.parametrize("fmt", XML_RENDERERS, ids=list(XML_RENDERERS))
@pytest.mark.parametrize("feed", DOCS.values(), ids=DOC_IDS)
def test_hub_advertised_and_feed_still_valid(feed: FeedDoc, fmt: str) -> None:
    parsed = feedparser.parse(XML_RENDERERS[fmt](feed, HUB))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == [e.id for e in feed.entries]
    links = [(link.rel, link.href) for link in parsed.feed.links]
    # W3C WebSub 4: rel="hub" beside rel="self", the URL subscribers subscribe to.
    assert ("hub", HUB) in links and ("self", feed.url(fmt)) in links
    assert sum(rel == "hub" for rel, _ in links) == 1


@pytest.mark.parametrize("feed", DOCS.values(), ids=DOC_IDS)
def test_rss_hub_link_follows_self_link(feed: FeedDoc) -> None:
    channel = xml_root(render_rss(feed, HUB)).find("channel")
    assert channel is not None
    links = channel.findall("atom:link", NS)
    assert [(x.get("rel"), x.get("href")) for x in links] == [("self", feed.url("rss")), ("hub", HUB)]
    children = list(channel)
    assert children.index(links[1]) == children.index(links[0]) + 1
    assert channel.findtext("link") == BASE  # the channel link is still the home page


def test_atom_hub_link() -> None:
    root = xml_root(render_atom(DOCS["fifty"], HUB))
    assert [x.get("href") for x in root.findall("atom:link[@rel='hub']", NS)] == [HUB]
    assert root.findtext("atom:id", "", NS) == DOCS["fifty"].url("atom")


@pytest.mark.parametrize("feed", DOCS.values(), ids=DOC_IDS)
def test_json_feed_hubs(feed: FeedDoc) -> None:
    data = json.loads(render_json(feed, HUB))
    assert data["hubs"] == [{"type": "WebSub", "url": HUB}]  # JSON Feed 1.1: type and url
    assert data["feed_url"] == feed.url("json")


@pytest.mark.parametrize("fmt", ALL_RENDERERS, ids=list(ALL_RENDERERS))
def test_no_hub_no_advertising(fmt: str) -> None:
    render = ALL_RENDERERS[fmt]
    data = render(DOCS["no_author"])
    assert data == render(DOCS["no_author"], "")
    assert b"hub" not in data
    assert render(DOCS["no_author"], HUB) == render(replace(DOCS["no_author"]), HUB)  # still deterministic


@pytest.mark.parametrize("name", DOC_IDS)
@pytest.mark.parametrize("hub", ["", "https://hub.example/"])
def test_entry_cache_gives_the_same_bytes(name: str, hub: str) -> None:
    cache = EntryCache()
    for render in (render_rss, render_atom, render_json):
        plain = render(DOCS[name], hub)
        assert render(DOCS[name], hub, cache) == plain  # entries built and kept
        assert render(DOCS[name], hub, cache) == plain  # entries placed from the cache


def test_entry_cache_renders_changed_entries_again_and_forgets_unused_ones() -> None:
    cache = EntryCache()
    feed = DOCS["fifty"]
    render_rss(feed, "", cache)
    assert cache.sweep() == 50
    edited = replace(feed, entries=(replace(feed.entries[0], title="Story 0, updated"), *feed.entries[1:10]))
    out = render_rss(edited, "", cache)
    assert b"Story 0, updated" in out and out == render_rss(edited)
    assert cache.sweep() == 10  # the other 40 left every feed: forgotten
