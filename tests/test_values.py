"""Issue 13: every value from the network is bounded and cleaned where it enters.

Unit tests at each entry point (topicwire/values.py and the places that use it);
tests/test_hostile_values.py runs the same values through a real `once`/`run`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from fixture_server import FixtureServer

from topicwire.config import SourceConfig
from topicwire.daemon.scheduler import first_runs
from topicwire.errors import ParseError
from topicwire.extract.article import extract_article
from topicwire.extract.build import build_article
from topicwire.feeds.api import _json
from topicwire.feeds.render import render_atom, render_json, render_rss
from topicwire.schedule import MAX_FLOOR, freshness_floor
from topicwire.sources.entries import MAX_TTL_MINUTES, ttl_minutes
from topicwire.sources.feed import parse_feed
from topicwire.sources.fetch import MAX_RETRY_AFTER, Fetcher, parse_retry_after, validator
from topicwire.sources.page import parse_page
from topicwire.sources.robots import MAX_CRAWL_DELAY, RobotsCache, parse_robots
from topicwire.store.codec import EPOCH, from_iso
from topicwire.types import Extracted, FeedDoc, FeedEntry, FetchResult, RawItem
from topicwire.values import bounded_date, noting, plain_name, plain_text, web_url

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
UA = "topicwire-test/1.0"

PLAIN = [
    ("Kremlin <script>alert(1)</script><img src=x onerror=alert(1)>", "Kremlin"),
    ("Kremlin &lt;script&gt;alert(1)&lt;/script&gt; talks", "Kremlin talks"),  # entities revealing markup
    ("AT&amp;T &amp; Verizon", "AT&T & Verizon"),  # decoded once: the writer escapes once
    ("Tom &amp;amp; Jerry", "Tom &amp; Jerry"),  # a literal "&amp;" stays literal
    ("a < b and c > d", "a < b and c > d"),  # no tag
    ("x<3 <3", "x<3 <3"),
    ("<b>Bold</b> <i>move</i>", "Bold move"),
    ("Use <b> for bold", "Use for bold"),  # a title about tags loses them (documented)
    ("<style>p{}</style>Styled", "Styled"),
    ("  spread\n over\tlines  ", "spread over lines"),
    ("Vertical\x0btab\x00 and \ud800 surrogate", "Verticaltab and surrogate"),
    ("<![CDATA[x]]> y", "y"),
    ("Ünïcode «Москва» 東京", "Ünïcode «Москва» 東京"),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "text"), PLAIN, ids=[f"plain-{i}" for i in range(len(PLAIN))])
def test_plain_text(raw: str, text: str) -> None:
    assert plain_text(raw) == text
    assert plain_text(plain_text(raw)) == plain_text(raw) or "&amp;" in raw  # stable, but for literal entities


def test_plain_text_is_bounded() -> None:
    assert len(plain_text("word " * 100_000)) <= 1000
    assert plain_text(None) == "" and plain_text(42) == ""


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Jane Doe <jane@example.org>", "Jane Doe (jane@example.org)"),
        ("<b>Ivan</b><script>alert(1)</script>", "Ivan"),
        ("   ", None),
        ("x" * 1000, "x" * 300),
    ],
    ids=["address", "markup", "blank", "long"],
)
def test_plain_name(raw: str, name: str | None) -> None:
    assert plain_name(raw) == name


URLS = [
    ("http://example.org/a\x01b", "http://example.org/a%01b"),
    ("  http://example.org/a b\n", "http://example.org/a%20b"),
    ("http://example.org/\t\nx", "http://example.org/x"),
    ("/relative?q=1", "http://base.example/relative?q=1"),
    ("javascript:alert(1)", ""),
    ("data:text/html,<script>", ""),
    ("http://example.org:99999/", ""),
    ("http://[broken/", ""),
    ("https:///no-host", ""),
    ("http://example.org/" + "a" * 5000, ""),
    ("HTTPS://Example.org/x", "HTTPS://Example.org/x"),
]


@pytest.mark.parametrize(("raw", "url"), URLS, ids=[f"url-{i}" for i in range(len(URLS))])
def test_web_url(raw: str, url: str) -> None:
    assert web_url(raw, "http://base.example/dir/") == url


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(9999, 12, 31, tzinfo=UTC), None),
        (datetime(1, 1, 1, tzinfo=UTC), None),
        (datetime(2024, 1, 1), datetime(2024, 1, 1, tzinfo=UTC)),
        (datetime(2200, 12, 31, tzinfo=UTC), datetime(2200, 12, 31, tzinfo=UTC)),
        (None, None),
    ],
    ids=["year-9999", "year-1", "naive", "edge", "none"],
)
def test_bounded_date(value: datetime | None, expected: datetime | None) -> None:
    assert bounded_date(value) == expected


# -- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1" + "0" * 30, MAX_RETRY_AFTER),
        ("9" * 400, MAX_RETRY_AFTER),  # float() gives inf
        ("\u00b2", None),  # isdigit() but not a number
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER),
        ("Fri, 31 Dec 9999 23:59:59 -2359", MAX_RETRY_AFTER),
        ("Mon, 01 Jan 0001 00:00:00 GMT", 0.0),  # read as 2001 by email.utils: past
        ("-5", None),
        ("120", 120.0),
    ],
    ids=["1e30", "400-digits", "superscript", "year-9999", "offset", "year-1", "negative", "plain"],
)
def test_retry_after_is_bounded(value: str, expected: float | None) -> None:
    seconds = parse_retry_after(value, NOW)
    assert seconds == expected
    if seconds is not None:
        NOW + timedelta(seconds=seconds)  # what the pipeline does with it: must not overflow


@pytest.mark.parametrize(
    "headers",
    [
        {"cache-control": "max-age=" + "9" * 400},
        {"cache-control": "max-age=5", "age": "9" * 400},
        {"expires": "Fri, 31 Dec 9999 23:59:59 GMT", "date": "Mon, 01 Jan 0001 00:00:00 GMT"},
        {"expires": "Fri, 31 Dec 9999 23:59:59 -2359"},
        {"expires": "Sat, 01 Jan 0000 00:00:00 +2359"},
    ],
    ids=["max-age", "age", "expires-date", "expires-offset", "year-0"],
)
def test_freshness_floor_is_bounded(headers: dict[str, str]) -> None:
    floor = freshness_floor(headers, ttl_minutes("9" * 400), NOW)
    assert floor is None or 0 < floor <= MAX_FLOOR


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("9" * 400, MAX_TTL_MINUTES), ("9" * 5000, None), ("-5", None), ("0", None), ("60", 60), ("soon", None)],
    ids=["400-digits", "5000-digits", "negative", "zero", "hour", "junk"],
)
def test_ttl_is_bounded(value: str, minutes: int | None) -> None:
    assert ttl_minutes(value) == minutes
    freshness_floor({}, ttl_minutes(value), NOW)  # ttl * 60.0 once overflowed float


@pytest.mark.parametrize(
    ("value", "kept"),
    [('"abc"', '"abc"'), ('"abc"\r\n x', None), ("x" * 2000, None), ("  ", None), (None, None)],
    ids=["plain", "folded", "long", "blank", "none"],
)
def test_validators_worth_sending_back(value: str | None, kept: str | None) -> None:
    assert validator(value) == kept


def test_etag_with_control_characters_is_not_sent_back() -> None:
    """Validators with control characters are not echoed back in If-None-Match / If-Modified-Since."""
    with FixtureServer() as server, Fetcher(user_agent=UA, timeout=5, allow_private_addresses=True) as fetcher:
        server.route("/feed.xml", b"<rss/>", headers={"ETag": '"v1\x01"', "Last-Modified": "Mon\x01day"})
        first = fetcher.get(server.url + "/feed.xml")
        assert (first.etag, first.last_modified) == (None, None)
        second = fetcher.get(server.url + "/feed.xml", etag=first.etag, last_modified=first.last_modified)
        assert second.status == 200


def test_crawl_delay_is_bounded() -> None:
    with FixtureServer() as server, Fetcher(user_agent=UA, timeout=5, allow_private_addresses=True) as fetcher:
        server.route("/robots.txt", "User-agent: *\nCrawl-delay: " + "9" * 400 + "\n")
        robots = RobotsCache(fetcher, UA)
        assert robots.crawl_delay(server.url + "/x") == MAX_CRAWL_DELAY


@pytest.mark.parametrize(
    "line",
    ["Crawl-delay: \u00b2", "Crawl-delay: 1\u00b2", "crawl-delay: %C2%B2", "Request-rate: \u00b2/10"],
    ids=["superscript", "digit-then-superscript", "percent-encoded", "request-rate"],
)
def test_a_crawl_delay_that_looks_like_digits_is_ignored_not_a_crash(line: str) -> None:
    """urllib.robotparser takes any str.isdigit() value for a number and int() refuses some
    ("\u00b2" is a digit to isdigit): parse() raised ValueError, so every page of the host
    crashed its poll and robots.txt, never cached, was fetched again each time."""
    rules = parse_robots(f"User-agent: *\n{line}\nDisallow: /private\n\nUser-agent: other\nDisallow: /\n".encode())
    assert rules.crawl_delay(UA) is None and rules.request_rate(UA) is None
    assert rules.can_fetch(UA, "http://a.example/x") and not rules.can_fetch(UA, "http://a.example/private")
    assert not rules.can_fetch("other", "http://a.example/x")  # the groups stay as they were


# -- feed entries ---------------------------------------------------------------------------------


def fetched(body: str | bytes, content_type: str) -> FetchResult:
    raw = body.encode() if isinstance(body, str) else body
    return FetchResult("http://feed.example/f", "http://feed.example/f", 200, raw, content_type)


def test_json_feed_values_are_cleaned() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "<b>Feed</b>",
        "items": [
            {
                "id": "a\x00\x01",
                "url": "http://example.org/a\x01b",
                "title": "Kremlin <script>alert(1)</script>",
                "authors": [{"name": "<i>Olga</i>"}],
                "date_published": "9999-12-31T23:59:59-23:59",
            },
            {"id": 2, "url": "javascript:alert(1)", "title": "x", "date_modified": "0001-01-01T00:00:00+01:00"},
        ],
    }
    parsed = parse_feed(fetched(json.dumps(doc), "application/feed+json"), "s")
    first, second = parsed.items
    assert parsed.title == "Feed"
    assert (first.guid, first.url, first.title, first.author) == ("a", "http://example.org/a%01b", "Kremlin", "Olga")
    assert first.published is None and second.updated is None
    assert second.url == ""


@pytest.mark.parametrize("fast", [True, False], ids=["fastfeed", "feedparser"])
def test_rss_values_are_cleaned(fast: bool) -> None:
    # A <source> element sends the entry down feedparser's path (fastfeed declines it).
    slow = "" if fast else "<source url='http://x.org/'>x</source>"
    body = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        "<title>t</title><ttl>" + "9" * 400 + "</ttl><item>"
        "<title>Kremlin &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</title>"
        "<link>http://example.org/a b</link><guid>g-1</guid><dc:creator>&lt;b&gt;Jane&lt;/b&gt;</dc:creator>"
        f"<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate>{slow}</item></channel></rss>"
    )
    parsed = parse_feed(fetched(body, "application/rss+xml"), "s")
    (item,) = parsed.items
    assert (item.title, item.author, item.url) == ("Kremlin", "Jane", "http://example.org/a%20b")
    assert item.published is None
    assert parsed.ttl_minutes == MAX_TTL_MINUTES


def test_page_metadata_is_cleaned_in_build_article() -> None:
    item = RawItem(source="s", url="http://example.org/a\x01", title="", guid="g\x00")
    page = Extracted(
        text="Body text here.",
        html="<p>Body text here.</p>",
        title="Kremlin &lt;img src=x onerror=alert(1)&gt; talks",
        author="<a href='/x'>Olga</a>",
        canonical_url="http://example.org/canonical\x7f",
    )
    article = build_article(item, page, NOW)
    assert (article.title, article.author) == ("Kremlin talks", "Olga")
    assert article.url == "http://example.org/canonical%7F" and article.guid == "g"


# -- what the store may hold from before ------------------------------------------------------------


def test_unreadable_stored_dates() -> None:
    assert from_iso("not a date") == EPOCH
    assert from_iso("2024-01-01T00:00:00") == datetime(2024, 1, 1, tzinfo=UTC)
    assert from_iso(None) is None


def stored_entry(**changes: object) -> FeedEntry:
    values: dict[str, object] = {
        "id": "urn:topicwire:article:1",
        "title": "Poisoned\x0b <b>title</b>",
        "link": "http://example.org/a\x01b",
        "published": NOW,
        "updated": NOW,
        "summary": "s",
        "content_html": "<p>c</p>",
        "author": "<i>Olga</i>\x00",
        "categories": ("t",),
        "source": "s",
    }
    return FeedEntry(**(values | changes))  # type: ignore[arg-type]


def test_render_cleans_and_skips_what_the_store_holds(caplog: pytest.LogCaptureFixture) -> None:
    bad = stored_entry(id="urn:topicwire:article:2", summary=b"\x00\xff")  # a BLOB: cannot be rendered
    doc = FeedDoc("t", "T", "d", "http://feeds.example/", NOW, (stored_entry(), bad))
    with caplog.at_level(logging.WARNING, logger="topicwire"):
        rss, atom, feed = render_rss(doc), render_atom(doc), json.loads(render_json(doc))
    assert b"<link>http://example.org/a%01b</link>" in rss and b"<title>Poisoned title</title>" in rss
    assert b'href="http://example.org/a%01b"' in atom and b"<name>Olga</name>" in atom
    assert [i["title"] for i in feed["items"]] == ["Poisoned title"]
    skipped = [r for r in caplog.records if r.getMessage() == "feed.entry_skipped"]
    assert len(skipped) == 3 and {r.tw_fields["article"] for r in skipped} == {"urn:topicwire:article:2"}  # type: ignore[attr-defined]


def test_api_answers_whatever_the_store_holds() -> None:
    assert json.loads(_json({"summary": b"\x00\xffx", "title": "a\ud800b"})) == {
        "summary": "\x00\ufffdx",
        "title": "a?b",
    }


def test_listing_page_links_are_cleaned() -> None:
    """Links on a listing page: a control character is encoded, a bad port or scheme drops the link."""
    cards = "".join(
        f'<article><h2><a href="{href}">Officials said the talks on item number {i} went well</a></h2>'
        f"<p>{'Teaser words about the talks in Moscow. ' * 5}</p></article>"
        for i, href in enumerate(
            [
                "/2024/05/01/talks-one\x01.html",
                "/2024/05/01/talks-two.html",
                "http://news.example:99999/2024/05/01/talks-three.html",
                "javascript:alert(1)//2024/05/01/talks-four.html",
                "/2024/05/01/talks-five.html",
            ]
        )
    )
    parsed = parse_page(f"<html><body><main>{cards}</main></body></html>", "http://news.example/", "s")
    urls = [item.url for item in parsed.items]
    assert len(urls) == 3 and any("talks-one" in u for u in urls)  # the parser drops the \x01 itself
    assert all(u.startswith("http://news.example/2024/") and u.isprintable() for u in urls), urls
    assert not any("99999" in u or "javascript" in u for u in urls)


def test_far_stored_due_times_count_as_overdue() -> None:
    sources = (
        SourceConfig("a", "http://a.example/", "feed", 900.0, False),
        SourceConfig("b", "http://b.example/", "feed", 900.0, False),
    )
    runs = first_runs(sources, {"a": datetime(9999, 12, 31, tzinfo=UTC), "b": NOW + timedelta(hours=1)}, NOW)
    assert runs["a"] <= NOW + timedelta(minutes=1) and runs["b"] == NOW + timedelta(hours=1)


def test_noting_counts_what_was_cleaned() -> None:
    with noting() as notes:
        plain_text("Kremlin <script>x</script>")
        plain_text("AT&amp;T")  # entities only: nothing removed
        web_url("javascript:alert(1)")
        web_url("http://example.org/a\x01b")
        web_url("http://example.org:99999/")
        bounded_date(datetime(9999, 1, 1, tzinfo=UTC))
    assert notes == {"markup_removed": 1, "links_refused": 2, "links_repaired": 1, "dates_dropped": 1}
    web_url("javascript:alert(1)")  # outside the block: not counted, nothing raised
    assert sum(notes.values()) == 5


def test_deeply_nested_json_feed_is_a_parse_error() -> None:
    body = '{"version": "https://jsonfeed.org/version/1.1", "items": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_feed(fetched(body, "application/feed+json"), "s")


def test_deeply_nested_json_ld_is_skipped() -> None:
    deep = "[" * 90_000 + "]" * 90_000  # within the block-size cap, past the stack
    authors = "[" * 900 + '"Olga"' + "]" * 900
    html = (
        f'<html><head><script type="application/ld+json">{deep}</script>'
        f'<script type="application/ld+json">{{"@type": "NewsArticle", "author": {authors}}}</script></head>'
        f"<body><article><p>{'Officials in Moscow spoke to reporters. ' * 20}</p></article></body></html>"
    )
    page = extract_article(html, "http://news.example/a")
    assert page.author is None and "Officials" in page.text
