"""parse_feed and sniff_kind: unit cases, then a sweep over feedparser's test corpus."""

from __future__ import annotations

import json
import time
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from topicwire.errors import ParseError
from topicwire.extract.clean import html_to_text
from topicwire.sources.entries import struct_to_utc
from topicwire.sources.feed import parse_feed
from topicwire.sources.fetch import parse_content_type
from topicwire.sources.sniff import sniff_kind
from topicwire.types import FetchResult, ParsedSource, RawItem

FEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "feeds"
URL = "http://news.example.com/feeds/main.xml"


def fetched(body: str | bytes, content_type: str = "", url: str = URL) -> FetchResult:
    media_type, charset = parse_content_type(content_type)
    content = body.encode("utf-8") if isinstance(body, str) else body
    return FetchResult(
        requested_url=url,
        url=url,
        status=200,
        content=content,
        content_type=media_type,
        charset=charset,
    )


def parse(body: str | bytes, content_type: str = "", url: str = URL) -> ParsedSource:
    return parse_feed(fetched(body, content_type, url), "example")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


# -- RSS, Atom, RDF ------------------------------------------------------------

RSS2 = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Example &amp; News</title>
  <link>http://news.example.com/</link>
  <language>en-gb</language>
  <item>
    <title>Tom &amp;amp; Jerry &lt;b&gt;return&lt;/b&gt;</title>
    <link>/2024/05/tom-and-jerry</link>
    <guid isPermaLink="false">tj-2024</guid>
    <description>&lt;p&gt;Short &lt;script&gt;alert(1)&lt;/script&gt;teaser&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>The <em>whole</em> story,
      <a href="/more">more</a>.</p>]]></content:encoded>
    <pubDate>Wed, 01 May 2024 14:30:00 +0200</pubDate>
    <dc:creator>Ann Author</dc:creator>
  </item>
  <item>
    <title>No link here</title>
    <description>Plain teaser</description>
  </item>
</channel>
</rss>"""


def test_rss2() -> None:
    feed = parse(RSS2, "application/rss+xml; charset=utf-8")
    assert (feed.kind, feed.title, feed.language) == ("feed", "Example & News", "en-gb")
    first, second = feed.items
    assert first.source == "example"
    assert first.url == "http://news.example.com/2024/05/tom-and-jerry"
    assert first.guid == "tj-2024"
    assert first.title == "Tom & Jerry return"  # HTML title: tags gone, entities decoded
    assert "<script" not in first.summary and "teaser" in first.summary
    assert first.content == ('<p>The <em>whole</em> story,\n      <a href="http://news.example.com/more">more</a>.</p>')
    assert first.published == utc(2024, 5, 1, 12, 30)  # +0200 -> UTC
    assert first.author == "Ann Author" and first.language == "en-gb"
    assert (second.url, second.guid, second.published, second.content) == ("", "", None, "")
    assert second.summary == "Plain teaser"


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">
  <title type="html">Die &lt;i&gt;Zeitung&lt;/i&gt;</title>
  <id>urn:example:feed</id>
  <updated>2024-05-01T10:00:00Z</updated>
  <entry xml:base="http://cdn.example.org/articles/">
    <title type="text">x &lt; y &amp; z</title>
    <id>urn:example:1</id>
    <link rel="alternate" href="one.html"/>
    <published>2024-04-30T23:30:00-02:00</published>
    <updated>2024-05-01T03:00:00+02:00</updated>
    <summary type="text">Plain &lt;not a tag&gt;</summary>
    <content type="html">&lt;p&gt;One &lt;img src="img/1.png"&gt;&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Relative to the document</title>
    <id>urn:example:2</id>
    <link href="../articles/two.html"/>
    <updated>2024-05-01T10:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Two</p></div></content>
  </entry>
</feed>"""


def test_atom_with_xml_base_and_relative_links() -> None:
    # After a redirect the document lives at the final URL: links resolve there.
    feed = parse(ATOM, "application/atom+xml", url="https://moved.example.net/feeds/atom.xml")
    assert (feed.title, feed.language) == ("Die Zeitung", "de")
    one, two = feed.items
    assert one.url == "http://cdn.example.org/articles/one.html"
    assert 'src="http://cdn.example.org/articles/img/1.png"' in one.content
    assert one.title == "x < y & z"  # a text title keeps its literal characters
    assert one.summary == "Plain &lt;not a tag&gt;"  # plain text escaped into HTML
    assert one.published == utc(2024, 5, 1, 1, 30)
    assert one.updated == utc(2024, 5, 1, 1, 0)
    assert one.language == "de"
    assert two.url == "https://moved.example.net/articles/two.html"
    assert "<p>Two</p>" in two.content


RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://example.org/"><title>RDF site</title></channel>
  <item rdf:about="http://example.org/a">
    <title>First</title><link>http://example.org/a</link>
    <dc:date>2024-05-01T08:00:00+01:00</dc:date>
  </item>
</rdf:RDF>"""


def test_rdf() -> None:
    feed = parse(RDF, "application/rdf+xml")
    assert feed.title == "RDF site"
    (item,) = feed.items
    # feedparser 6 files dc:date under "updated"; published stays unknown.
    assert (item.url, item.title, item.published, item.updated) == (
        "http://example.org/a",
        "First",
        None,
        utc(2024, 5, 1, 7, 0),
    )


def test_http_charset_is_honoured() -> None:
    body = "<rss version='2.0'><channel><title>Caf\xe9</title></channel></rss>"
    feed = parse(body.encode("iso-8859-1"), "text/xml; charset=iso-8859-1")
    assert feed.title == "Café"


def test_loose_parser_result_is_accepted() -> None:
    broken = "<rss version='2.0'><channel><title>Caf&eacute;</title><item><title>a</title>"
    feed = parse(broken, "application/rss+xml")
    assert feed.title == "Café" and [i.title for i in feed.items] == ["a"]


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("&lt;b&gt;Bold&lt;/b&gt; &amp;amp; more", "Bold & more"),
        # The sanitizer escaped the marked section, but a reader rendering the title as HTML
        # would take it as markup again: it goes (issue 13).
        ("&lt;b&gt;x&lt;/b&gt; &lt;![foo[ y ]]&gt;", "x"),
        ("  spread\n  over   lines ", "spread over lines"),
    ],
    ids=["tags", "marked-section", "whitespace"],
)
def test_html_titles_become_plain_text(title: str, text: str) -> None:
    body = f"<rss version='2.0'><channel><item><title>{title}</title></item></channel></rss>"
    assert parse(body).items[0].title == text


def test_html_to_text_survives_what_htmlparser_asserts_on() -> None:
    assert html_to_text("<![foo[ x ]]>Odd &amp; end") == "Odd & end"


def test_unsafe_links_are_dropped() -> None:
    body = (
        "<rss version='2.0'><channel><item><link>javascript:alert(1)</link></item>"
        "<item><link>mailto:x@example.org</link></item></channel></rss>"
    )
    assert [i.url for i in parse(body).items] == ["", ""]


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", "application/rss+xml", "not a feed: empty document"),
        (b"  \n", "", "not a feed: empty document"),
        (b"<html><head><title>Hi</title></head><body><p>x", "text/html", "not a feed: "),
        (b"just some text", "text/plain", "not a feed: "),
    ],
    ids=["empty", "blank", "html", "text"],
)
def test_not_a_feed(body: bytes, content_type: str, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(body, content_type)
    assert info.value.message.startswith(reason) and info.value.url == URL


def test_a_body_that_names_a_file_is_not_opened() -> None:
    # feedparser.parse(b"/etc/hostname") would read that file from our disk.
    with pytest.raises(ParseError):
        parse(b"/etc/hostname", "text/plain")


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((2024, 5, 1, 12, 30, 0, 2, 122, 0), utc(2024, 5, 1, 12, 30)),
        ((2016, 12, 31, 23, 59, 60, 5, 366, 0), utc(2016, 12, 31, 23, 59, 59)),
        ((0, 1, 1, 0, 0, 0, 0, 1, 0), None),
        ((2024, 13, 1, 0, 0, 0, 0, 1, 0), None),
        ((10**9, 1, 1, 0, 0, 0, 0, 1, 0), None),
    ],
    ids=["normal", "leap-second", "year-0", "month-13", "huge-year"],
)
def test_struct_to_utc_never_crashes(parts: tuple[int, ...], expected: datetime | None) -> None:
    assert struct_to_utc(time.struct_time(parts)) == expected


# -- JSON Feed -------------------------------------------------------------------

JSON_FEED_10 = {
    "version": "https://jsonfeed.org/version/1",
    "title": "My Example Feed",
    "author": {"name": "Feed Author"},
    "items": [
        {
            "id": "2",
            "title": "post 2",
            "content_text": "First paragraph.\n\nSecond <para>.",
            "url": "https://example.org/second-item",
            "date_published": "2024-05-01T14:30:00+02:00",
        },
        {
            "id": 1,
            "author": {"name": "you"},
            "content_html": '<p>Hello, <a href="/w">world</a>!</p><script>alert();</script>',
            "url": "/initial-post",
            "summary": "A & B",
        },
        "not an item",
    ],
}

JSON_FEED_11 = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Feed 1.1",
    "language": "fr",
    "items": [
        {
            "id": "a",
            "external_url": "https://elsewhere.example/story",
            "title": "  Un   titre ",
            "content_html": "<p>Bonjour</p>",
            "date_published": "2024-05-01T10:00:00Z",
            "date_modified": "Wed, 01 May 2024 12:00:00 GMT",
            "authors": [{"name": "A"}, {"url": "https://x"}, {"name": "B"}],
            "language": "fr-CA",
        },
        {"id": "b", "date_published": "not a date", "date_modified": "2024-05-01T10:00:00"},
    ],
}


def test_json_feed_1_0() -> None:
    feed = parse(json.dumps(JSON_FEED_10), url="https://example.org/feed.json")
    assert feed.title == "My Example Feed"
    second, first = feed.items
    assert (second.guid, second.url, second.title) == (
        "2",
        "https://example.org/second-item",
        "post 2",
    )
    assert second.content == "<p>First paragraph.</p>\n<p>Second &lt;para&gt;.</p>"
    assert second.published == utc(2024, 5, 1, 12, 30) and second.updated is None
    assert second.author == "Feed Author"  # items inherit the feed's author
    assert (first.guid, first.url, first.author) == ("1", "https://example.org/initial-post", "you")
    assert first.content == '<p>Hello, <a href="https://example.org/w">world</a>!</p>'
    assert first.summary == "<p>A &amp; B</p>"


def test_json_feed_1_1() -> None:
    feed = parse(json.dumps(JSON_FEED_11), "application/feed+json")
    assert (feed.title, feed.language) == ("Feed 1.1", "fr")
    a, b = feed.items
    assert (a.url, a.title, a.author, a.language) == (
        "https://elsewhere.example/story",
        "Un titre",
        "A, B",
        "fr-CA",
    )
    assert (a.published, a.updated) == (utc(2024, 5, 1, 10), utc(2024, 5, 1, 12))
    assert (b.url, b.published, b.updated, b.language) == ("", None, utc(2024, 5, 1, 10), "fr")


def test_json_feed_detected_with_escaped_slashes() -> None:
    # PHP's json_encode writes "https:\/\/jsonfeed.org\/version\/1" by default.
    body = '{"title": "php", "version": "https:\\/\\/jsonfeed.org\\/version\\/1", "items": []}'
    result = fetched(body, "text/plain")
    assert sniff_kind(result) == "feed"
    assert parse_feed(result, "s").title == "php"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"title": "x"', "not a feed: invalid JSON"),
        ('{"title": "x", "items": []}', "not a feed: JSON without a JSON Feed version"),
        ("[1, 2]", "not a feed: JSON without a JSON Feed version"),
        ('{"version": "https://jsonfeed.org/version/1", "items": 3}', "not a feed: JSON Feed"),
    ],
    ids=["truncated", "no-version", "array", "bad-items"],
)
def test_json_that_is_not_a_json_feed(body: str, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(body, "application/json")
    assert info.value.message.startswith(reason)


# -- sniff_kind --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (RSS2, "text/html", "feed"),  # mislabelled feeds are common
        (ATOM, "", "feed"),
        (RDF, "application/xml", "feed"),
        ('\ufeff<?xml version="1.0"?><!-- c --><rss/>', "text/plain", "feed"),
        ("<!DOCTYPE html><html><head></head></html>", "text/html", "page"),
        ("<!doctype html>\n<title>x</title>", "", "page"),
        ("<html lang=en>", "application/xml", "page"),
        ('<?xml version="1.0"?><urlset/>', "", "feed"),  # unknown XML
        ("<div>fragment</div>", "", "page"),
        ("", "text/html", "page"),
        ("", "application/rss+xml", "feed"),
        ("hello", "", "page"),
        (json.dumps(JSON_FEED_11), "application/json", "feed"),
    ],
)
def test_sniff_kind(body: str, content_type: str, kind: str) -> None:
    assert sniff_kind(fetched(body, content_type)) == kind


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-16"])
def test_sniff_kind_wide_encodings(codec: str) -> None:
    body = '<?xml version="1.0"?><rss version="2.0"/>'.encode(codec)
    assert sniff_kind(fetched(body)) == "feed"


# -- the corpus sweep ----------------------------------------------------------------


def corpus_index() -> dict[str, dict[str, Any]]:
    if not (FEEDS / "index.json").is_file():
        pytest.skip(f"feed corpus not found at {FEEDS} (../shared/corpus/feeds beside the repo)")
    index: dict[str, dict[str, Any]] = json.loads((FEEDS / "index.json").read_text())
    return index


def corpus_result(rel: str, meta: dict[str, Any]) -> FetchResult:
    headers = {k.lower(): v for k, v in (meta.get("http_headers") or {}).items()}
    url = meta.get("http_url") or f"http://127.0.0.1:8097/tests/{rel}"
    return fetched((FEEDS / rel).read_bytes(), headers.get("content-type", ""), url)


def item_problems(item: RawItem) -> list[str]:
    problems = []
    for f in fields(RawItem):
        value = getattr(item, f.name)
        if f.name in ("published", "updated"):
            if value is not None and value.utcoffset() != timedelta(0):
                problems.append(f"{f.name} {value!r} is not aware UTC")
        elif f.name in ("author", "language"):
            if value is not None and not isinstance(value, str):
                problems.append(f"{f.name} is {type(value).__name__}")
        elif not isinstance(value, str):
            problems.append(f"{f.name} is {type(value).__name__}")
    if item.url and not item.url.startswith(("http://", "https://")):
        problems.append(f"url {item.url!r} is not absolute http(s)")
    return problems


def sweep_problem(rel: str, meta: dict[str, Any]) -> str | None:
    """None when the document parsed into well-formed items or raised ParseError."""
    try:
        parsed = parse_feed(corpus_result(rel, meta), "corpus")
    except ParseError as e:
        return f"{rel}: expected not bozo, got {e}" if meta["bozo_expected"] is False else None
    except Exception as e:  # noqa: BLE001 - the sweep reports every crash at once
        return f"{rel}: crashed with {e!r}"
    if not isinstance(parsed.items, tuple) or not isinstance(parsed.title, str):
        return f"{rel}: malformed ParsedSource"
    problems = [p for item in parsed.items for p in item_problems(item)]
    return f"{rel}: {problems[:3]}" if problems else None


UNINDEXED = ("json", "trafilatura-resources")  # index.json lists the XML test files only
GROUPS = ["wellformed", "illformed", "encoding", "entities", "json", "trafilatura-resources"]


@pytest.mark.parametrize("group", GROUPS)
def test_corpus_sweep(group: str) -> None:
    """Every document parses into well-formed items or raises ParseError; never crashes.

    Documents feedparser's own tests expect "not bozo" must never raise.
    """
    index = corpus_index()
    paths = sorted(rel for rel in index if rel.split("/", 1)[0] == group)
    if group in UNINDEXED:
        paths = sorted(p.relative_to(FEEDS).as_posix() for p in (FEEDS / group).iterdir())
        index = {**index, **{p: {"bozo_expected": False} for p in paths if p not in index}}
    assert paths, f"no {group} documents in the corpus"
    problems = [p for rel in paths if (p := sweep_problem(rel, index[rel]))]
    assert not problems, f"{len(problems)} of {len(paths)} failed:\n" + "\n".join(problems[:20])


def test_corpus_json_feeds_parse() -> None:
    corpus_index()
    example = parse_feed(corpus_result("json/example.json", {}), "s")
    assert example.title == "My Example Feed" and len(example.items) == 2
    assert "<script" not in example.items[1].content
    npr = FEEDS / "trafilatura-resources" / "feed.json"
    items = parse_feed(fetched(npr.read_bytes(), "application/json"), "npr").items
    assert len(items) > 10 and all(i.url.startswith("https://") and i.published for i in items)
